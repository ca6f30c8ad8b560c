// Text rules of Mastodon that the connector needs on both directions:
// status HTML to plain text (inbound), the server's length counting and the
// reply mention (outbound), and the timestamp formats of the REST API.
//
// All functions are pure and thread-safe; none of them touches the network.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "leitplanke/base/result.h"

namespace leitplanke::channels::mastodon {

// Plain text of a status' `content` HTML, as a reader sees it: <p> starts a
// paragraph (blank line between paragraphs), <br> is a line break, every
// other tag is dropped but its text kept (so the mention and hashtag links
// "<a ...>@<span>alice</span></a>" read "@alice" and the link spans that
// Mastodon hides with class="invisible" still give the full URL), named and
// numeric character references are decoded, runs of white space collapse to
// one space. Invalid UTF-8 is replaced by U+FFFD. Never fails.
std::string HtmlToText(std::string_view html);

// The length Mastodon checks against max_characters: every http(s) URL
// counts as `url_length` characters (the instance's
// characters_reserved_per_url, 23 by default), a mention "@user@domain"
// counts as "@user", everything else one per Unicode code point. Newer
// servers count grapheme clusters, never more than code points, so this
// count is never lower than the server's.
size_t StatusLength(std::string_view text, size_t url_length = 23);

// A parsed account handle: "@alice@social.example" -> {alice, social.example};
// "@alice" -> {alice, ""}.
struct Handle {
  std::string user;
  std::string domain;  // empty for an account of the instance itself
};

// Accepts "@user@domain", "user@domain" and "@user". InvalidArgument names
// what is wrong (empty, bad character, missing user).
Result<Handle> ParseHandle(std::string_view handle);

// The reply text Mastodon delivers to `to`: "@user " (an account of
// `local_domain`, which may be empty) or "@user@domain " (a remote account)
// in front of `text`, unless `text` already starts with that mention (the
// full or, for a local account, the short form; compared ignoring ASCII
// case, as Mastodon does for usernames and domains).
std::string WithMention(std::string_view text, const Handle& to, std::string_view local_domain);

// Milliseconds since the Unix epoch of an ISO 8601 / RFC 3339 date-time as
// the API writes it ("2019-11-23T07:49:02.064Z", any number of fraction
// digits, "Z" or "+hh:mm"/"-hh:mm"). InvalidArgument for anything else.
Result<int64_t> ParseIso8601Millis(std::string_view s);

// Milliseconds since the epoch of an HTTP date (RFC 9110 IMF-fixdate,
// "Sun, 06 Nov 1994 08:49:37 GMT"), as in Date and Retry-After headers.
Result<int64_t> ParseHttpDateMillis(std::string_view s);

// True if Mastodon id `a` is newer than `b`. Ids are decimal strings
// (snowflakes) that sort by length first, then lexicographically; any other
// string sorts lexicographically after that rule.
bool IdNewer(std::string_view a, std::string_view b);

}  // namespace leitplanke::channels::mastodon
