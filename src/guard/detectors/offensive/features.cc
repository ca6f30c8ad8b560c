// Tokenizer, language guess and feature hashing of the offensive classifier.
//
// Everything here runs once per text on the hot path, so it works on byte
// buffers owned by the caller, decodes UTF-8 by hand only where needed and
// hashes n-grams incrementally (one pass per start position).
#include "guard/detectors/offensive/features.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "leitplanke/base/utf8.h"

namespace leitplanke::guard::detectors::offensive {

std::string_view TextLangName(TextLang l) {
  switch (l) {
    case TextLang::kDe:
      return "de";
    case TextLang::kEn:
      return "en";
    default:
      return "";
  }
}

namespace {

constexpr size_t kMaxTokenChars = 64;

bool IsAsciiAlnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// ASCII letters and digits folded to lower case; 0 for every other byte.
constexpr std::array<char, 256> kAsciiFold = [] {
  std::array<char, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<char>(c);
  for (int c = 'a'; c <= 'z'; ++c) t[c] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = static_cast<char>(c - 'A' + 'a');
  return t;
}();

// Folding of U+00C0..U+00FF; empty = not a letter.
const char* FoldLatin1(char32_t cp) {
  static constexpr std::array<const char*, 64> kTable = {
      "a", "a", "a", "a", "ae", "a", "ae", "c", "e", "e", "e", "e", "i",  "i", "i",  "i",   // C0
      "d", "n", "o", "o", "o",  "o", "oe", "",  "o", "u", "u", "u", "ue", "y", "th", "ss",  // D0
      "a", "a", "a", "a", "ae", "a", "ae", "c", "e", "e", "e", "e", "i",  "i", "i",  "i",   // E0
      "d", "n", "o", "o", "o",  "o", "oe", "",  "o", "u", "u", "u", "ue", "y", "th", "y"};  // F0
  return kTable[cp - 0xC0];
}

bool IsIgnorable(char32_t cp) {
  return cp == 0xFE0F || cp == 0xFE0E || cp == 0x200D || cp == 0x200B || cp == 0x200C ||
         cp == 0x00AD || cp == 0x2060 || cp == 0xFEFF || (cp >= 0x1F3FB && cp <= 0x1F3FF);
}

bool IsApostrophe(char32_t cp) { return cp == '\'' || cp == 0x2019; }

// Letters outside Latin-1 that stay part of words (Latin Extended, Greek,
// Cyrillic, ... up to the general punctuation block).
bool IsOtherLetter(char32_t cp) { return cp >= 0x100 && cp < 0x2000; }

// Emoji and other symbols: each one a token.
bool IsSymbolToken(char32_t cp) {
  return (cp >= 0x2190 && cp < 0x2C00) || (cp >= 0x1F000 && cp < 0x1FB00);
}

// Function words, folded. Words that are common in both languages ("in",
// "so", "was", "man", "an", "will") are left out on purpose.
constexpr std::string_view kGermanWords[] = {
    "aber",  "auch",   "auf",  "bei",  "bin",   "bist",  "dass", "dem",   "den",   "der",
    "des",   "dich",   "die",  "dir",  "doch",  "du",    "ein",  "eine",  "einen", "einer",
    "er",    "es",     "euch", "fuer", "haben", "hat",   "ich",  "ihr",   "ist",   "ja",
    "kein",  "keine",  "mal",  "mich", "mir",   "mit",   "nach", "nicht", "noch",  "nur",
    "oder",  "schon",  "sehr", "sich", "sie",   "sind",  "uns",  "und",   "vom",   "von",
    "wenn",  "werden", "wie",  "wir",  "wird",  "zu",    "zum",  "zur",   "im",    "ueber",
    "jetzt", "immer",  "hier", "gibt", "kann",  "nichts"};
constexpr std::string_view kEnglishWords[] = {
    "the",  "and",  "is",   "are",  "you",  "i",     "to",    "of",    "that",  "it",   "for",
    "this", "with", "be",   "not",  "they", "have",  "has",   "he",    "she",   "we",   "my",
    "your", "on",   "at",   "but",  "what", "if",    "just",  "like",  "do",    "dont", "can",
    "all",  "get",  "me",   "no",   "or",   "his",   "her",   "its",   "im",    "him",  "them",
    "who",  "how",  "when", "were", "been", "would", "about", "there", "their", "out",  "up"};

// Words of up to 8 bytes packed into an integer: language guessing then
// costs one probe of a small open-addressing table per short token.
constexpr uint64_t Pack(std::string_view w) {
  uint64_t k = 0;
  for (char c : w) k = (k << 8) | static_cast<unsigned char>(c);
  return k;
}

// The same key for a token of 1..6 bytes with at most two loads each of
// which may overlap (no loop whose exit the branch predictor must guess).
// Bytes are combined as Pack() does, so the tables need no second form.
uint64_t PackShort(const char* p, size_t n) {
  auto byte = [p](size_t i) -> uint64_t { return static_cast<unsigned char>(p[i]); };
  if (n >= 4) {
    uint32_t a;
    uint32_t z;
    std::memcpy(&a, p, 4);
    std::memcpy(&z, p + n - 4, 4);
    a = __builtin_bswap32(a);  // big-endian, as Pack()
    z = __builtin_bswap32(z);
    // The first n-4 bytes of `a`, then all of `z`.
    const size_t head = n - 4;  // 0..2
    const uint64_t hi = head == 0 ? 0 : (uint64_t{a} >> (8 * (4 - head)));
    return (hi << 32) | z;
  }
  if (n == 3) return byte(0) << 16 | byte(1) << 8 | byte(2);
  if (n == 2) return byte(0) << 8 | byte(1);
  return byte(0);
}

// Function words of both languages in one table; the value says which
// language(s) a word belongs to (bit 0 German, bit 1 English).
class FunctionWords {
 public:
  constexpr FunctionWords() {
    for (std::string_view w : kGermanWords) Insert(Pack(w), 1);
    for (std::string_view w : kEnglishWords) Insert(Pack(w), 2);
  }
  constexpr uint8_t Lookup(uint64_t k) const {
    for (uint32_t i = Slot(k);; i = (i + 1) & (kSize - 1)) {
      if (keys_[i] == k) return langs_[i];
      if (keys_[i] == 0) return 0;
    }
  }

