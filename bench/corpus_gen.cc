// The benchmark corpus generator. Every word list and template below is the
// generator's own; the texts only have to look like customer-care traffic
// (greetings, delivery and outage updates, links, mentions, emoji, umlauts)
// so that the normaliser and the detectors see realistic byte patterns.
//
// Why a quantile table for lengths: a log-normal draw would need exp(),
// whose last bit may differ between C libraries; linear interpolation in a
// fixed table needs only exact operations, so the corpus is bit-identical
// everywhere.
#include "corpus_gen.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <set>
#include <unordered_set>

namespace leitplanke::bench {

namespace {

// xoshiro256** seeded through splitmix64 (both public-domain algorithms,
// written here from their published definitions).
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& w : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      w = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n); n > 0. The modulo bias is below 2^-40 for our n.
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  // Uniform in [0, 1) with 53 bits.
  double Unit() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }
  bool Chance(double p) { return Unit() < p; }
  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& a) {
    return a[Below(N)];
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Message length (code points) as a piecewise-linear inverse CDF.
struct Knot {
  double p;
  double len;
};
constexpr std::array<Knot, 10> kLengthQuantiles = {{
    {0.00, 20},
    {0.05, 60},
    {0.15, 110},
    {0.30, 170},
    {0.50, 250},
    {0.70, 350},
    {0.85, 560},
    {0.95, 1000},
    {0.99, 1650},
    {1.00, 2000},
}};
constexpr size_t kMinLength = 20;
constexpr size_t kMaxLength = 2000;

size_t SampleLength(Rng& rng) {
  const double u = rng.Unit();
  for (size_t i = 1; i < kLengthQuantiles.size(); ++i) {
    const Knot& a = kLengthQuantiles[i - 1];
    const Knot& b = kLengthQuantiles[i];
    if (u < b.p) {
      const double len = a.len + (u - a.p) / (b.p - a.p) * (b.len - a.len);
      return static_cast<size_t>(len);
    }
  }
  return kMaxLength;
}

using sv = std::string_view;

// ---------------------------------------------------------------- fillers
constexpr std::array<sv, 30> kGermanFiller = {
    "Hallo {name}, danke für Ihre Nachricht!",
    "Hi {name}, danke dir für den Hinweis.",
    "Das tut uns leid, wir kümmern uns sofort darum.",
    "Ihre Bestellung ist seit {day} unterwegs und kommt voraussichtlich {when}.",
    "Die Störung in {city} ist seit {time} Uhr behoben.",
    "Können Sie uns kurz sagen, welches Gerät Sie nutzen, {device} oder {device}?",
    "Wir haben Ihr Anliegen an das Fachteam weitergegeben.",
    "Bitte starten Sie den {device} einmal neu und geben Sie uns Bescheid.",
    "Schau mal hier: {url}",
    "Mehr Infos gibt es unter {url}",
    "Die neue Version der App steht ab {day} im Store bereit.",
    "Leider ist der {device} gerade nicht lieferbar, wir melden uns, sobald er wieder da ist.",
    "Vielen Dank für Ihre Geduld {emoji}",
    "Wir wünschen Ihnen einen schönen {daypart}!",
    "Unsere Hotline erreichen Sie werktags von 8 bis 20 Uhr.",
    "Die Rechnung für {month} finden Sie im Kundenportal.",
    "Das Paket wurde heute in {city} zugestellt.",
    "Ich habe mir das angesehen: Der Fehler liegt nicht bei Ihnen.",
    "Im {month} gibt es wieder Aktionen für Bestandskunden {emoji}",
    "Gern geschehen, melden Sie sich jederzeit wieder.",
    "Wir prüfen, ob wir Ihnen eine Gutschrift anbieten können.",
    "Grüße aus {city}, {sign}",
    "Seit {time} Uhr läuft wieder alles normal.",
    "Das Update behebt Probleme mit dem {device} und der Anmeldung.",
    "Bitte haben Sie noch etwas Geduld, die Techniker sind vor Ort.",
    "{hashtag} {hashtag}",
    "Ist das Problem nach dem Neustart noch da?",
    "Die Kündigungsfrist beträgt einen Monat zum Monatsende.",
    "Wir haben Ihnen eine Mail mit allen Details geschickt.",
    "Schöne Grüße und ein entspanntes Wochenende!",
};

constexpr std::array<sv, 28> kEnglishFiller = {
    "Hi {name}, thanks for reaching out!",
    "Sorry to hear that, we are looking into it right now.",
    "Your order shipped on {eday} and should arrive {ewhen}.",
    "The outage in {city} has been fixed since {time}.",
    "Could you tell us which device you are using, the {device} or the {device}?",
    "We have passed this on to our specialist team.",
    "Please restart your {device} once and let us know.",
    "Have a look here: {url}",
    "More details at {url}",
    "The new app version will be in the store from {eday}.",
    "Unfortunately the {device} is out of stock, we will let you know when it is back.",
    "Thanks for your patience {emoji}",
    "Have a great {edaypart}!",
    "Our hotline is open on weekdays from 8am to 8pm.",
    "You can find your {emonth} invoice in the customer portal.",
    "The parcel was delivered in {city} today.",
    "I checked it: the error is not on your side.",
    "There are new offers for existing customers in {emonth} {emoji}",
    "You are welcome, get back to us any time.",
    "We are checking whether we can offer you a credit.",
    "Cheers from {city}, {sign}",
    "Everything has been running normally since {time}.",
    "The update fixes issues with the {device} and signing in.",
    "Please bear with us, the engineers are on site.",
    "{hashtag} {hashtag}",
    "Is the problem still there after the restart?",
    "The notice period is one month to the end of the month.",
    "We have sent you an email with all the details.",
};

constexpr std::array<sv, 20> kNames = {
    "Anna",  "Jonas", "Lena", "Mehmet", "Sophie", "Lukas", "Marie", "Paul", "Emma", "Felix",
    "Aylin", "Tom",   "Jule", "Ben",    "Clara",  "David", "Sarah", "Noah", "Ida",  "Jörg",
};
constexpr std::array<sv, 12> kSurnames = {
    "mueller", "schmidt", "yilmaz", "becker", "wagner", "hoffmann",
    "smith",   "jones",   "novak",  "weber",  "klein",  "wolf",
};
constexpr std::array<sv, 7> kGermanDays = {"Montag",  "Dienstag", "Mittwoch", "Donnerstag",
                                           "Freitag", "Samstag",  "Sonntag"};
constexpr std::array<sv, 7> kEnglishDays = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                            "Friday", "Saturday", "Sunday"};
constexpr std::array<sv, 5> kGermanWhen = {"morgen", "übermorgen", "bis Freitag",
                                           "in zwei bis drei Werktagen", "Anfang nächster Woche"};
