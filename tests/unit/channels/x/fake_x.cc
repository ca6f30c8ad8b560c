#include "fake_x.h"

namespace leitplanke::channels::x::testing {

FakeX::FakeX() {
  Response r;
  r.status = 404;
  r.body = R"({"title":"Not Found Error","detail":"no such route in the fake","status":404})";
  server_.SetDefault(std::move(r));
}

}  // namespace leitplanke::channels::x::testing
