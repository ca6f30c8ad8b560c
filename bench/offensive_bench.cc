// Speed of the offensive detector (docs/PERFORMANCE.md).
//
//   BM_ClassifierScore   the classifier alone on tweet-sized texts (target
//                        >= 100,000 texts/s on one core)
//   BM_ClassifierScoreOlid  the same on real tweets (OLID, from $LP_EVAL_DIR)
//   BM_ModelLoad         parsing and validating the embedded model (target
//                        < 200 ms)
//   BM_DetectorScan      lexicon + classifier as the engine runs them
//                        (normalise, Hyperscan on both views, Scan())
//
// The texts are generated here from a small own vocabulary (German and
// English, friendly, rude and mixed), 60-280 bytes each, fixed seed.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "guard/detectors/offensive/model.h"
#include "guard/testing/detector_harness.h"

extern "C" const char lp_offensive_model_begin[];
extern "C" const char lp_offensive_model_end[];

namespace leitplanke::guard::detectors::offensive {
const DetectorFactory& Factory();
}

namespace {

namespace off = leitplanke::guard::detectors::offensive;
using leitplanke::Result;
using leitplanke::Status;

std::string_view Embedded() {
  return {lp_offensive_model_begin,
          static_cast<size_t>(lp_offensive_model_end - lp_offensive_model_begin)};
}

const std::vector<std::string>& Texts() {
  static const std::vector<std::string> kTexts = [] {
    const char* words[] = {"Danke",
                           "für",
                           "Ihre",
                           "Nachricht",
                           "wir",
                           "kümmern",
                           "uns",
                           "sofort",
                           "darum",
                           "der",
                           "Zug",
                           "ist",
                           "wieder",
                           "zu",
                           "spät",
                           "so",
                           "ein",
                           "Mist",
                           "echt",
                           "unfähig",
                           "@DB_Bahn",
                           "#fail",
                           "😡",
                           "👍",
                           "thanks",
                           "for",
                           "reaching",
                           "out",
                           "please",
                           "DM",
                           "us",
                           "your",
                           "order",
                           "number",
                           "this",
                           "is",
                           "the",
                           "worst",
                           "service",
                           "ever",
                           "you",
                           "guys",
                           "are",
                           "useless",
                           "idiots",
                           "love",
                           "it",
                           "great",
                           "https://example.com/help",
                           "Bestellung",
                           "Lieferung",
                           "heute",
                           "morgen",
                           "!!!"};
    const size_t nw = sizeof(words) / sizeof(words[0]);
    uint64_t s = 42;
    std::vector<std::string> out;
    for (int i = 0; i < 4096; ++i) {
      std::string t;
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      size_t target = 60 + (s >> 33) % 220;
      while (t.size() < target) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        if (!t.empty()) t += ' ';
        t += words[(s >> 33) % nw];
      }
      out.push_back(std::move(t));
    }
    return out;
  }();
  return kTexts;
}

void BM_ClassifierScore(benchmark::State& state) {
  Result<off::Model> m = off::Model::Parse(Embedded(), "embedded");
  if (!m.ok()) {
    state.SkipWithError("model does not parse");
    return;
  }
  off::ScoreScratch scratch;
  const std::vector<std::string>& texts = Texts();
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& t = texts[i++ & 4095];
    benchmark::DoNotOptimize(m->Score(t, &scratch).score);
    bytes += t.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ClassifierScore);

// Real tweets: the OLID training file, read in place from $LP_EVAL_DIR
// (skipped when unset).
void BM_ClassifierScoreOlid(benchmark::State& state) {
  const char* dir = std::getenv("LP_EVAL_DIR");
  std::ifstream in(std::string(dir != nullptr ? dir : "") +
                   "/olid_offenseval2019/olid.train.jsonl");
  if (dir == nullptr || !in) {
    state.SkipWithError("set LP_EVAL_DIR to the public data sets");
    return;
  }
  std::vector<std::string> texts;
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("text") && j["text"].is_string()) texts.push_back(j["text"]);
  }
  Result<off::Model> m = off::Model::Parse(Embedded(), "embedded");
  if (!m.ok() || texts.empty()) {
    state.SkipWithError("model or data unusable");
    return;
  }
  off::ScoreScratch scratch;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& t = texts[i++ % texts.size()];
    benchmark::DoNotOptimize(m->Score(t, &scratch).score);
    bytes += t.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ClassifierScoreOlid);

void BM_ModelLoad(benchmark::State& state) {
  for (auto _ : state) {
    Result<off::Model> m = off::Model::Parse(Embedded(), "embedded");
    benchmark::DoNotOptimize(m.ok());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * Embedded().size()));
}
BENCHMARK(BM_ModelLoad)->Unit(benchmark::kMillisecond);

Result<std::string> ReadPack(std::string_view p) {
  std::ifstream in(std::string(LP_BENCH_SOURCE_DIR) + "/policies/default/" + std::string(p),
                   std::ios::binary);
  if (!in) return Status::NotFound(std::string(p));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void BM_DetectorScan(benchmark::State& state) {
  leitplanke::guard::DetectorEnv env;
  env.read_file = ReadPack;
  auto h = leitplanke::guard::testing::DetectorHarness::Make(off::Factory(), {}, env);
  if (!h.ok()) {
    state.SkipWithError("detector does not build");
    return;
  }
  const std::vector<std::string>& texts = Texts();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize((*h)->Run(texts[i++ & 4095]).size());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DetectorScan);

}  // namespace

BENCHMARK_MAIN();
