// Detector "requests": asking customers for secrets or account data (R02).
//
// Two kinds:
//   secret_request  PIN, TAN, password, CVV... asked for anywhere, even in a
//                   DM: a real company never asks for these, fraudsters do.
//   data_request    account, contract or customer numbers, birth dates asked
//                   for in a text that does not move the customer to a
//                   private channel ("per DM", "private message").
// A hit needs an object word AND a request cue in the same sentence, and no
// negation there ("Eine PIN brauchen wir nie" is the compliant answer).
//
// Word lists are built in (German and English) and can be extended per rule.
// Robustness: linear in the number of object hits; each check scans one
// sentence.
#include "leitplanke/guard/detector.h"

#include "guard/detectors/lexicon/lexicon_matcher.h"
#include "guard/detectors/text_scan.h"

namespace leitplanke::guard::detectors::requests {

namespace {

const char* const kSecretObjects[] = {
    "pin",           "tan",           "passwort",     "kennwort",           "password",
    "passcode",      "cvv",           "cvc",          "kartenpruefnummer",  "sicherheitscode",
    "security code", "zugangsdaten",  "anmeldedaten", "login-daten",        "logindaten",
    "credentials",   "one-time code", "einmalcode",   "bestaetigungscode",  "verification code",
    "mobiletan",     "smstan",        "pushtan",      "online-banking-pin", "geheimzahl"};

const char* const kDataObjects[] = {"iban",
                                    "kontonummer",
                                    "bankverbindung",
                                    "kreditkartennummer",
                                    "kartennummer",
                                    "vertragsnummer",
                                    "kundennummer",
                                    "geburtsdatum",
                                    "personalausweisnummer",
                                    "ausweisnummer",
                                    "steuer-id",
                                    "sozialversicherungsnummer",
                                    "account number",
                                    "card number",
                                    "credit card number",
                                    "contract number",
                                    "customer number",
                                    "date of birth",
                                    "social security number",
                                    "ssn",
                                    "sort code",
                                    "routing number",
                                    "bank details",
                                    "full address",
                                    "anschrift"};

const char* const kCues[] = {
    "nennen sie",      "nenn uns",     "nennt uns",     "nennen uns",    "senden sie",
    "sende uns",       "sendet uns",   "schicken sie",  "schick uns",    "schickt uns",
    "geben sie",       "gib uns",      "gebt uns",      "teilen sie",    "teil uns",
    "teilt uns",       "mitteilen",    "schreiben sie", "schreib uns",   "schreibt uns",
    "brauchen",        "benoetigen",   "braeuchten",    "antworten sie", "wie lautet*",
    "bestaetigen sie", "verifizieren", "send",          "provide",       "share",
    "tell us",         "give us",      "reply with",    "dm us",         "what is your",
    "what's your",     "confirm your", "verify your",   "need your",     "we need",
    "enter your",      "type your",    "post your"};

const char* const kNegations[] = {"nie",      "niemals", "nicht",   "kein*",  "never",
                                  "not",      "don't",   "dont",    "do not", "won't",
                                  "will not", "no one",  "niemand", "no need"};

const char* const kPrivateRedirects[] = {"per dm",
                                         "per pn",
                                         "direktnachricht*",
                                         "privatnachricht*",
                                         "private nachricht*",
                                         "persoenliche nachricht*",
                                         "dm",
                                         "pn",
                                         "direct message",
                                         "private message",
                                         "privately",
                                         "kontaktformular",
                                         "sicheren kanal",
                                         "secure form",
                                         "kundenportal",
                                         "per e-mail",
                                         "by email",
                                         "via dm",
                                         "in a dm",
                                         "chat"};

std::vector<std::string> Fold(const Normalizer& n, const char* const* list, size_t size,
                              const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  auto add = [&](std::string_view w) {
    bool star = !w.empty() && w.back() == '*';
    std::string f = n.Fold(star ? w.substr(0, w.size() - 1) : w);
    if (star) f.push_back('*');
    out.push_back(std::move(f));
  };
  for (size_t i = 0; i < size; ++i) add(list[i]);
  for (const std::string& e : extra) add(e);
  return out;
}

class RequestsDetector final : public Detector {
 public:
  RequestsDetector(LexiconMatcher objects, uint32_t secret_count, bool want_secret, bool want_data,
                   std::vector<std::string> cues, std::vector<std::string> negations,
                   std::vector<std::string> redirects)
      : objects_(std::move(objects)),
        secret_count_(secret_count),
        want_secret_(want_secret),
        want_data_(want_data),
        cues_(std::move(cues)),
        negations_(std::move(negations)),
        redirects_(std::move(redirects)) {}

