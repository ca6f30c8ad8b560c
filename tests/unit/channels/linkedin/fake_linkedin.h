// FakeLinkedIn: the loopback server (fake/loopback_server.h) answering each
// request by route (method and path without the query), in the shapes of
// LinkedIn's REST API documentation, and recording requests. Unrouted
// requests get 404 with a LinkedIn error body.
#pragma once

#include <string>
#include <vector>

#include "fake/loopback_server.h"

namespace leitplanke::channels::linkedin::testing {

class FakeLinkedIn {
 public:
  using Request = channels::testing::LoopbackServer::Request;
  using Response = channels::testing::LoopbackServer::Response;

  FakeLinkedIn();

  std::string base_url() const { return server_.base_url(); }
  // Answers `method` `path` (percent-encoded as on the wire) with `r`.
  void Route(const std::string& method, const std::string& path, Response r) {
    server_.Route(method + " " + path, std::move(r));
  }
  // Appends `r` to the answers of `method` `path`, given in order (the
  // last repeats).
  void Script(const std::string& method, const std::string& path, Response r) {
    server_.Script(method + " " + path, std::move(r));
  }
  // Answers `method` `path` with `h`'s response (for one path whose
  // answer depends on the query, e.g. ?action=initializeUpload).
  void Handle(const std::string& method, const std::string& path,
              channels::testing::LoopbackServer::Handler h) {
    server_.Handle(method + " " + path, std::move(h));
  }
  std::vector<Request> requests() const { return server_.requests(); }
  void ClearRequests() { server_.ClearRequests(); }

 private:
  channels::testing::LoopbackServer server_;
};

}  // namespace leitplanke::channels::linkedin::testing
