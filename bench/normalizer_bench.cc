// Throughput of the guard's normaliser on tweet-sized messages.
//
//   build/<dir>/bench/normalizer_bench --benchmark_min_time=1
//
// The corpus is synthetic: German/English customer-care sentences of about
// 380 bytes with occasional umlauts, numbers, mentions and links; one variant
// adds obfuscation (look-alikes, zero-width, leet, spaced letters).
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "leitplanke/guard/normalizer.h"

namespace leitplanke::guard {
namespace {

const Normalizer& N() {
  static const std::shared_ptr<const Normalizer> kNormalizer = [] {
    auto n = Normalizer::Create();
    if (!n.ok()) std::abort();
    return *n;
  }();
  return *kNormalizer;
}

const char* const kWords[] = {
    "Hallo",
    "vielen",
    "Dank",
    "für",
    "Ihre",
    "Nachricht",
    "wir",
    "melden",
    "uns",
    "bis",
    "morgen",
    "bei",
    "Ihnen",
    "Grüße",
    "Team",
    "Service",
    "Bestellung",
    "Lieferung",
    "leider",
    "später",
    "möglich",
    "schön",
    "über",
    "Kunden",
    "thanks",
    "for",
    "reaching",
    "out",
    "we",
    "will",
    "check",
    "your",
    "order",
    "please",
    "send",
    "us",
    "a",
    "DM",
    "with",
    "the",
    "details",
    "sorry",
    "about",
    "delay",
    "update",
    "account",
    "support",
    "today",
    "Rückmeldung",
    "gerne",
    "Woche",
    "Zugang",
    "Problem",
    "gelöst",
    "App",
    "Version",
    "2024",
    "17:30",
    "@support",
    "#service",
    "https://example.com/help",
    "100%",
    "ok",
    "!",
};

std::string MakeMessage(std::mt19937& rng, size_t target, bool obfuscate) {
  std::string m;
  while (m.size() < target) {
    if (!m.empty()) m += ' ';
    m += kWords[rng() % std::size(kWords)];
    if (rng() % 11 == 0) m += rng() % 2 ? "," : ".";
    if (obfuscate && rng() % 6 == 0) {
      const char* const kTricks[] = {"Fа\u200Blke",  "Pr0jekt",    "P r o j e k t",
                                     "ΡrojеktFаlke", "Ｆａｌｋｅ", "b@nk"};
      m += ' ';
      m += kTricks[rng() % std::size(kTricks)];
    }
  }
  return m;
}

std::vector<std::string> Corpus(bool obfuscate) {
  std::mt19937 rng(42);
  std::vector<std::string> out;
  for (int i = 0; i < 1000; ++i) out.push_back(MakeMessage(rng, 360 + rng() % 40, obfuscate));
  return out;
}

void RunCorpus(benchmark::State& state, const std::vector<std::string>& corpus) {
  NormalizedText t;
  size_t bytes = 0;
  size_t i = 0;
  for (auto _ : state) {
    const std::string& m = corpus[i];
    N().Normalize(m, &t);
    benchmark::DoNotOptimize(t.text.data());
    bytes += m.size();
    if (++i == corpus.size()) i = 0;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}

void BM_NormalizeTweets(benchmark::State& state) {
  static const std::vector<std::string> corpus = Corpus(false);
  RunCorpus(state, corpus);
}
BENCHMARK(BM_NormalizeTweets);

void BM_NormalizeObfuscatedTweets(benchmark::State& state) {
  static const std::vector<std::string> corpus = Corpus(true);
  RunCorpus(state, corpus);
}
BENCHMARK(BM_NormalizeObfuscatedTweets);

void BM_NormalizeAsciiOnly(benchmark::State& state) {
  static const std::vector<std::string> corpus = [] {
    std::vector<std::string> c = Corpus(false);
    for (std::string& m : c) {
      for (char& ch : m) {
        if (static_cast<unsigned char>(ch) >= 0x80) ch = 'x';
      }
    }
    return c;
  }();
  RunCorpus(state, corpus);
}
BENCHMARK(BM_NormalizeAsciiOnly);

void BM_NormalizeLarge(benchmark::State& state) {
  static const std::string big = [] {
    std::string s;
    for (const std::string& m : Corpus(false)) s += m + "\n";
    return s;
  }();
  NormalizedText t;
  for (auto _ : state) {
    N().Normalize(big, &t);
    benchmark::DoNotOptimize(t.text.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(big.size() * state.iterations()));
}
BENCHMARK(BM_NormalizeLarge);

void BM_FoldLexiconEntry(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(N().Fold("Projekt Falke"));
}
BENCHMARK(BM_FoldLexiconEntry);

void BM_Create(benchmark::State& state) {
  for (auto _ : state) {
    auto n = Normalizer::Create();
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_Create)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace leitplanke::guard

BENCHMARK_MAIN();
