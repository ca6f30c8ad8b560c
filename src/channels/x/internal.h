// Helpers shared by the X connector's .cc files; not part of its API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "leitplanke/desk/channel.h"

namespace leitplanke::channels::x::internal {

// "2022-10-19T20:58:00.000Z" (API v2) -> ms since the epoch; -1 if unreadable.
desk::Millis ParseIsoTime(std::string_view s);

// "Wed Oct 10 20:19:24 +0000 2018" (API v1.1) -> ms; -1 if unreadable.
desk::Millis ParseLegacyTime(std::string_view s);

// A decimal millisecond count such as "1539202764000" -> ms; -1 otherwise.
desk::Millis ParseMillis(std::string_view s);

// X ids are decimal snowflakes of up to 19 digits.
bool IsId(std::string_view s);

// Numeric order of two ids (IsId true for both): <0, 0, >0.
int CompareIds(std::string_view a, std::string_view b);

// Replaces &amp; &lt; &gt; (the only entities X escapes in post text).
std::string UnescapeText(std::string_view s);

}  // namespace leitplanke::channels::x::internal
