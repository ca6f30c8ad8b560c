// FakePds: the loopback server (fake/loopback_server.h) playing a Bluesky
// PDS (with the AppView calls it proxies). It records every request and
// answers /xrpc/<nsid> from, in this order, the one-shot answers queued for
// that nsid, the handler set for it, or 404 MethodNotImplemented. Payloads
// follow the lexicons (com.atproto.server.*, app.bsky.notification.*,
// app.bsky.feed.getPosts, com.atproto.repo.createRecord,
// com.atproto.identity.resolveHandle).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fake/loopback_server.h"

namespace leitplanke::channels::bluesky::testing {

class FakePds {
 public:
  struct Request : channels::testing::LoopbackServer::Request {
    std::string nsid;  // path after /xrpc/
  };
  using Response = channels::testing::LoopbackServer::Response;
  using Handler = std::function<Response(const Request&)>;

  FakePds();

  std::string base_url() const { return server_.base_url(); }
  void SetHandler(const std::string& nsid, Handler h);
  void Set(const std::string& nsid, const Response& r);  // a handler that always answers r
  void Queue(const std::string& nsid, Response r);
  std::vector<Request> requests() const;
  std::vector<Request> requests(const std::string& nsid) const;

  // A JWT whose payload is {"scope":..,"sub":..,"exp":exp_s} (unsigned).
  static std::string Jwt(long long exp_s, const std::string& tag = "a");

 private:
  channels::testing::LoopbackServer server_;
};

}  // namespace leitplanke::channels::bluesky::testing
