// The guard's text normaliser: contract in leitplanke/guard/normalizer.h.
//
// Why it is built this way: the whole guard has about 6 µs per message, and
// the normaliser gets a fraction of that, so it never calls ICU per character.
// FoldTable (fold_table.cc) resolves steps 1-3 for every code point of planes
// 0 and 1 at Create(); Normalize() then makes two passes:
//
//   pass 1, per code point: ASCII through a 128-entry table, everything else
//     through FoldTable; invisible characters are dropped with an event,
//     whitespace runs collapse on the fly, and every output byte records its
//     source span and a class byte (letter/digit/symbol/space/separator, plus
//     "continues a unit", "look-alike", "Latin letter");
//   pass 2, per token (a run of letters, digits, '@', '$'): leet folding,
//     mixed-script (homoglyph) events, and spaced-letter runs, which are
//     joined by dropping their separators in one compaction at the end.
//
// Output buffers are resized, never shrunk, so a reused NormalizedText does
// not allocate once it has grown; per-thread scratch holds the class bytes.
#include "leitplanke/guard/normalizer.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "leitplanke/base/utf8.h"

#include "guard/normalizer/fold_table.h"

namespace leitplanke::guard {
namespace {

namespace ni = normalizer_internal;

// Class of an output byte (low 3 bits) and flags.
enum : uint8_t {
  kClsOther = 0,
  kClsLetter = 1,
  kClsDigit = 2,
  kClsSym = 3,    // '@' '$': leet candidates
  kClsSpace = 4,  // collapsed whitespace (or an invalid byte)
  kClsSep = 5,    // '.' '-': may separate spaced letters
};
constexpr uint8_t kClassMask = 0x07;
constexpr uint8_t kCont = 0x08;     // not the first byte of its unit
constexpr uint8_t kLook = 0x10;     // from a non-Latin look-alike
constexpr uint8_t kLatin = 0x20;    // a Latin letter
constexpr uint8_t kMultiWs = 0x40;  // a space that replaced more than one code point

// Events are bounded so that a hostile input cannot grow them without limit;
// `obfuscation` still records every kind seen.
constexpr size_t kMaxEvents = 256;

// Inputs are addressed with 32-bit offsets.
constexpr size_t kMaxInput = 0xFFFFFF00u;

// Quick tests on an ASCII byte (AsciiTables::info).
enum : uint8_t {
  kInfoSpace = 1,  // whitespace
  kInfoLeet = 2,   // digit, '@', '$'
  kInfoSep = 4,    // whitespace, '.', '-'
  kInfoTok = 8,    // letter, digit, '@', '$'
};

struct AsciiTables {
  char out[128];
  uint8_t cls[128];
  uint8_t info[128];
};

constexpr AsciiTables MakeAsciiTables() {
  AsciiTables t{};
  for (int c = 0; c < 128; ++c) {
    t.out[c] = static_cast<char>(c);
    t.cls[c] = kClsOther;
    if (c >= 'A' && c <= 'Z') t.out[c] = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) t.cls[c] = kClsLetter | kLatin;
    if (c >= '0' && c <= '9') t.cls[c] = kClsDigit;
  }
  t.out[int{'L'}] = 'i';
  t.out[int{'l'}] = 'i';
  t.cls[int{'@'}] = kClsSym;
  t.cls[int{'$'}] = kClsSym;
  t.cls[int{'.'}] = kClsSep;
  t.cls[int{'-'}] = kClsSep;
  for (char c : {' ', '\t', '\n', '\v', '\f', '\r'}) {
    t.out[static_cast<int>(c)] = ' ';
    t.cls[static_cast<int>(c)] = kClsSpace;
  }
  for (int c = 0; c < 128; ++c) {
    const uint8_t k = t.cls[c] & 0x07;
    t.info[c] = static_cast<uint8_t>(
        (k == kClsSpace ? kInfoSpace : 0) | (k == kClsDigit || k == kClsSym ? kInfoLeet : 0) |
        (k == kClsSpace || k == kClsSep ? kInfoSep : 0) |
        (k == kClsLetter || k == kClsDigit || k == kClsSym ? kInfoTok : 0));
  }
  return t;
}
constexpr AsciiTables kAscii = MakeAsciiTables();

// Leet reading of a digit or symbol, or 0.
constexpr char LeetLetter(char c) {
  switch (c) {
    case '0':
      return 'o';
    case '1':
      return 'i';
    case '3':
      return 'e';
    case '4':
      return 'a';
    case '5':
      return 's';
    case '7':
      return 't';
    case '@':
      return 'a';
    case '$':
      return 's';
    default:
      return 0;
  }
}

inline bool IsTokenClass(uint8_t cls) {
  const uint8_t c = cls & kClassMask;
  return c == kClsLetter || c == kClsDigit || c == kClsSym;
}

// Per-thread scratch of Normalize(). Pass 1 records the few output positions
// that pass 2 has to look at, so that pass 2 costs nothing on plain text.
// The position lists are buffers of the output's capacity (one entry per
// output byte at most) with counts in Writer, so pass 1 can append without
// branching.
struct Scratch {
  std::vector<uint8_t> cls;
  std::vector<uint32_t> cand;                        // digits, '@', '$' (leet candidates)
  std::vector<uint32_t> spaced;                      // starts of possible spaced-letter runs
  std::vector<uint64_t> masks;                       // SpacedCandidates()
  std::vector<uint32_t> look;                        // look-alike letters
  std::vector<std::pair<uint32_t, uint32_t>> joins;  // output byte ranges to join
  std::string rare;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// True when the code point ending at `pos` in `s` is U+1F3F4 (black flag) or a
// tag character, i.e. a tag character at `pos` continues an emoji tag sequence.
bool ContinuesTagSequence(std::string_view s, size_t pos) {
  if (pos < 4) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + pos - 4;
  if (p[0] == 0xF0 && p[1] == 0x9F && p[2] == 0x8F && p[3] == 0xB4) return true;  // U+1F3F4
  return p[0] == 0xF3 && p[1] == 0xA0 && (p[2] == 0x80 || p[2] == 0x81);          // U+E00xx
}

class IcuNormalizer final : public Normalizer {
 public:
  explicit IcuNormalizer(std::unique_ptr<const ni::FoldTable> table) : table_(std::move(table)) {}