 private:
  static constexpr uint32_t kSize = 512;  // power of two, under 1/4 full
  static constexpr uint32_t Slot(uint64_t k) {
    return static_cast<uint32_t>((k * 0x9e3779b97f4a7c15ull) >> 55) & (kSize - 1);
  }
  constexpr void Insert(uint64_t k, uint8_t lang) {
    uint32_t i = Slot(k);
    while (keys_[i] != 0 && keys_[i] != k) i = (i + 1) & (kSize - 1);
    keys_[i] = k;
    langs_[i] |= lang;
  }
  std::array<uint64_t, kSize> keys_{};  // 0 = empty (no word packs to 0)
  std::array<uint8_t, kSize> langs_{};
};

// Built at compile time: no initialisation guard on the per-word path.
constexpr FunctionWords kFunctionWords;

// Bit 0: a German function word, bit 1: an English one.
inline uint8_t FunctionWordLangs(uint64_t packed) { return kFunctionWords.Lookup(packed); }

class Tokenizer {
 public:
  Tokenizer(std::string_view text, TokenBuffer* out, size_t max_tokens)
      : s_(text), out_(out), max_tokens_(max_tokens), buf_(out->chars.data()) {}

  void Run() {
    size_t pos = 0;
    // num_tokens_ mirrors out_->tokens.size() (cheaper than end - begin / 20
    // for every byte).
    while (pos < s_.size() && num_tokens_ < max_tokens_) {
      unsigned char c = static_cast<unsigned char>(s_[pos]);
      if (!InWord() && c == '@' && pos + 1 < s_.size() &&
          (IsAsciiAlnum(static_cast<unsigned char>(s_[pos + 1])) || s_[pos + 1] == '_')) {
        size_t e = pos + 1;
        while (e < s_.size() && (IsAsciiAlnum(static_cast<unsigned char>(s_[e])) || s_[e] == '_')) {
          ++e;
        }
        Special("@user", pos, e);
        pos = e;
        continue;
      }
      if (!InWord() && (c | 0x20) >= 'h' && ((c | 0x20) == 'h' || (c | 0x20) == 'w') &&
          (StartsWith(pos, "http://") || StartsWith(pos, "https://") || StartsWith(pos, "www."))) {
        size_t e = pos;
        while (e < s_.size() && !IsSpace(static_cast<unsigned char>(s_[e]))) ++e;
        Special("<url>", pos, e);
        pos = e;
        continue;
      }
      if (c == '&') {
        size_t e = pos + 1;
        while (e < s_.size() && e < pos + 10 && IsAsciiAlnum(static_cast<unsigned char>(s_[e]))) {
          ++e;
        }
        if (e > pos + 1 && e < s_.size() && s_[e] == ';') {
          EndWord();
          pos = e + 1;
          continue;
        }
      }
      if (c < 0x80) {
        if (IsAsciiAlnum(c)) {
          // A run of ASCII letters and digits: no special case can start
          // inside it (the checks above need a word boundary or '&').
          // Same rules as AddWordChar, with the state in registers.
          if (word_len_ == 0) {
            word_begin_ = n_;
            word_raw_start_ = pos;
          }
          size_t len = word_len_;
          size_t n = n_;
          char* const b = buf_;
          const size_t size = s_.size();
          char f = kAsciiFold[c];
          // The last two folded bytes of the word stay in registers (0 = none;
          // no folded byte is 0): reading them back from the buffer would put
          // a store-to-load round trip on every byte's dependency chain.
          char p1 = len >= 1 ? b[n - 1] : 0;
          char p2 = len >= 2 ? b[n - 2] : 0;
          do {
            const bool squeeze = f > '9' && p1 == f && p2 == f;
            if (!squeeze && len < kMaxTokenChars) {
              b[n++] = f;
              ++len;
              p2 = p1;
              p1 = f;
            }
            ++pos;
          } while (pos < size && (f = kAsciiFold[static_cast<unsigned char>(s_[pos])]) != 0);
          word_len_ = len;
          n_ = n;
          word_raw_end_ = pos;
          continue;
        } else if (c == '\'' && InWord()) {
          word_raw_end_ = pos + 1;  // "don't" reads "dont"
        } else if (c == '#' && !InWord()) {
          // hashtag: the word follows
        } else {
          EndWord();
        }
        ++pos;
        continue;
      }
      if (c == 0xC3 && pos + 1 < s_.size()) {
        // U+00C0..U+00FF (umlauts, accents): the common case, decoded inline.
        const unsigned char d = static_cast<unsigned char>(s_[pos + 1]);
        if (d >= 0x80 && d <= 0xBF) {
          const char* f = FoldLatin1(0xC0 + (d - 0x80));
          if (f[0] != '\0') {
            for (; *f != '\0'; ++f) AddWordChar(*f, pos, pos + 2);
            pos += 2;
            continue;
          }
        }
      }
      int len = 1;
      bool valid = true;
      char32_t cp = utf8::Decode(s_, pos, &len, &valid);
      size_t next = pos + static_cast<size_t>(len);
      if (!valid) {
        EndWord();
      } else if (IsIgnorable(cp)) {
        if (InWord()) word_raw_end_ = next;
      } else if (IsApostrophe(cp) && InWord()) {
        word_raw_end_ = next;
      } else if (cp >= 0xC0 && cp <= 0xFF && FoldLatin1(cp)[0] != '\0') {
        for (const char* f = FoldLatin1(cp); *f != '\0'; ++f) AddWordChar(*f, pos, next);
      } else if (IsOtherLetter(cp)) {
        for (size_t i = pos; i < next; ++i) AddWordChar(s_[i], pos, next);
      } else if (IsSymbolToken(cp)) {
        EndWord();
        Special(s_.substr(pos, next - pos), pos, next);
      } else {
        EndWord();
      }
      pos = next;
    }
    EndWord();
  }

