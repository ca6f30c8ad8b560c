// Fuzz target for the guard's text normaliser (src/guard/normalizer).
//
// Any byte string is a valid input. Besides crashes and sanitizer findings it
// checks the contract of leitplanke/guard/normalizer.h and aborts on a
// violation: the offset map has one entry per output byte, each a non-empty
// span inside the input, both ends non-decreasing; events lie inside the
// input, carry one kind bit that `obfuscation` also has, and are bounded;
// Fold() equals Normalize().text; a reused output buffer gives the same result
// as a fresh one.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "leitplanke/guard/normalizer.h"

namespace {

using leitplanke::guard::NormalizedText;
using leitplanke::guard::Normalizer;

[[noreturn]] void Fail(const char* what, size_t at) {
  std::fprintf(stderr, "normalizer invariant violated: %s (at %zu)\n", what, at);
  std::abort();
}

void Check(std::string_view in, const NormalizedText& t) {
  const size_t n = t.text.size();
  if (t.src_begin.size() != n || t.src_end.size() != n) Fail("offset map size", n);
  for (size_t i = 0; i < n; ++i) {
    if (t.src_begin[i] >= t.src_end[i]) Fail("empty source span", i);
    if (t.src_end[i] > in.size()) Fail("source span beyond input", i);
    if (i > 0 && t.src_begin[i] < t.src_begin[i - 1]) Fail("src_begin decreases", i);
    if (i > 0 && t.src_end[i] < t.src_end[i - 1]) Fail("src_end decreases", i);
  }
  if (t.events.size() > 1024) Fail("unbounded events", t.events.size());
  for (size_t i = 0; i < t.events.size(); ++i) {
    const auto& e = t.events[i];
    if (e.start >= e.end || e.end > in.size()) Fail("event span", i);
    if (e.kind == 0 || (e.kind & (e.kind - 1)) != 0) Fail("event kind is not one bit", i);
    if (!(t.obfuscation & e.kind)) Fail("event kind missing in obfuscation", i);
    if (i > 0 && e.start < t.events[i - 1].start) Fail("events not sorted", i);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<const Normalizer> kNormalizer = [] {
    auto n = Normalizer::Create();
    if (!n.ok()) std::abort();
    return *n;
  }();
  static NormalizedText reused;  // grows across inputs, as in the engine
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  NormalizedText fresh;
  kNormalizer->Normalize(in, &fresh);
  Check(in, fresh);
  kNormalizer->Normalize(in, &reused);
  if (reused.text != fresh.text || reused.src_begin != fresh.src_begin ||
      reused.src_end != fresh.src_end || reused.obfuscation != fresh.obfuscation ||
      reused.events.size() != fresh.events.size()) {
    Fail("reused buffer differs from a fresh one", 0);
  }
  if (kNormalizer->Fold(in) != fresh.text) Fail("Fold() differs from Normalize().text", 0);
  return 0;
}