  void Normalize(std::string_view original, NormalizedText* out) const override;

  std::string Fold(std::string_view s) const override {
    thread_local NormalizedText folded;
    Normalize(s, &folded);
    return folded.text;
  }

 private:
  std::unique_ptr<const ni::FoldTable> table_;
};

// Output state of one Normalize() call.
class Writer {
 public:
  Writer(NormalizedText* out, Scratch* scratch) : out_(out), scratch_(scratch) {}

  void Reserve(size_t cap) {
    cap_ = cap;
    out_->text.resize(cap);
    out_->src_begin.resize(cap);
    out_->src_end.resize(cap);
    t_ = out_->text.data();
    sb_ = out_->src_begin.data();
    se_ = out_->src_end.data();
    // Scratch buffers only grow.
    Scratch& sc = *scratch_;
    if (sc.cls.size() < cap) {
      sc.cls.resize(cap);
      sc.cand.resize(cap);
      sc.look.resize(cap);
    }
    cl_ = sc.cls.data();
    cand_ = sc.cand.data();
    look_ = sc.look.data();
  }

  // Makes room for `extra` more bytes plus everything `rest` input bytes can
  // produce on the ASCII path (at most one byte each).
  void Ensure(size_t extra, size_t rest) {
    const size_t need = w_ + extra + rest + 16;
    if (need > cap_) Reserve(std::max(need, cap_ * 2));
  }

  void Event(uint32_t kind, uint32_t start, uint32_t end, bool merge) {
    out_->obfuscation |= kind;
    std::vector<ObfuscationEvent>& ev = out_->events;
    if (merge && !ev.empty() && ev.back().kind == kind && ev.back().end == start) {
      ev.back().end = end;
      return;
    }
    if (ev.size() < kMaxEvents) ev.push_back({kind, start, end});
  }

  // Whitespace (or an invalid byte) covering [b, e).
  void Space(uint32_t b, uint32_t e) {
    if (w_ > 0 && (cl_[w_ - 1] & kClassMask) == kClsSpace) {
      se_[w_ - 1] = e;
      cl_[w_ - 1] |= kMultiWs;
      return;
    }
    Put(' ', kClsSpace, b, e);
  }

  void Put(char c, uint8_t cls, uint32_t b, uint32_t e) {
    t_[w_] = c;
    cl_[w_] = cls;
    sb_[w_] = b;
    se_[w_] = e;
    ++w_;
  }

  // Extends the unit that ends the output so far to source byte `e`, if that
  // unit ends right at `b` (a combining mark joins its base letter).
  bool ExtendLast(uint32_t b, uint32_t e) {
    if (w_ == 0 || se_[w_ - 1] != b) return false;
    for (size_t k = w_; k-- > 0;) {
      se_[k] = e;
      if (!(cl_[k] & kCont)) break;
    }
    return true;
  }

