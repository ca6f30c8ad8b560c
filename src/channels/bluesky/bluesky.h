// The Bluesky connector: mentions, replies and quotes of one account on the
// AT Protocol, read by polling the notification list, and replies posted as
// app.bsky.feed.post records.
//
//   Session  com.atproto.server.createSession with the handle and an app
//            password; the access JWT goes into every call as
//            "Authorization: Bearer". A call that answers 400/401 with error
//            ExpiredToken is repeated once after
//            com.atproto.server.refreshSession (refresh JWT as bearer; when
//            that fails too, a new createSession).
//   Poll     app.bsky.notification.listNotifications, newest first, paged
//            with the API cursor back to the previous position (at most
//            max_pages pages per Poll; a longer backlog is finished by the
//            next Polls before newer notifications are read, so nothing is
//            skipped). Reasons "mention", "reply" (and "quote") become
//            messages: external_id = the post's at:// URI, thread_key = the
//            URI of the thread's root post, in_reply_to = the parent's URI,
//            references = [root URI] when the root is not the parent,
//            author_handle = "@" + handle (the author's DID is the authority
//            part of external_id), is_public = true, image embeds as
//            attachment metadata. Posts of the account
//            itself are skipped. The cursor is opaque (the newest indexedAt
//            seen and the notifications at that instant).
//   Render   the text unchanged; InvalidArgument above 300 graphemes or
//            3,000 bytes (the app.bsky.feed.post lexicon's limits), or
//            for files beyond media_limits() (up to 4 JPEG, PNG, GIF or
//            WebP images of at most 1,000,000 bytes, or one MP4 video of at
//            most 100,000,000 bytes with at most 1,000 graphemes of alt
//            text).
//   Send     com.atproto.repo.createRecord, collection app.bsky.feed.post,
//            with reply.root / reply.parent (URI and CID; from the polled
//            notification or app.bsky.feed.getPosts) and facets for links and
//            @handle mentions (DIDs from polled authors or
//            com.atproto.identity.resolveHandle). The created URI is the
//            external_id. The record key is a TID chosen once per
//            idempotency key; a retry of the same key first looks the record
//            up (com.atproto.repo.getRecord) and returns it when the earlier
//            attempt was written after all. Images are uploaded first
//            (com.atproto.repo.uploadBlob, raw bytes) and embedded as
//            app.bsky.embed.images with their alt text and aspect ratio. A
//            video goes to the video service (app.bsky.video.getUploadLimits,
//            uploadVideo with a service token from
//            com.atproto.server.getServiceAuth, getJobStatus until the job
//            has its blob) and is embedded as app.bsky.embed.video.
//
// Settings: handle (required, e.g. support.example.com), service_url
// (https://bsky.social; http only for loopback), verify_tls (true),
// connect_timeout_ms (10000), timeout_ms (30000), poll_interval_ms (60000),
// page_limit (50, 1..100), max_pages (10), include_quotes (true),
// update_seen (false: mark notifications as seen after a Poll),
// post_language (BCP 47 tag written as the post's langs, optional),
// video_service_url (https://video.bsky.app; http only for loopback),
// video_poll_interval_ms (1000, 0..60000: between two getJobStatus checks),
// video_max_polls (300, 1..10000: checks before Send gives up, Unavailable).
// Secrets: app_password.
//
// Thread-safety: as desk::Channel says. Render and the free functions may be
// called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"

#include "leitplanke/desk/channel.h"