  std::vector<PatternSpec> Patterns() const override { return objects_.Patterns(); }

  // Reports only what its candidates confirm.
  bool NeedsCandidates() const override { return true; }

  ScanControl Scan(const ScanContext& ctx, DetectionSink& sink) const override {
    const std::string_view s = ctx.folded->text;
    size_t last_end = 0;
    for (const Candidate& c : ctx.candidates) {
      LexiconMatcher::Hit hit;
      if (!objects_.Accept(c, s, 0, &hit) || hit.from < last_end) continue;
      const bool secret = hit.entry < secret_count_;
      if ((secret && !want_secret_) || (!secret && !want_data_)) continue;
      auto [b, e] = SentenceAround(s, hit.from, hit.to);
      if (!Any(s, b, e, cues_) || Any(s, b, e, negations_)) continue;
      if (!secret && Any(s, b, e, redirects_)) continue;
      Detection d;
      d.view = View::kFolded;
      d.start = hit.from;
      d.end = hit.to;
      d.type = secret ? "secret_request" : "data_request";
      d.evidence = objects_.entry(hit.entry);
      sink.Add(std::move(d));
      last_end = hit.to;
    }
    return ScanControl::kContinue;
  }

 private:
  static bool Any(std::string_view s, size_t b, size_t e, const std::vector<std::string>& words) {
    for (const std::string& w : words) {
      if (ContainsWord(s, b, e, w)) return true;
    }
    return false;
  }

  const LexiconMatcher objects_;
  const uint32_t secret_count_;  // entries [0, secret_count_) are secret objects
  const bool want_secret_;
  const bool want_data_;
  const std::vector<std::string> cues_;
  const std::vector<std::string> negations_;
  const std::vector<std::string> redirects_;
};

class Factory final : public DetectorFactory {
 public:
  std::string_view name() const override { return "requests"; }
  std::string_view version() const override { return "1"; }
  Result<std::unique_ptr<Detector>> Create(const DetectorParams& params,
                                           const DetectorEnv& env) const override {
    LP_RETURN_IF_ERROR(
        params.CheckKnown({"types", "extra_secret_objects", "extra_data_objects", "extra_cues",
                           "extra_negations", "extra_private_redirects"}));
    if (env.normalizer == nullptr) return Status::FailedPrecondition("requests needs a normalizer");
    LP_ASSIGN_OR_RETURN(std::vector<std::string> types, params.GetStrings("types"));
    bool want_secret = types.empty(), want_data = types.empty();
    for (const std::string& t : types) {
      if (t == "secret_request") {
        want_secret = true;
      } else if (t == "data_request") {
        want_data = true;
      } else {
        return Status::InvalidArgument("types: unknown type '" + t +
                                       "' (secret_request, data_request)");
      }
    }
    LP_ASSIGN_OR_RETURN(std::vector<std::string> extra_secret,
                        params.GetStrings("extra_secret_objects"));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> extra_data,
                        params.GetStrings("extra_data_objects"));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> extra_cues, params.GetStrings("extra_cues"));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> extra_neg, params.GetStrings("extra_negations"));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> extra_redirect,
                        params.GetStrings("extra_private_redirects"));

    std::vector<std::string> objects(std::begin(kSecretObjects), std::end(kSecretObjects));
    objects.insert(objects.end(), extra_secret.begin(), extra_secret.end());
    const uint32_t secret_count = static_cast<uint32_t>(objects.size());
    objects.insert(objects.end(), std::begin(kDataObjects), std::end(kDataObjects));
    objects.insert(objects.end(), extra_data.begin(), extra_data.end());
    LexiconMatcher::Options o;
    o.compounds = true;  // "Online-Banking-PIN", "IBAN-Nummer", "Kundennummer"
    o.min_compound_length = 3;
    LP_ASSIGN_OR_RETURN(LexiconMatcher m, LexiconMatcher::Build(objects, env.normalizer, o));
    const Normalizer& n = *env.normalizer;
    return std::unique_ptr<Detector>(new RequestsDetector(
        std::move(m), secret_count, want_secret, want_data,
        Fold(n, kCues, std::size(kCues), extra_cues),
        Fold(n, kNegations, std::size(kNegations), extra_neg),
        Fold(n, kPrivateRedirects, std::size(kPrivateRedirects), extra_redirect)));
  }
};

}  // namespace

const DetectorFactory& Factory() {
  static const class Factory kFactory;
  return kFactory;
}

}  // namespace leitplanke::guard::detectors::requests