  NormalizedText* out_;
  Scratch* scratch_;
  char* t_ = nullptr;
  uint32_t* sb_ = nullptr;
  uint32_t* se_ = nullptr;
  uint8_t* cl_ = nullptr;
  size_t w_ = 0;
  size_t cap_ = 0;
  uint32_t* cand_ = nullptr;
  uint32_t* look_ = nullptr;
  size_t ncand_ = 0;
  size_t nlook_ = 0;
};

#if defined(__SSE2__)
// Folds 16 ASCII bytes at a time up to the first non-ASCII byte or the
// second byte of a whitespace run (which needs the collapse). The same folding and classes as
// kAscii, computed with SSE2 compares: lower-casing, 'l' -> 'i', whitespace -> ' '. Output is 1:1
// with the input, so the source offsets stay one segment (FillOffsets).
void Ascii16Blocks(const unsigned char* p, size_t n, char* t, uint8_t* cl, uint32_t* cand,
                   size_t* pi, size_t* pw, size_t* pncand) {
  size_t i = *pi;
  size_t w = *pw;
  size_t ncand = *pncand;
  const auto in_range = [](__m128i v, char lo, char hi) {
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 1))),
                         _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(hi + 1))));
  };
  const auto eq = [](__m128i v, char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
  int prev_space = w > 0 && (cl[w - 1] & kClassMask) == kClsSpace ? 1 : 0;
  while (i + 16 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // Non-ASCII bytes are negative as signed chars, so they fall in no range.
    const __m128i ws = _mm_or_si128(eq(v, ' '), in_range(v, '\t', '\r'));
    const auto ws_bits = static_cast<unsigned>(_mm_movemask_epi8(ws));
    // Take the block up to the first non-ASCII byte or second whitespace.
    const unsigned stop = static_cast<unsigned>(_mm_movemask_epi8(v)) |
                          (ws_bits & ((ws_bits << 1) | static_cast<unsigned>(prev_space)));
    const unsigned take = stop != 0 ? static_cast<unsigned>(__builtin_ctz(stop)) : 16;
    if (take == 0) break;
    const __m128i upper = in_range(v, 'A', 'Z');
    __m128i f = _mm_add_epi8(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
    const __m128i letter = in_range(f, 'a', 'z');
    f = _mm_sub_epi8(f, _mm_and_si128(eq(f, 'l'), _mm_set1_epi8('l' - 'i')));
    f = _mm_or_si128(_mm_andnot_si128(ws, f), _mm_and_si128(ws, _mm_set1_epi8(' ')));
    const __m128i digit = in_range(v, '0', '9');
    const __m128i sym = _mm_or_si128(eq(v, '@'), eq(v, '$'));
    const __m128i sep = _mm_or_si128(eq(v, '.'), eq(v, '-'));
    __m128i c = _mm_and_si128(letter, _mm_set1_epi8(kClsLetter | kLatin));
    c = _mm_or_si128(c, _mm_and_si128(digit, _mm_set1_epi8(kClsDigit)));
    c = _mm_or_si128(c, _mm_and_si128(sym, _mm_set1_epi8(kClsSym)));
    c = _mm_or_si128(c, _mm_and_si128(ws, _mm_set1_epi8(kClsSpace)));
    c = _mm_or_si128(c, _mm_and_si128(sep, _mm_set1_epi8(kClsSep)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(t + w), f);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(cl + w), c);
    const unsigned taken = (1u << take) - 1;
    for (unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(digit, sym))) & taken;
         m != 0; m &= m - 1) {
      cand[ncand++] = static_cast<uint32_t>(w + static_cast<size_t>(__builtin_ctz(m)));
    }
    prev_space = static_cast<int>((ws_bits >> (take - 1)) & 1);
    i += take;
    w += take;
    if (take < 16) break;  // the caller takes the byte that stopped the block
  }
  *pi = i;
  *pw = w;
  *pncand = ncand;
}
#else
void Ascii16Blocks(const unsigned char*, size_t, char*, uint8_t*, uint32_t*, size_t*, size_t*,
                   size_t*) {}
#endif

// sb[k] = k - w0 + i0, se[k] = sb[k] + 1 for k in [w0, w1).
void FillOffsets(uint32_t* __restrict sb, uint32_t* __restrict se, size_t w0, size_t w1,
                 size_t i0) {
  const auto delta = static_cast<uint32_t>(i0 - w0);
  for (size_t k = w0; k < w1; ++k) {
    const auto v = static_cast<uint32_t>(k) + delta;
    sb[k] = v;
    se[k] = v + 1;
  }
}

// Pass 2 helpers -----------------------------------------------------------

