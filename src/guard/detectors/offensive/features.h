// Text features of the offensive-language classifier: tokens, language guess
// and hashed word / word-bigram / character n-gram features.
//
// The classifier folds text with its OWN fixed rules (below), not with the
// guard's Normalizer: a trained model must see exactly the features it was
// trained on, whatever later changes the normaliser gets. The lexicon, not the
// classifier, is responsible for obfuscated spellings.
//
// Folding per code point: ASCII letters lower-cased; Latin-1 letters folded
// (ä→ae, ö→oe, ü→ue, ß→ss, other accented letters to their base letter);
// other letters kept as their UTF-8 bytes; runs of three or more equal
// letters squeezed to two ("fuuuck" → "fuuck"); apostrophes inside words
// dropped; "#tag" reads "tag"; "@handle" becomes the token "@user"; URLs
// become "<url>"; HTML entities ("&amp;") and the retweet marker "rt" are
// dropped; every emoji or other symbol is a token of its own.
//
// Thread-safety: pure functions; all output goes to caller-owned buffers.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leitplanke::guard::detectors::offensive {

enum class TextLang : uint8_t { kUnknown = 0, kDe = 1, kEn = 2 };
inline constexpr int kNumLangs = 3;
std::string_view TextLangName(TextLang l);  // "", "de", "en"

// One token: its folded form in TokenBuffer::chars and its raw byte span.
struct Token {
  uint32_t begin = 0;  // into TokenBuffer::chars
  uint32_t len = 0;
  uint32_t raw_start = 0;  // byte offsets in the original text, [raw_start, raw_end)
  uint32_t raw_end = 0;
  bool is_word = false;  // letters/digits (char n-grams are taken from words only)
};

struct TokenBuffer {
  std::string chars;
  std::vector<Token> tokens;
  // Words that are German / English function words (Tokenize counts them,
  // GuessLang compares them).
  uint32_t de_votes = 0;
  uint32_t en_votes = 0;
  void Clear() {
    chars.clear();
    tokens.clear();
    de_votes = 0;
    en_votes = 0;
  }
  std::string_view Text(const Token& t) const { return {chars.data() + t.begin, t.len}; }
};

// Splits and folds `text` (any bytes; invalid UTF-8 is skipped). At most
// `max_tokens` tokens are produced (the rest of the text is ignored).
void Tokenize(std::string_view text, TokenBuffer* out, size_t max_tokens = 4096);

// Guesses German or English from the function words of a buffer filled by
// Tokenize(); kUnknown when neither has evidence or both tie.
TextLang GuessLang(const TokenBuffer& tokens);

// Lexicon-hit features: single-word terms of our own lexicon
// (policies/default/lexicon/offensive_*.tsv), folded like the text. A word
// that matches a term (whole word, prefix, suffix or anywhere, as the term's
// mode says) and no `allow` term gets one extra feature per level, shared by
// all words of that level, so the model learns "a listed insult" once and
// applies it to listed words the training data never showed.
enum class LexMode : uint8_t { kWord = 0, kPrefix = 1, kSuffix = 2, kInfix = 3 };
struct LexTerm {
  std::string term;   // folded, at least 3 bytes, at most 64
  uint8_t level = 0;  // 0 allow, 1 profanity, 2 insult, 3 slur
  LexMode mode = LexMode::kWord;
};

class LexiconFeatures {
 public:
  explicit LexiconFeatures(std::vector<LexTerm> terms);
  // Highest level of a term matching the folded word, 0 for none or when
  // an allow term matches. Cost: one bit test per byte of the word, plus a
  // comparison for the rare positions whose first three bytes begin a term.
  uint8_t Match(std::string_view word) const;
  const std::vector<LexTerm>& terms() const { return terms_; }
  // Non-zero if a term may begin with the three bytes in the low 24 bits of
  // `three` (first byte highest): the filter Match() applies per position.
  uint64_t AnchorBit(uint32_t three) const {
    const uint32_t k = (three * 0x9e3779b1u) >> (32 - kKeyBits);
    return anchors_[k >> 6] & (uint64_t{1} << (k & 63));
  }

 private:
  static uint32_t Key(const char* p);
  std::vector<LexTerm> terms_;
  static constexpr uint32_t kKeyBits = 14;
  // 16384-bit (2 KB) filter of the terms' first three bytes: a few hundred
  // terms fill about 1 %, so Match() runs for few words.
  std::array<uint64_t, (size_t{1} << kKeyBits) / 64> anchors_{};
  std::vector<std::pair<uint32_t, uint16_t>> by_key_;  // (key, term index), sorted
};

// Folds a lexicon term with the classifier's rules; empty if it is not a
// single word of 3..64 folded bytes (such terms are left to the lexicon
// half of the detector).
std::string FoldLexTerm(std::string_view term);

struct FeatureConfig {
  uint32_t hash_bits = 20;  // 2^hash_bits weights
  uint8_t char_min = 3;     // character n-grams of "<word>", lengths char_min..char_max
  uint8_t char_max = 5;     // 0 disables character n-grams
  // Character n-grams only of words with at least this many folded bytes
  // (0: all). A short word's n-grams say little its word feature does not,
  // but reach into longer words that begin alike ("ass" → "assist").
  uint8_t char_min_word = 0;
  bool word_bigrams = true;
  // Divide the logit by sqrt(number of features), so long texts do not pile
  // up evidence just by being long.
  bool length_norm = false;
  // Give identity terms ("muslim", "schwul", "afrika", ...; list in
  // features.cc) no features at all, so the model cannot learn that naming a
  // group is offensive and must judge the words around it.
  bool neutral_identity = false;
  // Lexicon-hit features (null: none). Shared and immutable.
  std::shared_ptr<const LexiconFeatures> lexicon;
};

// True if the folded token names an identity group (see neutral_identity).
bool IsIdentityTerm(std::string_view folded_token);

// One hashed feature. `token` is the token it came from (for a bigram, the
// first of the two); kind 0 = word, 1 = bigram, 2 = char n-gram, 3 = bias,
// kNeutral = from an identity term: counts for the length, has no weight.
inline constexpr uint8_t kNeutral = 4;
struct Feature {
  uint32_t bucket;
  uint16_t token;
  uint8_t kind;
};

// Appends the features of `tokens` (plus one language bias feature) to `out`
// (cleared first). Duplicates are kept: counts matter.
void ExtractFeatures(const TokenBuffer& tokens, TextLang lang, const FeatureConfig& config,
                     std::vector<Feature>* out);

// The scoring half of ExtractFeatures without storing anything: adds up
// weights[bucket] over the non-neutral features into *sum and returns the
// number of features ExtractFeatures would produce (neutral ones included).
// `weights` must hold 2^config.hash_bits entries.
size_t SumFeatureWeights(const TokenBuffer& tokens, TextLang lang, const FeatureConfig& config,
                         const int16_t* weights, int64_t* sum);

}  // namespace leitplanke::guard::detectors::offensive
