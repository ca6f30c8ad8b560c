// FakeGraph: the loopback server (fake/loopback_server.h) answering every
// request with one scripted response, in the shapes of the Graph API
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
  std::vector<Request> requests() const { return server_.requests(); }

 private:
  channels::testing::LoopbackServer server_;
};

}  // namespace leitplanke::channels::meta::testing