constexpr std::array<sv, 5> kEnglishWhen = {"tomorrow", "the day after tomorrow", "by Friday",
                                            "within two to three working days", "early next week"};
constexpr std::array<sv, 14> kCities = {
    "Berlin",    "Hamburg",  "München", "Köln",     "Düsseldorf", "Leipzig",  "Dresden",
    "Stuttgart", "Nürnberg", "Bremen",  "Hannover", "Münster",    "Freiburg", "Lübeck",
};
constexpr std::array<sv, 8> kDevices = {"Router",   "Handy",  "Tablet", "Receiver",
                                        "Repeater", "Laptop", "Modem",  "Smart-TV"};
constexpr std::array<sv, 5> kUrls = {
    "https://www.beispiel.de/hilfe", "https://www.beispiel.de/status",
    "https://hilfe.beispiel.de/artikel/", "https://example.com/support",
    "https://www.beispiel.de/tarife?ref=social"};
constexpr std::array<sv, 8> kEmoji = {"🙂", "👍", "🙏", "😊", "🚀", "☀️", "💡", "🤞"};
constexpr std::array<sv, 8> kHashtags = {"#Service", "#Kundenservice", "#Störung",   "#Update",
                                         "#Danke",   "#Support",       "#Glasfaser", "#5G"};
constexpr std::array<sv, 5> kSigns = {"^AK", "^Lena", "Ihr Service-Team", "euer Social-Media-Team",
                                      "^TM"};
constexpr std::array<sv, 12> kGermanMonths = {"Januar",    "Februar", "März",     "April",
                                              "Mai",       "Juni",    "Juli",     "August",
                                              "September", "Oktober", "November", "Dezember"};
constexpr std::array<sv, 12> kEnglishMonths = {"January",   "February", "March",    "April",
                                               "May",       "June",     "July",     "August",
                                               "September", "October",  "November", "December"};
