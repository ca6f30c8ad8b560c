#include "fake_graph.h"

namespace leitplanke::channels::meta::testing {

FakeGraph::FakeGraph() {
  Response r;
  r.body = R"({"recipient_id":"1","message_id":"m_sent"})";
  server_.SetDefault(std::move(r));
}

}  // namespace leitplanke::channels::meta::testing