 private:
  static bool IsSpace(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  }
  bool StartsWith(size_t pos, std::string_view p) const {
    if (s_.size() - pos < p.size()) return false;
    for (size_t i = 0; i < p.size(); ++i) {
      char c = s_[pos + i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != p[i]) return false;
    }
    return true;
  }
  bool InWord() const { return word_len_ > 0; }

  // Folded output goes straight into out_->chars, sized by Tokenize() for
  // the worst case, through buf_; n_ is the length written so far.
  void AddWordChar(char c, size_t raw_start, size_t raw_end) {
    if (word_len_ == 0) {
      word_begin_ = n_;
      word_raw_start_ = raw_start;
    }
    word_raw_end_ = raw_end;
    // Squeeze letter runs ("soooo" -> "soo"); digits stay as written.
    bool letter = !(c >= '0' && c <= '9');
    if (letter && word_len_ >= 2 && buf_[n_ - 1] == c && buf_[n_ - 2] == c) return;
    if (word_len_ >= kMaxTokenChars) return;
    buf_[n_++] = c;
    ++word_len_;
  }

  void EndWord() {
    if (word_len_ == 0) return;
    if (word_len_ == 2 && buf_[word_begin_] == 'r' && buf_[word_begin_ + 1] == 't') {
      n_ = word_begin_;
    } else {
      Token t;
      t.begin = static_cast<uint32_t>(word_begin_);
      t.len = static_cast<uint32_t>(word_len_);
      t.raw_start = static_cast<uint32_t>(word_raw_start_);
      t.raw_end = static_cast<uint32_t>(word_raw_end_);
      t.is_word = true;
      out_->tokens.push_back(t);
      ++num_tokens_;
      // The language guess is counted here, while the word is at hand.
      if (word_len_ <= 6) {
        const uint8_t l = FunctionWordLangs(PackShort(buf_ + word_begin_, word_len_));
        out_->de_votes += l & 1;
        out_->en_votes += l >> 1;
      }
    }
    word_len_ = 0;
  }