namespace leitplanke::channels::bluesky {

// app.bsky.feed.post: text maxGraphemes 300, maxLength 3000 (bytes).
inline constexpr size_t kMaxGraphemes = 300;
inline constexpr size_t kMaxTextBytes = 3000;
// app.bsky.embed.images: at most 4 images, each blob at most 1,000,000
// bytes (the lexicon's maxSize). The lexicon sets no alt-text limit; the
// channel caps it at 2,000 characters.
inline constexpr size_t kMaxImages = 4;
inline constexpr int64_t kMaxImageBytes = 1'000'000;
inline constexpr size_t kMaxAltText = 2000;
// app.bsky.embed.video: one MP4 blob of at most 100,000,000 bytes (the
// lexicon's maxSize), alt text at most 1,000 graphemes.
inline constexpr int64_t kMaxVideoBytes = 100'000'000;
inline constexpr size_t kMaxVideoAltGraphemes = 1000;

// Extended grapheme clusters of UTF-8 text as ICU counts them (a family
// emoji joined with ZWJ is one, "a" + combining diaeresis is one). Invalid
// bytes count as one each.
size_t GraphemeCount(std::string_view utf8);

// A link or mention in post text, with byte offsets into the UTF-8 text
// (start inclusive, end exclusive) as app.bsky.richtext.facet#byteSlice
// wants them.
struct FacetSpan {
  enum class Kind { kLink, kMention };
  Kind kind = Kind::kLink;
  size_t byte_start = 0;
  size_t byte_end = 0;
  std::string value;  // the URL, or the handle without '@' (lower case)
};

// Links (http:// or https:// up to white space, without trailing
// punctuation) and mentions (@handle with at least one dot, after the start,
// white space or an opening bracket), in text order. Pure.
std::vector<FacetSpan> FindFacetSpans(std::string_view text);

// Microseconds since the epoch of an RFC 3339 date-time
// ("2024-05-06T07:08:09.123Z", "...+02:00"); nullopt when unreadable.
std::optional<int64_t> ParseRfc3339Micros(std::string_view text);

// The "exp" claim of a JWT in ms since the epoch, 0 when unreadable. The
// signature is not checked: the token comes from our own PDS over TLS, the
// PDS verifies it on every call, and its key is not ours to know; the claim
// only schedules refreshes and shows when the session lapses.
desk::Millis JwtExpiry(std::string_view jwt);

// A strong reference to a post (com.atproto.repo.strongRef).
struct PostRef {
  std::string uri;
  std::string cid;
};

// One entry of a listNotifications page.
struct Notice {
  std::string uri;
  std::string cid;
  std::string reason;
  std::string indexed_at;  // as sent
  int64_t indexed_at_us = 0;
  std::string author_did;
  bool own = false;         // written by the account itself
  bool is_message = false;  // a post the desk should see (message is filled)
  desk::InboundMessage message;
  PostRef root;    // reply.root, or the post itself when it is a root
  PostRef parent;  // reply.parent, empty for a root post
};

struct NotificationPage {
  std::vector<Notice> notices;  // as listed (newest first)
  std::string cursor;           // the API's cursor for the next (older) page
  // Notifications that could not be read, each "<JSON pointer>: <why>".
  std::vector<std::string> rejected;
};

// Parses one listNotifications answer. `own_did` marks the account's own
// posts. InvalidArgument naming the pointer when the page as a whole is
// unreadable; a single unreadable notification goes to `rejected`. Never
// throws.
Result<NotificationPage> ParseNotificationPage(std::string_view body, std::string_view own_did,
                                               bool include_quotes = true);

class BlueskyChannel : public desk::Channel {
 public:
  // The notifications the last Poll() skipped as unreadable ("<pointer>:
  // <why>"); valid until the next Poll().
  virtual const std::vector<std::string>& last_rejected() const = 0;
  // The configured poll interval (setting poll_interval_ms).
  virtual desk::Millis poll_interval_ms() const = 0;
  // The account's DID once a session exists, else "".
  virtual std::string did() const = 0;
};

// Validates the configuration (errors name the setting); no network access.
Result<std::unique_ptr<desk::Channel>> MakeBlueskyChannel(const desk::ChannelConfig& config);

// The same, typed, with an injectable clock (token expiry, rate-limit
// waits). `clock` must outlive the channel; nullptr means the system clock.
Result<std::unique_ptr<BlueskyChannel>> MakeBluesky(const desk::ChannelConfig& config,
                                                    const Clock* clock = nullptr);

}  // namespace leitplanke::channels::bluesky