constexpr std::array<sv, 3> kGermanDayparts = {"Abend", "Tag", "Feierabend"};
constexpr std::array<sv, 3> kEnglishDayparts = {"evening", "day", "weekend"};
constexpr std::array<sv, 5> kHandles = {"@beispiel_hilfe", "@BeispielAG", "@stoerungsmelder",
                                        "@kundenservice", "@support_team"};

// ---------------------------------------------------------------- planted
constexpr std::array<sv, 3> kGermanEmail = {
    "Schreiben Sie uns an {v}.", "Meine Adresse ist {v}, bitte dorthin.", "Kontakt: {v}"};
constexpr std::array<sv, 2> kEnglishEmail = {"Email me at {v} please.", "Reach us at {v}."};
constexpr std::array<sv, 3> kGermanPhone = {"Rufen Sie mich an: {v}", "Meine Nummer: {v}",
                                            "Erreichbar bin ich unter {v} ab 17 Uhr."};
constexpr std::array<sv, 2> kEnglishPhone = {"Call me on {v}.", "My number is {v}."};
constexpr std::array<sv, 2> kGermanIban = {"Bitte überweisen Sie auf {v}.", "IBAN: {v}"};
constexpr std::array<sv, 2> kEnglishIban = {"My IBAN is {v}.", "Refund to {v} please."};
constexpr std::array<sv, 2> kGermanCard = {"Meine Karte {v} wurde doppelt belastet.",
                                           "Kreditkarte {v}, gültig bis 08/27."};
constexpr std::array<sv, 2> kEnglishCard = {"Card number {v}, expires 08/27.",
                                            "You charged my card {v} twice."};
constexpr std::array<sv, 3> kGermanKey = {"Der Token ist {v}", "Hier der Schlüssel: {v}",
                                          "config: api_key={v}"};
constexpr std::array<sv, 2> kEnglishKey = {"Here is the key: {v}", "token = {v}"};
constexpr std::array<sv, 3> kGermanInsult = {"Sie sind wirklich ein {v}.", "Was für ein {v}!",
                                             "Hör auf, du {v}."};
constexpr std::array<sv, 3> kEnglishInsult = {"You are a complete {v}.", "Stop it, you {v}.",
                                              "Honestly, what a {v}."};
constexpr std::array<sv, 9> kGermanInsults = {"Idiot",       "Vollidiot",   "Trottel",
                                              "Depp",        "Vollpfosten", "Dummkopf",
                                              "Schwachkopf", "Hohlbirne",   "Arschloch"};
constexpr std::array<sv, 8> kEnglishInsults = {"idiot",   "moron", "imbecile", "clown",
                                               "dumbass", "loser", "nitwit",   "jerk"};
constexpr std::array<sv, 3> kGermanLexicon = {"Intern läuft schon {v}, aber psst.",
                                              "Wann kommt eigentlich {v}?",
                                              "{v} startet nächsten Monat."};
constexpr std::array<sv, 2> kEnglishLexicon = {"Rumour has it {v} launches soon.",
                                               "Any news on {v}?"};
constexpr std::array<sv, 5> kMailDomains = {"example.com", "example.org", "beispiel-mail.de",
                                            "post.example.net", "mailbox.example"};

// ---------------------------------------------------------------- lexicon
constexpr std::array<sv, 24> kOnsets = {"b",  "d",  "f",  "g",  "k",   "l",  "m",  "n",
                                        "p",  "r",  "s",  "t",  "v",   "z",  "br", "dr",
                                        "gr", "kr", "tr", "st", "sch", "pl", "fl", "qu"};
constexpr std::array<sv, 10> kVowels = {"a", "e", "i", "o", "u", "ei", "au", "y", "a", "o"};
constexpr std::array<sv, 10> kCodas = {"", "", "", "n", "r", "l", "s", "x", "nd", "rk"};
constexpr std::array<sv, 8> kSuffixes = {"Plus", "Pro", "Next", "Nord", "Max", "One", "Süd", "X"};
constexpr std::array<sv, 10> kAdjectives = {"Blauer", "Roter",  "Stiller", "Grüner", "Goldener",
                                            "Silent", "Silver", "Iron",    "Rapid",  "Crimson"};
constexpr std::array<sv, 5> kRoman = {"II", "III", "IV", "V", "VII"};

