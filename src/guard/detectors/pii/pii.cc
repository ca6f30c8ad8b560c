// Detector "pii": customer data that must not appear in public (rule R01).
//
// Why it is built this way: the guard has to keep up with hundreds of
// thousands of messages per second, and the dense character classes (e-mail,
// IP addresses, digit runs) are what makes regex engines slow. So:
//   * Hyperscan only sees literal context words on the folded view (labels
//     like "Kundennr.", birth-date cues, street-name endings). Literals are
//     nearly free and give exact offsets.
//   * Everything format-shaped is found by one hand-written left-to-right pass
//     over the raw text (Scanner below): it jumps word by word, looks closer
//     only at word starts that can begin a value (a digit, '+', '(', a hex
//     group before ':', two letters before two digits, ...), and consumes
//     whatever it examined, so every byte is visited a bounded number of
//     times. Candidates are confirmed by checksums (checks.h) and, for phone
//     numbers only, by libphonenumber, which is slow and therefore only asked
//     about digit runs that already look like a phone number.
//   * Overlapping findings are resolved by type priority (a checksum-
//     confirmed value beats a label-based one, which beats a phone number).
//
// Robustness: Scan() never throws and allocates only a per-call vector capped
// at kMaxFindings entries plus short strings for libphonenumber; runs longer
// than any supported value are skipped in one step.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include "leitplanke/guard/detector.h"

#include "guard/detectors/pii/checks.h"

namespace leitplanke::guard::detectors::pii {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

enum Type : uint8_t {
  kEmail,
  kPhone,
  kIban,
  kCard,
  kDeTaxId,
  kDeIdCard,
  kDePassport,
  kDeSocialSecurity,
  kDeVatId,
  kIpv4,
  kIpv6,
  kAddress,
  kBirthDate,
  kCustomerNumber,
  kContractNumber,
  kTypeCount
};

constexpr const char* kTypeNames[kTypeCount] = {"email",          "phone",
                                                "iban",           "card",
                                                "de_tax_id",      "de_id_card",
                                                "de_passport",    "de_social_security",
                                                "de_vat_id",      "ipv4",
                                                "ipv6",           "address",
                                                "birth_date",     "customer_number",
                                                "contract_number"};

// Higher wins when two findings overlap.
constexpr int kPriority[kTypeCount] = {
    /*email*/ 9,      /*phone*/ 1,       /*iban*/ 10,     /*card*/ 10, /*de_tax_id*/ 8,
    /*de_id_card*/ 7, /*de_passport*/ 7, /*de_social*/ 8, /*vat*/ 9,   /*ipv4*/ 9,
    /*ipv6*/ 9,       /*address*/ 4,     /*birth*/ 5,     /*cust*/ 6,  /*contract*/ 6};

// Hyperscan literal groups (folded view). The id is the group.
enum Group : uint32_t {
  kGroupCustomer = 1,
  kGroupContract,
  kGroupBirth,
  kGroupTaxContext,
  kGroupStreet,
  kGroupPassportContext,
  kGroupIdCardContext,
};

struct Literal {
  Group group;
  const char* text;
  bool needs_end_boundary;  // the folded byte after it must not be a letter
};

// Context words, written from German and English usage on forms and letters.
constexpr Literal kLiterals[] = {
    {kGroupCustomer, "kundennr", false},
    {kGroupCustomer, "kundennummer", false},
    {kGroupCustomer, "kunden-nr", false},
    {kGroupCustomer, "kunden nr", false},
    {kGroupCustomer, "kd.-nr", false},
    {kGroupCustomer, "kd-nr", false},
    {kGroupCustomer, "customer no", false},
    {kGroupCustomer, "customer number", false},
    {kGroupCustomer, "customer id", true},
    {kGroupCustomer, "account number", false},
    {kGroupCustomer, "account no", false},
    {kGroupCustomer, "kontonummer", false},
    {kGroupContract, "vertragsnr", false},
    {kGroupContract, "vertragsnummer", false},
    {kGroupContract, "vertrags-nr", false},
    {kGroupContract, "contract number", false},
    {kGroupContract, "contract no", false},
    {kGroupContract, "auftragsnummer", false},
    {kGroupContract, "auftragsnr", false},
    {kGroupContract, "auftrags-nr", false},
    {kGroupContract, "order number", false},
    {kGroupContract, "order no", false},
    {kGroupContract, "bestellnummer", false},
    {kGroupContract, "bestellnr", false},
    {kGroupBirth, "geb.", false},
    {kGroupBirth, "geboren", false},
    {kGroupBirth, "geburtsdatum", false},
    {kGroupBirth, "geb.-datum", false},
    {kGroupBirth, "geburtstag", false},
    {kGroupBirth, "born", true},
    {kGroupBirth, "date of birth", false},
    {kGroupBirth, "dob", true},
    {kGroupBirth, "d.o.b", false},
    {kGroupBirth, "birthday", false},
    {kGroupBirth, "birth date", false},
    {kGroupTaxContext, "steuer-id", false},
    {kGroupTaxContext, "steuerid", false},
    {kGroupTaxContext, "steuer-idnr", false},
    {kGroupTaxContext, "steueridentifikationsnummer", false},
    {kGroupTaxContext, "identifikationsnummer", false},
    {kGroupTaxContext, "tax id", false},
    {kGroupStreet, "strasse", true},
    {kGroupStreet, "str.", false},
    {kGroupStreet, "weg", true},
    {kGroupStreet, "platz", true},
    {kGroupStreet, "allee", true},
    {kGroupStreet, "gasse", true},
    {kGroupStreet, "ring", true},
    {kGroupStreet, "damm", true},
    {kGroupStreet, "ufer", true},
    {kGroupStreet, "chaussee", true},
    {kGroupStreet, "steig", true},
    {kGroupStreet, "pfad", true},
    {kGroupStreet, "markt", true},
    {kGroupStreet, "promenade", true},
    {kGroupStreet, "graben", true},
    {kGroupPassportContext, "reisepass", false},
    {kGroupPassportContext, "passport", false},
    {kGroupPassportContext, "pass-nr", false},
    {kGroupPassportContext, "passnummer", false},
    {kGroupIdCardContext, "personalausweis", false},
    {kGroupIdCardContext, "ausweisnummer", false},
    {kGroupIdCardContext, "ausweis-nr", false},
    {kGroupIdCardContext, "id card", false},
};

constexpr size_t kMaxFindings = 256;
constexpr size_t kContextWindow = 40;
constexpr int kPhoneBudget =
    32;  // libphonenumber calls per text  // bytes between a cue and its value

inline bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool IsUpper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
inline bool IsLower(unsigned char c) { return c >= 'a' && c <= 'z'; }
inline bool IsAlpha(unsigned char c) { return IsUpper(c) || IsLower(c); }
inline bool IsAlnum(unsigned char c) { return IsDigit(c) || IsAlpha(c); }
inline bool IsHex(unsigned char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
// A byte of a word for boundary purposes: ASCII alnum or part of a non-ASCII letter.
inline bool IsWordByte(unsigned char c) { return IsAlnum(c) || c >= 0x80; }

// Bytes at which the token pass stops: digits and the starters + ( :.
constexpr std::array<bool, 256> MakeInteresting() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = true;
  t['+'] = t['('] = t[':'] = true;
  return t;
}
constexpr std::array<bool, 256> kInteresting = MakeInteresting();

struct Found {
  size_t start;
  size_t end;
  Type type;
  double score;
  const char* evidence;
};

struct Config {
  std::array<bool, kTypeCount> enabled{};
  std::vector<std::string> trunk_regions;  // national numbers with trunk prefix 0
  std::vector<int> trunk_codes;            // their country calling codes
  std::array<bool, 1000> known_cc{};       // assigned country calling codes
  bool nanp = false;                       // US/CA national formats
  bool idd00 = false;                      // "00" international prefix
};

// Context cues of one text, in raw coordinates (from the Hyperscan candidates).
struct Cue {
  Group group;
  size_t start;
  size_t end;
};

class Scanner {
 public:
  Scanner(const Config& cfg, std::string_view raw, const std::vector<Cue>& cues,
          std::vector<Found>* out)
      : cfg_(cfg), s_(raw), n_(raw.size()), cues_(cues), out_(out) {}

