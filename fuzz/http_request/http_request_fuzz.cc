// Fuzz target for the HTTP request path (src/http): raw bytes go through
// Beast's parser with the server's default limits, the target split and query
// decoding, the router and the cookie/media-type helpers; the body goes
// through ParseJsonText and the typed getters. Any input must give a value or
// a clean error. It also checks that every error Response of the JSON helpers
// is a 4xx/5xx carrying the error shape.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "http/internal/raw_request.h"
#include "http/json_body.h"
#include "http/router.h"

namespace {

using namespace leitplanke::http;  // NOLINT(google-build-using-namespace)

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "http fuzz invariant violated: %s\n", what);
  std::abort();
}

template <class T>
void CheckResult(const JsonResult<T>& r) {
  if (r.has_value()) return;
  const Response& e = r.error();
  if (e.status < 400 || e.status > 599) Fail("error response with a non-error status");
  if (e.body.rfind(R"({"error":{"code":)", 0) != 0) Fail("error body without the error shape");
}

const Router& TheRouter() {
  static const Router* router = [] {
    auto* r = new Router();
    auto ok = [](Request&) { return Response::NoContent(); };
    if (!r->Handle("POST", "/api/v1/check", ok).ok() ||
        !r->Handle("GET", "/api/v1/users/{id}", ok).ok() ||
        !r->Handle("GET", "/api/v1/users/me", ok).ok() ||
        !r->Handle("PATCH", "/api/v1/conversations/{id}/messages/{mid}", ok).ok()) {
      Fail("router set-up");
    }
    return r;
  }();
  return *router;
}

void FuzzJson(std::string_view text) {
  JsonResult<nlohmann::json> doc = ParseJsonText(text);
  CheckResult(doc);
  if (!doc) return;
  for (const char* ptr : {"/text", "/channel", "/n", "/tags", "/a/b", "/0", "/items/1/x"}) {
    CheckResult(GetString(*doc, ptr));
    CheckResult(GetOptionalString(*doc, ptr));
    CheckResult(GetInt(*doc, ptr));
    CheckResult(GetOptionalInt(*doc, ptr));
    CheckResult(GetBool(*doc, ptr));
    CheckResult(GetOptionalBool(*doc, ptr));
    CheckResult(GetStringArray(*doc, ptr));
    CheckResult(GetObject(*doc, ptr));
  }
  CheckResult(GetObject(*doc, ""));
  (void)doc->dump();  // nesting is bounded, so serialising cannot overflow
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  Request request;
  leitplanke::Status s = internal::ParseRawRequest(raw, 16 << 10, 1 << 20, &request);
  if (s.ok()) {
    Router::Match match;
    std::vector<std::pair<std::string, std::string>> params;
    (void)TheRouter().Find(request.method, request.path, &match, &params);
    (void)request.Cookie("session");
    (void)request.MediaType();
    CheckResult(ParseJsonBody(request));
    FuzzJson(request.body);
  }
  // The bytes themselves as a JSON body too, so the JSON mapping is fuzzed
  // without needing a valid request around it.
  FuzzJson(raw);
  return 0;
}
