// FakeGraph: the loopback server (fake/loopback_server.h) answering every
// request with one response (or scripted answers per route), in the shapes of the Graph API
// documentation, and recording requests.
#pragma once

#include <string>
#include <vector>

#include "fake/loopback_server.h"

namespace leitplanke::channels::meta::testing {

class FakeGraph {
 public:
  using Request = channels::testing::LoopbackServer::Request;
  using Response = channels::testing::LoopbackServer::Response;

  FakeGraph();

  std::string base_url() const { return server_.base_url(); }
  void SetResponse(Response r) { server_.SetDefault(std::move(r)); }
  // Appends `r` to the answers of `route` ("POST /v19.0/111/photos"), given
  // in order (the last repeats); other routes get SetResponse's answer.
  void Script(const std::string& route, Response r) { server_.Script(route, std::move(r)); }
  std::vector<Request> requests() const { return server_.requests(); }

 private:
  channels::testing::LoopbackServer server_;
};

}  // namespace leitplanke::channels::meta::testing