  void Run() {
    if (cfg_.enabled[kEmail]) FindEmails();
    const bool want_tokens = AnyEnabled({kPhone, kIban, kCard, kDeTaxId, kDeIdCard, kDePassport,
                                         kDeSocialSecurity, kDeVatId, kIpv4, kIpv6});
    if (want_tokens) Tokens();
    for (const Cue& c : cues_) {
      switch (c.group) {
        case kGroupCustomer:
          if (cfg_.enabled[kCustomerNumber]) LabelledId(c, kCustomerNumber);
          break;
        case kGroupContract:
          if (cfg_.enabled[kContractNumber]) LabelledId(c, kContractNumber);
          break;
        case kGroupBirth:
          if (cfg_.enabled[kBirthDate]) BirthDate(c);
          break;
        case kGroupStreet:
          if (cfg_.enabled[kAddress]) Address(c);
          break;
        default:
          break;
      }
    }
  }

 private:
  bool AnyEnabled(std::initializer_list<Type> ts) const {
    for (Type t : ts) {
      if (cfg_.enabled[t]) return true;
    }
    return false;
  }
  unsigned char At(size_t i) const { return i < n_ ? static_cast<unsigned char>(s_[i]) : 0; }
  bool WordBefore(size_t i) const { return i > 0 && IsWordByte(At(i - 1)); }
  size_t AlnumEnd(size_t i) const {
    while (i < n_ && IsAlnum(At(i))) ++i;
    return i;
  }

  void Emit(size_t start, size_t end, Type type, double score, const char* evidence) {
    if (!cfg_.enabled[type] || out_->size() >= kMaxFindings || end <= start) return;
    out_->push_back({start, end, type, score, evidence});
  }

  bool HasCueBefore(Group g, size_t pos, size_t window) const {
    for (const Cue& c : cues_) {
      if (c.group == g && c.end <= pos && pos - c.end <= window) return true;
    }
    return false;
  }

  // ---- e-mail -------------------------------------------------------------
  static bool LocalChar(unsigned char c) {
    return IsAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
  }
  static bool DomainChar(unsigned char c) { return IsAlnum(c) || c == '.' || c == '-'; }

  void FindEmails() {
    size_t from = 0;
    while (from < n_) {
      const void* hit = std::memchr(s_.data() + from, '@', n_ - from);
      if (hit == nullptr) break;
      size_t at = static_cast<size_t>(static_cast<const char*>(hit) - s_.data());
      from = at + 1;
      size_t ls = at;
      while (ls > 0 && at - ls < 64 && LocalChar(At(ls - 1))) --ls;
      while (ls < at && (At(ls) == '.' || At(ls) == '-')) ++ls;
      if (ls == at || At(at - 1) == '.') continue;
      size_t de = at + 1;
      while (de < n_ && de - at <= 253 && DomainChar(At(de))) ++de;
      while (de > at + 1 && (At(de - 1) == '.' || At(de - 1) == '-')) --de;
      if (!ValidDomain(s_.substr(at + 1, de - at - 1))) continue;
      Emit(ls, de, kEmail, 1.0, "address syntax");
      from = de;
    }
    ObfuscatedEmails("(at)", "(dot)");
    ObfuscatedEmails("[at]", "[dot]");
    std::sort(out_->begin(), out_->end(),
              [](const Found& a, const Found& b) { return a.start < b.start; });
  }

  // "anna(at)example.de", "anna [at] example [dot] de": the written-out '@'
  // that people use to keep addresses away from harvesters.
  void ObfuscatedEmails(std::string_view at_word, std::string_view dot_word) {
    for (size_t at = s_.find(at_word); at != std::string_view::npos;
         at = s_.find(at_word, at + 1)) {
      size_t le = at;
      if (le > 0 && At(le - 1) == ' ') --le;
      size_t ls = le;
      while (ls > 0 && le - ls < 64 && LocalChar(At(ls - 1))) --ls;
      while (ls < le && (At(ls) == '.' || At(ls) == '-')) ++ls;
      if (ls == le || At(le - 1) == '.') continue;
      // The domain, with "(dot)" / " [dot] " read as '.'.
      char dom[256];
      size_t got = 0, p = at + at_word.size(), end = p;
      if (At(p) == ' ') ++p;
      while (p < n_ && got < sizeof(dom)) {
        if (DomainChar(At(p))) {
          dom[got++] = static_cast<char>(At(p++));
          end = p;
          continue;
        }
        size_t q = At(p) == ' ' ? p + 1 : p;
        if (s_.substr(q, dot_word.size()) == dot_word) {
          q += dot_word.size();
          if (At(q) == ' ') ++q;
          dom[got++] = '.';
          p = q;
          continue;
        }
        break;
      }
      while (got > 0 && (dom[got - 1] == '.' || dom[got - 1] == '-')) {
        --got;
        while (end > at && !IsAlnum(At(end - 1))) --end;
      }
      if (!ValidDomain(std::string_view(dom, got))) continue;
      Emit(ls, end, kEmail, 0.9, "address with a written-out @");
    }
  }

  static bool ValidDomain(std::string_view d) {
    if (d.empty()) return false;
    size_t labels = 0, label_start = 0;
    for (size_t i = 0; i <= d.size(); ++i) {
      if (i < d.size() && d[i] != '.') continue;
      size_t len = i - label_start;
      if (len == 0 || len > 63) return false;
      if (d[label_start] == '-' || d[i - 1] == '-') return false;
      ++labels;
      if (i == d.size()) {
        std::string_view tld = d.substr(label_start, len);
        if (tld.size() < 2) return false;
        if (tld.size() > 4 && (tld[0] == 'x' || tld[0] == 'X') &&
            (tld[1] == 'n' || tld[1] == 'N') && tld[2] == '-' && tld[3] == '-') {
          return labels >= 2;
        }
        for (char c : tld) {
          if (!IsAlpha(static_cast<unsigned char>(c))) return false;
        }
      }
      label_start = i + 1;
    }
    return labels >= 2;
  }

  // ---- the token pass -----------------------------------------------------