// Leet-folds the token [ts, te) (which contains a letter). Digit runs of 3 or
// more at either end of the token are numbers ("2024er", "Falke2026") and
// stay; '@' and '$' fold only between letters or digits ("b@nk", "pa$$word"),
// so "@anna" stays a mention.
void FoldLeetToken(Writer& wr, size_t ts, size_t te) {
  char* t = wr.t_;
  uint8_t* cl = wr.cl_;
  size_t first = te;
  size_t last = 0;
  for (size_t k = ts; k < te;) {
    const uint8_t c = cl[k] & kClassMask;
    if (c == kClsDigit) {
      size_t r = k;
      while (r < te && (cl[r] & kClassMask) == kClsDigit) ++r;
      const bool edge = k == ts || r == te;
      if (!(edge && r - k >= 3)) {
        for (size_t j = k; j < r; ++j) {
          const char l = LeetLetter(t[j]);
          if (l == 0) continue;
          t[j] = l;
          cl[j] = static_cast<uint8_t>((cl[j] & kCont) | kClsLetter | kLatin);
          first = std::min(first, j);
          last = j;
        }
      }
      k = r;
      continue;
    }
    if (c == kClsSym) {
      // A run of '@'/'$' inside the token (letters or digits on both sides).
      size_t r = k;
      while (r < te && (cl[r] & kClassMask) == kClsSym) ++r;
      if (k > ts && r < te) {
        for (size_t j = k; j < r; ++j) {
          t[j] = LeetLetter(t[j]);
          cl[j] = static_cast<uint8_t>((cl[j] & kCont) | kClsLetter | kLatin);
        }
        first = std::min(first, k);
        last = r - 1;
      }
      k = r;
      continue;
    }
    ++k;
  }
  if (first < te) wr.Event(kObfLeet, wr.sb_[first], wr.se_[last], false);
}

// Reports each run of look-alike bytes in the mixed-script token [ts, te).
void HomoglyphEvents(Writer& wr, size_t ts, size_t te) {
  for (size_t k = ts; k < te;) {
    if (!(wr.cl_[k] & kLook)) {
      ++k;
      continue;
    }
    size_t r = k;
    while (r < te && (wr.cl_[r] & kLook)) ++r;
    wr.Event(kObfHomoglyph, wr.sb_[k], wr.se_[r - 1], true);
    k = r;
  }
}

struct SpacedRun {
  size_t start = 0;  // first byte of the first member
  size_t end = 0;    // one past the last member
  int members = 0;
  int letters = 0;
  char sep = 0;  // the separator of this run: all gaps use the same one
};

// Joins the run if it qualifies: at least three members of which at least two
// are real letters ("P r o j e k t", "7 4 r 1 f" for "Tarif" in leet).
// Returns false when the run stays as it is.
bool FlushSpacedRun(Writer& wr, const SpacedRun& run) {
  if (run.members < 3 || run.letters < 2) return false;
  // Leet digits that stood alone are letters once the run is joined.
  for (size_t k = run.start; k < run.end; ++k) {
    if ((wr.cl_[k] & kClassMask) != kClsDigit) continue;
    const char l = LeetLetter(wr.t_[k]);
    if (l == 0) continue;
    wr.t_[k] = l;
    wr.cl_[k] = static_cast<uint8_t>((wr.cl_[k] & kCont) | kClsLetter | kLatin);
  }
  wr.scratch_->joins.emplace_back(static_cast<uint32_t>(run.start), static_cast<uint32_t>(run.end));
  wr.Event(kObfSpacedLetters, wr.sb_[run.start], wr.se_[run.end - 1], false);
  return true;
}

size_t UnitEnd(const Writer& wr, size_t k) {
  ++k;
  while (k < wr.w_ && (wr.cl_[k] & kCont)) ++k;
  return k;
}

// The token around output byte k: [*ts, *te).
void TokenAround(const Writer& wr, size_t k, size_t* ts, size_t* te) {
  size_t s = k;
  while (s > 0 && IsTokenClass(wr.cl_[s - 1])) --s;
  size_t e = k + 1;
  while (e < wr.w_ && IsTokenClass(wr.cl_[e])) ++e;
  *ts = s;
  *te = e;
}

// 0 if the unit at k is not a spaced-letter member, 1 for a letter, 2 for a
// lone leet digit. The unit must be a whole token.
int MemberKind(const Writer& wr, size_t k) {
  const uint8_t c = wr.cl_[k];
  if (c & kCont) return 0;
  if ((c & kClassMask) == kClsLetter) return 1;
  if ((c & kClassMask) == kClsDigit && LeetLetter(wr.t_[k]) != 0) return 2;
  return 0;
}