  void Special(std::string_view text, size_t raw_start, size_t raw_end) {
    EndWord();
    if (num_tokens_ >= max_tokens_) return;
    Token t;
    t.begin = static_cast<uint32_t>(n_);
    t.len = static_cast<uint32_t>(text.size());
    t.raw_start = static_cast<uint32_t>(raw_start);
    t.raw_end = static_cast<uint32_t>(raw_end);
    t.is_word = false;
    std::memcpy(buf_ + n_, text.data(), text.size());
    n_ += text.size();
    out_->tokens.push_back(t);
    ++num_tokens_;
  }

 public:
  // Upper bound of folded bytes per input byte: "@a" (2 bytes) becomes
  // "@user" (5); every other rule keeps or shrinks the length.
  static constexpr size_t kMaxGrowth = 3;
  size_t written() const { return n_; }

 private:
  std::string_view s_;
  TokenBuffer* out_;
  size_t max_tokens_;
  char* buf_;
  size_t n_ = 0;
  size_t num_tokens_ = 0;
  size_t word_begin_ = 0;
  size_t word_len_ = 0;
  size_t word_raw_start_ = 0;
  size_t word_raw_end_ = 0;
};

// Identity terms, folded: exact words, and stems that match any word they
// begin. Written for Leitplanke; extend with care (every entry makes the
// model blind to that word).
constexpr std::string_view kIdentityWords[] = {
    "islam",         "jude",   "juden",   "judentum", "christ",     "christen",
    "christin",      "trans",  "roma",    "sinti",    "pole",       "polen",
    "polin",         "syrer",  "syrien",  "frau",     "frauen",     "behinderung",
    "behinderungen", "jew",    "jews",    "judaism",  "gay",        "gays",
    "black",         "blacks", "white",   "whites",   "arab",       "arabs",
    "arabic",        "women",  "woman",   "disabled", "disability", "disabilities",
    "wheelchair",    "native", "natives", "asia",     "asien"};
constexpr std::string_view kIdentityStems[] = {
    "muslim",      "moslem",       "islamisch", "islamic",     "juedi",    "christlich",
    "christentum", "christian",    "schwul",    "lesb",        "homosex",  "bisex",
    "transgender", "transsex",     "queer",     "lgbt",        "afrika",   "africa",
    "tuerk",       "turk",         "fluechtl",  "gefluechtet", "migrant",  "migration",
    "auslaender",  "asylbewerber", "araber",    "arabisch",    "schwarze", "polnisch",
    "syrisch",     "immigra",      "refugee",   "asian",       "mexican",  "latino",
    "latina",      "hispanic",     "female",    "rollstuhl",   "moschee",  "mosque",
    "synagog",     "religio",      "asiat",     "america",     "amerika"};

// IsIdentityTerm's filter hashes the first three bytes of every entry.
constexpr bool AllAtLeastThreeBytes() {
  for (std::string_view x : kIdentityWords) {
    if (x.size() < 3) return false;
  }
  for (std::string_view x : kIdentityStems) {
    if (x.size() < 3) return false;
  }
  return true;
}
static_assert(AllAtLeastThreeBytes(), "identity terms need at least three bytes");

constexpr uint64_t kSeedChar64 = 0x7f4a7c15f39cc060ull;

inline uint32_t Bucket(uint32_t h, uint32_t bits) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return bits >= 32 ? h : (h & ((1u << bits) - 1u));
}

// Bucket of the character n-gram in the low `n` bytes of `key` (n <= 8):
// multiply-shift hashing of the masked key, with the length mixed in so that
// "ab" and "\0ab" differ.
inline uint32_t CharBucket(uint64_t key, uint32_t n, uint32_t bits) {
  const uint64_t k = n >= 8 ? key : key & ((uint64_t{1} << (8 * n)) - 1);
  const uint64_t h = (k ^ (uint64_t{n} << 59) ^ kSeedChar64) * 0x9e3779b97f4a7c15ull;
  return static_cast<uint32_t>(h >> (64 - bits));
}

// Hash of a token's bytes: eight bytes at a time are packed into a word
// (shifts and ors only) and multiplied in, so the dependency chain has one
// multiplication per eight bytes instead of one per byte.
uint32_t HashBytes(uint32_t seed, std::string_view s) {
  uint32_t h = seed;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

constexpr uint32_t kSeedWord = 2166136261u;
constexpr uint32_t kSeedLex = 0x2545f491u;
constexpr uint32_t kSeedBigram = 0x9e3779b9u;
constexpr uint32_t kSeedBias = 0x165667b1u;

}  // namespace

bool IsIdentityTerm(std::string_view w) {
  // Runs for every token. A bitmap of the entries' first three bytes rejects
  // almost every token with one load; the rest is compared with the few
  // entries of the same first byte.
  struct Index {
    std::vector<std::string_view> words[256];
    std::vector<std::string_view> stems[256];
    std::array<uint64_t, 64> first_three{};  // 4096-bit Bloom-style filter
    Index() {
      for (std::string_view x : kIdentityWords) Add(x, words);
      for (std::string_view x : kIdentityStems) Add(x, stems);
    }
    void Add(std::string_view x, std::vector<std::string_view>* lists) {
      lists[static_cast<unsigned char>(x[0])].push_back(x);
      const uint32_t k = Key(x);
      first_three[k >> 6] |= uint64_t{1} << (k & 63);
    }
    // 12-bit hash of the first three bytes (every entry has at least three).
    static uint32_t Key(std::string_view x) {
      const uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(x[0])) << 16 |
                         static_cast<uint32_t>(static_cast<unsigned char>(x[1])) << 8 |
                         static_cast<unsigned char>(x[2]);
      return (v * 0x9e3779b1u) >> 20;
    }
  };
  static const Index kIndex;
  if (w.size() < 3) return false;
  const uint32_t k = Index::Key(w);
  if ((kIndex.first_three[k >> 6] >> (k & 63) & 1) == 0) return false;
  const unsigned char first = static_cast<unsigned char>(w[0]);
  for (std::string_view x : kIndex.words[first]) {
    if (w == x) return true;
  }
  for (std::string_view x : kIndex.stems[first]) {
    if (w.size() >= x.size() && w.compare(0, x.size(), x) == 0) return true;
  }
  return false;
}

