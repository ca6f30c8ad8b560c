// Value types of the guard's public API: actions, audiences, findings, verdicts.
//
// The JSON form of a Verdict is documented in docs/VERDICT.md. All offsets
// point into the caller's ORIGINAL text: `start`/`end` in bytes (half-open),
// `cp_start`/`cp_end` in Unicode code points.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leitplanke::guard {

// Ordered by strictness: the strictest finding decides the verdict.
enum class Action : uint8_t { kAllow = 0, kWarn = 1, kHold = 2, kBlock = 3 };
std::string_view ActionName(Action a);
std::optional<Action> ParseAction(std::string_view s);

// Who will read the text: the world, one customer in a private channel, colleagues.
enum class Audience : uint8_t { kPublic = 0, kPrivate = 1, kInternal = 2 };
std::string_view AudienceName(Audience a);
std::optional<Audience> ParseAudience(std::string_view s);

enum class Severity : uint8_t { kInfo = 0, kLow = 1, kMedium = 2, kHigh = 3, kCritical = 4 };
std::string_view SeverityName(Severity s);
std::optional<Severity> ParseSeverity(std::string_view s);

// UI and message language. Texts themselves may be in any language.
enum class Lang : uint8_t { kDe = 0, kEn = 1 };
std::string_view LangName(Lang l);
std::optional<Lang> ParseLang(std::string_view s);

// The categories a rule may carry (docs/VERDICT.md lists their meaning).
inline constexpr std::string_view kCategories[] = {
    "confidential", "pii",         "secret", "request_sensitive", "link",       "offensive",
    "financial",    "promise",     "crisis", "politics",          "competitor", "tone",
    "channel",      "obfuscation", "engine"};
bool IsKnownCategory(std::string_view c);

// A text in both UI languages.
struct LocalizedText {
  std::string de;
  std::string en;
  const std::string& Get(Lang l) const {
    return l == Lang::kDe ? (de.empty() ? en : de) : (en.empty() ? de : en);
  }
};

struct Finding {
  std::string rule;              // rule id from the policy, e.g. "R01.iban"
  std::string detector;          // detector name, e.g. "pii"
  std::string detector_version;  // e.g. "1"
  std::string category;          // one of kCategories
  std::string type;              // detector-specific kind, e.g. "iban", "aws_access_key"
  Severity severity = Severity::kMedium;
  Action action = Action::kWarn;    // already resolved for audience and channel
  size_t start = 0, end = 0;        // bytes in the original text, [start, end)
  size_t cp_start = 0, cp_end = 0;  // code points in the original text
  std::string excerpt;              // the matched original text; masked for secrets
  std::string message;              // in the requested language
  std::string clause;               // guideline clause, e.g. "R01"
  std::string fix;                  // hint, in the requested language
  double score = 1.0;               // detector confidence in [0, 1]
  std::string evidence;             // optional detector detail (e.g. "mod-97 ok", top n-grams)
};

struct Verdict {
  Action action = Action::kAllow;
  std::vector<Finding> findings;  // ordered by start offset
  std::string redacted;           // original text with redactable spans replaced
  std::string policy_id;
  std::string policy_version;
  std::vector<std::string> warnings;  // engine problems (e.g. a detector that could not run)
  uint64_t elapsed_us = 0;
};

// Compact JSON forms of a verdict for storage; neither copies text from the
// checked message (no excerpts, no redacted text).
// The summary: action, policy ("id@version"), rule ids and an optional
// reason — for audit entries, which must not hold personal data.
std::string VerdictSummaryJson(const Verdict& v, std::string_view reason = {});
// The summary plus every finding (rule, category, action, clause, message,
// fix, span in bytes and code points of the checked text) — for message
// rows, approvals and the archive, stored next to the text itself.
std::string VerdictRecordJson(const Verdict& v, std::string_view reason = {});

}  // namespace leitplanke::guard
