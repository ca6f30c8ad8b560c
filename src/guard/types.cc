#include "leitplanke/guard/types.h"

#include <algorithm>

#include "leitplanke/base/json_string.h"

namespace leitplanke::guard {

namespace {
constexpr std::string_view kActionNames[] = {"allow", "warn", "hold", "block"};
constexpr std::string_view kAudienceNames[] = {"public", "private", "internal"};
constexpr std::string_view kSeverityNames[] = {"info", "low", "medium", "high", "critical"};
constexpr std::string_view kLangNames[] = {"de", "en"};

template <class E, size_t N>
std::optional<E> ParseName(const std::string_view (&names)[N], std::string_view s) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}
}  // namespace

std::string_view ActionName(Action a) { return kActionNames[static_cast<int>(a)]; }
std::optional<Action> ParseAction(std::string_view s) { return ParseName<Action>(kActionNames, s); }
std::string_view AudienceName(Audience a) { return kAudienceNames[static_cast<int>(a)]; }
std::optional<Audience> ParseAudience(std::string_view s) {
  return ParseName<Audience>(kAudienceNames, s);
}
std::string_view SeverityName(Severity s) { return kSeverityNames[static_cast<int>(s)]; }
std::optional<Severity> ParseSeverity(std::string_view s) {
  return ParseName<Severity>(kSeverityNames, s);
}
std::string_view LangName(Lang l) { return kLangNames[static_cast<int>(l)]; }
std::optional<Lang> ParseLang(std::string_view s) { return ParseName<Lang>(kLangNames, s); }

bool IsKnownCategory(std::string_view c) {
  return std::find(std::begin(kCategories), std::end(kCategories), c) != std::end(kCategories);
}

std::string VerdictSummaryJson(const Verdict& v, std::string_view reason) {
  std::string out = "{\"action\":";
  AppendJsonString(out, ActionName(v.action));
  out.append(",\"policy\":");
  AppendJsonString(out, v.policy_id + "@" + v.policy_version);
  out.append(",\"rules\":[");
  for (size_t i = 0; i < v.findings.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(out, v.findings[i].rule);
  }
  out.push_back(']');
  if (!reason.empty()) {
    out.append(",\"reason\":");
    AppendJsonString(out, reason);
  }
  out.push_back('}');
  return out;
}

std::string VerdictRecordJson(const Verdict& v, std::string_view reason) {
  std::string out = VerdictSummaryJson(v, reason);
  out.pop_back();  // the closing brace
  out.append(",\"findings\":[");
  for (size_t i = 0; i < v.findings.size(); ++i) {
    const Finding& f = v.findings[i];
    if (i) out.push_back(',');
    out.append("{\"rule\":");
    AppendJsonString(out, f.rule);
    out.append(",\"category\":");
    AppendJsonString(out, f.category);
    out.append(",\"action\":");
    AppendJsonString(out, ActionName(f.action));
    out.append(",\"clause\":");
    AppendJsonString(out, f.clause);
    out.append(",\"message\":");
    AppendJsonString(out, f.message);
    out.append(",\"fix\":");
    AppendJsonString(out, f.fix);
    out.append(",\"start\":" + std::to_string(f.start) + ",\"end\":" + std::to_string(f.end) +
               ",\"cp_start\":" + std::to_string(f.cp_start) +
               ",\"cp_end\":" + std::to_string(f.cp_end) + "}");
  }
  out.append("]}");
  return out;
}

}  // namespace leitplanke::guard