// A separator between spaced letters: one space, '.' or '-'.
inline bool IsSepByte(uint8_t x) {
  const uint8_t k = x & kClassMask;
  return (k == kClsSpace && !(x & kMultiWs)) || (k == kClsSep && !(x & kCont));
}

// Bit masks over the class bytes, 64 bytes per word: token, continuation,
// separator. Word `words` is zero. Needs cl readable (and zero) up to the
// next multiple of 16 past w.
void ClassMasks(const uint8_t* cl, size_t w, size_t words, uint64_t* tok, uint64_t* cont,
                uint64_t* sep) {
  std::memset(tok, 0, (words + 1) * sizeof(uint64_t));
  std::memset(cont, 0, (words + 1) * sizeof(uint64_t));
  std::memset(sep, 0, (words + 1) * sizeof(uint64_t));
#if defined(__SSE2__)
  const __m128i seven = _mm_set1_epi8(7);
  const __m128i eight = _mm_set1_epi8(8);
  const __m128i multi = _mm_set1_epi8(kMultiWs);
  const __m128i zero = _mm_setzero_si128();
  for (size_t b = 0; b < w; b += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cl + b));
    const __m128i k = _mm_and_si128(x, seven);
    const __m128i t = _mm_and_si128(_mm_cmpgt_epi8(k, zero), _mm_cmplt_epi8(k, _mm_set1_epi8(4)));
    const __m128i c = _mm_cmpeq_epi8(_mm_and_si128(x, eight), eight);
    const __m128i sp = _mm_and_si128(_mm_cmpeq_epi8(k, _mm_set1_epi8(kClsSpace)),
                                     _mm_cmpeq_epi8(_mm_and_si128(x, multi), zero));
    const __m128i dot = _mm_andnot_si128(c, _mm_cmpeq_epi8(k, _mm_set1_epi8(kClsSep)));
    const size_t word = b / 64;
    const unsigned shift = static_cast<unsigned>(b % 64);
    const auto bits = [](__m128i m) {
      return static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(m)));
    };
    tok[word] |= bits(t) << shift;
    cont[word] |= bits(c) << shift;
    sep[word] |= bits(_mm_or_si128(sp, dot)) << shift;
  }
#else
  for (size_t k = 0; k < w; ++k) {
    const uint8_t x = cl[k];
    const uint8_t c = x & kClassMask;
    const uint64_t bit = uint64_t{1} << (k % 64);
    if (c >= kClsLetter && c <= kClsSym) tok[k / 64] |= bit;
    if (x & kCont) cont[k / 64] |= bit;
    if ((c == kClsSpace && !(x & kMultiWs)) || (c == kClsSep && !(x & kCont))) sep[k / 64] |= bit;
  }
#endif
}

// Bits X[k + d] for the k of word j (d in 1..63; X has a zero word at the end).
inline uint64_t Ahead(const uint64_t* x, size_t j, unsigned d) {
  return (x[j] >> d) | (x[j + 1] << (64 - d));
}

// Start positions of possible spaced-letter runs: a member (a one-unit token
// of 1 or 2 bytes) followed by a separator and another such member followed
// by a separator or the end, which is how every run of three starts. Found
// with bit masks, 64 bytes at a time, since this runs over every message.
void SpacedCandidates(const uint8_t* cl, size_t w, Scratch* sc, std::vector<uint32_t>* out) {
  out->clear();
  const size_t words = (w + 63) / 64;
  sc->masks.resize(3 * (words + 1));
  uint64_t* tok = sc->masks.data();
  uint64_t* cont = tok + words + 1;
  uint64_t* sep = cont + words + 1;
  ClassMasks(cl, w, words, tok, cont, sep);
  for (size_t j = 0; j < words; ++j) {
    const uint64_t tok_before = (tok[j] << 1) | (j > 0 ? tok[j - 1] >> 63 : 0);
    const uint64_t start = tok[j] & ~cont[j] & ~tok_before;
    if (start == 0) continue;
    const uint64_t t2 = Ahead(tok, j, 2);
    const uint64_t t3 = Ahead(tok, j, 3);
    const uint64_t c1 = Ahead(cont, j, 1);
    const uint64_t c2 = Ahead(cont, j, 2);
    const uint64_t c3 = Ahead(cont, j, 3);
    const uint64_t c4 = Ahead(cont, j, 4);
    const uint64_t s1 = Ahead(sep, j, 1);
    const uint64_t s2 = Ahead(sep, j, 2);
    const uint64_t s3 = Ahead(sep, j, 3);
    const uint64_t s4 = Ahead(sep, j, 4);
    const uint64_t s5 = Ahead(sep, j, 5);
    const uint64_t m1 = start & s1;       // member of 1 byte, then a separator
    const uint64_t m2 = start & c1 & s2;  // member of 2 bytes, then a separator
    // The next member starts at k + 2 (after m1) or k + 3 (after m2).
    const uint64_t n1 = t2 & ~c2 & (s3 | (c3 & s4));
    const uint64_t n2 = t3 & ~c3 & (s4 | (c4 & s5));
    for (uint64_t pair = (m1 & n1) | (m2 & n2); pair != 0; pair &= pair - 1) {
      const size_t k = j * 64 + static_cast<size_t>(__builtin_ctzll(pair));
      if (k < w) out->push_back(static_cast<uint32_t>(k));
    }
  }
}

