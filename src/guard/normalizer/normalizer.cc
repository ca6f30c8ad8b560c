// TEMPORARY bootstrap implementation (ASCII lower-casing only) so that the
// tree builds; replaced by the ICU-based normaliser.
#include "leitplanke/guard/normalizer.h"

namespace leitplanke::guard {
namespace {
class AsciiNormalizer final : public Normalizer {
 public:
  void Normalize(std::string_view original, NormalizedText* out) const override {
    out->Clear();
    for (size_t i = 0; i < original.size(); ++i) {
      char c = original[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      out->text.push_back(c);
      out->src_begin.push_back(static_cast<uint32_t>(i));
      out->src_end.push_back(static_cast<uint32_t>(i + 1));
    }
  }
  std::string Fold(std::string_view s) const override {
    NormalizedText t;
    Normalize(s, &t);
    return t.text;
  }
};
}  // namespace

Result<std::shared_ptr<const Normalizer>> Normalizer::Create() {
  return std::shared_ptr<const Normalizer>(std::make_shared<AsciiNormalizer>());
}
}  // namespace leitplanke::guard
