#include "eval/obfuscate.h"

#include "leitplanke/base/utf8.h"

namespace leitplanke::eval {

namespace {

// Calls f(cp, out) for every code point of s.
template <class F>
std::string MapCodePoints(std::string_view s, F f) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    int len;
    bool valid;
    char32_t cp = utf8::Decode(s, i, &len, &valid);
    f(cp, i == 0, &out);
    i += len;
  }
  return out;
}

bool IsAsciiLetter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string Plain(std::string_view t) { return std::string(t); }

std::string Upper(std::string_view t) {
  return MapCodePoints(t, [](char32_t c, bool, std::string* o) {
    if (c >= 'a' && c <= 'z') c -= 32;
    if (c == U'ä') c = U'Ä';
    if (c == U'ö') c = U'Ö';
    if (c == U'ü') c = U'Ü';
    utf8::Append(c, o);
  });
}

std::string Leet(std::string_view t) {
  return MapCodePoints(t, [](char32_t c, bool, std::string* o) {
    switch (c) {
      case 'a':
      case 'A':
        c = '4';
        break;
      case 'e':
      case 'E':
        c = '3';
        break;
      case 'o':
      case 'O':
        c = '0';
        break;
      case 'i':
      case 'I':
        c = '1';
        break;
      case 's':
      case 'S':
        c = '5';
        break;
      case 't':
      case 'T':
        c = '7';
        break;
      default:
        break;
    }
    utf8::Append(c, o);
  });
}

std::string Separated(std::string_view t, std::string_view sep) {
  return MapCodePoints(t, [sep](char32_t c, bool first, std::string* o) {
    if (c == ' ') {
      o->append("  ");  // a word gap stays wider than the letter gaps
      return;
    }
    if (!first && !o->empty() && o->back() != ' ') o->append(sep);
    utf8::Append(c, o);
  });
}

std::string Spaced(std::string_view t) { return Separated(t, " "); }
std::string Dotted(std::string_view t) { return Separated(t, "."); }
std::string Dashed(std::string_view t) { return Separated(t, "-"); }
std::string ZeroWidth(std::string_view t) { return Separated(t, "\u200B"); }
std::string SoftHyphen(std::string_view t) { return Separated(t, "\u00AD"); }
std::string Bidi(std::string_view t) { return Separated(t, "\u200E"); }

std::string Homoglyph(std::string_view t) {
  return MapCodePoints(t, [](char32_t c, bool, std::string* o) {
    switch (c) {
      case 'a':
        c = U'а';
        break;  // Cyrillic
      case 'e':
        c = U'е';
        break;
      case 'o':
        c = U'ο';
        break;  // Greek omicron
      case 'p':
        c = U'р';
        break;
      case 'c':
        c = U'с';
        break;
      case 'P':
        c = U'Р';
        break;
      case 'K':
        c = U'Κ';
        break;  // Greek kappa
      default:
        break;
    }
    utf8::Append(c, o);
  });
}

std::string Fullwidth(std::string_view t) {
  return MapCodePoints(t, [](char32_t c, bool, std::string* o) {
    if (IsAsciiLetter(c)) c = c - 'A' + 0xFF21;  // FULLWIDTH LATIN
    utf8::Append(c, o);
  });
}

std::string UmlautSpelling(std::string_view t) {
  bool any = false;
  std::string s = MapCodePoints(t, [&any](char32_t c, bool, std::string* o) {
    const char* rep = nullptr;
    switch (c) {
      case U'ä':
        rep = "ae";
        break;
      case U'ö':
        rep = "oe";
        break;
      case U'ü':
        rep = "ue";
        break;
      case U'Ä':
        rep = "Ae";
        break;
      case U'Ö':
        rep = "Oe";
        break;
      case U'Ü':
        rep = "Ue";
        break;
      case U'ß':
        rep = "ss";
        break;
      default:
        break;
    }
    if (rep) {
      any = true;
      o->append(rep);
    } else {
      utf8::Append(c, o);
    }
  });
  return any ? s : "";
}

std::string Hashtag(std::string_view t) {
  std::string out = "#";
  bool up = true;
  for (char c : t) {
    if (c == ' ' || c == '-') {
      up = true;
      continue;
    }
    out.push_back(up && c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
    up = false;
  }
  return out;
}

std::string CompoundSuffix(std::string_view t) { return std::string(t) + "-Launch"; }
std::string LeetSpaced(std::string_view t) { return Spaced(Leet(t)); }

}  // namespace

const std::vector<Obfuscation>& AllObfuscations() {
  static const std::vector<Obfuscation> kAll = {
      {"plain", Plain},
      {"upper case", Upper},
      {"leet", Leet},
      {"spaced letters", Spaced},
      {"dotted letters", Dotted},
      {"dashed letters", Dashed},
      {"zero-width joins", ZeroWidth},
      {"soft hyphens", SoftHyphen},
      {"bidi marks", Bidi},
      {"homoglyphs", Homoglyph},
      {"fullwidth", Fullwidth},
      {"umlaut spelling", UmlautSpelling},
      {"hashtag", Hashtag},
      {"compound", CompoundSuffix},
      {"leet + spaced", LeetSpaced},
  };
  return kAll;
}

}  // namespace leitplanke::eval