  // The token pass. Every value this pass finds contains a digit or a ':'
  // (IPv6), so the loop only stops at those and at '+' / '('; from there it
  // backs up to the start of the token (never behind what it already
  // consumed) and looks at the token as a whole. Plain words cost one table
  // lookup per byte.
  void Tokens() {
    const unsigned char* d = reinterpret_cast<const unsigned char*>(s_.data());
    size_t i = 0;
    size_t floor = 0;  // nothing before this is looked at again
    size_t email_idx = 0;
    const size_t emails = out_->size();  // only e-mails so far, in order
    size_t next_email = emails > 0 ? (*out_)[0].start : n_;
    while (i < n_) {
      i = NextInteresting(d, i);
      if (i >= n_) return;
      if (i >= next_email) {
        while (email_idx < emails && (*out_)[email_idx].end <= i) ++email_idx;
        if (email_idx < emails && (*out_)[email_idx].start <= i) {
          i = floor = (*out_)[email_idx].end;
          continue;
        }
        next_email = email_idx < emails ? (*out_)[email_idx].start : n_;
      }
      const unsigned char c = d[i];
      if (c == '+' || c == '(') {
        if (IsDigit(At(i + 1)) && !WordBefore(i)) {
          i = floor = std::max(NumberRun(i), i + 1);
        } else {
          ++i;
        }
        continue;
      }
      if (c == ':' && At(i + 1) == ':' &&
          (i == 0 || (!IsWordByte(At(i - 1)) && At(i - 1) != ':'))) {
        size_t used = Ipv6At(i);
        i = floor = used > i ? used : i + 2;
        continue;
      }
      // Back up to the start of the token holding this digit or ':'.
      size_t t = i;
      while (t > floor && IsAlnum(d[t - 1])) --t;
      if (t < i || IsDigit(c)) {
        size_t we = AlnumEnd(t);
        size_t next = we;
        if (IsAlpha(d[t])) {
          if (!WordBefore(t)) {
            size_t used = LetterToken(t, we);
            if (used > t) next = used;
          }
        } else if (!WordBefore(t) && !(t >= 2 && d[t - 1] == '.' && IsDigit(d[t - 2]))) {
          size_t used = Vat(t);
          if (used == t && !JoinedToWord(t)) used = DigitStart(t, we);
          next = std::max(used, we);
        }
        i = floor = std::max(next, i + 1);
        continue;
      }
      ++i;
    }
  }

  // The next byte at or after i that kInteresting marks, or n_. Eight bytes
  // at a time: a word without any byte in 0x28..0x3A ('(' .. ':', which
  // covers digits, '+', '(' and ':') is skipped whole (bit trick from
  // "Bit Twiddling Hacks", hasbetween; bytes >= 0x80 never match).
  size_t NextInteresting(const unsigned char* d, size_t i) const {
    constexpr uint64_t kOnes = ~uint64_t{0} / 255;
    constexpr uint64_t kLow7 = kOnes * 127;
    constexpr uint64_t kHigh = kOnes * 128;
    while (true) {
      while (i + 8 <= n_) {
        uint64_t x;
        std::memcpy(&x, d + i, 8);
        const uint64_t in_range = (kOnes * (127 + 0x3B) - (x & kLow7)) & ~x &
                                  ((x & kLow7) + kOnes * (127 - 0x27)) & kHigh;
        if (in_range != 0) break;
        i += 8;
      }
      const size_t stop = std::min(n_, i + 8);
      while (i < stop && !kInteresting[d[i]]) ++i;
      if (i < stop || i >= n_) return i;
    }
  }

  // "wagenreihung-063122186", "id_4711", "visit_id=6372...": digits glued to a
  // word by '-', '_' or '=' are part of an identifier or URL, not a value.
  bool JoinedToWord(size_t t) const {
    if (t < 2) return false;
    const unsigned char c = At(t - 1);
    return (c == '-' || c == '_' || c == '=') && IsAlnum(At(t - 2));
  }

  // "DE 136 695 976": the country prefix is a word of its own before the digits.
  size_t Vat(size_t t) {
    if (t < 3 || !cfg_.enabled[kDeVatId]) return t;
    const unsigned char sep = At(t - 1);
    if (sep != ' ' && sep != '-' && sep != '.') return t;
    const size_t w = t - 3;
    if (!((At(w) == 'D' && At(w + 1) == 'E') || (At(w) == 'd' && At(w + 1) == 'e'))) return t;
    if (WordBefore(w)) return t;
    size_t used = VatId(w);
    return used > w ? used : t;
  }

  // A token that starts with a letter at a word start. Returns the end of
  // what it consumed, or `i` when nothing matched.
  size_t LetterToken(size_t i, size_t we) {
    const size_t len = we - i;
    if (At(we) == ':' && len <= 4) {
      bool hex = true;
      for (size_t k = i; k < we; ++k) hex = hex && IsHex(At(k));
      if (hex) return Ipv6At(i);
    }
    if (len >= 4 && IsAlpha(At(i)) && IsAlpha(At(i + 1)) && IsDigit(At(i + 2)) &&
        IsDigit(At(i + 3))) {
      size_t used = Iban(i);
      if (used > i) return used;
    }
    if ((At(i) == 'D' && At(i + 1) == 'E') || (At(i) == 'd' && At(i + 1) == 'e')) {
      size_t used = VatId(i);
      if (used > i) return used;
    }
    if (len == 9 || (len == 10 && (At(we - 1) == 'D' || At(we - 1) == 'd'))) {
      size_t used = DocumentNumber(i, we);
      if (used > i) return used;
    }
    return i;
  }

  // A separator between the groups of an IBAN: one or two spaces, a dash, a
  // tab or a no-break space (U+00A0, common in copied text). Returns p if none.
  size_t SkipGroupSep(size_t p) const {
    const unsigned char c = At(p);
    if (c == ' ') return At(p + 1) == ' ' ? p + 2 : p + 1;
    if (c == '-' || c == '\t') return p + 1;
    if (c == 0xC2 && At(p + 1) == 0xA0) return p + 2;
    return p;
  }

  size_t Iban(size_t i) {
    const bool upper = IsUpper(At(i));
    if (upper != IsUpper(At(i + 1))) return i;
    char cc[2] = {static_cast<char>(upper ? At(i) : At(i) - 32),
                  static_cast<char>(upper ? At(i + 1) : At(i + 1) - 32)};
    const int want = IbanLength(std::string_view(cc, 2));
    if (want == 0) return i;
    // Collect alnum characters, allowing single spaces between groups.
    char buf[40];
    size_t got = 0, p = i, end = i;
    while (p < n_ && got < static_cast<size_t>(want)) {
      unsigned char c = At(p);
      if (IsAlnum(c)) {
        if (IsAlpha(c) && IsUpper(c) != upper) return i;  // mixed case: not an IBAN
        buf[got++] = static_cast<char>(c);
        end = ++p;
      } else if (size_t q = SkipGroupSep(p); q > p && got >= 4 && IsAlnum(At(q))) {
        p = q;
      } else {
        break;
      }
    }
    // An IBAN-shaped run that fails is consumed whole, so that its pieces are
    // not mistaken for phone or card numbers.
    const size_t fail = got >= 12 ? end : i;
    if (got != static_cast<size_t>(want) || IsAlnum(At(end))) return fail;
    if (!IbanValid(std::string_view(buf, got))) return fail;
    Emit(i, end, kIban, 1.0, "mod-97 ok");
    return end;
  }

  size_t VatId(size_t i) {
    // "DE" + 9 digits, with optional single separators (space, dash, dot).
    size_t p = i + 2;
    if (At(p) == ' ' || At(p) == '-' || At(p) == '.') ++p;
    char buf[11] = {'D', 'E'};
    size_t got = 2, end = p;
    while (p < n_ && got < 11) {
      unsigned char c = At(p);
      if (IsDigit(c)) {
        buf[got++] = static_cast<char>(c);
        end = ++p;
      } else if ((c == ' ' || c == '-' || c == '.') && IsDigit(At(p + 1)) && got > 2) {
        ++p;
      } else {
        break;
      }
    }
    if (got != 11 || IsAlnum(At(end)) || (At(end) == '.' && IsDigit(At(end + 1)))) return i;
    if (!DeVatIdValid(std::string_view(buf, 11))) return i;
    Emit(i, end, kDeVatId, 1.0, "BZSt check digit ok");
    return end;
  }