// Joins runs of >= 3 single letters separated by the same one separator.
void SpacedLetters(Writer& wr) {
  const size_t n = wr.w_;
  const uint8_t* cl = wr.cl_;
  std::vector<uint32_t>& cands = wr.scratch_->spaced;
  // Class "other" up to the next block of 16 past the end (capacity >= n + 16).
  std::memset(wr.cl_ + n, 0, 16);
  SpacedCandidates(cl, n, wr.scratch_, &cands);
  size_t j = 0;
  while (j < cands.size()) {
    size_t cur = cands[j];
    const int first = MemberKind(wr, cur);
    if (first == 0) {
      ++j;
      continue;
    }
    SpacedRun run;
    run.start = cur;
    run.end = UnitEnd(wr, cur);
    run.members = 1;
    run.letters = first == 1;
    for (;;) {
      const size_t sep = run.end;
      if (sep + 1 >= n) break;
      if (!IsSepByte(cl[sep]) || (run.sep != 0 && run.sep != wr.t_[sep])) break;
      const size_t next = sep + 1;
      const int kind = MemberKind(wr, next);
      if (kind == 0) break;
      const size_t next_end = UnitEnd(wr, next);
      if (next_end - next > 2) break;                         // not a letter-sized unit
      if (next_end < n && IsTokenClass(cl[next_end])) break;  // a longer word
      run.sep = wr.t_[sep];
      run.end = next_end;
      run.letters += kind == 1;
      ++run.members;
      cur = next;
    }
    // A run that does not qualify may still hide one that does from a later
    // member on ("a f.u.c.k": the blank and the dots are different runs).
    const size_t done = FlushSpacedRun(wr, run) ? cur : run.start;
    while (j < cands.size() && cands[j] <= done) ++j;
  }
}

// Pass 2: leet folding, homoglyph events, spaced letters, on the positions
// pass 1 recorded. Returns true if it added events.
bool TokenPass(Writer& wr) {
  const size_t events_before = wr.out_->events.size();
  const uint32_t obf_before = wr.out_->obfuscation;
  size_t done = 0;
  for (size_t x = 0; x < wr.ncand_; ++x) {
    const size_t c = wr.cand_[x];
    if (c < done) continue;
    size_t ts;
    size_t te;
    TokenAround(wr, c, &ts, &te);
    done = te;
    bool has_letter = false;
    for (size_t k = ts; k < te && !has_letter; ++k) {
      has_letter = (wr.cl_[k] & kClassMask) == kClsLetter;
    }
    if (has_letter) FoldLeetToken(wr, ts, te);
  }
  done = 0;
  for (size_t x = 0; x < wr.nlook_; ++x) {
    const size_t c = wr.look_[x];
    if (c < done) continue;
    size_t ts;
    size_t te;
    TokenAround(wr, c, &ts, &te);
    done = te;
    // Mixed script: a Latin letter that is not itself a look-alike.
    bool latin = false;
    for (size_t k = ts; k < te && !latin; ++k) {
      latin = (wr.cl_[k] & kLatin) && !(wr.cl_[k] & kLook);
    }
    if (latin) HomoglyphEvents(wr, ts, te);
  }
  SpacedLetters(wr);
  return wr.out_->events.size() != events_before || wr.out_->obfuscation != obf_before;
}

