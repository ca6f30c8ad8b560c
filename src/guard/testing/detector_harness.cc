#include "guard/testing/detector_harness.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "guard/internal/pattern_set.h"

namespace leitplanke::guard::testing {

struct DetectorHarness::Impl {
  std::unique_ptr<Detector> detector;
  std::unique_ptr<internal::PatternSet> patterns;
  std::unique_ptr<internal::PatternScratch> scratch;
  NormalizedText folded;
};

const Normalizer& TestNormalizer() {
  static const std::shared_ptr<const Normalizer> kNormalizer = [] {
    auto n = Normalizer::Create();
    if (!n.ok()) std::abort();
    return *n;
  }();
  return *kNormalizer;
}

Result<std::unique_ptr<DetectorHarness>> DetectorHarness::Make(const DetectorFactory& factory,
                                                               const DetectorParams& params,
                                                               DetectorEnv env) {
  std::unique_ptr<DetectorHarness> h(new DetectorHarness());
  h->impl_ = std::make_unique<Impl>();
  if (env.normalizer == nullptr) env.normalizer = &TestNormalizer();
  LP_ASSIGN_OR_RETURN(h->impl_->detector, factory.Create(params, env));
  std::vector<internal::OwnedPattern> pats;
  for (PatternSpec& p : h->impl_->detector->Patterns()) pats.push_back({std::move(p), 0});
  LP_ASSIGN_OR_RETURN(h->impl_->patterns,
                      internal::PatternSet::Compile(std::move(pats), 1, [&](uint32_t) {
                        return std::string(factory.name());
                      }));
  LP_ASSIGN_OR_RETURN(h->impl_->scratch, h->impl_->patterns->NewScratch());
  return h;
}

DetectorHarness::~DetectorHarness() = default;

namespace {
class VectorSink : public DetectionSink {
 public:
  void Add(Detection d) override { out.push_back(std::move(d)); }
  std::vector<Detection> out;
};
}  // namespace

std::vector<Hit> DetectorHarness::Run(std::string_view text, Audience audience,
                                      std::string_view channel) {
  Impl& im = *impl_;
  TestNormalizer().Normalize(text, &im.folded);
  std::vector<std::vector<Candidate>> cands(1);
  Status s = im.patterns->Scan(View::kRaw, text, *im.scratch, &cands);
  if (s.ok()) s = im.patterns->Scan(View::kFolded, im.folded.text, *im.scratch, &cands);
  if (!s.ok()) std::abort();
  std::sort(cands[0].begin(), cands[0].end(),
            [](const Candidate& a, const Candidate& b) { return a.to < b.to; });
  ScanContext ctx;
  ctx.raw = text;
  ctx.folded = &im.folded;
  ctx.audience = audience;
  ctx.channel = channel;
  ctx.candidates = cands[0];
  VectorSink sink;
  im.detector->Scan(ctx, sink);
  if (im.detector->NeedsCandidates() && cands[0].empty() && !sink.out.empty()) {
    // The engine would have skipped this Scan() and lost these detections.
    std::fprintf(stderr,
                 "detector harness: NeedsCandidates() is true, but Scan() reported without "
                 "candidates on: %.*s\n",
                 static_cast<int>(text.size()), text.data());
    std::abort();
  }
  std::vector<Hit> hits;
  for (Detection& d : sink.out) {
    Hit h;
    h.type = d.type;
    if (d.view == View::kFolded && d.end > d.start) {
      auto [s0, e0] = im.folded.ToOriginal(d.start, d.end);
      h.start = s0;
      h.end = e0;
    } else {
      h.start = d.start;
      h.end = d.end;
    }
    h.text = std::string(text.substr(h.start, h.end - h.start));
    h.detection = std::move(d);
    hits.push_back(std::move(h));
  }
  return hits;
}

std::string ParamRejectionProblems(
    const DetectorFactory& factory,
    const std::vector<std::pair<std::string, DetectorParams::Value>>& bad) {
  std::string problems;
  for (const auto& [key, value] : bad) {
    DetectorParams p;
    p.Set(key, value);
    auto h = DetectorHarness::Make(factory, p);
    if (h.ok()) {
      problems += key + ": accepted\n";
    } else if (h.status().message().find(key) == std::string::npos) {
      problems += key + ": error does not name it: " + h.status().message() + "\n";
    }
  }
  return problems;
}

std::vector<std::string> ByteSoupTexts(int rounds, uint32_t seed) {
  static const char* const kPieces[] = {"A",
                                        "b",
                                        "DAS ",
                                        "!",
                                        "?",
                                        " ",
                                        "\n",
                                        "\xC3",
                                        "\xA4",
                                        "\xF0\x9F",
                                        "\xE2\x80\x8D",
                                        "\xFF",
                                        "https://x.de/",
                                        "@",
                                        "#",
                                        "(",
                                        "\\",
                                        "e\xCC\x81",
                                        "Sie ",
                                        "du ",
                                        "\xF0\x9D\x85\xA0",
                                        ".",
                                        "www.",
                                        "\xEF\xBC\x81"};
  std::vector<std::string> out;
  uint32_t state = seed;
  for (int round = 0; round < rounds; ++round) {
    std::string text;
    const int n = static_cast<int>(state % 400);
    for (int k = 0; k < n; ++k) {
      state = state * 1103515245u + 12345u;
      text += kPieces[(state >> 16) % std::size(kPieces)];
    }
    out.push_back(std::move(text));
  }
  return out;
}

}  // namespace leitplanke::guard::testing