  size_t DocumentNumber(size_t i, size_t we) {
    std::string_view tok = s_.substr(i, 9);
    const bool upper = IsUpper(At(i));
    int digits = 0;
    for (size_t k = 0; k < 9; ++k) {
      unsigned char c = At(i + k);
      if (IsAlpha(c) && IsUpper(c) != upper) return i;
      if (IsDigit(c)) ++digits;
    }
    char kind = DeDocumentKind(tok);
    if (kind == 0 || digits < 3 || !DeDocumentNumberValid(tok)) return i;
    Type t = kind == 'p' ? kDePassport : kDeIdCard;
    if (HasCueBefore(kGroupPassportContext, i, kContextWindow)) t = kDePassport;
    if (HasCueBefore(kGroupIdCardContext, i, kContextWindow)) t = kDeIdCard;
    Emit(i, we, t, 0.9, "7-3-1 check digit ok");
    return we;
  }

  // A token that starts with a digit at a word start.
  size_t DigitStart(size_t i, size_t we) {
    // IPv6 starting with a digit group.
    if (we - i <= 4 && At(we) == ':') {
      size_t used = Ipv6At(i);
      if (used > i) return used;
      // Not an address: skip the whole hex/colon run so no suffix is retried.
      size_t p = i;
      while (p < n_ && (IsHex(At(p)) || At(p) == ':' || At(p) == '.')) ++p;
      return p;
    }
    bool letters = false;
    for (size_t k = i; k < we; ++k) letters = letters || IsAlpha(At(k));
    if (letters) {
      if (we - i == 12 && DeSocialSecurityValid(s_.substr(i, 12))) {
        Emit(i, we, kDeSocialSecurity, 1.0, "DRV check digit ok");
      }
      return we;
    }
    size_t used = SpacedSocialSecurity(i);
    if (used > i) return used;
    return NumberRun(i);
  }

  // "65 070803 A 019": the printed form of the Rentenversicherungsnummer.
  size_t SpacedSocialSecurity(size_t i) {
    static constexpr char kShape[] = "dd dddddd L ddd";
    char buf[12];
    size_t got = 0;
    for (size_t k = 0; k + 1 < sizeof(kShape); ++k) {
      unsigned char c = At(i + k);
      char want = kShape[k];
      if (want == 'd' && IsDigit(c)) {
        buf[got++] = static_cast<char>(c);
      } else if (want == 'L' && IsAlpha(c)) {
        buf[got++] = static_cast<char>(c);
      } else if (!(want == ' ' && c == ' ')) {
        return i;
      }
    }
    size_t end = i + sizeof(kShape) - 1;
    if (IsAlnum(At(end)) || !DeSocialSecurityValid(std::string_view(buf, 12))) return i;
    Emit(i, end, kDeSocialSecurity, 1.0, "DRV check digit ok");
    return end;
  }

  // ---- IP addresses -------------------------------------------------------
  size_t Ipv6At(size_t i) {
    // Never start inside a longer colon run ("foo2001:db8::1" is no address).
    if (i > 0 && (At(i - 1) == ':' || At(i - 1) == '.' || IsWordByte(At(i - 1)))) return i;
    size_t p = i;
    while (p < n_ && p - i < 46 && (IsHex(At(p)) || At(p) == ':' || At(p) == '.')) ++p;
    size_t e = p;
    // Trailing punctuation is not part of the address ("... fe1b:b031.").
    while (e > i && (At(e - 1) == '.' || (At(e - 1) == ':' && At(e - 2) != ':'))) --e;
    if (IsAlnum(At(e)) && e == p) return i;  // glued to a word: "::cout"
    if (e == p && p < n_ && IsWordByte(At(p))) return i;
    std::string_view cand = s_.substr(i, e - i);
    if (cand.find(':') == std::string_view::npos || !Ipv6Valid(cand)) return i;
    if (cand == "::") return i;  // the unspecified address identifies no one
    size_t end = e;
    if (At(end) == '%' && IsAlnum(At(end + 1))) {
      size_t z = AlnumEnd(end + 1);
      if (z - end <= 16) end = z;
    }
    end = CidrSuffix(end, 128);
    if (IsAlnum(At(end))) return i;
    Emit(i, end, kIpv6, 1.0, "RFC 4291 syntax");
    return end;
  }

  size_t CidrSuffix(size_t end, int max) {
    if (At(end) != '/' || !IsDigit(At(end + 1))) return end;
    size_t p = end + 1;
    int v = 0;
    while (p < n_ && IsDigit(At(p)) && p - end <= 3) v = v * 10 + (At(p++) - '0');
    if (IsAlnum(At(p)) || v > max) return end;
    return p;
  }

  // ---- digit runs: IPv4, cards, tax ids, phone numbers ----------------------
  struct Grp {
    size_t start;
    size_t end;
  };
  static constexpr size_t kMaxGroups = 16;

  static bool SepChar(unsigned char c) {
    return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
  }

  // Reads digit groups from `i` (a digit, '+' or '('), separated by up to
  // three separator characters. Classifies windows of groups.
  size_t NumberRun(size_t i) {
    const bool plus = At(i) == '+';
    size_t p = plus ? i + 1 : i;
    Grp g[kMaxGroups];
    size_t ng = 0;
    size_t total_digits = 0;
    while (p < n_ && ng < kMaxGroups) {
      size_t sep_start = p;
      int seps = 0, hard = 0;
      while (p < n_ && seps < 3) {
        if (At(p) == 0xC2 && At(p + 1) == 0xA0) {  // no-break space
          ++seps;
          p += 2;
          continue;
        }
        if (!SepChar(At(p))) break;
        if (At(p) != ' ') ++hard;
        ++seps;
        ++p;
      }
      if (hard > 1 && !(At(sep_start) == '(' || At(p - 1) == ')' || At(sep_start) == ')')) {
        p = sep_start;
        break;
      }
      if (!IsDigit(At(p))) {
        p = sep_start;
        break;
      }
      if (ng == 0 && p != (plus ? i + 1 : i) && At(i) != '(') {
        p = sep_start;
        break;
      }
      size_t ds = p;
      while (p < n_ && IsDigit(At(p))) ++p;
      if (p - ds > 34) {
        // A digit run longer than any supported value: skip it entirely.
        while (p < n_ && IsAlnum(At(p))) ++p;
        return p;
      }
      g[ng++] = {ds, p};
      total_digits += p - ds;
      if (IsAlpha(At(p))) break;
    }
    size_t run_end = ng > 0 ? g[ng - 1].end : p;
    if (ng == 0) return p;
    // A last group glued to letters belongs to a word ("12abc"), except a
    // phone extension ("...5272x565").
    size_t ext_end = 0;
    if (IsAlpha(At(run_end))) {
      if ((At(run_end) == 'x' || At(run_end) == 'X') && IsDigit(At(run_end + 1))) {
        size_t q = run_end + 1;
        while (q < n_ && IsDigit(At(q)) && q - run_end <= 5) ++q;
        if (!IsAlnum(At(q))) ext_end = q;
      }
      if (ext_end == 0) {
        --ng;
        if (ng == 0) return AlnumEnd(run_end);
      }
    }
    // Right boundary after a '.' followed by a digit is impossible here (the
    // dot would have been a separator), so only versions/IPs need care.
    if (TryIpv4(i, g, ng)) return consumed_;
    if (LooksLikeDate(g, ng)) return g[std::min<size_t>(ng, 3) - 1].end;
    bool used[kMaxGroups] = {false};
    for (size_t a = 0; a < ng; ++a) {
      if (used[a]) continue;
      size_t b = TryCard(g, ng, a);
      if (b == SIZE_MAX) b = TryTaxId(g, ng, a);
      // A phone number starts the run or follows a value found in it.
      if (b == SIZE_MAX && cfg_.enabled[kPhone] && (a == 0 || used[a - 1])) {
        b = TryPhone(i, plus, g, ng, a, ext_end);
      }
      if (b != SIZE_MAX) {
        for (size_t k = a; k <= b; ++k) used[k] = true;
        a = b;
      }
    }
    (void)total_digits;
    return std::max(ext_end, g[ng - 1].end);
  }

