// A deterministic corpus of tweet-like customer-care messages for the guard's
// end-to-end benchmark.
//
// What it makes: German and English messages of 20–2,000 characters (code
// points; median 250, about 56 % at most 280), written from the generator's
// own word lists and sentence templates, with planted items: e-mail addresses,
// German phone numbers, German IBANs with valid mod-97 check digits,
// Luhn-valid card numbers, API keys of several formats, insults, and terms of
// a generated company lexicon (5,000 invented code and project names, mostly
// multi-word) in about 2 % of the messages.
//
// Determinism: the output depends only on CorpusOptions. The random source is
// a self-contained xoshiro256** and every distribution is integer arithmetic
// or exact double operations, so the corpus is the same on every platform
// and compiler. Changing the generator changes every benchmark figure:
// tests/unit/bench/corpus_gen_test.cc pins a fingerprint so that happens only
// on purpose.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace leitplanke::bench {

// What a message carries on purpose.
enum class PlantKind : uint8_t {
  kEmail = 0,
  kPhone,
  kIban,
  kCard,
  kApiKey,
  kInsult,
  kLexicon,
};
inline constexpr int kPlantKinds = 7;
std::string_view PlantKindName(PlantKind k);

struct Planted {
  PlantKind kind;
  std::string value;  // exactly as it appears in the message text
};

struct Message {
  std::string text;  // valid UTF-8
  bool german = true;
  std::vector<Planted> planted;
  bool Has(PlantKind k) const;
};

struct CorpusOptions {
  size_t messages = 100'000;
  size_t lexicon_terms = 5'000;
  uint64_t seed = 0x1e17b1a4e2026ULL;
  // Probability per message of each planted kind (independent draws).
  double email_rate = 0.03;
  double phone_rate = 0.02;
  double iban_rate = 0.01;
  double card_rate = 0.005;
  double api_key_rate = 0.005;
  double insult_rate = 0.02;
  double lexicon_rate = 0.02;
};

struct Corpus {
  std::vector<Message> messages;
  std::vector<std::string> lexicon;  // unique; one term per entry
  size_t total_bytes = 0;
};

// The lexicon alone (same terms as Generate() returns for the same options).
std::vector<std::string> GenerateLexicon(const CorpusOptions& options);

Corpus Generate(const CorpusOptions& options = {});

// Length in code points (UTF-8 lead bytes).
size_t CodePoints(std::string_view s);

// Checks used by the generator and its test. Digits may be separated by
// spaces or hyphens; other characters make the value invalid.
bool LuhnValid(std::string_view number);
bool IbanValid(std::string_view iban);

// FNV-1a over every message and lexicon term; pins the corpus in tests.
uint64_t Fingerprint(const Corpus& corpus);

}  // namespace leitplanke::bench
