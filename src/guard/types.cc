#include "leitplanke/guard/types.h"

#include <algorithm>

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

}  // namespace leitplanke::guard
