// The LinkedIn connector: one organisation (Company Page). Members' comments
// on the page's posts come in by webhook (organization social action
// notifications) and, as a catch-up, by polling the page's recent posts;
// replies and new posts go out through LinkedIn's versioned REST API.
//
// Webhook (the channel's WebhookReceiver, see desk/channel.h):
//   GET  ?challengeCode=<uuid>  200 application/json {"challengeCode": ..,
//        "challengeResponse": lower hex HMAC-SHA256(key = client secret,
//        message = challengeCode)}.
//   POST header X-LI-Signature: hex HMAC-SHA256 of the raw body keyed with
//        the client secret (optionally "hmacsha256=" + hex; see
//        SignatureValid), then ParseNotifications; comments whose text or
//        author the notification lacks are fetched with
//        GET /rest/socialActions/{target}/comments/{id} on the request thread
//        (own short-lived client, `fetch_timeout_ms`).
//
// Thread keys: li-post:<post URN> (every comment under one post, as in
// sourcePost, e.g. urn:li:activity:7094637247890620418). external_id is the
// comment URN urn:li:comment:(<post URN>,<comment id>); in_reply_to the
// parent comment URN for nested comments.
//
//   Render  posts (no in_reply_to, no thread key): EscapeLittleText, at most
//           kPostLimit characters counted on the escaped text; comments: the
//           text unchanged (the Comments API takes plain text), at most
//           kCommentLimit characters. InvalidArgument with the count.
//   Send    reply to a comment: POST /rest/socialActions/{parent}/comments
//           with actor = organisation, object = post, parentComment; a new
//           comment on a post (thread key, no in_reply_to):
//           POST /rest/socialActions/{post}/comments; a new post:
//           POST /rest/posts (id from the x-restli-id header). LinkedIn has no
//           idempotency key: the desk's outbox lease prevents a second send.
//   Media   new posts only (media_limits()): images, each file
//           POST /rest/images?action=initializeUpload (owner = the
//           organisation), then PUT of the bytes to the uploadUrl; the post
//           carries content.media {id, altText} for one image,
//           content.multiImage.images for 2 to 20, in the files' order.
//           Or one MP4 video: POST /rest/videos?action=initializeUpload
//           (owner, fileSizeBytes), a PUT of each byte range LinkedIn's
//           uploadInstructions name, POST /rest/videos?action=finalizeUpload
//           with the parts' ETags in order, GET /rest/videos/{urn} until
//           AVAILABLE; the post carries content.media {id, title}.
//   Poll    comments newer than the cursor (ms of the newest comment seen) on
//           the organisation's `poll_posts` most recently changed posts.
//
// Errors: 401/403 PermissionDenied, 429 ResourceExhausted (retry_after_ms
// from Retry-After or `rate_limit_backoff_ms`), 5xx and transport
// Unavailable, other 4xx InvalidArgument with LinkedIn's message.
//
// Settings: organization_id (required; digits or urn:li:organization:<id>),
// api_url (https://api.linkedin.com; http only for loopback), api_version
// (YYYYMM, default kDefaultApiVersion), verify_tls, connect_timeout_ms,
// timeout_ms, fetch_timeout_ms (5000), poll_posts (10; 0 = no polling),
// rate_limit_backoff_ms (900000), token_expires_at (ms since the epoch or
// ISO date "2027-01-28" / "2027-01-28T10:00:00Z": when the 60-day access
// token runs out; credentials_expire_at() reports it), escape_comments
// (false), media_upload_timeout_ms (300000, per image PUT or video part),
// video_poll_attempts (36) and video_poll_interval_ms (5000; 0 = no pause):
// how long Send waits for LinkedIn to process a video. Secrets:
// access_token, client_secret.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"

#include "leitplanke/desk/channel.h"