// Drops the separators inside joined spaced-letter runs.
void Compact(Writer& wr) {
  const auto& joins = wr.scratch_->joins;
  if (joins.empty()) return;
  size_t w = joins.front().first;
  size_t r = w;
  for (const auto& [js, je] : joins) {
    for (; r < js; ++r, ++w) {
      wr.t_[w] = wr.t_[r];
      wr.sb_[w] = wr.sb_[r];
      wr.se_[w] = wr.se_[r];
      wr.cl_[w] = wr.cl_[r];
    }
    for (; r < je; ++r) {
      if (!IsTokenClass(wr.cl_[r])) continue;
      wr.t_[w] = wr.t_[r];
      wr.sb_[w] = wr.sb_[r];
      wr.se_[w] = wr.se_[r];
      wr.cl_[w] = wr.cl_[r];
      ++w;
    }
  }
  for (; r < wr.w_; ++r, ++w) {
    wr.t_[w] = wr.t_[r];
    wr.sb_[w] = wr.sb_[r];
    wr.se_[w] = wr.se_[r];
    wr.cl_[w] = wr.cl_[r];
  }
  wr.w_ = w;
}

void IcuNormalizer::Normalize(std::string_view original, NormalizedText* out) const {
  if (original.size() > kMaxInput) original = original.substr(0, kMaxInput);
  out->obfuscation = 0;
  out->events.clear();
  Scratch& scratch = ThreadScratch();
  scratch.joins.clear();
  Writer wr(out, &scratch);
  const size_t n = original.size();
  wr.Reserve(n + 16);
  const auto* p = reinterpret_cast<const unsigned char*>(original.data());
  const ni::FoldTable& table = *table_;
  const char* pool = table.pool();

  size_t i = 0;
  while (i < n) {
    {
      // ASCII fast path. Per byte it stores the folded byte and its class and
      // appends a candidate without branching; the source offsets are filled
      // afterwards per segment (output byte k came from input byte k + delta)
      // in a loop the compiler vectorises. Only a space after a space (the
      // whitespace collapse) breaks a segment.
      char* const t = wr.t_;
      uint8_t* const cl = wr.cl_;
      uint32_t* const cand = wr.cand_;
      size_t w = wr.w_;
      size_t ncand = wr.ncand_;
      uint32_t prev_info = w > 0 && (cl[w - 1] & kClassMask) == kClsSpace ? kInfoSpace : 0;
      size_t seg_w = w;
      size_t seg_i = i;
      size_t scalar_end = i;  // the scalar loop below runs up to here at least
      for (;;) {
        if (i >= scalar_end) {
          Ascii16Blocks(p, n, t, cl, cand, &i, &w, &ncand);
          prev_info = w > 0 && (cl[w - 1] & kClassMask) == kClsSpace ? kInfoSpace : 0;
          // The byte the blocks stopped at (non-ASCII, a second whitespace)
          // or the tail of fewer than 16 bytes goes through the scalar loop.
          scalar_end = i + 16 <= n ? i + 1 : n;
        }
        if (i >= n) break;
        const unsigned char c = p[i];
        if (c >= 0x80) break;
        const uint32_t info = kAscii.info[c];
        if (info & prev_info & kInfoSpace) {
          FillOffsets(wr.sb_, wr.se_, seg_w, w, seg_i);
          wr.se_[w - 1] = static_cast<uint32_t>(i + 1);
          cl[w - 1] |= kMultiWs;
          ++i;
          seg_w = w;
          seg_i = i;
          continue;
        }
        t[w] = kAscii.out[c];
        cl[w] = kAscii.cls[c];
        cand[ncand] = static_cast<uint32_t>(w);
        ncand += (info >> 1) & 1;  // kInfoLeet
        prev_info = info;
        ++w;
        ++i;
      }
      FillOffsets(wr.sb_, wr.se_, seg_w, w, seg_i);
      wr.w_ = w;
      wr.ncand_ = ncand;
    }
    if (i >= n) break;

    int len = 2;
    bool valid = true;
    char32_t cp;
    if (p[i] >= 0xC2 && p[i] <= 0xDF && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
      // Two-byte sequences (Latin, Greek, Cyrillic) decoded inline.
      cp = (static_cast<char32_t>(p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F);
    } else {
      cp = utf8::Decode(original, i, &len, &valid);
    }
    const auto b = static_cast<uint32_t>(i);
    const auto e = static_cast<uint32_t>(i + len);
    i += static_cast<size_t>(len);
    if (!valid) {
      wr.Space(b, e);
      continue;
    }
    ni::FoldEntry fe;
    const char* rep;
    if (cp < ni::FoldTable::kTableLimit) {
      fe = table.Lookup(cp);
      rep = pool + fe.offset;
    } else {
      table.FoldRare(cp, &fe, &scratch.rare);
      rep = scratch.rare.data();
      fe.len = static_cast<uint8_t>(std::min<size_t>(scratch.rare.size(), 255));
    }
    switch (fe.kind) {
      case ni::kKeep:
      case ni::kMap: {
        const bool keep = fe.kind == ni::kKeep;
        const size_t m = keep ? static_cast<size_t>(len) : fe.len;
        if (keep) rep = original.data() + b;
        wr.Ensure(m, n - i);
        uint8_t other_cls = kClsOther;
        if (fe.flags & ni::kFlagLetter) {
          other_cls = kClsLetter | ((fe.flags & ni::kFlagLatinLetter) ? kLatin : 0);
        }
        for (size_t j = 0; j < m; ++j) {
          const auto r = static_cast<unsigned char>(rep[j]);
          uint8_t cls = other_cls;
          if (r < 0x80) {
            cls = kAscii.cls[r];
            if ((cls & kClassMask) == kClsLetter && (fe.flags & ni::kFlagLookalike)) {
              cls = kClsLetter | kLook;
              wr.look_[wr.nlook_++] = static_cast<uint32_t>(wr.w_);
            } else if ((cls & kClassMask) == kClsDigit || (cls & kClassMask) == kClsSym) {
              wr.cand_[wr.ncand_++] = static_cast<uint32_t>(wr.w_);
            }
          }
          if (j > 0) cls |= kCont;
          wr.Put(static_cast<char>(r), cls, b, e);
        }
        if (fe.flags & ni::kFlagFullwidth) wr.Event(kObfFullwidth, b, e, true);
        break;
      }
      case ni::kSpace:
        wr.Space(b, e);
        break;
      case ni::kZeroWidth:
        wr.Event(kObfZeroWidth, b, e, false);
        break;
      case ni::kJoiner: {
        // ZWJ/ZWNJ after an emoji or symbol builds a glyph, hides nothing.
        const bool glues = wr.w_ > 0 && (wr.cl_[wr.w_ - 1] & kClassMask) == kClsOther &&
                           (static_cast<unsigned char>(wr.t_[wr.w_ - 1]) & 0x80);
        if (!glues) wr.Event(kObfZeroWidth, b, e, false);
        break;
      }
      case ni::kSoftHyphen:
        wr.Event(kObfSoftHyphen, b, e, false);
        break;
      case ni::kBidi:
        wr.Event(kObfBidi, b, e, false);
        break;
      case ni::kIgnorable:
        break;
      case ni::kTag: {
        // Tags after U+1F3F4 spell a flag; any other run of tags is hidden
        // text and reported as one event.
        const std::vector<ObfuscationEvent>& ev = out->events;
        const bool extends = !ev.empty() && ev.back().kind == kObfZeroWidth && ev.back().end == b;
        if (extends || !ContinuesTagSequence(original, b)) wr.Event(kObfZeroWidth, b, e, extends);
        break;
      }
      case ni::kDiaeresis: {
        const size_t w = wr.w_;
        if (w > 0 && wr.se_[w - 1] == b && !(wr.cl_[w - 1] & kCont) &&
            (wr.cl_[w - 1] & kClassMask) == kClsLetter &&
            (wr.t_[w - 1] == 'a' || wr.t_[w - 1] == 'o' || wr.t_[w - 1] == 'u')) {
          wr.Ensure(1, n - i);
          wr.se_[w - 1] = e;
          wr.Put('e', static_cast<uint8_t>(wr.cl_[w - 1] | kCont), wr.sb_[w - 1], e);
        } else {
          wr.ExtendLast(b, e);
        }
        break;
      }
      case ni::kMark:
        wr.ExtendLast(b, e);
        break;
      default:
        break;
    }
  }

  const bool pass2_events = TokenPass(wr);
  Compact(wr);
  out->text.resize(wr.w_);
  out->src_begin.resize(wr.w_);
  out->src_end.resize(wr.w_);
  if (pass2_events) {
    // Pass-2 events came after pass-1 events; a stable insertion sort by start
    // (no allocation, at most kMaxEvents entries, nearly sorted already).
    std::vector<ObfuscationEvent>& ev = out->events;
    for (size_t k = 1; k < ev.size(); ++k) {
      const ObfuscationEvent e = ev[k];
      size_t j = k;
      for (; j > 0 && ev[j - 1].start > e.start; --j) ev[j] = ev[j - 1];
      ev[j] = e;
    }
  }
}

}  // namespace

Result<std::shared_ptr<const Normalizer>> Normalizer::Create() {
  LP_ASSIGN_OR_RETURN(std::unique_ptr<const ni::FoldTable> table, ni::FoldTable::Build());
  return std::shared_ptr<const Normalizer>(std::make_shared<IcuNormalizer>(std::move(table)));
}

}  // namespace leitplanke::guard
