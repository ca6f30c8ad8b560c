// The X connector: one X (Twitter) account answering public mentions and
// replies and direct messages, through the X API v2.
//
// Inbound, two modes (setting `mode`):
//   webhook  (default) Account Activity deliveries. XChannel::webhook()
//            returns the receiver: Challenge() answers the CRC check (GET
//            with crc_token), Receive() verifies x-twitter-webhooks-signature
//            and parses tweet_create_events and direct_message_events.
//            Poll() returns nothing.
//   polling  for accounts without webhook access: Poll() reads
//            GET /2/users/:id/mentions (since_id) and GET /2/dm_events, no
//            more often than `poll_interval_ms`, within the monthly budget.
//
// Thread keys (the desk threads by them; Send routes by their prefix):
//   tweet:<conversation id>  a public conversation (the root post's id; for
//                            webhook tweets, which carry no conversation id,
//                            the parent's id, or the post's own for a root)
//   dm:<user id>             the one-to-one direct conversation with a user
// author_handle is "@username" (user id when X gives no username); Send
// needs no handle: replies go to in_reply_to, DMs to the id in the key.
//
//   Render  the text unchanged; refused (InvalidArgument with the weighted
//           count) over 280 weighted characters for a post, over 10,000
//           characters for a DM.
//   Send    POST /2/tweets {"text", "reply": {"in_reply_to_tweet_id"}} or
//           POST /2/dm_conversations/with/:participant_id/messages
//           {"text"}, with OAuth 2.0 user context (bearer, refreshed on 401
//           or expiry) or OAuth 1.0a (HMAC-SHA1 signed), whichever secrets
//           are configured (OAuth 2.0 first). A private answer to a public
//           post (is_public false in a tweet: thread) is a DM to the post's
//           author: GET /2/tweets/:id?tweet.fields=author_id (one post
//           read, remembered in memory) gives the participant id.
//           Estimate() includes that read while the author is unknown, so
//           the composer's price is what Send charges.
//   Media   (posts and public replies, not DMs; media_limits()): Render
//           checks them (CheckMedia, plus a GIF alone, alt text not on a
//           video); Send uploads each file first (POST /2/media/upload/initialize, /{id}/append in
//           media_chunk_bytes chunks, /{id}/finalize, GET /2/media/upload
//           ?command=STATUS while X processes it, POST /2/media/metadata
//           for alt text) and posts with "media": {"media_ids": [...]}.
//
// Costs: X charges per resource read and per post (more for a post with a
// URL). The channel counts what it spends in the current UTC calendar month
// (in memory; the server may carry it over a restart with RestoreSpend). At
// 80% of `monthly_budget_usd` polling slows down by `poll_slowdown_factor`,
// at 100% it stops; a Send that would exceed the budget is refused with
// FailedPrecondition naming the budget, without a request.
//
// Rate limits: a used-up limit (x-rate-limit-remaining 0, or the 24-hour
// post limits x-user-limit-24hour-* / x-app-limit-24hour-*) or HTTP 429
// blocks that endpoint until its reset; calls in between fail with
// ResourceExhausted and retry_after_ms() says how long. rate_limit()
// declares X's 200 posts per 15 minutes per user. X also caps a user at 300
// posts per 3 hours, shared with X's own apps; the outbox does not model
// that, X's 429 does.
//
// Settings: account_id (required, numeric user id of the company account),
// mode (webhook | polling), api_url (https://api.x.com; http only for
// loopback), client_id (OAuth 2.0 refresh), oauth2_expires_at_ms (expiry of
// the configured access token, if known; also read from the secrets),
// poll_interval_ms (120000), poll_slowdown_factor (4), poll_dms (true),
// max_results (20, 5..100), cost_per_read_usd (0.005, a post read),
// cost_per_dm_read_usd (0.010), cost_per_user_read_usd (0.010, an expanded
// author), cost_per_post_usd (0.015), cost_per_post_with_url_usd (0.200),
// cost_per_dm_usd (0.015), cost_per_media_metadata_usd (0.005),
// cost_per_media_request_usd (0), monthly_budget_usd (100; 0 = no budget),
// media_chunk_bytes (4 MiB), media_upload_timeout_ms (300000),
// media_processing_timeout_ms (600000), verify_tls, connect_timeout_ms,
// timeout_ms.
// Secrets: consumer_secret (API key secret: CRC and webhook signatures,
// OAuth 1.0a); OAuth 2.0: oauth2_access_token, optional
// oauth2_refresh_token and client_secret (confidential clients); OAuth
// 1.0a: consumer_key, access_token, access_token_secret.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"