  bool TryIpv4(size_t i, const Grp* g, size_t ng) {
    if (!cfg_.enabled[kIpv4] || ng < 4 || At(i) == '+') return false;
    for (size_t k = 0; k < 3; ++k) {
      if (g[k + 1].start != g[k].end + 1 || At(g[k].end) != '.') return false;
    }
    if (ng > 4 && g[4].start == g[3].end + 1 && At(g[3].end) == '.') return false;  // 1.2.3.4.5
    std::string_view cand = s_.substr(g[0].start, g[3].end - g[0].start);
    if (!Ipv4Valid(cand)) return false;
    size_t end = CidrSuffix(g[3].end, 32);
    if (IsAlnum(At(end))) return false;
    if (VersionContext(g[0].start)) {
      consumed_ = end;
      return true;  // "Traveler 9.0.1.11", "beta (1.16.0.53)": a version, not a host
    }
    Emit(g[0].start, end, kIpv4, 1.0, "dotted quad");
    consumed_ = end;
    return true;
  }

  // A software version right before a dotted quad: "v9.0.1.11", "Version
  // 9.0.1.11", "Release", "Build", "beta", "Update", "Firmware" within 24 bytes.
  bool VersionContext(size_t start) const {
    if (start > 0 && (At(start - 1) == 'v' || At(start - 1) == 'V')) return true;
    const size_t from = start > 24 ? start - 24 : 0;
    std::string_view w = s_.substr(from, start - from);
    static constexpr std::string_view kWords[] = {"version", "release", "build",
                                                  "beta",    "update",  "firmware"};
    for (std::string_view k : kWords) {
      for (size_t i = 0; i + k.size() <= w.size(); ++i) {
        size_t j = 0;
        while (j < k.size() && (static_cast<unsigned char>(w[i + j]) | 0x20) == k[j]) ++j;
        if (j == k.size()) return true;
      }
    }
    return false;
  }

  // A date at the start of the run ("01.02.2024", "2018-01-14 03:00", "12.05").
  bool LooksLikeDate(const Grp* g, size_t ng) const {
    if (ng > 3) ng = 3;
    if (ng < 2) return false;
    for (size_t k = 0; k + 1 < ng; ++k) {
      unsigned char sep = At(g[k].end);
      const bool dot_space =
          sep == '.' && At(g[k].end + 1) == ' ' && g[k + 1].start == g[k].end + 2;
      if (!dot_space &&
          (g[k + 1].start != g[k].end + 1 || (sep != '.' && sep != '/' && sep != '-'))) {
        return false;  // "02.01.2016", "02. 01. 2016", "01/02/2016", "2016-01-02"
      }
    }
    auto value = [this](const Grp& x) {
      int v = 0;
      for (size_t p = x.start; p < x.end && p - x.start < 4; ++p) v = v * 10 + (At(p) - '0');
      return v;
    };
    auto day = [&](const Grp& x) {
      return x.end - x.start <= 2 && value(x) >= 1 && value(x) <= 31;
    };
    auto month = [&](const Grp& x) {
      return x.end - x.start <= 2 && value(x) >= 1 && value(x) <= 12;
    };
    if (ng == 2) return At(g[0].end) == '.' && day(g[0]) && month(g[1]);  // "12.05."
    size_t l2 = g[2].end - g[2].start;
    const bool us = At(g[0].end) == '/';  // m/d/y in English texts
    const bool dmy =
        ((day(g[0]) && month(g[1])) || (us && month(g[0]) && day(g[1]))) && (l2 == 2 || l2 == 4);
    const bool ymd = g[0].end - g[0].start == 4 && month(g[1]) && day(g[2]);
    return dmy || ymd;
  }

  // Digits of groups a..b into buf; separators between them must satisfy `ok`.
  template <class SepOk>
  size_t Collect(const Grp* g, size_t a, size_t b, char* buf, size_t cap, SepOk ok) const {
    size_t got = 0;
    for (size_t k = a; k <= b; ++k) {
      if (k > a && !ok(g[k - 1].end, g[k].start)) return SIZE_MAX;
      for (size_t p = g[k].start; p < g[k].end; ++p) {
        if (got == cap) return SIZE_MAX;
        buf[got++] = static_cast<char>(At(p));
      }
    }
    return got;
  }

  size_t TryCard(const Grp* g, size_t ng, size_t a) {
    if (!cfg_.enabled[kCard]) return SIZE_MAX;
    auto sep_ok = [this](size_t e, size_t s) {
      return (s == e + 1 && (At(e) == ' ' || At(e) == '-' || At(e) == '.')) ||
             (s == e + 2 && At(e) == 0xC2 && At(e + 1) == 0xA0);
    };
    size_t best = SIZE_MAX;
    char buf[20];
    for (size_t b = a; b < ng; ++b) {
      size_t got = Collect(g, a, b, buf, 19, sep_ok);
      if (got == SIZE_MAX) break;
      if (got >= 12 && LuhnValid(std::string_view(buf, got)) &&
          CardIssuerKnown(std::string_view(buf, got))) {
        best = b;
      }
    }
    if (best == SIZE_MAX) return SIZE_MAX;
    Emit(g[a].start, g[best].end, kCard, 1.0, "Luhn ok, known issuer");
    return best;
  }

  size_t TryTaxId(const Grp* g, size_t ng, size_t a) {
    if (!cfg_.enabled[kDeTaxId]) return SIZE_MAX;
    char buf[12];
    size_t b = a;
    size_t got = SIZE_MAX;
    if (g[a].end - g[a].start == 11) {
      got = Collect(g, a, a, buf, 11, [](size_t, size_t) { return true; });
    } else if (a + 3 < ng && g[a].end - g[a].start == 2) {
      // Printed as "12 345 678 903".
      b = a + 3;
      got = Collect(g, a, b, buf, 11,
                    [this](size_t e, size_t s) { return s == e + 1 && At(e) == ' '; });
      for (size_t k = a + 1; k <= b && got != SIZE_MAX; ++k) {
        if (g[k].end - g[k].start != 3) got = SIZE_MAX;
      }
    }
    if (got != 11) return SIZE_MAX;
    const bool context = HasCueBefore(kGroupTaxContext, g[a].start, kContextWindow);
    if (!DeTaxIdValid(std::string_view(buf, 11), !context)) return SIZE_MAX;
    Emit(g[a].start, g[b].end, kDeTaxId, context ? 1.0 : 0.8,
         context ? "MOD 11,10 ok, labelled" : "MOD 11,10 and digit rule ok");
    return b;
  }

