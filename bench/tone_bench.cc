// Speed of the tone detector's Scan() alone (src/guard/detectors/tone).
//
//   BM_ToneScan/<types>  Scan() over the first 20,000 messages of the
//                        generated guard corpus (bench/corpus_gen.h; mixed
//                        German/English, median 250 characters), raw view
//                        only, with the given tone types enabled. Reports
//                        ns per message and bytes/s.
//
// Normalisation and Hyperscan are not part of it: tone reads only the raw
// text and has no patterns.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "leitplanke/guard/detector.h"

#include "corpus_gen.h"

namespace leitplanke::guard::detectors::tone {
const DetectorFactory& Factory();
}

namespace {

namespace lg = leitplanke::guard;

const std::vector<std::string>& Texts() {
  static const std::vector<std::string> kTexts = [] {
    leitplanke::bench::CorpusOptions o;
    o.messages = 20'000;
    leitplanke::bench::Corpus c = leitplanke::bench::Generate(o);
    std::vector<std::string> t;
    for (auto& m : c.messages) t.push_back(std::move(m.text));
    return t;
  }();
  return kTexts;
}

class CountingSink final : public lg::DetectionSink {
 public:
  void Add(lg::Detection) override { ++count; }
  size_t count = 0;
};

void BM_ToneScan(benchmark::State& state, std::vector<std::string> types) {
  lg::DetectorParams params;
  params.Set("types", types);
  auto detector = leitplanke::guard::detectors::tone::Factory().Create(params, lg::DetectorEnv{});
  if (!detector.ok()) {
    state.SkipWithError("cannot create the tone detector");
    return;
  }
  const std::vector<std::string>& texts = Texts();
  size_t bytes = 0;
  for (const std::string& t : texts) bytes += t.size();
  CountingSink sink;
  for (auto _ : state) {
    for (const std::string& t : texts) {
      lg::ScanContext ctx;
      ctx.raw = t;
      ctx.folded = nullptr;
      (*detector)->Scan(ctx, sink);
    }
  }
  benchmark::DoNotOptimize(sink.count);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * texts.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["ns_per_msg"] =
      benchmark::Counter(static_cast<double>(state.iterations() * texts.size()) * 1e-9,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["detections"] =
      static_cast<double>(sink.count) / static_cast<double>(state.iterations());
}

BENCHMARK_CAPTURE(BM_ToneScan, all, {"shouting", "exclamations", "du_sie_mix"})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ToneScan, shouting, {"shouting"})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ToneScan, exclamations, {"exclamations"})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ToneScan, du_sie_mix, {"du_sie_mix"})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
