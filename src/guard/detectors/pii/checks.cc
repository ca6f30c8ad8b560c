// Validators for the `pii` detector, written from the public specifications:
// ISO/IEC 7812 (Luhn) and the card networks' published IIN ranges, ISO 13616
// (IBAN; lengths from the SWIFT IBAN registry), ISO/IEC 7064 MOD 11,10 (used
// by both the Steuer-IdNr and, per the BZSt, the USt-IdNr), ICAO 9303 (7-3-1
// weights of the German document serials), the DRV description of the
// Rentenversicherungsnummer and RFC 4291 / RFC 5952 for IP addresses.
#include "guard/detectors/pii/checks.h"

#include <cstdint>

namespace leitplanke::guard::detectors::pii {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char ToUpper(char c) { return IsLower(c) ? static_cast<char>(c - 'a' + 'A') : c; }

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// Leading digits as a number (at most 6 of them).
int Prefix(std::string_view d, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n && i < d.size(); ++i) v = v * 10 + (d[i] - '0');
  return v;
}

struct IbanCountry {
  char code[3];
  uint8_t length;
};
// SWIFT IBAN registry: every country code with its fixed IBAN length.
constexpr IbanCountry kIbanCountries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27},
    {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
    {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28},
    {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31},
    {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28},
    {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
};

// Value of a document-alphabet character (digits 0-9, letters A=10 .. Z=35).
int AlnumValue(char c) {
  if (IsDigit(c)) return c - '0';
  c = ToUpper(c);
  if (IsUpper(c)) return c - 'A' + 10;
  return -1;
}

bool InDocumentAlphabet(char c) {
  if (IsDigit(c)) return true;
  switch (ToUpper(c)) {
    case 'C':
    case 'F':
    case 'G':
    case 'H':
    case 'J':
    case 'K':
    case 'L':
    case 'M':
    case 'N':
    case 'P':
    case 'R':
    case 'T':
    case 'V':
    case 'W':
    case 'X':
    case 'Y':
    case 'Z':
      return true;
    default:
      return false;
  }
}

}  // namespace

bool LuhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool dbl = false;
  for (size_t i = digits.size(); i-- > 0;) {
    if (!IsDigit(digits[i])) return false;
    int d = digits[i] - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

bool CardIssuerKnown(std::string_view d) {
  const size_t n = d.size();
  if (n < 12 || n > 19 || !AllDigits(d)) return false;
  const int p1 = Prefix(d, 1), p2 = Prefix(d, 2), p3 = Prefix(d, 3), p4 = Prefix(d, 4),
            p6 = Prefix(d, 6);
  if (p1 == 4) return n == 13 || n == 16 || n == 19;                         // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16;  // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15;                                  // Amex
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 || (p6 >= 622126 && p6 <= 622925)) {
    return n >= 16;  // Discover
  }
  if ((p3 >= 300 && p3 <= 305) || p3 == 309 || p2 == 36 || p2 == 38 || p2 == 39) {
    return n >= 14;  // Diners Club
  }
  if (p4 >= 3528 && p4 <= 3589) return n >= 16;  // JCB
  if (p4 == 1800 || p4 == 2131) return n == 15;  // JCB (old 15-digit ranges)
  // Maestro, 12-19 digits: 50xx (5018, 5020, 5038), 56-58, 6304, 6390, 67xx.
  if (p2 == 50 || (p2 >= 56 && p2 <= 58) || p4 == 6304 || p4 == 6390 || p2 == 67) return true;
  if (p1 == 1) return n == 15;  // UATP
  return false;
}

int IbanLength(std::string_view country) {
  if (country.size() != 2) return 0;
  for (const IbanCountry& c : kIbanCountries) {
    if (c.code[0] == country[0] && c.code[1] == country[1]) return c.length;
  }
  return 0;
}

bool IbanValid(std::string_view s) {
  if (s.size() < 15 || s.size() > 34) return false;
  char cc[2] = {ToUpper(s[0]), ToUpper(s[1])};
  if (IbanLength(std::string_view(cc, 2)) != static_cast<int>(s.size())) return false;
  if (!IsDigit(s[2]) || !IsDigit(s[3])) return false;
  // Rotate the first four characters to the end, read letters as 10..35, mod 97.
  uint32_t rem = 0;
  for (size_t k = 0; k < s.size(); ++k) {
    char c = s[(k + 4) % s.size()];
    int v = AlnumValue(c);
    if (v < 0) return false;
    rem = v >= 10 ? (rem * 100 + static_cast<uint32_t>(v)) % 97
                  : (rem * 10 + static_cast<uint32_t>(v)) % 97;
  }
  return rem == 1;
}