  // Phone numbers: only windows that look like one are handed to libphonenumber.
  size_t TryPhone(size_t run_start, bool plus, const Grp* g, size_t ng, size_t a, size_t ext_end) {
    const bool intl_plus = a == 0 && plus;
    const bool paren = a == 0 && At(run_start) == '(';
    const size_t start = (a == 0) ? run_start : g[a].start;
    const unsigned char first = At(g[a].start);
    const bool zero = first == '0';
    const bool idd = zero && At(g[a].start + 1) == '0';
    if (!intl_plus && !zero && !(cfg_.nanp && first >= '2')) return SIZE_MAX;
    if (!intl_plus && !zero && !paren && ng - a < 2) return SIZE_MAX;  // bare NANP digits
    // The whole rest of the run when it fits; only a run holding several
    // numbers is cut, longest window first, at most three attempts.
    size_t digits[kMaxGroups];
    size_t sum = 0;
    size_t last = a;
    bool fits = true;
    for (size_t k = a; k < ng; ++k) {
      sum += g[k].end - g[k].start;
      digits[k] = sum;
      if (sum > 17) {
        fits = false;
        break;
      }
      last = k;
    }
    const int max_attempts = fits ? 1 : 3;
    int attempts = 0;
    for (size_t b = last + 1; b-- > a && attempts < max_attempts;) {
      const size_t d = digits[b];
      if (d < (intl_plus ? 6u : 7u)) break;
      ++attempts;
      size_t end = g[b].end;
      if (b == ng - 1 && ext_end > end) end = ext_end;
      // The digits of the window; a "(0)" trunk hint after the country code
      // ("+49 (0)30 ...") is not part of the number.
      char dig[24];
      size_t nd = 0;
      for (size_t k = a; k <= b && nd < sizeof(dig); ++k) {
        if (k > a && g[k].end - g[k].start == 1 && At(g[k].start) == '0' &&
            At(g[k].start - 1) == '(' && At(g[k].end) == ')') {
          continue;
        }
        for (size_t q = g[k].start; q < g[k].end && nd < sizeof(dig); ++q) {
          dig[nd++] = static_cast<char>(At(q));
        }
      }
      std::string_view ds(dig, nd);
      const std::string_view text = s_.substr(start, end - start);
      bool ok = false;
      if (intl_plus) {
        ok = ValidInternational(ds, text, "ZZ");
      } else if (idd && cfg_.idd00) {
        ok = ValidInternational(ds.substr(2), text, "DE");
      } else if (zero) {
        for (size_t r = 0; r < cfg_.trunk_regions.size() && !ok; ++r) {
          ok = ValidNational(cfg_.trunk_codes[r], ds.substr(1));
        }
      } else if (cfg_.nanp) {
        // NANP numbers need their grouping: 3-3-4, (3) 3-4, or 1-3-3-4.
        ok = NanpGrouping(g, a, b) && ValidNational(1, ds.size() == 11 ? ds.substr(1) : ds);
      }
      if (ok) {
        Emit(start, end, kPhone, 0.9, "libphonenumber valid");
        return b;
      }
    }
    return SIZE_MAX;
  }

  static bool NanpGrouping(const Grp* g, size_t a, size_t b) {
    size_t len[4];
    const size_t n = b - a + 1;
    if (n != 3 && n != 4) return false;
    for (size_t k = 0; k < n; ++k) len[k] = g[a + k].end - g[a + k].start;
    const size_t* l = n == 4 ? len + 1 : len;
    if (n == 4 && !(len[0] == 1)) return false;
    return l[0] == 3 && l[1] == 3 && l[2] == 4;
  }

  // libphonenumber is the slow part; a text gets a fixed number of questions.
  // libphonenumber's Parse() costs several times IsValidNumber() (it runs a
  // dozen regexes to find the number in free text). The tokenizer already
  // knows the digits, so the PhoneNumber is built directly: country code +
  // national significant number. Parse() remains the fallback for the few
  // numbering plans whose national numbers start with 0 (Italy, ...).
  bool ValidNational(int country_code, std::string_view national) {
    if (national.empty() || national.size() > 17 || national[0] == '0') return false;
    if (phone_budget_ == 0) return false;
    --phone_budget_;
    uint64_t v = 0;
    for (char c : national) v = v * 10 + static_cast<uint64_t>(c - '0');
    PhoneNumber num;
    num.set_country_code(country_code);
    num.set_national_number(v);
    return PhoneNumberUtil::GetInstance()->IsValidNumber(num);
  }

  bool ValidInternational(std::string_view digits, std::string_view text, const char* region) {
    // Country calling codes are prefix-free: at most one of 1-3 digits is assigned.
    for (size_t len = 1; len <= 3 && len < digits.size(); ++len) {
      int cc = 0;
      for (size_t k = 0; k < len; ++k) cc = cc * 10 + (digits[k] - '0');
      if (!cfg_.known_cc[static_cast<size_t>(cc)]) continue;
      std::string_view national = digits.substr(len);
      if (national[0] != '0') return ValidNational(cc, national);
      if (phone_budget_ == 0) return false;
      --phone_budget_;
      const PhoneNumberUtil& u = *PhoneNumberUtil::GetInstance();
      PhoneNumber num;
      if (u.Parse(std::string(text), region, &num) != PhoneNumberUtil::NO_PARSING_ERROR) {
        return false;
      }
      return u.IsValidNumber(num);
    }
    return false;
  }

  // ---- label-based values ---------------------------------------------------
  void LabelledId(const Cue& c, Type type) {
    size_t p = c.end;
    // Skip punctuation and filler words ("Kundennr.: ", "customer no. is ").
    for (int words = 0; p < n_ && p - c.end < 24;) {
      unsigned char ch = At(p);
      if (ch == ' ' || ch == ':' || ch == '.' || ch == '#' || ch == '-' || ch == '=' ||
          ch == '\t') {
        ++p;
        continue;
      }
      if (IsAlpha(ch) && words < 2) {
        size_t we = AlnumEnd(p);
        std::string_view w = s_.substr(p, we - p);
        bool has_digit = false;
        for (char x : w) has_digit = has_digit || IsDigit(static_cast<unsigned char>(x));
        const bool joined = (At(we) == '-' || At(we) == '/') && IsAlnum(At(we + 1));
        if (has_digit || joined) break;  // the id itself: "A1234567", "K-123456"
        static constexpr std::string_view kFiller[] = {"ist", "lautet", "is",     "was",     "nr",
                                                       "no",  "number", "nummer", "lautete", "war"};
        bool filler = false;
        for (std::string_view f : kFiller) {
          if (w.size() == f.size() && std::equal(w.begin(), w.end(), f.begin(),
                                                 [](char x, char y) { return (x | 0x20) == y; })) {
            filler = true;
          }
        }
        if (!filler) return;
        ++words;
        p = we;
        continue;
      }
      break;
    }
    size_t s = p, e = p;
    int digits = 0;
    while (e < n_ && e - s < 32) {
      unsigned char ch = At(e);
      if (IsAlnum(ch)) {
        digits += IsDigit(ch);
        ++e;
      } else if (e > s && (ch == '-' || ch == '/' || ch == '.') && IsAlnum(At(e + 1))) {
        ++e;
      } else if (e > s && ch == ' ' && IsDigit(At(e - 1)) && IsDigit(At(e + 1))) {
        ++e;
      } else {
        break;
      }
    }
    if (digits < 3 || e - s < 4) return;
    Emit(s, e, type, 0.9, "labelled id");
  }

  // ---- dates ------------------------------------------------------------------
  static int MonthName(std::string_view w) {
    static constexpr std::string_view kNames[][3] = {{"januar", "january", "jan"},
                                                     {"februar", "february", "feb"},
                                                     {"maerz", "march", "mar"},
                                                     {"april", "april", "apr"},
                                                     {"mai", "may", "may"},
                                                     {"juni", "june", "jun"},
                                                     {"juli", "july", "jul"},
                                                     {"august", "august", "aug"},
                                                     {"september", "september", "sep"},
                                                     {"oktober", "october", "oct"},
                                                     {"november", "november", "nov"},
                                                     {"dezember", "december", "dec"}};
    char low[12];
    if (w.size() > sizeof(low) || w.size() < 3) return 0;
    for (size_t k = 0; k < w.size(); ++k) low[k] = static_cast<char>(w[k] | 0x20);
    std::string_view lw(low, w.size());
    for (int m = 0; m < 12; ++m) {
      for (std::string_view name : kNames[m]) {
        if (lw == name) return m + 1;
      }
    }
    return 0;
  }