#include "leitplanke/desk/channel.h"

namespace leitplanke::channels::x {

inline constexpr int kMaxPostWeightedLength = 280;
inline constexpr int kUrlWeightedLength = 23;
inline constexpr size_t kMaxDmLength = 10'000;
inline constexpr int kMaxPostsPer15Min = 200;

// Media per post (X's upload documentation): up to 4 images (5 MB each), or
// one animated GIF (15 MB), or one video (512 MB, media_category
// amplify_video); alt text up to 1,000 characters, images and GIFs only.
inline constexpr int kMaxImagesPerPost = 4;
inline constexpr int64_t kMaxImageBytes = 5LL * 1024 * 1024;
inline constexpr int64_t kMaxGifBytes = 15LL * 1024 * 1024;
inline constexpr int64_t kMaxVideoBytes = 512LL * 1024 * 1024;
inline constexpr int kMaxAltText = 1000;
inline constexpr desk::Millis kPostWindowMs = 15LL * 60 * 1000;

// --- text ------------------------------------------------------------------

// The length X counts for a post (twitter-text v3 configuration): code
// points in 0-4351, 8192-8205, 8208-8223 and 8242-8247 weigh 1, all others
// 2; an emoji sequence (with skin tone, variation selector, ZWJ joins,
// keycap or a flag pair) weighs 2 as a whole; every URL (http:// or
// https://, or a bare domain with a common top-level domain) weighs 23
// whatever its length. Invalid UTF-8 bytes weigh 2 each. Differences to
// twitter-text: no NFC normalisation, a shorter TLD list.
int WeightedLength(std::string_view text);

// True when `text` holds something WeightedLength counts as a URL.
bool ContainsUrl(std::string_view text);

// What X charges, in US dollars (defaults: X's published pay-per-use rates
// at the time of writing; all configurable).
struct Costs {
  double read_usd = 0.005;       // per post read
  double dm_read_usd = 0.010;    // per DM event read
  double user_read_usd = 0.010;  // per user object returned (expansions)
  double post_usd = 0.015;       // per post created
  double post_with_url_usd = 0.200;
  double dm_usd = 0.015;              // per DM sent
  double media_metadata_usd = 0.005;  // per alt text set (POST /2/media/metadata)
  double media_request_usd = 0.0;     // per upload request (initialize, append, finalize, status)
  double monthly_budget_usd = 100.0;  // 0 = unlimited
};

// The estimated price of posting `text` (cost_per_post_with_url_usd when it
// contains a URL, else cost_per_post_usd), for the composer to show.
double PostCost(std::string_view text, const Costs& costs);

// --- webhook (Account Activity) -----------------------------------------------

// "sha256=" + base64(HMAC-SHA256(key = consumer secret, message)). The CRC
// response token for a crc_token, and the x-twitter-webhooks-signature of a
// raw body.
std::string Sha256Signature(std::string_view consumer_secret, std::string_view message);

// Checks x-twitter-webhooks-signature in constant time. False for an empty
// secret, a missing header, another prefix or a wrong value.
bool SignatureValid(std::string_view consumer_secret, std::string_view raw_body,
                    std::string_view header_value);

// Parses one Account Activity delivery for the account `account_id`:
// tweet_create_events (mentions and replies; the account's own posts and
// retweets are skipped) and direct_message_events of type message_create
// (those the account sent are skipped; names from the users map). Mentions
// flagged user_has_blocked "true" are skipped too. Other
// event kinds, and deliveries for another for_user_id, give no messages.
// event_ids: the ids of every tweet and DM event in the delivery.
// InvalidArgument naming the JSON pointer for anything unreadable
// ("/tweet_create_events/0/user/id_str is missing"). Never throws.
Result<desk::WebhookDelivery> ParseDelivery(std::string_view raw_body, std::string_view account_id);

// --- OAuth 1.0a (RFC 5849, HMAC-SHA1) ---------------------------------------

struct OAuth1Credentials {
  std::string consumer_key;
  std::string consumer_secret;
  std::string token;
  std::string token_secret;
};

// RFC 3986 unreserved-set percent encoding as RFC 5849 3.6 requires.
std::string PercentEncode(std::string_view s);

// The signature base string (RFC 5849 3.4.1) of `method` and `url` (its
// query parameters are included) plus `params` (form body and oauth_*
// parameters, raw values).
std::string OAuth1BaseString(std::string_view method, std::string_view url,
                             const std::vector<std::pair<std::string, std::string>>& params);

// base64(HMAC-SHA1(consumer_secret&token_secret, base string)).
std::string OAuth1Signature(std::string_view base_string, std::string_view consumer_secret,
                            std::string_view token_secret);

// The complete "OAuth ..." Authorization header value for a request with
// `form_params` (an application/x-www-form-urlencoded body; empty for JSON
// bodies, which are not signed). `nonce` and `timestamp` are given so tests
// can reproduce documented signatures.
std::string OAuth1Header(std::string_view method, std::string_view url,
                         const std::vector<std::pair<std::string, std::string>>& form_params,
                         const OAuth1Credentials& credentials, std::string_view nonce,
                         std::string_view timestamp);

// --- the channel -------------------------------------------------------------

// Tokens after an OAuth 2.0 refresh. X rotates the refresh token: the old one
// stops working, so the server must store these before the next restart or
// the channel needs a new authorisation. The natural place is the vault,
// under the secret names the channel reads: oauth2_access_token,
// oauth2_refresh_token and oauth2_expires_at_ms (decimal ms).
struct TokenUpdate {
  std::string access_token;
  std::string refresh_token;
  desk::Millis expires_at_ms = 0;  // 0 when X named no lifetime
};
using TokenListener = std::function<void(const TokenUpdate&)>;

class XChannel : public desk::Channel {
 public:
  // Called after every successful token refresh, synchronously on the thread
  // that runs Poll/Send and before the request that needed the new token is
  // retried; it must not call back into the channel. Set it before the
  // first Poll or Send; may be empty.
  virtual void SetTokenListener(TokenListener listener) = 0;