int Mod1110CheckDigit(std::string_view body) {
  int product = 10;
  for (char c : body) {
    if (!IsDigit(c)) return -1;
    int sum = (c - '0' + product) % 10;
    if (sum == 0) sum = 10;
    product = (sum * 2) % 11;
  }
  int check = 11 - product;
  return check == 10 ? 0 : check;
}

bool DeTaxIdValid(std::string_view d, bool strict_repetition) {
  if (d.size() != 11 || !AllDigits(d) || d[0] == '0') return false;
  int count[10] = {0};
  for (size_t i = 0; i < 10; ++i) ++count[d[i] - '0'];
  int repeated = 0, max = 0;
  for (int c : count) {
    if (c > 1) ++repeated;
    if (c > max) max = c;
  }
  if (max > 3) return false;  // never issued, even under the relaxed reading
  if (strict_repetition) {
    if (repeated != 1) return false;
    if (max == 3) {
      for (size_t i = 0; i + 2 < 10; ++i) {
        if (d[i] == d[i + 1] && d[i] == d[i + 2]) return false;
      }
    }
  }
  return Mod1110CheckDigit(d.substr(0, 10)) == d[10] - '0';
}

bool DeDocumentNumberValid(std::string_view s) {
  if (s.size() != 9) return false;
  static constexpr int kWeights[3] = {7, 3, 1};
  int sum = 0;
  for (size_t i = 0; i < 8; ++i) {
    if (!InDocumentAlphabet(s[i])) return false;
    sum += AlnumValue(s[i]) * kWeights[i % 3];
  }
  return IsDigit(s[8]) && sum % 10 == s[8] - '0';
}

char DeDocumentKind(std::string_view s) {
  if (s.empty()) return 0;
  switch (ToUpper(s[0])) {
    case 'C':
    case 'F':
    case 'G':
    case 'H':
    case 'J':
    case 'K':
      return 'p';
    case 'L':
    case 'M':
    case 'N':
    case 'P':
    case 'R':
    case 'T':
    case 'V':
    case 'W':
    case 'X':
    case 'Y':
    case 'Z':
      return 'i';
    default:
      return 0;
  }
}

bool DeSocialSecurityValid(std::string_view s) {
  if (s.size() != 12) return false;
  for (size_t i = 0; i < 12; ++i) {
    if (i == 8 ? !IsUpper(ToUpper(s[i])) : !IsDigit(s[i])) return false;
  }
  const int area = Prefix(s, 2);
  const int day = Prefix(s.substr(2), 2), month = Prefix(s.substr(4), 2);
  if (area < 2 || area > 89) return false;
  // Day 51-81: the birth day plus 50, used once the serials of a date run out.
  if (!((day >= 1 && day <= 31) || (day >= 51 && day <= 81))) return false;
  if (month < 1 || month > 12) return false;
  // The letter becomes its two-digit alphabet position: 12 digits in all.
  int digits[12];
  for (int i = 0; i < 8; ++i) digits[i] = s[static_cast<size_t>(i)] - '0';
  const int letter = ToUpper(s[8]) - 'A' + 1;
  digits[8] = letter / 10;
  digits[9] = letter % 10;
  digits[10] = s[9] - '0';
  digits[11] = s[10] - '0';
  static constexpr int kWeights[12] = {2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1};
  int sum = 0;
  for (int i = 0; i < 12; ++i) {
    int p = digits[i] * kWeights[i];
    sum += p / 10 + p % 10;
  }
  return sum % 10 == s[11] - '0';
}

bool DeVatIdValid(std::string_view s) {
  if (s.size() != 11 || ToUpper(s[0]) != 'D' || ToUpper(s[1]) != 'E') return false;
  std::string_view d = s.substr(2);
  if (!AllDigits(d) || d[0] == '0') return false;
  return Mod1110CheckDigit(d.substr(0, 8)) == d[8] - '0';
}

bool Ipv4Valid(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (true) {
    size_t start = i;
    int v = 0;
    while (i < s.size() && IsDigit(s[i]) && i - start < 3) v = v * 10 + (s[i++] - '0');
    if (i == start || v > 255 || (i < s.size() && IsDigit(s[i]))) return false;
    ++parts;
    if (i == s.size()) return parts == 4;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
}

bool Ipv6Valid(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return false;
  int groups = 0;
  bool compressed = false;
  size_t i = 0;
  if (s[0] == ':') {
    if (s[1] != ':') return false;
    compressed = true;
    i = 2;
    if (i == s.size()) return true;  // "::"
  }
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && IsHex(s[i]) && i - start < 5) ++i;
    if (i < s.size() && s[i] == '.') {
      // An IPv4 tail: counts as two groups and must end the address.
      if (!Ipv4Valid(s.substr(start))) return false;
      groups += 2;
      break;
    }
    if (i == start || i - start > 4) return false;
    ++groups;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;  // a single trailing colon
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

}  // namespace leitplanke::guard::detectors::pii
