// The Meta connector: one Facebook Page with its Messenger inbox and,
// optionally, the Instagram professional account linked to it.
//
// Meta delivers by webhook. The channel is its own desk::WebhookReceiver
// (webhook()), which the server's /api/v1/webhooks/{channel} route reaches
// through Desk::HandleWebhook; it calls the pure functions below in order:
//   GET  (subscription check)  AnswerVerification(hub.mode, hub.verify_token,
//                              hub.challenge, verify_token) -> body to echo
//   POST (delivery)            SignatureValid(app_secret, raw body,
//                              X-Hub-Signature-256) then ParseDelivery(body)
//                              -> desk messages; MetaChannel::NoteInbound for
//                              each so that Send knows the reply window.
//
// Thread keys (the desk threads by them; Send routes by their prefix):
//   fb:<PSID>          a Messenger conversation with one person
//   ig:<IGSID>         an Instagram direct conversation
//   fb-post:<post id>  comments and visitor posts on one Page post
//   ig-media:<id>      comments on one Instagram media
//
//   Render  the text unchanged; refused (InvalidArgument with the count)
//           above 2,000 characters (Messenger), 1,000 (Instagram direct)
//           or 8,000 (comments).
//   Send    Graph API, token as "Authorization: Bearer" header plus
//           appsecret_proof: DMs POST /{page-id}/messages with recipient id
//           and messaging_type RESPONSE (within 24 h of the customer's last
//           message) or MESSAGE_TAG + tag HUMAN_AGENT (up to 7 days); after
//           that FailedPrecondition without a request. Comments: POST
//           /{comment-id}/comments (Facebook) or /{comment-id}/replies
//           (Instagram). Graph has no idempotency key: the desk's outbox
//           lease is what prevents a second send of the same reply.
//           A private reply to a comment thread (is_public false; Meta's
//           "Private Replies"): POST /{page-id}/messages with recipient
//           {"comment_id"} (or {"post_id"} for a visitor's post itself),
//           delivered by Messenger or Instagram direct to the comment's
//           author; one per comment, within 7 days of it (later:
//           FailedPrecondition without a request). CanReplyPrivately says
//           so for comment threads whose comment is younger than 7 days and
//           not yet answered privately: the channel remembers each comment
//           it answered so (for 7 days, kept across restarts by state() /
//           RestoreState()), and Render/Send of a second private reply are
//           InvalidArgument ("comment … already got its private reply on
//           …") without a request.
//   Media   new Facebook Page posts only (media_limits()): one photo
//           POST /{page-id}/photos (multipart source, message,
//           alt_text_custom); several photos each with published=false,
//           then POST /{page-id}/feed with message and
//           attached_media[i]={"media_fbid": id} in order; a video
//           POST /{page-id}/videos on graph_video_url (multipart source,
//           description). Instagram takes no files here: its content API
//           fetches media from a public URL, which the desk does not have.
//   Poll    nothing (Meta pushes by webhook).
//
// Settings: page_id (required), instagram_id (optional), graph_url
// (https://graph.facebook.com; http only for loopback), graph_version
// (v19.0), graph_video_url (https://graph-video.facebook.com, or graph_url
// when that is set), media_upload_timeout_ms (300000), verify_tls,
// connect_timeout_ms, timeout_ms, usage_threshold
// (percent, 90), usage_backoff_ms (when Meta gives no estimate, 300000).
// Secrets: page_access_token, app_secret, verify_token.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"

#include "leitplanke/desk/channel.h"

