// FakeX: the loopback server (fake/loopback_server.h) in the shapes of the X
// API v2 documentation. Answers are scripted per "METHOD /path" (query
// ignored): each request takes the oldest answer of its route not yet
// given; once all were given, the last one repeats. Unscripted routes get
// 404. Every request is recorded.
#pragma once

#include <string>
#include <vector>

#include "fake/loopback_server.h"

namespace leitplanke::channels::x::testing {

class FakeX {
 public:
  using Request = channels::testing::LoopbackServer::Request;
  using Response = channels::testing::LoopbackServer::Response;

  FakeX();

  std::string base_url() const { return server_.base_url(); }
  // Appends an answer for `route`, e.g. "POST /2/tweets".
  void Script(const std::string& route, Response r) { server_.Script(route, std::move(r)); }
  std::vector<Request> requests() const { return server_.requests(); }
  void ClearRequests() { server_.ClearRequests(); }

 private:
  channels::testing::LoopbackServer server_;
};

}  // namespace leitplanke::channels::x::testing