  // The latest tokens (also after a refresh); empty without OAuth 2.0.
  virtual TokenUpdate CurrentTokens() const = 0;

  // How Send waits between media STATUS polls while X processes a video or
  // GIF (default: the thread sleeps). Tests pass one that advances their
  // clock. Set it before the first Send.
  virtual void SetSleep(std::function<void(desk::Millis)> sleep) = 0;

  // PostCost with this channel's configured prices plus what the media
  // cost (cost_per_media_metadata_usd per alt text and
  // cost_per_media_request_usd per upload request, STATUS polls not
  // included); a DM costs cost_per_dm_usd.
  virtual double EstimateCost(const desk::OutboundMessage& msg) const = 0;

  // What this channel spent in the current UTC month, in US dollars.
  // Thread-safe.
  virtual double SpentThisMonthUsd() const = 0;

  // Seeds this month's spend after a restart from a value the server stored
  // (SpentThisMonthUsd() and when it was read). Ignored when `recorded_at_ms`
  // lies in another UTC month than now, or `usd` is negative or not finite;
  // never lowers what the channel already counted. Thread-safe.
  virtual void RestoreSpend(desk::Millis recorded_at_ms, double usd) = 0;

  // For the channel's health: "" while under 80% of the monthly budget,
  // else a sentence naming the spend, the budget and what the channel does
  // about it (polls slower, stopped polling, refuses posts). Thread-safe.
  virtual std::string BudgetWarning() const = 0;
};

// Validates the configuration (errors name the setting); no network access.
Result<std::unique_ptr<desk::Channel>> MakeXChannel(const desk::ChannelConfig& config);

// The same, typed, with an injectable clock (rate-limit resets, poll
// interval, the budget month, token expiry). `clock` must outlive the
// channel; nullptr means the system clock.
Result<std::unique_ptr<XChannel>> MakeX(const desk::ChannelConfig& config,
                                        const Clock* clock = nullptr);

}  // namespace leitplanke::channels::x