std::string AsciiFold(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0xC3 && i + 1 < s.size()) {
      const unsigned char d = static_cast<unsigned char>(s[++i]);
      switch (d) {
        case 0xA4:
        case 0x84:
          out += "ae";
          break;
        case 0xB6:
        case 0x96:
          out += "oe";
          break;
        case 0xBC:
        case 0x9C:
          out += "ue";
          break;
        case 0x9F:
          out += "ss";
          break;
        default:
          out += '?';
      }
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Every word the filler and planted templates can produce, folded, so that
// invented names can be kept out of ordinary text.
const std::string& VocabularyBlob() {
  static const std::string kBlob = [] {
    std::string b;
    auto add = [&b](const auto& list) {
      for (sv s : list) {
        b += AsciiFold(s);
        b += '\n';
      }
    };
    add(kGermanFiller), add(kEnglishFiller), add(kNames), add(kSurnames), add(kGermanDays);
    add(kEnglishDays), add(kGermanWhen), add(kEnglishWhen), add(kCities), add(kDevices);
    add(kUrls), add(kHashtags), add(kSigns), add(kGermanMonths), add(kEnglishMonths);
    add(kGermanDayparts), add(kEnglishDayparts), add(kHandles), add(kGermanEmail);
    add(kEnglishEmail), add(kGermanPhone), add(kEnglishPhone), add(kGermanIban);
    add(kEnglishIban), add(kGermanCard), add(kEnglishCard), add(kGermanKey), add(kEnglishKey);
    add(kGermanInsult), add(kEnglishInsult), add(kGermanInsults), add(kEnglishInsults);
    add(kGermanLexicon), add(kEnglishLexicon), add(kMailDomains), add(kSuffixes);
    add(kAdjectives);
    // The default pack's demo terms and common words a name must not equal.
    b += "falke\nnordlicht\norion\nkranich\nmoewe\nprojekt\noperation\ntarif\nplattform\n";
    return b;
  }();
  return kBlob;
}

std::string InventName(Rng& rng) {
  for (;;) {
    std::string n;
    const size_t syllables = 2 + rng.Below(2);
    for (size_t i = 0; i < syllables; ++i) {
      n += rng.Pick(kOnsets);
      // Now and then an umlaut, so folding (ö -> oe) is exercised.
      n += rng.Chance(0.04) ? (rng.Chance(0.5) ? sv("ö") : sv("ü")) : rng.Pick(kVowels);
      if (i + 1 == syllables || rng.Chance(0.3)) n += rng.Pick(kCodas);
    }
    const std::string folded = AsciiFold(n);
    if (folded.size() < 6) continue;
    if (VocabularyBlob().find(folded) != std::string::npos) continue;
    n[0] = static_cast<char>(n[0] - 'a' + 'A');
    return n;
  }
}

std::string MakeTerm(Rng& rng) {
  const size_t form = rng.Below(100);
  std::string n = InventName(rng);
  if (form < 12) return "Projekt " + n;
  if (form < 20) return "Operation " + n;
  if (form < 30) return n + " " + std::string(rng.Pick(kSuffixes));
  if (form < 38) return "Tarif " + n;
  if (form < 44) return "Initiative " + n;
  if (form < 52) return std::string(rng.Pick(kAdjectives)) + " " + n;
  if (form < 60) return (rng.Chance(0.5) ? "Plattform " : "Platform ") + n;
  if (form < 66) return n + " " + InventName(rng);
  if (form < 72) return "Programm " + n + " " + std::string(rng.Pick(kRoman));
  if (form < 80) return n + " " + std::to_string(2 + rng.Below(8));
  if (form < 85) return "Codename " + n;
  return n;  // 15 % single words
}

// ---------------------------------------------------------------- items
constexpr sv kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::string RandomChars(Rng& rng, sv alphabet, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += alphabet[rng.Below(alphabet.size())];
  return s;
}

std::string Digits(Rng& rng, size_t n) { return RandomChars(rng, "0123456789", n); }

std::string MakeEmail(Rng& rng) {
  std::string local = AsciiFold(rng.Pick(kNames));
  const size_t style = rng.Below(3);
  if (style == 0) {
    local += ".";
    local += rng.Pick(kSurnames);
  } else if (style == 1) {
    local += Digits(rng, 2);
  } else {
    local = local.substr(0, 1) + "." + std::string(rng.Pick(kSurnames));
  }
  return local + "@" + std::string(rng.Pick(kMailDomains));
}

std::string MakePhone(Rng& rng) {
  static constexpr std::array<sv, 8> kMobile = {"151", "152", "157", "160",
                                                "162", "170", "171", "176"};
  static constexpr std::array<sv, 6> kArea = {"30", "40", "89", "221", "69", "711"};
  // One draw per statement: the operands of '+' are not sequenced, and the
  // corpus must not depend on the compiler's choice.
  const size_t style = rng.Below(6);
  const std::string mobile(rng.Pick(kMobile));
  const std::string area(rng.Pick(kArea));
  // Subscriber digits: 015x mobile numbers have eight, 016x/017x seven or
  // eight, landlines here six or seven (German numbering plan).
  const bool mobile_style = style == 0 || style == 1 || style == 5;
  size_t n = style >= 3 && style <= 4 ? 6 : 7;
  if (mobile_style && (mobile[1] == '5' || style == 5)) n = 8;
  const std::string digits = Digits(rng, n);
  switch (style) {
    case 0:
      return "+49 " + mobile + " " + digits;
    case 1:
      return "0" + mobile + " " + digits;
    case 2:
      return "0" + area + " " + digits;
    case 3:
      return "+49 (0)" + area + " " + digits;
    case 4:
      return "0" + area + "/" + digits;
    default:
      return "+49" + mobile + digits;
  }
}

// Remainder of a decimal string modulo 97, where letters count as 10..35.
int Mod97(std::string_view s) {
  int r = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      r = (r * 10 + (c - '0')) % 97;
    } else {
      const int v = (c >= 'a' ? c - 'a' : c - 'A') + 10;
      r = (r * 100 + v) % 97;
    }
  }
  return r;
}