  // Word at p: ASCII letters plus "ä" (for "März"); returns its end.
  size_t MonthEnd(size_t p, int* month) const {
    size_t e = p;
    char buf[12];
    size_t got = 0;
    while (e < n_ && got < sizeof(buf)) {
      unsigned char c = At(e);
      if (IsAlpha(c)) {
        buf[got++] = static_cast<char>(c);
        ++e;
      } else if (c == 0xC3 && (At(e + 1) == 0xA4 || At(e + 1) == 0x84)) {
        buf[got++] = 'a';
        if (got < sizeof(buf)) buf[got++] = 'e';
        e += 2;
      } else {
        break;
      }
    }
    *month = MonthName(std::string_view(buf, got));
    if (*month != 0 && At(e) == '.') ++e;
    return e;
  }

  size_t Number(size_t p, int max_len, int* v) const {
    size_t e = p;
    *v = 0;
    while (e < n_ && IsDigit(At(e)) && static_cast<int>(e - p) < max_len)
      *v = *v * 10 + (At(e++) - '0');
    if (IsDigit(At(e))) return p;
    return e;
  }

  // A date starting at p; returns its end or p.
  size_t DateAt(size_t p) const {
    int a = 0, b = 0, c = 0, month = 0;
    if (IsDigit(At(p))) {
      size_t e1 = Number(p, 4, &a);
      if (e1 == p) return p;
      unsigned char sep = At(e1);
      if (e1 - p == 4 && sep == '-') {  // ISO 8601
        size_t e2 = Number(e1 + 1, 2, &b);
        if (e2 == e1 + 1 || At(e2) != '-') return p;
        size_t e3 = Number(e2 + 1, 2, &c);
        if (e3 == e2 + 1 || b < 1 || b > 12 || c < 1 || c > 31) return p;
        return e3;
      }
      if (e1 - p > 2 || a < 1 || a > 31) return p;
      if (sep == '.' || sep == '/' || sep == '-') {
        size_t q = e1 + 1;
        if (IsDigit(At(q))) {  // numeric dates are written without spaces
          size_t e2 = Number(q, 2, &b);
          if (e2 == q || At(e2) != sep) return p;
          size_t e3 = Number(e2 + 1, 4, &c);
          size_t yl = e3 - e2 - 1;
          if (yl != 2 && yl != 4) return p;
          // d.m.y, or m/d/y in English texts.
          if (!((b >= 1 && b <= 12) || (sep == '/' && a <= 12 && b <= 31))) return p;
          return e3;
        }
        if (sep != '.') return p;
        e1 = At(q) == ' ' ? q + 1 : q;
      } else if (sep == ' ') {
        e1 = e1 + 1;
      } else {
        return p;
      }
      size_t me = MonthEnd(e1, &month);
      if (month == 0) return p;
      if (At(me) == ' ') ++me;
      size_t ye = Number(me, 4, &c);
      if (ye - me != 4) return p;
      return ye;
    }
    if (!IsAlpha(At(p))) return p;
    size_t me = MonthEnd(p, &month);
    if (month == 0 || At(me) != ' ') return p;
    size_t de = Number(me + 1, 2, &a);
    if (de == me + 1 || a < 1 || a > 31) return p;
    size_t q = de;
    if (At(q) == ',') ++q;
    if (At(q) == ' ') ++q;
    size_t ye = Number(q, 4, &c);
    if (ye - q != 4) return p;
    return ye;
  }

  // A sentence ends at p: '!', '?', a line break, or ". " before a capital.
  bool SentenceBreak(size_t p) const {
    const unsigned char c = At(p);
    if (c == '!' || c == '?' || c == '\n') return true;
    return c == '.' && At(p + 1) == ' ' && (IsUpper(At(p + 2)) || At(p + 2) >= 0xC3);
  }

  // The first date after the cue ("geboren am 3. März 1979"), else the last
  // one before it ("am 3. März 1979 geboren"), each within kContextWindow.
  void BirthDate(const Cue& c) {
    auto date_start = [this](size_t p) {
      if (WordBefore(p) || !IsAlnum(At(p))) return false;
      // Not inside a number or date.
      return !(p >= 2 && (At(p - 1) == '.' || At(p - 1) == '/' || At(p - 1) == '-') &&
               IsDigit(At(p - 2)));
    };
    const size_t limit = std::min(n_, c.end + kContextWindow);
    for (size_t p = c.end; p < limit; ++p) {
      if (SentenceBreak(p)) break;
      if (!date_start(p)) continue;
      size_t e = DateAt(p);
      if (e > p && !IsAlnum(At(e))) {
        Emit(p, e, kBirthDate, 0.9, "date after a birth cue");
        return;
      }
    }
    size_t best_s = 0, best_e = 0;
    for (size_t p = c.start > kContextWindow ? c.start - kContextWindow : 0; p < c.start; ++p) {
      if (!date_start(p)) continue;
      size_t e = DateAt(p);
      if (e > p && e <= c.start && !IsAlnum(At(e))) {
        best_s = p;
        best_e = e;
        p = e;
      }
    }
    for (size_t p = best_e; p < c.start && best_e > best_s; ++p) {
      if (SentenceBreak(p)) best_e = best_s;  // the date belongs to another sentence
    }
    if (best_e > best_s) Emit(best_s, best_e, kBirthDate, 0.8, "date before a birth cue");
  }

  // ---- German postal addresses ---------------------------------------------
  // Street (word ending in a street suffix) + house number + PLZ + town.
  void Address(const Cue& c) {
    size_t p = c.end;
    if (At(p) == '.') ++p;
    if (At(p) == ' ') ++p;
    size_t hs = p;
    while (p < n_ && IsDigit(At(p)) && p - hs < 4) ++p;
    if (p == hs || IsDigit(At(p))) return;
    if (IsAlpha(At(p)) && !IsAlpha(At(p + 1))) ++p;  // "5a"
    if ((At(p) == '-' || At(p) == '/') && IsDigit(At(p + 1))) {
      p += 2;
      while (p < n_ && IsDigit(At(p)) && p - hs < 10) ++p;
    }
    if (IsWordByte(At(p))) return;
    // Separator between house number and PLZ: comma, spaces, a line break.
    size_t q = p;
    if (At(q) == ',') ++q;
    while (q < n_ && q - p < 4 && (At(q) == ' ' || At(q) == '\n' || At(q) == '\r')) ++q;
    if (q == p) return;
    size_t zs = q;
    while (q < n_ && IsDigit(At(q))) ++q;
    if (q - zs != 5 || At(q) != ' ') return;
    ++q;
    // Town: a word starting with a letter (ASCII or UTF-8), hyphens allowed.
    size_t ts = q;
    while (q < n_ && (IsAlpha(At(q)) || At(q) >= 0x80 || (At(q) == '-' && q > ts))) ++q;
    if (q - ts < 2) return;
    // Two-word towns: "Bad Ems", "Neu Isenburg", "Frankfurt am Main", "Halle (Saale)".
    std::string_view town = s_.substr(ts, q - ts);
    size_t r = q;
    if (town == "Bad" || town == "Neu" || town == "Sankt" || town == "Bergisch") {
      r = q + 1;
    } else if (s_.substr(q, 4) == " am " || s_.substr(q, 4) == " an " ||
               s_.substr(q, 4) == " im ") {
      r = q + 4;
      if (s_.substr(r, 4) == "der ") r += 4;
    } else if (s_.substr(q, 2) == " (") {
      r = q + 2;
    }
    if (r > q && At(q) == ' ' && IsUpper(At(r))) {
      size_t e = r;
      while (e < n_ && (IsAlpha(At(e)) || At(e) >= 0x80 || At(e) == '-')) ++e;
      if (At(q + 1) == '(' && At(e) == ')') ++e;
      if (At(q + 1) != '(' || At(e - 1) == ')') q = e;
    }
    size_t street_start = StreetStart(c.start);
    Emit(street_start, q, kAddress, 0.9, "street, number, PLZ, town");
  }

