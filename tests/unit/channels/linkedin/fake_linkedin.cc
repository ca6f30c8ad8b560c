#include "fake_linkedin.h"

namespace leitplanke::channels::linkedin::testing {

FakeLinkedIn::FakeLinkedIn() {
  Response r;
  r.status = 404;
  r.body = R"({"status":404,"code":"NOT_FOUND","message":"No route"})";
  server_.SetDefault(std::move(r));
}

}  // namespace leitplanke::channels::linkedin::testing