LexiconFeatures::LexiconFeatures(std::vector<LexTerm> terms) {
  for (LexTerm& t : terms) {
    if (t.term.size() < 3 || t.term.size() > kMaxTokenChars || t.level > 3) continue;
    const uint32_t k = Key(t.term.data());
    anchors_[k >> 6] |= uint64_t{1} << (k & 63);
    by_key_.push_back({k, static_cast<uint16_t>(terms_.size())});
    terms_.push_back(std::move(t));
    if (terms_.size() == 65535) break;
  }
  std::sort(by_key_.begin(), by_key_.end());
}

uint32_t LexiconFeatures::Key(const char* p) {
  const uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(p[0])) << 16 |
                     static_cast<uint32_t>(static_cast<unsigned char>(p[1])) << 8 |
                     static_cast<unsigned char>(p[2]);
  return (v * 0x9e3779b1u) >> (32 - kKeyBits);
}

uint8_t LexiconFeatures::Match(std::string_view w) const {
  if (w.size() < 3) return 0;
  uint8_t best = 0;
  bool allowed = false;
  for (size_t p = 0; p + 3 <= w.size(); ++p) {
    const uint32_t k = Key(w.data() + p);
    if ((anchors_[k >> 6] >> (k & 63) & 1) == 0) continue;
    for (auto it = std::lower_bound(by_key_.begin(), by_key_.end(), std::make_pair(k, uint16_t{0}));
         it != by_key_.end() && it->first == k; ++it) {
      const LexTerm& t = terms_[it->second];
      const size_t n = t.term.size();
      if (p + n > w.size() || w.compare(p, n, t.term) != 0) continue;
      const bool at_start = p == 0, at_end = p + n == w.size();
      const bool hit = t.mode == LexMode::kInfix || (t.mode == LexMode::kPrefix && at_start) ||
                       (t.mode == LexMode::kSuffix && at_end) || (at_start && at_end);
      if (!hit) continue;
      if (t.level == 0) {
        allowed = true;
      } else {
        best = std::max(best, t.level);
      }
    }
  }
  return allowed ? 0 : best;
}