std::string MakeIban(Rng& rng) {
  const std::string bban = Digits(rng, 18);  // 8-digit bank code + 10-digit account
  const int check = 98 - Mod97(bban + "DE00");
  std::string iban = "DE";
  iban += static_cast<char>('0' + check / 10);
  iban += static_cast<char>('0' + check % 10);
  iban += bban;
  if (rng.Chance(0.3)) return iban;
  std::string grouped;
  for (size_t i = 0; i < iban.size(); ++i) {
    if (i > 0 && i % 4 == 0) grouped += ' ';
    grouped += iban[i];
  }
  return grouped;
}

std::string MakeCard(Rng& rng) {
  std::string digits;
  size_t len = 16;
  switch (rng.Below(3)) {
    case 0:
      digits = "4";
      break;
    case 1:
      digits = "5" + std::to_string(1 + rng.Below(5));
      break;
    default:
      digits = rng.Chance(0.5) ? "34" : "37";
      len = 15;
  }
  digits += Digits(rng, len - 1 - digits.size());
  // Luhn check digit: double every second digit from the right of the
  // payload (which is every second from the left when the total is even).
  int sum = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    int d = digits[digits.size() - 1 - i] - '0';
    if (i % 2 == 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  digits += static_cast<char>('0' + (10 - sum % 10) % 10);
  const size_t style = rng.Below(3);
  if (style == 0) return digits;
  const char sep = style == 1 ? ' ' : '-';
  std::string out;
  if (len == 15) {  // 4-6-5 grouping
    out = digits.substr(0, 4) + sep + digits.substr(4, 6) + sep + digits.substr(10);
  } else {
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && i % 4 == 0) out += sep;
      out += digits[i];
    }
  }
  return out;
}

std::string MakeApiKey(Rng& rng) {
  switch (rng.Below(5)) {
    case 0:
      return "ghp_" + RandomChars(rng, kBase62, 36);
    case 1:
      return "AKIA" + RandomChars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
    case 2: {
      const std::string team = Digits(rng, 11);
      const std::string bot = Digits(rng, 12);
      return "xoxb-" + team + "-" + bot + "-" + RandomChars(rng, kBase62, 24);
    }
    case 3:
      return "sk_live_" + RandomChars(rng, kBase62, 24);
    default:
      return "glpat-" +
             RandomChars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
                         20);
  }
}

