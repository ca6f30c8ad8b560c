// Throughput of the `secrets` detector on tweet-sized messages.
//
//   build/<dir>/bench/secrets_bench --benchmark_min_time=1
//
// BM_SecretsScan   Scan() alone, with this detector's Hyperscan candidates
//                  prepared outside the timed region (what the engine hands
//                  over after its shared scan);
// BM_SecretsRawHs  the raw-view Hyperscan scan of this detector's patterns
//                  plus Scan(): an upper bound of the detector's share when
//                  its patterns ran in a database of their own.
// Arguments: see Messages(). Messages are synthetic German and English
// sentences of 300-460 bytes (mean about 380). Counters: bytes/s (MB/s),
// items/s (messages/s), candidates and findings per message.
#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "leitplanke/guard/detector.h"

#include "guard/internal/pattern_set.h"
#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::secrets {
const DetectorFactory& Factory();
}  // namespace leitplanke::guard::detectors::secrets

namespace leitplanke::guard {
namespace {

// Sentence material; includes the detector's keywords in harmless use
// ("Passwort vergessen", "API", "Token", "key takeaway", "Login").
const char* const kWords[] = {
    "Hallo",    "vielen",    "Dank",    "für",      "Ihre",       "Nachricht",
    "wir",      "melden",    "uns",     "morgen",   "Passwort",   "vergessen?",
    "Login",    "über",      "die",     "App",      "Bestellung", "Lieferung",
    "leider",   "später",    "thanks",  "for",      "reaching",   "out",
    "please",   "reset",     "your",    "password", "via",        "the",
    "link",     "API",       "Token",   "key",      "takeaway:",  "secret",
    "sauce",    "Schlüssel", "PIN",     "nie",      "teilen",     "https://example.com/hilfe",
    "#service", "@anna",     "10:30",   "19,99",    "€",          "Vertrag",
    "Rechnung", "account",   "support", "today",    "DM",         "us",
    "order",    "status"};

const char* const kSecrets[] = {
    "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",
    "AKIAAY2JQWXOMDAO2FML",
    "Passwort: Kl4ppt!Nicht",
    "Login: admin / Sommer2024",
    "api_key=3f9c2a7e5b1d4c8e9a0b6d2f7e1c5a3b",
    "sk_live_imQwWrGMaOiITLzghvTiGi2R",
    "https://shop:Wq8zK2pLm@db.example.net/",
    "xoxb-86101345752-156837969018-cK7fErVh4suELEDhrzhEdfhZ",
};

// Plain customer-care vocabulary without the detector's keywords.
const char* const kPlainWords[] = {"Hallo",
                                   "vielen",
                                   "Dank",
                                   "für",
                                   "Ihre",
                                   "Nachricht",
                                   "wir",
                                   "melden",
                                   "uns",
                                   "morgen",
                                   "über",
                                   "die",
                                   "Bestellung",
                                   "Lieferung",
                                   "leider",
                                   "später",
                                   "thanks",
                                   "for",
                                   "reaching",
                                   "out",
                                   "please",
                                   "check",
                                   "the",
                                   "link",
                                   "Paket",
                                   "Filiale",
                                   "Termin",
                                   "#service",
                                   "@anna",
                                   "10:30",
                                   "19,99",
                                   "€",
                                   "Vertrag",
                                   "Rechnung",
                                   "account",
                                   "today",
                                   "DM",
                                   "us",
                                   "order",
                                   "status",
                                   "https://example.com/hilfe"};

std::vector<std::string> Corpus(size_t n, unsigned plant_per_mille, bool plain = false) {
  std::mt19937_64 rng(4711);
  std::vector<std::string> out;
  out.reserve(n);
  const char* const* vocab = plain ? kPlainWords : kWords;
  const size_t words =
      plain ? sizeof(kPlainWords) / sizeof(kPlainWords[0]) : sizeof(kWords) / sizeof(kWords[0]);
  const size_t secrets = sizeof(kSecrets) / sizeof(kSecrets[0]);
  for (size_t i = 0; i < n; ++i) {
    std::string m;
    const size_t target = 300 + rng() % 160;
    bool plant = rng() % 1000 < plant_per_mille;
    while (m.size() < target) {
      if (plant && m.size() >= target / 2) {
        m += kSecrets[rng() % secrets];
        m += ' ';
        plant = false;
        continue;
      }
      m += vocab[rng() % words];
      m += (rng() % 9 == 0) ? ". " : " ";
    }
    out.push_back(std::move(m));
  }
  return out;
}

// Argument: 0 keyword-dense clean traffic (worst case: about 9 keyword
// candidates per message), 100 the same with one message in ten carrying a
// credential, 1 plain traffic without keywords (the common case).
const std::vector<std::string>& Messages(int64_t arg) {
  static const std::vector<std::string> kClean = Corpus(20'000, 0);
  static const std::vector<std::string> kPlanted = Corpus(20'000, 100);
  static const std::vector<std::string> kPlain = Corpus(20'000, 0, true);
  return arg == 0 ? kClean : arg == 1 ? kPlain : kPlanted;
}

class CountSink : public DetectionSink {
 public:
  void Add(Detection) override { ++count; }
  size_t count = 0;
};

struct Compiled {
  std::unique_ptr<Detector> detector;
  std::unique_ptr<internal::PatternSet> set;
  std::unique_ptr<internal::PatternScratch> scratch;
};

Compiled Compile() {
  Compiled c;
  auto det = detectors::secrets::Factory().Create({}, DetectorEnv{});
  if (!det.ok()) std::abort();
  c.detector = std::move(*det);
  std::vector<internal::OwnedPattern> pats;
  for (PatternSpec& p : c.detector->Patterns()) pats.push_back({std::move(p), 0});
  auto set = internal::PatternSet::Compile(std::move(pats), 1, [](uint32_t) { return "secrets"; });
  if (!set.ok()) std::abort();
  c.set = std::move(*set);
  auto scratch = c.set->NewScratch();
  if (!scratch.ok()) std::abort();
  c.scratch = std::move(*scratch);
  return c;
}

void BM_SecretsScan(benchmark::State& state) {
  Compiled c = Compile();
  const auto& msgs = Messages(state.range(0));
  // Candidates per message, prepared once (the engine's shared scan).
  std::vector<std::vector<Candidate>> cands(msgs.size());
  for (size_t i = 0; i < msgs.size(); ++i) {
    std::vector<std::vector<Candidate>> one(1);
    if (!c.set->Scan(View::kRaw, msgs[i], *c.scratch, &one).ok()) std::abort();
    std::sort(one[0].begin(), one[0].end(),
              [](const Candidate& a, const Candidate& b) { return a.to < b.to; });
    cands[i] = std::move(one[0]);
  }
  size_t total_cands = 0;
  for (const auto& c1 : cands) total_cands += c1.size();
  NormalizedText empty;
  CountSink sink;
  size_t bytes = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < msgs.size(); ++i) {
      ScanContext ctx;
      ctx.raw = msgs[i];
      ctx.folded = &empty;
      ctx.candidates = cands[i];
      c.detector->Scan(ctx, sink);
      bytes += msgs[i].size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * msgs.size()));
  state.counters["candidates_per_msg"] =
      static_cast<double>(total_cands) / static_cast<double>(msgs.size());
  state.counters["findings_per_msg"] =
      static_cast<double>(sink.count) / static_cast<double>(state.iterations() * msgs.size());
}
BENCHMARK(BM_SecretsScan)->Arg(0)->Arg(100)->Arg(1);

void BM_SecretsRawHs(benchmark::State& state) {
  Compiled c = Compile();
  const auto& msgs = Messages(state.range(0));
  NormalizedText empty;
  CountSink sink;
  std::vector<std::vector<Candidate>> cands(1);
  size_t bytes = 0;
  for (auto _ : state) {
    for (const std::string& m : msgs) {
      cands[0].clear();
      if (!c.set->Scan(View::kRaw, m, *c.scratch, &cands).ok()) std::abort();
      std::sort(cands[0].begin(), cands[0].end(),
                [](const Candidate& a, const Candidate& b) { return a.to < b.to; });
      ScanContext ctx;
      ctx.raw = m;
      ctx.folded = &empty;
      ctx.candidates = cands[0];
      c.detector->Scan(ctx, sink);
      bytes += m.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * msgs.size()));
}
BENCHMARK(BM_SecretsRawHs)->Arg(0)->Arg(100)->Arg(1);

}  // namespace
}  // namespace leitplanke::guard

BENCHMARK_MAIN();