namespace leitplanke::channels::linkedin {

// Posts API commentary and Comments API message maxima, in characters
// (Unicode code points).
inline constexpr size_t kPostLimit = 3000;
inline constexpr size_t kCommentLimit = 1250;

inline constexpr std::string_view kDefaultApiVersion = "202411";

// Images of a new post: one (content.media) or 2 to 20 (content.multiImage,
// LinkedIn's MultiImage API); the Images API takes JPG, PNG and GIF of fewer
// than 36,152,320 pixels. LinkedIn documents no alt text length; the
// connector caps it so that an overlong text fails in the composer.
inline constexpr int32_t kMaxImagesPerPost = 20;
inline constexpr int64_t kMaxImagePixels = 36'152'320;
inline constexpr size_t kMaxAltText = 4086;

// One MP4 video per post (not with images), 75 KB to 500 MB as the Videos
// API's "Video File Size Specifications" say (its 3 s to 30 min length is
// left to LinkedIn). LinkedIn hands out 4 MB parts, so 500 MB is about 120;
// an answer with more instructions than kMaxVideoParts is refused.
inline constexpr int32_t kMaxVideosPerPost = 1;
inline constexpr int64_t kMinVideoBytes = 75'000;
inline constexpr int64_t kMaxVideoBytes = 500'000'000;
inline constexpr size_t kMaxVideoParts = 1'000;

// Prefix of the desk thread key for the comments under one post.
inline constexpr std::string_view kPostThreadPrefix = "li-post:";

// Backslash before each character the "little" text format reserves
// (| { } @ [ ] ( ) < > # \ * _ ~); everything else, including any UTF-8,
// passes unchanged. Without it LinkedIn silently cuts a post's commentary at
// the first reserved character.
std::string EscapeLittleText(std::string_view text);

// Lower-case hex HMAC-SHA256 of `message` keyed with `client_secret`.
std::string HmacSha256Hex(std::string_view client_secret, std::string_view message);

// The body of the answer to the endpoint validation GET:
// {"challengeCode": <code>, "challengeResponse": HmacSha256Hex(secret, code)}.
std::string ChallengeAnswer(std::string_view client_secret, std::string_view challenge_code);

// Whether `header_value` (X-LI-Signature) signs `raw_body`. LinkedIn's page
// "Webhook validation" describes the value as the HMAC-SHA256 of the body
// "prefixed by hmacsha256=", which is read two ways in practice; accepted:
//   <hex>               hex HMAC(secret, body)            (what LinkedIn sends)
//   hmacsha256=<hex>    the same with the prefix
//   <hex> of HMAC(secret, "hmacsha256=" + body)           (the literal reading)
// Hex in either case; each candidate compared in constant time. False for an
// empty secret or value, a wrong length or non-hex digits.
bool SignatureValid(std::string_view client_secret, std::string_view raw_body,
                    std::string_view header_value);

// urn:li:comment:(<post URN>,<id>) split up. The inner post URN is
// normalised to start with "urn:li:" (notifications write
// "urn:li:comment:(activity:1,2)" in generatedActivity).
struct CommentUrn {
  std::string post_urn;           // urn:li:activity:1 (or share, ugcPost)
  std::string id;                 // the comment id
  std::string Canonical() const;  // urn:li:comment:(<post_urn>,<id>)
};
Result<CommentUrn> ParseCommentUrn(std::string_view urn);

// Percent-encodes everything but unreserved characters (RFC 3986), as
// Rest.li 2.0 wants URNs in paths and query values.
std::string UrlEncode(std::string_view s);

// One COMMENT notification, parsed.
struct CommentNotification {
  desk::InboundMessage message;  // text and author_handle may be empty
  CommentUrn comment;            // the comment itself
  bool needs_fetch = false;      // text or author missing: ask the Comments API
};

struct ParsedNotifications {
  std::vector<std::string> event_ids;         // every notificationId, in order
  std::vector<CommentNotification> comments;  // comments by others, in order
};

// Parses an ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS delivery
// ({"type": .., "notifications": [..]}) for the organisation
// `organization_urn`. Kept: action COMMENT on posts of this organisation.
// Skipped without error: other actions (LIKE, SHARE, ADMIN_COMMENT,
// MENTION, ..), comments by the organisation itself, notifications for
// another organisation, other delivery types. Text and author come from
// decoratedGeneratedActivity.comment (text or message.text, owner) or the
// notification's actor; the comment URN from .comment.entity,
// generatedActivity or commentEntity, or commentId + sourcePost. Anything
// unreadable is InvalidArgument naming the JSON pointer. Never throws.
Result<ParsedNotifications> ParseNotifications(std::string_view raw_body,
                                               std::string_view organization_urn);

class LinkedInChannel : public desk::Channel {
 public:
  // Publishes a new post of the organisation: Render (escaping, limit) and
  // Send in one. Returns the post URN from x-restli-id.
  virtual Result<desk::SendReceipt> Publish(std::string_view text) = 0;
};

// Validates the configuration (errors name the setting); no network access.
Result<std::unique_ptr<desk::Channel>> MakeLinkedInChannel(const desk::ChannelConfig& config);

// The same, typed, with an injectable clock (Poll's first cursor, rate-limit
// back-off). `clock` must outlive the channel; nullptr means the system clock.
Result<std::unique_ptr<LinkedInChannel>> MakeLinkedIn(const desk::ChannelConfig& config,
                                                      const Clock* clock = nullptr);

}  // namespace leitplanke::channels::linkedin