std::string Fill(Rng& rng, sv tmpl, sv value = {}) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] != '{') {
      out += tmpl[i++];
      continue;
    }
    const size_t close = tmpl.find('}', i);
    const sv slot = tmpl.substr(i + 1, close - i - 1);
    i = close + 1;
    if (slot == "v") {
      out += value;
    } else if (slot == "name") {
      out += rng.Pick(kNames);
    } else if (slot == "day") {
      out += rng.Pick(kGermanDays);
    } else if (slot == "eday") {
      out += rng.Pick(kEnglishDays);
    } else if (slot == "when") {
      out += rng.Pick(kGermanWhen);
    } else if (slot == "ewhen") {
      out += rng.Pick(kEnglishWhen);
    } else if (slot == "time") {
      const size_t h = 6 + rng.Below(17);
      const size_t m = rng.Below(4) * 15;
      out +=
          (h < 10 ? "0" : "") + std::to_string(h) + ":" + (m < 10 ? "0" : "") + std::to_string(m);
    } else if (slot == "city") {
      out += rng.Pick(kCities);
    } else if (slot == "device") {
      out += rng.Pick(kDevices);
    } else if (slot == "url") {
      const sv u = rng.Pick(kUrls);
      out += u;
      if (u.back() == '/') out += std::to_string(1000 + rng.Below(9000));
    } else if (slot == "emoji") {
      out += rng.Pick(kEmoji);
    } else if (slot == "hashtag") {
      out += rng.Pick(kHashtags);
    } else if (slot == "sign") {
      out += rng.Pick(kSigns);
    } else if (slot == "month") {
      out += rng.Pick(kGermanMonths);
    } else if (slot == "emonth") {
      out += rng.Pick(kEnglishMonths);
    } else if (slot == "daypart") {
      out += rng.Pick(kGermanDayparts);
    } else if (slot == "edaypart") {
      out += rng.Pick(kEnglishDayparts);
    }
  }
  return out;
}

// Keeps the first `n` code points of `s`, preferring the word boundary
// nearest to n that stays within [lo, hi] code points.
std::string CutAt(const std::string& s, size_t n, size_t lo, size_t hi) {
  std::vector<size_t> cp_starts;  // byte offset of each code point
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) cp_starts.push_back(i);
  }
  if (n >= cp_starts.size()) return s;
  size_t best = n;
  size_t best_dist = SIZE_MAX;
  for (size_t k = std::max<size_t>(lo, 1); k <= std::min(hi, cp_starts.size() - 1); ++k) {
    if (s[cp_starts[k]] != ' ') continue;
    const size_t dist = k > n ? k - n : n - k;
    if (dist < best_dist) best = k, best_dist = dist;
  }
  return s.substr(0, cp_starts[best]);
}

Message MakeMessage(Rng& rng, const CorpusOptions& o, const std::vector<std::string>& lexicon) {
  Message m;
  m.german = rng.Chance(0.6);
  const bool de = m.german;
  const size_t target = SampleLength(rng);

  std::vector<std::string> planted_sentences;
  auto plant = [&](PlantKind kind, double rate, auto make, const auto& de_tmpl,
                   const auto& en_tmpl) {
    if (!rng.Chance(rate)) return;
    std::string value = make();
    planted_sentences.push_back(
        Fill(rng, de ? sv(rng.Pick(de_tmpl)) : sv(rng.Pick(en_tmpl)), value));
    m.planted.push_back({kind, std::move(value)});
  };
  plant(
      PlantKind::kEmail, o.email_rate, [&] { return MakeEmail(rng); }, kGermanEmail, kEnglishEmail);
  plant(
      PlantKind::kPhone, o.phone_rate, [&] { return MakePhone(rng); }, kGermanPhone, kEnglishPhone);
  plant(
      PlantKind::kIban, o.iban_rate, [&] { return MakeIban(rng); }, kGermanIban, kEnglishIban);
  plant(
      PlantKind::kCard, o.card_rate, [&] { return MakeCard(rng); }, kGermanCard, kEnglishCard);
  plant(
      PlantKind::kApiKey, o.api_key_rate, [&] { return MakeApiKey(rng); }, kGermanKey, kEnglishKey);
  plant(
      PlantKind::kInsult, o.insult_rate,
      [&] { return std::string(de ? rng.Pick(kGermanInsults) : rng.Pick(kEnglishInsults)); },
      kGermanInsult, kEnglishInsult);
  if (!lexicon.empty()) {
    plant(
        PlantKind::kLexicon, o.lexicon_rate, [&] { return lexicon[rng.Below(lexicon.size())]; },
        kGermanLexicon, kEnglishLexicon);
  }

  size_t used = 0;
  for (const std::string& s : planted_sentences) used += CodePoints(s) + 1;

  std::string handle;
  if (rng.Chance(0.3)) {
    handle = rng.Pick(kHandles);
    used += CodePoints(handle) + 1;
  }
  std::vector<std::string> filler;
  while (used < target + 1) {
    std::string s = Fill(rng, de ? rng.Pick(kGermanFiller) : rng.Pick(kEnglishFiller));
    used += CodePoints(s) + 1;
    filler.push_back(std::move(s));
  }
  // Trim the last filler sentence so the message lands near `target`
  // (it may end mid-sentence, as cut-off posts do). Planted sentences and
  // the handle are never cut.
  const size_t total = used - 1;
  if (total > target && !filler.empty()) {
    const size_t over = total - target;
    std::string& last = filler.back();
    const size_t len = CodePoints(last);
    const size_t others = total - len;
    if (over >= len) {
      filler.pop_back();
    } else {
      const size_t lo = kMinLength > others ? kMinLength - others : 1;
      const size_t hi = kMaxLength > others ? kMaxLength - others : 1;
      last = CutAt(last, len - over, lo, hi);
    }
  }
  for (std::string& s : planted_sentences) {
    const size_t at = rng.Below(filler.size() + 1);
    filler.insert(filler.begin() + static_cast<ptrdiff_t>(at), std::move(s));
  }
  if (!handle.empty()) m.text = handle;
  for (std::string& s : filler) {
    if (s.empty()) continue;
    if (!m.text.empty()) m.text += ' ';
    m.text += s;
  }
  m.text.shrink_to_fit();  // the corpus's RSS is part of the benchmark's figure
  return m;
}

}  // namespace

