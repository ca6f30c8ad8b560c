// Throughput of the `pii` detector on tweet-sized messages.
//
//   build/<dir>/bench/pii_bench --benchmark_min_time=1
//
// Two figures:
//   BM_PiiScan     the detector's own cost: Scan() with the folded view and
//                  the Hyperscan candidates prepared beforehand, as the
//                  engine hands them over;
//   BM_PiiHarness  the whole single-detector path (normalise, Hyperscan on
//                  both views, Scan()) via the test harness.
// The corpus is synthetic: German/English customer-care sentences of about
// 380 bytes. Argument 0: clean traffic; argument 100: one message in ten
// carries a value (e-mail, phone, IBAN, card, customer number, address,
// birth date, IP). Counters: bytes/s (MB/s) and items/s (messages/s).
#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "leitplanke/guard/detector.h"

#include "guard/internal/pattern_set.h"
#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::pii {
const DetectorFactory& Factory();
}  // namespace leitplanke::guard::detectors::pii

namespace leitplanke::guard {
namespace {

const char* const kWords[] = {
    "Hallo",     "vielen",  "Dank",     "für",      "Ihre",    "Nachricht", "wir",     "melden",
    "uns",       "morgen",  "bei",      "Ihnen",    "Grüße",   "Team",      "Service", "Bestellung",
    "Lieferung", "leider",  "später",   "möglich",  "über",    "Kunden",    "thanks",  "for",
    "reaching",  "out",     "we",       "will",     "check",   "your",      "order",   "please",
    "send",      "us",      "a",        "DM",       "with",    "the",       "details", "sorry",
    "about",     "delay",   "update",   "account",  "support", "today",     "gerne",   "Woche",
    "Tarif",     "Vertrag", "Rechnung", "Paket",    "Filiale", "Termin",    "um",      "10:30",
    "am",        "12.05.",  "3",        "Tage",     "19,99",   "€",         "2",       "Stück",
    "Weg",       "Platz",   "@anna",    "#service", "^mk"};

const char* const kValues[] = {
    "anna.mueller@example.de",       "+49 30 1234567",      "0171 2345678",
    "DE89 3704 0044 0532 0130 00",   "4111 1111 1111 1111", "Kundennr. 4711-22",
    "Musterstraße 12, 10115 Berlin", "geb. 12.03.1985",     "192.168.1.1",
    "Vertragsnummer VT-2024-00815"};

// `plant_per_mille`: messages per thousand that carry one value.
std::vector<std::string> Corpus(size_t n, unsigned plant_per_mille) {
  std::mt19937_64 rng(20261128);
  std::vector<std::string> out;
  out.reserve(n);
  const size_t words = sizeof(kWords) / sizeof(kWords[0]);
  const size_t values = sizeof(kValues) / sizeof(kValues[0]);
  for (size_t i = 0; i < n; ++i) {
    std::string m;
    const size_t target = 300 + rng() % 160;
    const bool plant = rng() % 1000 < plant_per_mille;
    const size_t at = target / 2;
    while (m.size() < target) {
      if (plant && m.size() >= at && m.size() < at + 8) {
        m += kValues[rng() % values];
        m += ' ';
        continue;
      }
      m += kWords[rng() % words];
      m += (rng() % 9 == 0) ? ". " : " ";
    }
    out.push_back(std::move(m));
  }
  return out;
}

// Clean traffic (0) or one message in ten carrying a value (100).
const std::vector<std::string>& Messages(int64_t plant_per_mille) {
  static const std::vector<std::string> kClean = Corpus(20'000, 0);
  static const std::vector<std::string> kPlanted = Corpus(20'000, 100);
  return plant_per_mille == 0 ? kClean : kPlanted;
}

size_t TotalBytes(const std::vector<std::string>& msgs) {
  size_t b = 0;
  for (const std::string& m : msgs) b += m.size();
  return b;
}

class NullSink : public DetectionSink {
 public:
  void Add(Detection) override { ++count; }
  size_t count = 0;
};

void BM_PiiScan(benchmark::State& state) {
  const Normalizer& norm = testing::TestNormalizer();
  DetectorEnv env;
  env.normalizer = &norm;
  auto det = detectors::pii::Factory().Create({}, env);
  if (!det.ok()) std::abort();
  std::vector<internal::OwnedPattern> pats;
  for (PatternSpec& p : (*det)->Patterns()) pats.push_back({std::move(p), 0});
  auto set = internal::PatternSet::Compile(std::move(pats), 1, [](uint32_t) { return "pii"; });
  if (!set.ok()) std::abort();
  auto scratch = (*set)->NewScratch();
  if (!scratch.ok()) std::abort();
  // Prepare what the engine would hand over, a chunk at a time and outside
  // the timed region, so that the folded view and candidates are as warm in
  // the cache as they are right after the engine produced them.
  const auto& msgs = Messages(state.range(0));
  constexpr size_t kChunk = 64;
  std::vector<NormalizedText> folded(kChunk);
  std::vector<std::vector<Candidate>> cands(kChunk);
  size_t total_cands = 0;
  NullSink sink;
  for (auto _ : state) {
    for (size_t base = 0; base < msgs.size(); base += kChunk) {
      const size_t n = std::min(kChunk, msgs.size() - base);
      state.PauseTiming();
      for (size_t k = 0; k < n; ++k) {
        norm.Normalize(msgs[base + k], &folded[k]);
        std::vector<std::vector<Candidate>> c(1);
        if (!(*set)->Scan(View::kRaw, msgs[base + k], **scratch, &c).ok()) std::abort();
        if (!(*set)->Scan(View::kFolded, folded[k].text, **scratch, &c).ok()) std::abort();
        std::sort(c[0].begin(), c[0].end(),
                  [](const Candidate& a, const Candidate& b) { return a.to < b.to; });
        total_cands += c[0].size();
        cands[k] = std::move(c[0]);
      }
      state.ResumeTiming();
      for (size_t k = 0; k < n; ++k) {
        ScanContext ctx;
        ctx.raw = msgs[base + k];
        ctx.folded = &folded[k];
        ctx.candidates = cands[k];
        (*det)->Scan(ctx, sink);
      }
    }
  }
  state.counters["candidates_per_msg"] =
      static_cast<double>(total_cands) / static_cast<double>(msgs.size() * state.iterations());
  benchmark::DoNotOptimize(sink.count);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes(msgs)));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * msgs.size()));
  state.counters["detections_per_pass"] =
      static_cast<double>(sink.count) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_PiiScan)->Arg(0)->Arg(100)->Unit(benchmark::kMillisecond);

void BM_PiiHarness(benchmark::State& state) {
  auto h = testing::DetectorHarness::Make(detectors::pii::Factory());
  if (!h.ok()) std::abort();
  const auto& msgs = Messages(state.range(0));
  size_t hits = 0;
  for (auto _ : state) {
    for (const std::string& m : msgs) hits += (*h)->Run(m).size();
  }
  benchmark::DoNotOptimize(hits);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes(msgs)));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * msgs.size()));
}
BENCHMARK(BM_PiiHarness)->Arg(0)->Arg(100)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace leitplanke::guard

BENCHMARK_MAIN();