namespace leitplanke::channels::meta {

// Character limits of the wire text (Meta's documented maxima).
inline constexpr size_t kMessengerLimit = 2000;
inline constexpr size_t kInstagramDirectLimit = 1000;
inline constexpr size_t kCommentLimit = 8000;
inline constexpr size_t kPagePostLimit = 63206;  // a Facebook Page post (Publish)

// Files of a new Facebook Page post: photos (JPEG, PNG, GIF; the Photo
// reference allows less than 10 MB each, alt text as alt_text_custom) or
// one video (MP4, non-resumable upload, up to 1 GB). Meta documents no
// maximum of attached photos nor of alt text; these are the connector's.
inline constexpr int32_t kMaxPhotosPerPost = 10;
inline constexpr int64_t kMaxPhotoBytes = 10'000'000 - 1;
inline constexpr int64_t kMaxVideoBytes = 1'000'000'000;
inline constexpr size_t kMaxAltText = 1000;

inline constexpr desk::Millis kStandardWindowMs = 24LL * 60 * 60 * 1000;
inline constexpr desk::Millis kHumanAgentWindowMs = 7LL * 24 * 60 * 60 * 1000;

// The subscription check (GET with hub.mode, hub.verify_token,
// hub.challenge): the challenge to echo with 200, or PermissionDenied when
// the mode is not "subscribe" or the token differs (compared in constant
// time), InvalidArgument for an empty challenge or expected token.
Result<std::string> AnswerVerification(std::string_view mode, std::string_view token,
                                       std::string_view challenge, std::string_view expected_token);

// "sha256=" + lower- or upper-case hex HMAC-SHA256 of `raw_body` keyed with
// the app secret, compared in constant time. False for an empty secret, a
// missing or other prefix, a wrong length or non-hex digits.
bool SignatureValid(std::string_view app_secret, std::string_view raw_body,
                    std::string_view header_value);

// The header value Meta would send for `raw_body` ("sha256=<hex>").
std::string Signature(std::string_view app_secret, std::string_view raw_body);

// Turns one webhook delivery into desk messages, in delivery order:
//   object "page":      entry[].messaging[] (Messenger messages) and
//                       entry[].changes[] field "feed" (comments, visitor
//                       posts);
//   object "instagram": entry[].messaging[] (direct messages) and
//                       entry[].changes[] field "comments" (and "messages").
// Skipped without error: echoes of the page's own messages (is_echo),
// deleted or unsupported messages, delivery/read/reaction/postback events,
// comments and posts by the page or account itself (from.id == entry id),
// edits, removals and reactions in the feed. Anything else unreadable is
// InvalidArgument naming the JSON pointer ("/entry/0/messaging/1/sender/id
// is missing"). Never throws.
Result<std::vector<desk::InboundMessage>> ParseDelivery(std::string_view raw_body);

// Where a Messenger or Instagram reply stands, by the age of the
// customer's last message.
enum class Window {
  kStandard,    // within 24 h: messaging_type RESPONSE
  kHumanAgent,  // 24 h to 7 days: MESSAGE_TAG with tag HUMAN_AGENT
  kClosed,      // older: Meta refuses any message
};
Window ReplyWindow(desk::Millis last_inbound_ms, desk::Millis now_ms);

// The network and kind of conversation a thread key names.
struct Thread {
  enum class Kind { kMessenger, kInstagramDirect, kFacebookPost, kInstagramMedia };
  Kind kind = Kind::kMessenger;
  std::string id;  // PSID, IGSID, post id or media id
};
Result<Thread> ParseThreadKey(std::string_view thread_key);

class MetaChannel : public desk::Channel {
 public:
  // Records a customer's message (as ParseDelivery returned it) so that a
  // later Send into the same direct conversation picks the right window.
  // Without a record, Send uses RESPONSE and maps Meta's refusal.
  virtual void NoteInbound(const desk::InboundMessage& message) = 0;
};

// Validates the configuration (errors name the setting); no network access.
Result<std::unique_ptr<desk::Channel>> MakeMetaChannel(const desk::ChannelConfig& config);

// The same, typed, with an injectable clock (reply window, usage back-off).
// `clock` must outlive the channel; nullptr means the system clock.
Result<std::unique_ptr<MetaChannel>> MakeMeta(const desk::ChannelConfig& config,
                                              const Clock* clock = nullptr);

}  // namespace leitplanke::channels::meta