std::string_view PlantKindName(PlantKind k) {
  switch (k) {
    case PlantKind::kEmail:
      return "email";
    case PlantKind::kPhone:
      return "phone";
    case PlantKind::kIban:
      return "iban";
    case PlantKind::kCard:
      return "card";
    case PlantKind::kApiKey:
      return "api_key";
    case PlantKind::kInsult:
      return "insult";
    case PlantKind::kLexicon:
      return "lexicon";
  }
  return "?";
}

bool Message::Has(PlantKind k) const {
  return std::any_of(planted.begin(), planted.end(), [k](const Planted& p) { return p.kind == k; });
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::vector<std::string> GenerateLexicon(const CorpusOptions& options) {
  Rng rng(options.seed ^ 0x6c657869636f6eULL);  // own stream: the lexicon
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  while (out.size() < options.lexicon_terms) {
    std::string t = MakeTerm(rng);
    if (seen.insert(AsciiFold(t)).second) out.push_back(std::move(t));
  }
  return out;
}

Corpus Generate(const CorpusOptions& options) {
  Corpus c;
  c.lexicon = GenerateLexicon(options);
  Rng rng(options.seed);
  c.messages.reserve(options.messages);
  for (size_t i = 0; i < options.messages; ++i) {
    c.messages.push_back(MakeMessage(rng, options, c.lexicon));
    c.total_bytes += c.messages.back().text.size();
  }
  return c;
}

bool LuhnValid(std::string_view number) {
  int sum = 0;
  size_t n = 0;
  for (size_t i = number.size(); i-- > 0;) {
    const char c = number[i];
    if (c == ' ' || c == '-') continue;
    if (c < '0' || c > '9') return false;
    int d = c - '0';
    if (n % 2 == 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    ++n;
  }
  return n >= 12 && sum % 10 == 0;
}

bool IbanValid(std::string_view iban) {
  std::string compact;
  for (char c : iban) {
    if (c == ' ') continue;
    const bool digit = c >= '0' && c <= '9';
    const bool upper = c >= 'A' && c <= 'Z';
    if (!digit && !upper) return false;
    compact += c;
  }
  if (compact.size() < 15 || compact.size() > 34) return false;
  if (compact[0] < 'A' || compact[1] < 'A') return false;
  return Mod97(compact.substr(4) + compact.substr(0, 4)) == 1;
}

uint64_t Fingerprint(const Corpus& corpus) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](std::string_view s) {
    for (char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    h ^= 0xff;
    h *= 0x100000001b3ULL;
  };
  for (const std::string& t : corpus.lexicon) mix(t);
  for (const Message& m : corpus.messages) mix(m.text);
  return h;
}

}  // namespace leitplanke::bench
