// Router: maps method + path pattern to a handler.
//
// Patterns are absolute paths whose segments are literals or `{name}`
// parameters: "/api/v1/users/{id}". Matching is exact per segment (no
// wildcards, no trailing-slash folding); literal segments win over parameters
// when two patterns could match the same path. A HEAD request is served by the
// GET route of its path (the body is dropped).
//
// Every route declares how it runs:
//   kInline   on the I/O thread. Only for fast, CPU-only, non-blocking work
//             (the guard check). Never block here: it stalls every connection
//             of that thread.
//   kBlocking on the worker pool (database, password hashing, files). The I/O
//             threads keep serving other connections meanwhile.
//   kSse      a Server-Sent-Events stream: the SSE handler runs on the I/O
//             thread and returns either a rejection or a subscription on an
//             EventHub (see event_hub.h); the connection then stays open.
//
// The pre-handler (SetPreHandler) runs before every handler, on the same kind
// of thread as the route, with the matched Route (its `permission` is opaque
// to this module). Returning a Response short-circuits the request; returning
// nullopt lets the handler run. Typical use: authenticate, store the principal
// in `request.principal`, check `route.permission`.
//
// Usage:
//   Router router;
//   LP_RETURN_IF_ERROR(router.Handle("GET", "/api/v1/users/{id}", GetUser,
//                                   {.kind = RouteKind::kBlocking,
//                                    .permission = "users.read",
//                                    .summary = "Read one user", .tag = "users"}));
//
// Thread-safety: build the router on one thread, then hand it to the Server;
// afterwards it is immutable and shared by all threads.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/status.h"

#include "http/message.h"

namespace leitplanke::http {

class EventHub;

enum class RouteKind { kInline, kBlocking, kSse };
std::string_view RouteKindName(RouteKind kind);  // "inline", "blocking", "sse"

using Handler = std::function<Response(Request&)>;

// What an SSE handler returns: Subscribe(hub, topics) to open the stream, or
// Reject(response) to answer normally (e.g. 403).
struct SseReply {
  std::optional<Response> rejection;
  EventHub* hub = nullptr;  // not owned; must outlive the Server
  std::vector<std::string> topics;

  static SseReply Subscribe(EventHub& hub, std::vector<std::string> topics) {
    return SseReply{std::nullopt, &hub, std::move(topics)};
  }
  static SseReply Reject(Response response) { return SseReply{std::move(response), nullptr, {}}; }
};
using SseHandler = std::function<SseReply(Request&)>;

struct RouteOptions {
  RouteKind kind = RouteKind::kInline;
  std::string permission;  // "" = public; opaque to http, read by the pre-handler
  std::string summary;     // one line for the API documentation
  std::string tag;         // grouping for the API documentation
  // Largest request body this route accepts, in bytes; 0 = the server's
  // ServerOptions::body_limit. The server looks the route up after the
  // header and refuses a larger body with 413 before reading it.
  std::size_t body_limit = 0;
};

struct Route {
  std::string method;   // "GET", "POST", "PUT", "PATCH", "DELETE", ...
  std::string pattern;  // "/api/v1/users/{id}"
  RouteOptions options;
  Handler handler;         // kInline / kBlocking
  SseHandler sse_handler;  // kSse
};

// The documentation view of a route (for the application's OpenAPI document).
struct RouteInfo {
  std::string method;
  std::string pattern;
  std::string permission;
  std::string summary;
  std::string tag;
  RouteKind kind;
};

using PreHandler = std::function<std::optional<Response>(Request&, const Route&)>;

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Adds a route. InvalidArgument for a malformed pattern or method, an empty
  // handler, or a kind that does not fit; AlreadyExists for a duplicate
  // method + pattern.
  Status Handle(std::string_view method, std::string_view pattern, Handler handler,
                RouteOptions options = {});
  // Adds a GET route of kind kSse (options.kind is ignored).
  Status HandleSse(std::string_view pattern, SseHandler handler, RouteOptions options = {});

  void SetPreHandler(PreHandler pre_handler);
  const PreHandler& pre_handler() const;

  // All routes in registration order.
  std::vector<RouteInfo> routes() const;

  // Calls `fn` for every route, in registration order (pointers stay valid
  // as long as the router lives and no route is added).
  void ForEachRoute(const std::function<void(const Route&)>& fn) const;

  // Matching (used by the server; public for tests).
  struct Match {
    const Route* route = nullptr;  // null: see path_exists
    bool path_exists = false;      // some route has this path, with another method
    std::string allow;             // for 405: "GET, HEAD, POST"
  };
  // `path` is the raw (percent-encoded) path. On a match, fills `params` with
  // the decoded parameters; a malformed escape in a parameter gives
  // InvalidArgument.
  Status Find(std::string_view method, std::string_view path, Match* match,
              std::vector<std::pair<std::string, std::string>>* params) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leitplanke::http
