// Request and Response: the value types an application handler sees.
//
// A handler receives a fully read `Request` (headers, body, decoded path and
// query parameters) and returns a `Response`. Neither type exposes Beast or
// JSON; they are plain values owned by whoever holds them.
//
// Errors use one JSON shape everywhere:
//   {"error":{"code":"not_found","message":"...","field":"/text"}}
// ("field", a JSON pointer into the request body, is optional). Build them with
// `Response::Error`, `Response::FromStatus` or `Response::Unauthorized`.
//
// Thread-safety: value types; a Request is used by one thread at a time (the
// server hands it to exactly one handler invocation).
#pragma once

#include <any>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leitplanke/base/json_string.h"
#include "leitplanke/base/status.h"

namespace leitplanke::http {

// An ordered list of header fields with case-insensitive names.
class Headers {
 public:
  // The value of the first field called `name` (any case), or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  // Replaces every field called `name` by one field with `value`.
  void Set(std::string_view name, std::string_view value);
  // Appends a field (for repeatable fields such as Set-Cookie).
  void Add(std::string_view name, std::string_view value);
  void Remove(std::string_view name);

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// ASCII case-insensitive equality (header names, tokens).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// A parsed request. Strings are owned copies.
struct Request {
  std::string method;  // upper case as sent: "GET", "POST", ...
  std::string target;  // the raw request target: "/api/v1/users/7?x=1"
  std::string path;    // target without the query, still percent-encoded
  std::string query;   // raw query string without '?'
  // Percent-decoded `{param}` values of the matched route pattern, in order.
  std::vector<std::pair<std::string, std::string>> path_params;
  // Decoded query parameters ('+' is a space), in order of appearance.
  std::vector<std::pair<std::string, std::string>> query_params;
  Headers headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1" (no port)
  std::string request_id;      // also sent back as X-Request-Id
  // The route pattern that matched ("/api/v1/users/{id}"); empty if none.
  std::string route_pattern;
  // Free slot for the application: the pre-handler stores the authenticated
  // principal here and the handler reads it with std::any_cast.
  std::any principal;

  // A path parameter by name; "" when absent (cannot happen for names of the
  // matched pattern).
  std::string_view PathParam(std::string_view name) const;
  // The first query parameter with this name, or nullopt.
  std::optional<std::string_view> Query(std::string_view name) const;
  // The value of cookie `name` from the Cookie header(s), or nullopt.
  std::optional<std::string> Cookie(std::string_view name) const;
  // The Content-Type's media type in lower case without parameters
  // ("application/json"), or "" when absent.
  std::string MediaType() const;
};

// A response built by a handler. The server adds X-Request-Id, default
// security headers (X-Content-Type-Options, Referrer-Policy, a strict
// Content-Security-Policy, X-Frame-Options, Cache-Control: no-store) unless the
// handler set that header itself, and Content-Length.
struct Response {
  int status = 200;
  Headers headers;
  // Sent as Content-Type; "" with a non-empty body means
  // "text/plain; charset=utf-8".
  std::string content_type;
  std::string body;

  // A JSON response; `json` must already be serialized JSON.
  static Response Json(int status, std::string json);
  static Response Text(int status, std::string text);
  static Response NoContent() { return Response{.status = 204}; }
  // The error shape above. `code` is a short snake_case token
  // ("not_found"); `field` a JSON pointer or "".
  static Response Error(int status, std::string_view code, std::string_view message,
                        std::string_view field = {});
  // Maps a non-OK Status with HttpStatusFor; an OK status gives 500 (a bug).
  static Response FromStatus(const Status& status, std::string_view field = {},
                             int exhausted_status = 429);
  // 401 with WWW-Authenticate: Bearer and code "unauthenticated".
  static Response Unauthorized(std::string_view message = "authentication required");
};

// The one mapping of StatusCode to an HTTP status:
//   InvalidArgument 400, OutOfRange 400, NotFound 404, AlreadyExists 409,
//   PermissionDenied 403, FailedPrecondition 409 (the resource's current state
//   forbids the operation, e.g. an edit of a published post), ResourceExhausted
//   `exhausted_status` (429 by default; pass 413 when the limit was a size),
//   Unavailable 503, Unimplemented 501, Internal / DataLoss / anything else 500.
int HttpStatusFor(StatusCode code, int exhausted_status = 429);
// The error "code" token for a status code: "invalid_argument", "not_found", ...
std::string_view ErrorCodeFor(StatusCode code);
// The reason phrase for an HTTP status ("Not Found"), "" if unknown.
std::string_view ReasonPhrase(int status);

// AppendJsonString: see leitplanke/base/json_string.h.
using leitplanke::AppendJsonString;

// Percent-decodes `in` (`plus_is_space` for query strings). nullopt on a
// malformed escape.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space);

}  // namespace leitplanke::http