std::string FoldLexTerm(std::string_view term) {
  TokenBuffer tb;
  Tokenize(term, &tb);
  if (tb.tokens.size() != 1 || !tb.tokens[0].is_word) return "";
  std::string_view w = tb.Text(tb.tokens[0]);
  if (w.size() < 3 || w.size() > kMaxTokenChars) return "";
  return std::string(w);
}

void Tokenize(std::string_view text, TokenBuffer* out, size_t max_tokens) {
  out->Clear();
  out->chars.resize(text.size() * Tokenizer::kMaxGrowth + 8);
  Tokenizer tokenizer(text, out, std::min<size_t>(max_tokens, 65535));
  tokenizer.Run();
  out->chars.resize(tokenizer.written());
}

TextLang GuessLang(const TokenBuffer& tokens) {
  if (tokens.de_votes > tokens.en_votes) return TextLang::kDe;
  if (tokens.en_votes > tokens.de_votes) return TextLang::kEn;
  return TextLang::kUnknown;
}

namespace {

// What one pass over a word yields besides its character n-grams.
struct WordPass {
  uint32_t hash = 0;     // HashBytes(kSeedWord, w)
  uint64_t anchors = 0;  // non-zero: a lexicon term may start in the word
  size_t grams = 0;      // character n-grams emitted
};

// One pass over the bytes of a word: its character n-grams of "<w>"
// (lengths lo..hi, all but the whole "<w>"), its word hash and the lexicon's
// anchor filter. The last eight bytes roll through a 64-bit key, so an
// n-gram (n <= 8) is the key's low n bytes and costs one multiplication, and
// the three-byte window of the lexicon filter is the key's low three bytes.
// kLo/kHi > 0 fix the range at compile time (the shipped configuration);
// 0 takes lo/hi at run time; hi == 0: no n-grams.
template <uint32_t kLo, uint32_t kHi, typename Emit>
inline WordPass ScanWord(std::string_view w, uint32_t lo, uint32_t hi, uint32_t bits, uint16_t ti,
                         uint8_t kind, const LexiconFeatures* lex, Emit& emit) {
  if constexpr (kLo > 0) {
    lo = kLo;
    hi = kHi;
  }
  const size_t len = w.size() + 2;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(w.data());
  WordPass r;
  uint32_t h = kSeedWord;
  uint64_t key = '<';
  // After `have` bytes of "<w>" are in the key, the n-grams ending there.
  auto grams = [&](size_t have) {
    for (uint32_t m = lo; m <= hi; ++m) {
      if (m <= have && m != len) {
        emit(CharBucket(key, m, bits), ti, kind);
        ++r.grams;
      }
    }
  };
  for (size_t i = 0; i < w.size(); ++i) {
    h = (h ^ p[i]) * 16777619u;
    key = (key << 8) | p[i];
    if (lex != nullptr) r.anchors |= lex->AnchorBit(static_cast<uint32_t>(key) & 0xffffffu);
    if (hi != 0) grams(i + 2);
  }
  r.hash = h;
  if (hi != 0) {
    key = (key << 8) | '>';
    grams(len);
  }
  return r;
}

// Calls emit(bucket, token, kind) for every feature of the text, in a fixed
// order: the bias, then per token its character n-grams, its word feature,
// the bigram ending at it and its lexicon-hit feature. Both the stored form
// (ExtractFeatures, used by training and explanations) and the scoring sum
// (SumFeatureWeights, the hot path) come from here, so they cannot disagree.
template <typename Emit>
size_t VisitFeatures(const TokenBuffer& tb, TextLang lang, const FeatureConfig& cfg, Emit&& emit) {
  const uint32_t bits = cfg.hash_bits;
  const uint32_t char_min = cfg.char_min;
  const uint32_t char_max = cfg.char_max;
  const LexiconFeatures* const lex = cfg.lexicon.get();
  size_t count = 1;
  emit(Bucket(kSeedBias + static_cast<uint32_t>(lang), bits), uint16_t{0}, uint8_t{3});
  const size_t n = tb.tokens.size();
  uint32_t prev_hash = 0;
  bool prev_neutral = false;
  for (size_t i = 0; i < n; ++i) {
    const Token& t = tb.tokens[i];
    std::string_view w = tb.Text(t);
    const uint16_t ti = static_cast<uint16_t>(i);
    // An identity term yields the features any word would, all of kind
    // kNeutral: they count for the text's length but carry no weight. So do
    // the bigrams on either side of it.
    const bool neutral = cfg.neutral_identity && t.is_word && IsIdentityTerm(w);
    const uint8_t kind = neutral ? kNeutral : uint8_t{2};
    WordPass wp;
    if (!t.is_word) {
      wp.hash = HashBytes(kSeedWord, w);  // "@user", "<url>", an emoji: no n-grams
    } else if (w.size() < cfg.char_min_word) {
      wp = ScanWord<0, 0>(w, 1, 0, bits, ti, kind, lex, emit);  // hash and lexicon filter only
    } else if (char_min == 4 && char_max == 5) {
      wp = ScanWord<4, 5>(w, 4, 5, bits, ti, kind, lex, emit);  // the shipped model
    } else {
      wp = ScanWord<0, 0>(w, char_min, char_max, bits, ti, kind, lex, emit);
    }
    count += wp.grams;
    const uint32_t wh = wp.hash;
    emit(Bucket(wh, bits), ti, neutral ? kNeutral : uint8_t{0});
    ++count;
    if (cfg.word_bigrams && i > 0) {
      emit(Bucket((prev_hash * 31u) ^ (wh + kSeedBigram), bits), static_cast<uint16_t>(i - 1),
           neutral || prev_neutral ? kNeutral : uint8_t{1});
      ++count;
    }
    prev_hash = wh;
    prev_neutral = neutral;
    if (wp.anchors != 0 && !neutral) {
      const uint8_t level = lex->Match(w);
      if (level != 0) {
        emit(Bucket(kSeedLex + level, bits), ti, uint8_t{0});
        ++count;
      }
    }
  }
  return count;
}

}  // namespace

void ExtractFeatures(const TokenBuffer& tb, TextLang lang, const FeatureConfig& cfg,
                     std::vector<Feature>* out) {
  out->clear();
  VisitFeatures(tb, lang, cfg, [out](uint32_t bucket, uint16_t token, uint8_t kind) {
    out->push_back({bucket, token, kind});
  });
}

size_t SumFeatureWeights(const TokenBuffer& tb, TextLang lang, const FeatureConfig& cfg,
                         const int16_t* weights, int64_t* sum) {
  int64_t total = 0;
  const size_t count =
      VisitFeatures(tb, lang, cfg, [&total, weights](uint32_t bucket, uint16_t, uint8_t kind) {
        // Branch-free: a neutral feature adds weight * 0.
        total += weights[bucket] * static_cast<int64_t>(kind != kNeutral);
      });
  *sum = total;
  return count;
}

}  // namespace leitplanke::guard::detectors::offensive
