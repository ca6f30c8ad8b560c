// Detector "obfuscation": reports the hiding tricks the normaliser undid.
//
// Invisible characters (zero-width, soft hyphen, bidi controls) and look-alike
// letters inside Latin words have no business in a customer reply; their
// presence alone suggests someone is getting text past a filter. The
// normaliser records each as an event with original offsets; this detector
// turns the selected kinds into detections.
//
// Robustness: reads only the normaliser's bounded event list.
#include <string>
#include <vector>

#include "leitplanke/guard/detector.h"

namespace leitplanke::guard::detectors::obfuscation {

namespace {

struct Kind {
  uint32_t bit;
  const char* name;
};
constexpr Kind kKinds[] = {
    {kObfZeroWidth, "zero_width"},
    {kObfSoftHyphen, "soft_hyphen"},
    {kObfBidi, "bidi_control"},
    {kObfHomoglyph, "homoglyph"},
    {kObfLeet, "leet"},
    {kObfSpacedLetters, "spaced_letters"},
    {kObfFullwidth, "fullwidth"},
};

class ObfuscationDetector final : public Detector {
 public:
  explicit ObfuscationDetector(uint32_t mask) : mask_(mask) {}

  ScanControl Scan(const ScanContext& ctx, DetectionSink& sink) const override {
    for (const ObfuscationEvent& e : ctx.folded->events) {
      if (!(e.kind & mask_)) continue;
      Detection d;
      d.view = View::kRaw;
      d.start = e.start;
      d.end = e.end;
      for (const Kind& k : kKinds) {
        if (k.bit == e.kind) d.type = k.name;
      }
      sink.Add(std::move(d));
    }
    return ScanControl::kContinue;
  }

 private:
  const uint32_t mask_;
};

class Factory final : public DetectorFactory {
 public:
  std::string_view name() const override { return "obfuscation"; }
  std::string_view version() const override { return "1"; }
  Result<std::unique_ptr<Detector>> Create(const DetectorParams& params,
                                           const DetectorEnv&) const override {
    LP_RETURN_IF_ERROR(params.CheckKnown({"kinds"}));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> kinds, params.GetStrings("kinds"));
    uint32_t mask = 0;
    if (kinds.empty()) mask = kObfZeroWidth | kObfSoftHyphen | kObfBidi | kObfHomoglyph;
    for (const std::string& k : kinds) {
      bool found = false;
      for (const Kind& known : kKinds) {
        if (k == known.name) {
          mask |= known.bit;
          found = true;
        }
      }
      if (!found) return Status::InvalidArgument("kinds: unknown obfuscation kind '" + k + "'");
    }
    return std::unique_ptr<Detector>(new ObfuscationDetector(mask));
  }
};

}  // namespace

const DetectorFactory& Factory() {
  static const class Factory kFactory;
  return kFactory;
}

}  // namespace leitplanke::guard::detectors::obfuscation
