// Runs one detector over a text exactly as the engine does: normalise, scan
// both views with the detector's own Hyperscan patterns, Scan(). Lets a
// detector's tests stand without the policy engine.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/guard/detector.h"
#include "leitplanke/guard/normalizer.h"

namespace leitplanke::guard::testing {

struct Hit {
  std::string type;
  std::string text;  // the original text the detection covers
  size_t start = 0;  // original byte offsets
  size_t end = 0;
  Detection detection;
};

class DetectorHarness {
 public:
  // Builds the detector from `params`; fails like the factory fails.
  static Result<std::unique_ptr<DetectorHarness>> Make(const DetectorFactory& factory,
                                                       const DetectorParams& params = {},
                                                       DetectorEnv env = {});
  ~DetectorHarness();

  std::vector<Hit> Run(std::string_view text, Audience audience = Audience::kPublic,
                       std::string_view channel = "");
  const Normalizer& normalizer() const { return *normalizer_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<const Normalizer> normalizer_;
};

// Deterministic pseudo-random texts mixing ASCII, punctuation runs, UTF-8
// fragments, invalid bytes, URLs and pronouns: robustness input for detector
// tests (`rounds` texts of up to 400 pieces each).
std::vector<std::string> ByteSoupTexts(int rounds = 300, uint32_t seed = 12345);

// Builds the detector once per (key, value), each alone in the parameters,
// and returns "" when every one is rejected with an error naming its key;
// otherwise one line per parameter that was accepted or not named.
std::string ParamRejectionProblems(
    const DetectorFactory& factory,
    const std::vector<std::pair<std::string, DetectorParams::Value>>& bad);

// The shared normaliser for tests (built once).
const Normalizer& TestNormalizer();

}  // namespace leitplanke::guard::testing