  size_t StreetStart(size_t s) const {
    size_t b = s;
    while (b > 0 && (IsWordByte(At(b - 1)) || At(b - 1) == '-')) --b;
    // The suffix is a word of its own ("Berliner Straße", "Am Ring"): take
    // the word before it too.
    if (b == s && b >= 2 && At(b - 1) == ' ') {
      size_t w = b - 1;
      while (w > 0 && (IsWordByte(At(w - 1)) || At(w - 1) == '-')) --w;
      if (w < b - 1) b = w;
      return b;
    }
    // A leading preposition or adjective: "Am Lindenweg", "Alte Gasse".
    if (b >= 3 && At(b - 1) == ' ') {
      size_t w = b - 1;
      while (w > 0 && IsAlpha(At(w - 1))) --w;
      std::string_view prev = s_.substr(w, b - 1 - w);
      static constexpr std::string_view kLead[] = {"Am",    "An",     "Auf",   "Im",    "In",
                                                   "Zum",   "Zur",    "Alte",  "Alter", "Neue",
                                                   "Neuer", "Hinter", "Unter", "Vor"};
      for (std::string_view l : kLead) {
        if (prev == l && (w == 0 || !IsWordByte(At(w - 1)))) return w;
      }
    }
    return b;
  }

  const Config& cfg_;
  std::string_view s_;
  size_t n_;
  const std::vector<Cue>& cues_;
  std::vector<Found>* out_;
  size_t consumed_ = 0;
  int phone_budget_ = kPhoneBudget;
};

class PiiDetector final : public Detector {
 public:
  PiiDetector(Config cfg, std::vector<std::pair<std::string, Literal>> literals)
      : cfg_(std::move(cfg)), literals_(std::move(literals)) {}

  std::vector<PatternSpec> Patterns() const override {
    std::vector<PatternSpec> out;
    for (size_t k = 0; k < literals_.size(); ++k) {
      PatternSpec p;
      p.expression = literals_[k].first;
      p.flags = kPatLiteral | kPatCaseless;
      p.view = View::kFolded;
      p.id = static_cast<uint32_t>(k);
      out.push_back(std::move(p));
    }
    return out;
  }

  ScanControl Scan(const ScanContext& ctx, DetectionSink& sink) const override {
    std::vector<Cue> cues;
    const NormalizedText& f = *ctx.folded;
    for (const Candidate& cand : ctx.candidates) {
      if (cand.view != View::kFolded || cand.id >= literals_.size() || cand.to <= cand.from ||
          cand.to > f.text.size() || cues.size() >= kMaxFindings) {
        continue;
      }
      const Literal& lit = literals_[cand.id].second;
      const bool street = lit.group == kGroupStreet;
      if (!street && cand.from > 0 &&
          IsWordByte(static_cast<unsigned char>(f.text[cand.from - 1]))) {
        continue;
      }
      if (lit.needs_end_boundary && cand.to < f.text.size() &&
          IsAlpha(static_cast<unsigned char>(f.text[cand.to]))) {
        continue;
      }
      auto [s, e] = f.ToOriginal(cand.from, cand.to);
      if (e > ctx.raw.size() || s >= e) continue;
      cues.push_back({lit.group, s, e});
    }
    std::vector<Found> found;
    Scanner(cfg_, ctx.raw, cues, &found).Run();
    if (found.empty()) return ScanControl::kContinue;
    // Resolve overlaps: keep the higher-priority (then longer, then earlier) one.
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
      return a.start != b.start ? a.start < b.start : a.end > b.end;
    });
    std::vector<Found> kept;
    for (const Found& x : found) {
      bool drop = false;
      for (auto it = kept.begin(); it != kept.end();) {
        if (it->end <= x.start || x.end <= it->start) {
          ++it;
          continue;
        }
        if (kPriority[it->type] >= kPriority[x.type]) {
          drop = true;
          break;
        }
        it = kept.erase(it);
      }
      if (!drop) kept.push_back(x);
    }
    for (const Found& x : kept) {
      Detection d;
      d.view = View::kRaw;
      d.start = x.start;
      d.end = x.end;
      d.type = kTypeNames[x.type];
      d.score = x.score;
      d.evidence = x.evidence;
      sink.Add(std::move(d));
    }
    return ScanControl::kContinue;
  }

 private:
  const Config cfg_;
  const std::vector<std::pair<std::string, Literal>> literals_;
};

class Factory final : public DetectorFactory {
 public:
  std::string_view name() const override { return "pii"; }
  std::string_view version() const override { return "1"; }
  Result<std::unique_ptr<Detector>> Create(const DetectorParams& params,
                                           const DetectorEnv& env) const override {
    LP_RETURN_IF_ERROR(params.CheckKnown({"types", "regions"}));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> types, params.GetStrings("types"));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> regions, params.GetStrings("regions"));
    Config cfg;
    if (types.empty()) cfg.enabled.fill(true);
    for (const std::string& t : types) {
      bool known = false;
      for (int k = 0; k < kTypeCount; ++k) {
        if (t == kTypeNames[k]) {
          cfg.enabled[static_cast<size_t>(k)] = true;
          known = true;
        }
      }
      if (!known) return Status::InvalidArgument("types: unknown pii type '" + t + "'");
    }
    if (!params.Has("regions")) regions = {"DE", "AT", "CH"};
    const PhoneNumberUtil& u = *PhoneNumberUtil::GetInstance();
    for (const std::string& r : regions) {
      if (u.GetCountryCodeForRegion(r) == 0) {
        return Status::InvalidArgument("regions: unknown region code '" + r +
                                       "' (use ISO 3166 alpha-2, e.g. \"DE\")");
      }
      std::string prefix;
      u.GetNddPrefixForRegion(r, true, &prefix);
      if (prefix == "0") {
        cfg.trunk_regions.push_back(r);
        cfg.trunk_codes.push_back(u.GetCountryCodeForRegion(r));
      }
      if (r == "US" || r == "CA") cfg.nanp = true;
      if (r == "DE" || r == "AT" || r == "CH" || r == "GB" || r == "FR" || r == "IT" || r == "ES" ||
          r == "NL" || r == "BE" || r == "PL") {
        cfg.idd00 = true;
      }
    }
    std::set<int> codes;
    u.GetSupportedCallingCodes(&codes);
    for (int cc : codes) {
      if (cc > 0 && cc < 1000) cfg.known_cc[static_cast<size_t>(cc)] = true;
    }
    std::vector<std::pair<std::string, Literal>> literals;
    std::set<std::pair<std::string, uint32_t>> seen;
    for (const Literal& l : kLiterals) {
      std::string folded = env.normalizer != nullptr ? env.normalizer->Fold(l.text) : l.text;
      if (folded.empty() || !seen.insert({folded, l.group}).second) continue;
      literals.emplace_back(std::move(folded), l);
    }
    return std::unique_ptr<Detector>(new PiiDetector(std::move(cfg), std::move(literals)));
  }
};

}  // namespace

const DetectorFactory& Factory() {
  static const class Factory kFactory;
  return kFactory;
}

}  // namespace leitplanke::guard::detectors::pii
