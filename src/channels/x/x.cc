// The X channel: settings, Render, Poll (mentions and DM events), Send
// (replies and DMs), OAuth 2.0 refresh, rate limits and the monthly budget.
//
// - Rate limits are per endpoint: a response with x-rate-limit-remaining 0
//   blocks that endpoint until x-rate-limit-reset (epoch seconds), so the
//   next call is refused locally instead of burning a 429.
// - Spend is counted from what X bills: per resource returned on reads
//   (posts, DM events, expanded users), per successful create on writes.
//   Failed writes are not counted (X bills requests that create content).
// - The budget month is the UTC calendar month of the injected clock.
#include "channels/x/x.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>
#include <openssl/rand.h>

#include "leitplanke/base/utf8.h"

#include "leitplanke/desk/media.h"

#include "channels/http/config_util.h"
#include "channels/http/encoding.h"
#include "channels/http/http_client.h"
#include "channels/x/internal.h"

namespace leitplanke::channels::x {
namespace {

using nlohmann::json;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr int kMaxPages = 5;
constexpr desk::Millis kDefaultBlockMs = 15LL * 60 * 1000;
constexpr desk::Millis kRefreshMarginMs = 60'000;
constexpr double kSlowdownShare = 0.8;

enum class Auth { kOAuth2, kOAuth1 };

struct Settings {
  std::string name;
  std::string account_id;
  bool polling = false;
  bool poll_dms = true;
  std::string api_url;
  HttpOptions http;
  desk::Millis poll_interval_ms = 120'000;
  int poll_slowdown_factor = 4;
  int max_results = 20;
  int64_t media_chunk_bytes = 4LL * 1024 * 1024;
  desk::Millis media_processing_timeout_ms = 600'000;
  long media_upload_timeout_ms = 300'000;  // NOLINT(google-runtime-int): curl's type
  Costs costs;
  std::string consumer_secret;
  Auth auth = Auth::kOAuth2;
  // OAuth 2.0
  std::string client_id;
  std::string client_secret;
  TokenUpdate tokens;
  // OAuth 1.0a
  OAuth1Credentials oauth1;
};

Result<double> UsdSetting(const ConfigReader& r, const char* key, double def) {
  std::string v = r.Get(key);
  if (v.empty()) return def;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || !std::isfinite(d) || d < 0 || d > 1e9) {
    return r.Error(key, "must be an amount in US dollars such as 0.015");
  }
  return d;
}

Result<Settings> ReadSettings(const desk::ChannelConfig& config) {
  ConfigReader r(config, "x");
  LP_RETURN_IF_ERROR(r.CheckKind());
  Settings s;
  s.name = config.name;
  s.account_id = r.Get("account_id");
  if (s.account_id.empty()) return r.Error("account_id", "is required");
  if (!internal::IsId(s.account_id)) {
    return r.Error("account_id", "must be the numeric user id of the account");
  }
  std::string mode = r.Get("mode");
  if (mode.empty() || mode == "webhook") {
    s.polling = false;
  } else if (mode == "polling") {
    s.polling = true;
  } else {
    return r.Error("mode", "must be webhook or polling");
  }
  LP_ASSIGN_OR_RETURN(s.poll_dms, r.Bool("poll_dms", true));
  LP_ASSIGN_OR_RETURN(s.api_url, r.BaseUrl("api_url", "https://api.x.com"));
  LP_ASSIGN_OR_RETURN(s.http, r.Http());
  LP_ASSIGN_OR_RETURN(s.poll_interval_ms, r.Int("poll_interval_ms", 120'000, 0, 86'400'000));
  LP_ASSIGN_OR_RETURN(int64_t factor, r.Int("poll_slowdown_factor", 4, 1, 1000));
  s.poll_slowdown_factor = static_cast<int>(factor);
  LP_ASSIGN_OR_RETURN(int64_t max_results, r.Int("max_results", 20, 5, 100));
  s.max_results = static_cast<int>(max_results);
  LP_ASSIGN_OR_RETURN(s.costs.read_usd, UsdSetting(r, "cost_per_read_usd", 0.005));
  LP_ASSIGN_OR_RETURN(s.costs.dm_read_usd, UsdSetting(r, "cost_per_dm_read_usd", 0.010));
  LP_ASSIGN_OR_RETURN(s.costs.user_read_usd, UsdSetting(r, "cost_per_user_read_usd", 0.010));
  LP_ASSIGN_OR_RETURN(s.costs.post_usd, UsdSetting(r, "cost_per_post_usd", 0.015));
  LP_ASSIGN_OR_RETURN(s.costs.post_with_url_usd,
                      UsdSetting(r, "cost_per_post_with_url_usd", 0.200));
  LP_ASSIGN_OR_RETURN(s.costs.dm_usd, UsdSetting(r, "cost_per_dm_usd", 0.015));
  LP_ASSIGN_OR_RETURN(s.costs.media_metadata_usd,
                      UsdSetting(r, "cost_per_media_metadata_usd", 0.005));
  LP_ASSIGN_OR_RETURN(s.costs.media_request_usd, UsdSetting(r, "cost_per_media_request_usd", 0.0));
  // X takes at most 5 MB per APPEND.
  LP_ASSIGN_OR_RETURN(s.media_chunk_bytes,
                      r.Int("media_chunk_bytes", 4LL * 1024 * 1024, 1024, 5LL * 1024 * 1024));
  LP_ASSIGN_OR_RETURN(s.media_processing_timeout_ms,
                      r.Int("media_processing_timeout_ms", 600'000, 0, 3'600'000));
  LP_ASSIGN_OR_RETURN(int64_t upload_timeout,
                      r.Int("media_upload_timeout_ms", 300'000, 1'000, 3'600'000));
  s.media_upload_timeout_ms = static_cast<long>(upload_timeout);  // NOLINT(google-runtime-int)
  LP_ASSIGN_OR_RETURN(s.costs.monthly_budget_usd, UsdSetting(r, "monthly_budget_usd", 100.0));

  LP_ASSIGN_OR_RETURN(s.consumer_secret, r.OptionalSecret("consumer_secret"));
  LP_ASSIGN_OR_RETURN(s.tokens.access_token, r.OptionalSecret("oauth2_access_token"));
  LP_ASSIGN_OR_RETURN(s.tokens.refresh_token, r.OptionalSecret("oauth2_refresh_token"));
  LP_ASSIGN_OR_RETURN(s.client_secret, r.OptionalSecret("client_secret"));
  s.client_id = r.Get("client_id");
  if (HasSpaceOrControl(s.client_id)) {
    return r.Error("client_id", "contains white space or control characters");
  }
  // The expiry may come as a setting or, written back with rotated tokens,
  // from the vault; the setting wins.
  desk::ChannelConfig expiry = config;
  if (r.Get("oauth2_expires_at_ms").empty()) {
    auto it = config.secrets.find("oauth2_expires_at_ms");
    if (it != config.secrets.end()) expiry.settings["oauth2_expires_at_ms"] = it->second;
  }
  LP_ASSIGN_OR_RETURN(
      s.tokens.expires_at_ms,
      ConfigReader(expiry, "x").Int("oauth2_expires_at_ms", 0, 0, 253'402'300'799'000));
  LP_ASSIGN_OR_RETURN(s.oauth1.consumer_key, r.OptionalSecret("consumer_key"));
  LP_ASSIGN_OR_RETURN(s.oauth1.token, r.OptionalSecret("access_token"));
  LP_ASSIGN_OR_RETURN(s.oauth1.token_secret, r.OptionalSecret("access_token_secret"));
  s.oauth1.consumer_secret = s.consumer_secret;

  if (!s.tokens.access_token.empty()) {
    s.auth = Auth::kOAuth2;
    if (!s.tokens.refresh_token.empty() && s.client_id.empty()) {
      return r.Error("client_id",
                     "is required to refresh the OAuth 2.0 token (secret "
                     "'oauth2_refresh_token' is set)");
    }
  } else if (!s.oauth1.consumer_key.empty() && !s.oauth1.consumer_secret.empty() &&
             !s.oauth1.token.empty() && !s.oauth1.token_secret.empty()) {
    s.auth = Auth::kOAuth1;
  } else {
    return Status::InvalidArgument(
        "x channel '" + config.name +
        "': needs secret 'oauth2_access_token' (OAuth 2.0) or secrets 'consumer_key', "
        "'consumer_secret', 'access_token' and 'access_token_secret' (OAuth 1.0a)");
  }
  if (!s.polling && s.consumer_secret.empty()) {
    return Status::InvalidArgument("x channel '" + config.name +
                                   "': secret 'consumer_secret' is required in webhook mode (CRC "
                                   "answers and delivery signatures)");
  }
  return s;
}

std::string Nonce() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    // RAND_bytes only fails without an entropy source; a time-based nonce
    // still differs per request.
    return std::to_string(std::time(nullptr)) + std::to_string(std::clock());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

std::string Query(const Params& params) {
  std::string q;
  for (const auto& [k, v] : params) {
    q += q.empty() ? '?' : '&';
    q += PercentEncode(k) + "=" + PercentEncode(v);
  }
  return q;
}

int MonthKey(desk::Millis ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  return (t.tm_year + 1900) * 12 + t.tm_mon;
}

std::string NextMonth(desk::Millis ms) {
  int key = MonthKey(ms) + 1;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-01", key / 12, key % 12 + 1);
  return buf;
}

std::string Usd(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "$%.2f", v);
  return buf;
}

std::string UsdPrecise(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "$%.3f", v);
  return buf;
}

// The text of X's error answer (API v2 problem or v1.1 errors list).
std::string ErrorDetail(const std::string& body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return "";
  std::string out;
  for (const char* k : {"title", "detail"}) {
    auto it = doc.find(k);
    if (it != doc.end() && it->is_string()) {
      if (!out.empty()) out += ": ";
      out += it->get<std::string>();
    }
  }
  if (out.empty()) {
    auto errs = doc.find("errors");
    if (errs != doc.end() && errs->is_array() && !errs->empty() && (*errs)[0].is_object()) {
      const json& e = (*errs)[0];
      for (const char* k : {"message", "detail"}) {
        auto it = e.find(k);
        if (it != e.end() && it->is_string()) {
          out = it->get<std::string>();
          break;
        }
      }
    }
  }
  return utf8::Sanitize(out.substr(0, 300));
}

const json* Find(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string StringOr(const json& obj, const char* key) {
  const json* v = Find(obj, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

Result<std::string> RequiredId(const json& obj, const std::string& ptr, const char* key) {
  const json* v = Find(obj, key);
  if (v == nullptr) return Status::InvalidArgument(ptr + "/" + key + " is missing");
  if (!v->is_string() || !internal::IsId(v->get_ref<const std::string&>())) {
    return Status::InvalidArgument(ptr + "/" + key + " is not a numeric X id");
  }
  return v->get<std::string>();
}

Status Malformed(const std::string& label, const std::string& ptr, const char* what) {
  std::string msg = label;
  msg += ": ";
  msg += ptr;
  msg += what;
  return Status::InvalidArgument(msg);
}

struct User {
  std::string username;
  std::string name;
};

// includes.users by id.
std::map<std::string, User> Users(const json& doc, size_t* count) {
  std::map<std::string, User> out;
  *count = 0;
  const json* inc = Find(doc, "includes");
  const json* users = inc == nullptr ? nullptr : Find(*inc, "users");
  if (users == nullptr || !users->is_array()) return out;
  *count = users->size();
  for (const json& u : *users) {
    std::string id = StringOr(u, "id");
    if (id.empty()) continue;
    out[id] = {utf8::Sanitize(StringOr(u, "username")), utf8::Sanitize(StringOr(u, "name"))};
  }
  return out;
}

void SetAuthor(const std::map<std::string, User>& users, const std::string& id,
               desk::InboundMessage* m) {
  m->author_handle = id;
  auto it = users.find(id);
  if (it == users.end()) return;
  if (!it->second.username.empty()) m->author_handle = "@" + it->second.username;
  m->author_name = it->second.name;
}

// Completes `m` (author from the expansions, visibility, time from
// `created_at` of `obj`) and appends it to `out`.
void Emit(const std::map<std::string, User>& users, const std::string& author, bool is_public,
          const json& obj, desk::InboundMessage m, std::vector<desk::InboundMessage>* out) {
  SetAuthor(users, author, &m);
  m.is_public = is_public;
  m.sent_at = std::max<desk::Millis>(0, internal::ParseIsoTime(StringOr(obj, "created_at")));
  out->push_back(std::move(m));
}

// The next page's token from meta.next_token, "" on the last page.
std::string NextToken(const json& doc) {
  const json* meta = Find(doc, "meta");
  return meta != nullptr ? StringOr(*meta, "next_token") : std::string();
}

struct Cursor {
  std::string mentions;  // since_id for the mentions timeline
  std::string dms;       // newest DM event id seen
};

Result<Cursor> ParseCursor(std::string_view cursor) {
  Cursor c;
  if (cursor.empty()) return c;
  std::string_view rest = cursor;
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view part = rest.substr(0, semi);
    size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    if (eq == std::string_view::npos || (!value.empty() && !internal::IsId(value)) ||
        (key != "m" && key != "d")) {
      return Status::InvalidArgument("'" + utf8::Sanitize(cursor.substr(0, 64)) +
                                     "' is not an X poll cursor (m=<id>;d=<id>)");
    }
    (key == "m" ? c.mentions : c.dms) = std::string(value);
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return c;
}

std::string FormatCursor(const Cursor& c) { return "m=" + c.mentions + ";d=" + c.dms; }

class Receiver final : public desk::WebhookReceiver {
 public:
  Receiver(std::string consumer_secret, std::string account_id)
      : consumer_secret_(std::move(consumer_secret)), account_id_(std::move(account_id)) {}

  Result<desk::WebhookAnswer> Challenge(const desk::WebhookRequest& request) const override {
    auto it = request.query.find("crc_token");
    if (it == request.query.end() || it->second.empty()) {
      return Status::InvalidArgument("the CRC check has no crc_token parameter");
    }
    json body = {{"response_token", Sha256Signature(consumer_secret_, it->second)}};
    desk::WebhookAnswer a;
    a.status = 200;
    a.content_type = "application/json";
    a.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return a;
  }

  Result<desk::WebhookDelivery> Receive(const desk::WebhookRequest& request,
                                        desk::Millis /*now_ms*/) override {
    auto it = request.headers.find("x-twitter-webhooks-signature");
    if (it == request.headers.end() || it->second.empty()) {
      return Status::PermissionDenied("the delivery has no x-twitter-webhooks-signature header");
    }
    if (!SignatureValid(consumer_secret_, request.body, it->second)) {
      return Status::PermissionDenied(
          "the x-twitter-webhooks-signature does not match the body (wrong consumer secret or a "
          "forged delivery)");
    }
    return ParseDelivery(request.body, account_id_);
  }

  // A dead letter's body, verified when it arrived.
  Result<std::vector<desk::InboundMessage>> ParseVerified(std::string_view body) const override {
    LP_ASSIGN_OR_RETURN(desk::WebhookDelivery d, ParseDelivery(body, account_id_));
    return std::move(d.messages);
  }

 private:
  const std::string consumer_secret_;
  const std::string account_id_;
};

class XChannelImpl final : public XChannel {
 public:
  XChannelImpl(Settings settings, const Clock* clock)
      : s_(std::move(settings)),
        clock_(clock),
        http_(s_.http),
        tokens_(s_.tokens),
        expires_at_(s_.tokens.expires_at_ms),
        renewable_(s_.auth == Auth::kOAuth2 && !s_.tokens.refresh_token.empty() &&
                   !s_.client_id.empty()) {
    if (!s_.consumer_secret.empty()) {
      receiver_ = std::make_unique<Receiver>(s_.consumer_secret, s_.account_id);
    }
  }

  std::string_view kind() const override { return "x"; }

  desk::MediaLimits media_limits() const override {
    desk::MediaLimits l;
    l.max_images = kMaxImagesPerPost;
    l.max_videos = 1;
    l.mix_images_and_videos = false;
    l.max_image_bytes = kMaxImageBytes;
    l.max_gif_bytes = kMaxGifBytes;
    l.max_video_bytes = kMaxVideoBytes;
    l.max_alt_text = kMaxAltText;
    l.mime_types = {"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"};
    return l;
  }

  Result<std::string> Render(const desk::OutboundMessage& msg) const override {
    LP_RETURN_IF_ERROR(desk::CheckMedia(media_limits(), kind(), msg.media));
    LP_RETURN_IF_ERROR(CheckXMedia(msg));
    if (msg.text.empty()) return Status::InvalidArgument("the reply is empty");
    if (size_t bad = utf8::FirstInvalid(msg.text); bad != std::string::npos) {
      return Status::InvalidArgument("the reply is not valid UTF-8 at byte " + std::to_string(bad));
    }
    if (IsDm(msg)) {
      size_t n = utf8::CodePointCount(msg.text, msg.text.size());
      if (n > kMaxDmLength) {
        return Status::InvalidArgument("the direct message has " + std::to_string(n) +
                                       " characters; X allows " + std::to_string(kMaxDmLength));
      }
      return msg.text;
    }
    int weighted = WeightedLength(msg.text);
    if (weighted > kMaxPostWeightedLength) {
      return Status::InvalidArgument(
          "the post has a weighted length of " + std::to_string(weighted) + "; X allows " +
          std::to_string(kMaxPostWeightedLength) + " (URLs count 23, emoji and CJK characters 2)");
    }
    return msg.text;
  }

  Result<desk::PollResult> Poll(std::string_view cursor) override {
    retry_after_ms_ = 0;
    desk::PollResult result;
    result.cursor = std::string(cursor);
    if (!s_.polling) return result;  // deliveries come by webhook
    LP_ASSIGN_OR_RETURN(Cursor c, ParseCursor(cursor));
    desk::Millis now = clock_->NowMillis();
    double spent = Spent(now);
    double budget = s_.costs.monthly_budget_usd;
    if (budget > 0 && spent >= budget) return result;  // stopped; BudgetWarning says so
    desk::Millis interval = s_.poll_interval_ms;
    if (budget > 0 && spent >= kSlowdownShare * budget) interval *= s_.poll_slowdown_factor;
    if (last_poll_at_ != 0 && now - last_poll_at_ < interval) return result;
    last_poll_at_ = now;

    std::vector<desk::InboundMessage> messages;
    Cursor next = c;
    LP_RETURN_IF_ERROR(PollMentions(c, now, &next, &messages));
    if (s_.poll_dms) LP_RETURN_IF_ERROR(PollDms(c, now, &next, &messages));
    std::stable_sort(messages.begin(), messages.end(), [](const auto& a, const auto& b) {
      if (a.sent_at != b.sent_at) return a.sent_at < b.sent_at;
      return internal::CompareIds(a.external_id, b.external_id) < 0;
    });
    result.messages = std::move(messages);
    result.cursor = FormatCursor(next);
    return result;
  }

  Result<desk::SendReceipt> Send(const desk::OutboundMessage& msg) override {
    retry_after_ms_ = 0;
    LP_RETURN_IF_ERROR(Render(msg));  // the same limits as the composer saw
    std::string path;
    std::string endpoint;
    json body;
    // A private answer to a public post goes to the post's author, whose id
    // a lookup of the post gives (the desk knows only "@username").
    std::string author_of;
    if (IsDm(msg)) {
      std::string participant;
      if (msg.thread_key.rfind("dm:", 0) == 0) {
        participant = msg.thread_key.substr(3);
      } else if (internal::IsId(msg.to_handle)) {
        participant = msg.to_handle;
      } else if (internal::IsId(msg.in_reply_to)) {
        participant = LookupAuthorCached(msg.in_reply_to);
        author_of = PendingAuthorLookup(msg);
      }
      if (author_of.empty() && !internal::IsId(participant)) {
        return Status::InvalidArgument(
            "a direct message needs the user id (thread key dm:<id>), "
            "got thread key '" +
            utf8::Sanitize(msg.thread_key.substr(0, 64)) + "'");
      }
      path = "/2/dm_conversations/with/" + participant + "/messages";
      endpoint = "dm_send";
      body = {{"text", msg.text}};
    } else {
      if (msg.thread_key.rfind("tweet:", 0) != 0 && !msg.thread_key.empty()) {
        return Status::InvalidArgument("'" + utf8::Sanitize(msg.thread_key.substr(0, 64)) +
                                       "' is not an X thread key (tweet:<id> or dm:<user id>)");
      }
      path = "/2/tweets";
      endpoint = "tweets";
      if (msg.thread_key.empty() && msg.in_reply_to.empty()) {
        // A new post of the account (Publish), not an answer.
        body = {{"text", msg.text}};
      } else if (!internal::IsId(msg.in_reply_to)) {
        return Status::InvalidArgument(
            "a public reply needs the post it answers (in_reply_to), "
            "got '" +
            utf8::Sanitize(msg.in_reply_to.substr(0, 64)) + "'");
      } else {
        body = {{"text", msg.text}, {"reply", {{"in_reply_to_tweet_id", msg.in_reply_to}}}};
      }
    }
    desk::Millis now = clock_->NowMillis();
    double cost = EstimateCost(msg);
    // The author lookup is a post read, counted when it is made (Estimate
    // adds the same price while the author is not yet known).
    double lookup = author_of.empty() ? 0.0 : s_.costs.read_usd;
    double budget = s_.costs.monthly_budget_usd;
    double spent = Spent(now);
    if (budget > 0 && spent + cost + lookup > budget + 1e-9) {
      return Status::FailedPrecondition(
          "the X monthly budget (monthly_budget_usd " + Usd(budget) +
          ") would be exceeded: " + Usd(spent) + " spent this month, this message costs " +
          UsdPrecise(cost + lookup) + "; raise the budget or wait until " + NextMonth(now));
    }
    if (!author_of.empty()) {
      LP_ASSIGN_OR_RETURN(std::string participant, LookupAuthor(author_of, now));
      path = "/2/dm_conversations/with/" + participant + "/messages";
    }
    // The files first, in order; their ids go into the post in the same
    // order. A failed step ends the send before the post exists (X
    // discards uploads no post uses; a retry uploads again).
    if (!msg.media.empty()) {
      json ids = json::array();
      for (size_t i = 0; i < msg.media.size(); ++i) {
        LP_ASSIGN_OR_RETURN(std::string id, UploadMedia(i, msg.media[i]));
        ids.push_back(id);
      }
      body["media"] = {{"media_ids", ids}};
    }
    std::string label = "POST " + path;
    LP_ASSIGN_OR_RETURN(HttpResponse resp,
                        Call("POST", path, {},
                             body.dump(-1, ' ', false, json::error_handler_t::replace), endpoint));
    if (resp.status < 200 || resp.status > 299) return MapError(resp, label);
    // The media requests were counted as they were made.
    AddSpend(now, cost - MediaCost(msg.media));
    json doc = json::parse(resp.body, nullptr, false);
    const json* data = doc.is_discarded() ? nullptr : Find(doc, "data");
    std::string id;
    if (data != nullptr) {
      id = StringOr(*data, "id");
      if (id.empty()) id = StringOr(*data, "dm_event_id");
    }
    if (id.empty()) return Status::Internal(label + ": the answer names no id");
    return desk::SendReceipt{id};
  }

  // A direct message to the customer: in a dm: thread, or to the author of
  // the post answered (Send looks the id up) or a handle that is a user id.
  bool CanReplyPrivately(const desk::OutboundMessage& msg) const override {
    if (msg.thread_key.rfind("dm:", 0) == 0) return true;
    if (!msg.thread_key.empty() && msg.thread_key.rfind("tweet:", 0) != 0) return false;
    return internal::IsId(msg.in_reply_to) || internal::IsId(msg.to_handle);
  }

  desk::RateLimit rate_limit() const override { return {kMaxPostsPer15Min, kPostWindowMs}; }
  desk::Millis retry_after_ms() const override { return retry_after_ms_; }
  // An access token the channel renews itself is no admin's concern.
  desk::Millis credentials_expire_at() const override {
    return renewable_ ? 0 : expires_at_.load();
  }

  desk::SendEstimate Estimate(const desk::OutboundMessage& wire) const override {
    desk::SendEstimate e;
    if (!IsDm(wire)) {
      e.length = WeightedLength(wire.text);
      e.limit = kMaxPostWeightedLength;
      e.unit = "weighted characters";
    } else {
      e = desk::Channel::Estimate(wire);
      e.limit = static_cast<int64_t>(kMaxDmLength);
    }
    // What Send will be charged: the message, plus the author lookup of a
    // private answer to a post whose author is not yet known.
    e.cost = EstimateCost(wire) + (PendingAuthorLookup(wire).empty() ? 0.0 : s_.costs.read_usd);
    e.currency = "USD";
    e.warning = BudgetWarning();
    return e;
  }

  std::string health_warning() const override { return BudgetWarning(); }
  desk::WebhookReceiver* webhook() override { return receiver_.get(); }

  void SetTokenListener(TokenListener listener) override {
    std::lock_guard<std::mutex> lock(mu_);
    listener_ = std::move(listener);
  }

  TokenUpdate CurrentTokens() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return tokens_;
  }

  double EstimateCost(const desk::OutboundMessage& msg) const override {
    return IsDm(msg) ? s_.costs.dm_usd : PostCost(msg.text, s_.costs) + MediaCost(msg.media);
  }

  void SetSleep(std::function<void(desk::Millis)> sleep) override {
    if (sleep) sleep_ = std::move(sleep);
  }

  double SpentThisMonthUsd() const override { return Spent(clock_->NowMillis()); }

  void RestoreSpend(desk::Millis recorded_at_ms, double usd) override {
    if (!std::isfinite(usd) || usd < 0) return;
    desk::Millis now = clock_->NowMillis();
    if (MonthKey(recorded_at_ms) != MonthKey(now)) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (spend_month_ != MonthKey(now)) {
      spend_month_ = MonthKey(now);
      spent_ = 0;
    }
    spent_ = std::max(spent_, usd);
  }

  // This month's spend survives a restart through the desk: "<ms> <usd>".
  std::string state() const override {
    const desk::Millis now = clock_->NowMillis();
    const double spent = Spent(now);
    if (spent <= 0) return "";
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%lld %.6f", static_cast<long long>(now), spent);
    return buf;
  }

  void RestoreState(std::string_view state) override {
    long long at = 0;
    double usd = 0;
    if (std::sscanf(std::string(state).c_str(), "%lld %lf", &at, &usd) == 2) {
      RestoreSpend(static_cast<desk::Millis>(at), usd);
    }
  }

  std::string BudgetWarning() const override {
    desk::Millis now = clock_->NowMillis();
    double spent = Spent(now);
    double budget = s_.costs.monthly_budget_usd;
    if (budget <= 0 || spent < kSlowdownShare * budget) return "";
    std::string head = "X spend this month is " + Usd(spent) + " of the " + Usd(budget) +
                       " budget (monthly_budget_usd)";
    if (spent >= budget) {
      return head + ": polling stopped and posts are refused until " + NextMonth(now);
    }
    return head + ": over 80%, " +
           (s_.polling ? "polling every " +
                             std::to_string(s_.poll_interval_ms * s_.poll_slowdown_factor / 1000) +
                             " s instead of " + std::to_string(s_.poll_interval_ms / 1000) + " s"
                       : std::string("posts are refused once it is reached"));
  }

 private:
  // A dm: thread, or a private answer to a public post (the move to a
  // direct message).
  bool IsDm(const desk::OutboundMessage& msg) const {
    if (msg.thread_key.rfind("dm:", 0) == 0) return true;
    return !msg.is_public;
  }

  // The post whose author Send must look up first (GET /2/tweets/:id, a post
  // read) before it can send `msg`: a private answer to a public post whose
  // author is neither in the thread key, nor the handle, nor looked up
  // before. "" when Send makes no lookup. Send and Estimate both use it, so
  // the composer's price and the budget check agree.
  std::string PendingAuthorLookup(const desk::OutboundMessage& msg) const {
    if (!IsDm(msg) || msg.thread_key.rfind("dm:", 0) == 0) return "";
    if (internal::IsId(msg.to_handle) || !internal::IsId(msg.in_reply_to)) return "";
    return LookupAuthorCached(msg.in_reply_to).empty() ? msg.in_reply_to : std::string();
  }

  // The author id of a post looked up earlier ("" if not yet).
  std::string LookupAuthorCached(const std::string& tweet_id) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = author_of_.find(tweet_id);
    return it == author_of_.end() ? std::string() : it->second;
  }

  // GET /2/tweets/:id with tweet.fields=author_id (a post read): who wrote
  // the post a private answer goes to. The account's own post has no one
  // to write to privately.
  Result<std::string> LookupAuthor(const std::string& tweet_id, desk::Millis now) {
    const std::string path = "/2/tweets/" + tweet_id;
    const std::string label = "GET " + path;
    LP_ASSIGN_OR_RETURN(HttpResponse resp,
                        Call("GET", path, {{"tweet.fields", "author_id"}}, "", "tweet_lookup"));
    json doc;
    LP_RETURN_IF_ERROR(ObjectAnswer(resp, label, &doc));
    AddSpend(now, s_.costs.read_usd);
    const json* data = Find(doc, "data");
    if (data == nullptr || !data->is_object()) return Malformed(label, "/data", " is missing");
    Result<std::string> id = RequiredId(*data, "/data", "author_id");
    if (!id.ok()) return id.status().WithContext(label);
    const std::string& author = *id;
    if (author == s_.account_id) {
      return Status::InvalidArgument("post " + tweet_id +
                                     " is the account's own: no one to write to privately");
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (author_of_.size() >= 10'000) author_of_.clear();
    author_of_[tweet_id] = author;
    return author;
  }

  // What CheckMedia cannot express: X takes 4 images, or one GIF alone;
  // alt text on images and GIFs only; no files in direct messages.
  Status CheckXMedia(const desk::OutboundMessage& msg) const {
    if (msg.media.empty()) return Status::Ok();
    if (IsDm(msg)) {
      return Status::InvalidArgument(
          "the direct message has " + std::to_string(msg.media.size()) +
          " file(s); the X connector attaches files to posts only, not to direct messages");
    }
    for (size_t i = 0; i < msg.media.size(); ++i) {
      const desk::OutboundMedia& m = msg.media[i];
      if (m.mime_type == "image/gif" && msg.media.size() > 1) {
        return Status::InvalidArgument(MediaName(i, m) +
                                       ": X takes an animated GIF only as the post's one file");
      }
      if (desk::IsVideoType(m.mime_type) && !m.alt_text.empty()) {
        return Status::InvalidArgument(
            MediaName(i, m) + ": X takes alt text for images and GIFs only, not for a video");
      }
    }
    return Status::Ok();
  }

  static std::string MediaName(size_t i, const desk::OutboundMedia& m) {
    return "media[" + std::to_string(i) + "] \"" + utf8::Sanitize(m.name.substr(0, 120)) + "\"";
  }

  // Upload requests of one file: initialize, the appends, finalize.
  int64_t UploadRequests(const desk::OutboundMedia& m) const {
    int64_t size = m.bytes == nullptr ? 0 : static_cast<int64_t>(m.bytes->size());
    return 2 + (size + s_.media_chunk_bytes - 1) / s_.media_chunk_bytes;
  }

  double MediaCost(const std::vector<desk::OutboundMedia>& media) const {
    double usd = 0;
    for (const desk::OutboundMedia& m : media) {
      usd += static_cast<double>(UploadRequests(m)) * s_.costs.media_request_usd;
      if (!m.alt_text.empty()) usd += s_.costs.media_metadata_usd;
    }
    return usd;
  }

  // One upload step: Call (429 -> ResourceExhausted), the request counted
  // at cost_per_media_request_usd, any other non-2xx mapped by MapError;
  // errors name the file. The JSON object of the answer into `doc` (an
  // empty answer gives an empty object).
  Status MediaStep(const std::string& who, const std::string& method, const std::string& path,
                   const Params& query, const std::string& body, const std::string& content_type,
                   long timeout_ms, json* doc) {  // NOLINT(google-runtime-int)
    Result<HttpResponse> resp =
        Call(method, path, query, body, "media_upload", content_type, timeout_ms);
    if (!resp.ok()) return resp.status().WithContext(who);
    AddSpend(clock_->NowMillis(), s_.costs.media_request_usd);
    const std::string label = who + ": " + method + " " + path;
    if (resp->status < 200 || resp->status > 299) return MapError(*resp, label);
    *doc = json::object();
    if (resp->body.empty()) return Status::Ok();
    *doc = json::parse(resp->body, nullptr, false);
    if (doc->is_discarded() || !doc->is_object()) {
      return Status::Unavailable(label + ": the answer is not a JSON object");
    }
    return Status::Ok();
  }

  // Uploads media[index] (initialize, appends of media_chunk_bytes,
  // finalize, STATUS while X processes it, alt text); its media id.
  Result<std::string> UploadMedia(size_t index, const desk::OutboundMedia& m) {
    const std::string who = MediaName(index, m);
    if (m.bytes == nullptr) return Status::InvalidArgument(who + ": the file's bytes are missing");
    const std::string& bytes = *m.bytes;
    const bool video = desk::IsVideoType(m.mime_type);
    const bool gif = m.mime_type == "image/gif";
    // amplify_video: the category X documents the 512 MB limit for.
    const char* category = video ? "amplify_video" : gif ? "tweet_gif" : "tweet_image";
    json doc;
    json init = {{"media_type", m.mime_type},
                 {"total_bytes", static_cast<int64_t>(bytes.size())},
                 {"media_category", category}};
    LP_RETURN_IF_ERROR(MediaStep(who, "POST", "/2/media/upload/initialize", {},
                                 init.dump(-1, ' ', false, json::error_handler_t::replace),
                                 "application/json", 0, &doc));
    const json* data = Find(doc, "data");
    std::string id = data == nullptr ? "" : StringOr(*data, "id");
    if (!internal::IsId(id)) {
      return Status::Unavailable(who +
                                 ": POST /2/media/upload/initialize: the answer has no /data/id");
    }
    const std::string base = "/2/media/upload/" + id;
    int segment = 0;
    for (size_t offset = 0; offset < bytes.size(); offset += s_.media_chunk_bytes, ++segment) {
      const size_t n = std::min<size_t>(s_.media_chunk_bytes, bytes.size() - offset);
      const std::string index_text = std::to_string(segment);
      Multipart body = MultipartBody({{"segment_index", "", "", index_text},
                                      {"media", "blob", "application/octet-stream",
                                       std::string_view(bytes).substr(offset, n)}});
      LP_RETURN_IF_ERROR(MediaStep(who, "POST", base + "/append", {}, body.body, body.content_type,
                                   s_.media_upload_timeout_ms, &doc));
    }
    LP_RETURN_IF_ERROR(MediaStep(who, "POST", base + "/finalize", {}, "", "", 0, &doc));
    // Videos and GIFs are processed after finalize: STATUS until it
    // succeeds, as often as check_after_secs says, within
    // media_processing_timeout_ms.
    desk::Millis waited = 0;
    for (;;) {
      data = Find(doc, "data");
      const json* info = data == nullptr ? nullptr : Find(*data, "processing_info");
      const std::string state = info == nullptr ? "succeeded" : StringOr(*info, "state");
      if (state == "succeeded") break;
      if (state == "failed") {
        std::string detail;
        if (const json* err = Find(*info, "error"); err != nullptr) {
          detail = utf8::Sanitize(StringOr(*err, "message").substr(0, 200));
        }
        return Status::InvalidArgument(who + ": X could not process the file" +
                                       (detail.empty() ? "" : " (" + detail + ")"));
      }
      if (state != "pending" && state != "in_progress") {
        return Status::Unavailable(who + ": X reports processing state '" +
                                   utf8::Sanitize(state.substr(0, 40)) + "'");
      }
      desk::Millis wait = 5'000;
      if (const json* after = Find(*info, "check_after_secs");
          after != nullptr && after->is_number()) {
        wait = static_cast<desk::Millis>(std::clamp(after->get<double>(), 1.0, 60.0) * 1000);
      }
      if (waited + wait > s_.media_processing_timeout_ms) {
        return Status::Unavailable(who + ": X was still processing the file after " +
                                   std::to_string(waited / 1000) +
                                   " s (media_processing_timeout_ms); the post was not sent");
      }
      sleep_(wait);
      waited += wait;
      LP_RETURN_IF_ERROR(MediaStep(who, "GET", "/2/media/upload",
                                   {{"command", "STATUS"}, {"media_id", id}}, "", "", 0, &doc));
    }
    if (!m.alt_text.empty()) {
      json meta = {{"id", id}, {"metadata", {{"alt_text", {{"text", m.alt_text}}}}}};
      Result<HttpResponse> resp =
          Call("POST", "/2/media/metadata", {},
               meta.dump(-1, ' ', false, json::error_handler_t::replace), "media_metadata");
      if (!resp.ok()) return resp.status().WithContext(who);
      if (resp->status < 200 || resp->status > 299) {
        return MapError(*resp, who + ": POST /2/media/metadata (alt text)");
      }
      AddSpend(clock_->NowMillis(), s_.costs.media_metadata_usd);
    }
    return id;
  }

  double Spent(desk::Millis now) const {
    std::lock_guard<std::mutex> lock(mu_);
    return spend_month_ == MonthKey(now) ? spent_ : 0.0;
  }

  void AddSpend(desk::Millis now, double usd) {
    std::lock_guard<std::mutex> lock(mu_);
    int month = MonthKey(now);
    if (spend_month_ != month) {
      spend_month_ = month;
      spent_ = 0;
    }
    spent_ += usd;
  }

  bool CanRefresh() const {
    return s_.auth == Auth::kOAuth2 && !tokens_.refresh_token.empty() && !s_.client_id.empty();
  }

  // Requests with the current credentials; refreshes the OAuth 2.0 token
  // before it expires and once on 401. Any HTTP status is returned to the
  // caller except 429, which becomes ResourceExhausted.
  Result<HttpResponse> Call(const std::string& method, const std::string& path, const Params& query,
                            const std::string& body, const std::string& endpoint,
                            const std::string& content_type = "application/json",
                            long timeout_ms = 0) {  // NOLINT(google-runtime-int)
    desk::Millis now = clock_->NowMillis();
    if (auto it = blocked_until_.find(endpoint); it != blocked_until_.end() && it->second > now) {
      retry_after_ms_ = it->second - now;
      return Status::ResourceExhausted(method + " " + path +
                                       ": X rate limit reached; retry after " +
                                       std::to_string(retry_after_ms_) + " ms");
    }
    if (CanRefresh() && expires_at_.load() > 0 && now >= expires_at_.load() - kRefreshMarginMs) {
      LP_RETURN_IF_ERROR(Refresh());
    }
    HttpResponse resp;
    for (int attempt = 0; attempt < 2; ++attempt) {
      HttpRequest req;
      req.method = method;
      req.url = s_.api_url + path + Query(query);
      req.headers = {"Accept: application/json"};
      req.timeout_ms = timeout_ms;
      if (method == "POST") {
        if (!body.empty()) req.headers.push_back("Content-Type: " + content_type);
        req.body = body;
      }
      if (s_.auth == Auth::kOAuth2) {
        req.headers.push_back("Authorization: Bearer " + AccessToken());
      } else {
        req.headers.push_back("Authorization: " + OAuth1Header(method, req.url, {}, s_.oauth1,
                                                               Nonce(),
                                                               std::to_string(now / 1000)));
      }
      LP_ASSIGN_OR_RETURN(resp, http_.Do(req));
      if (resp.status == 401 && attempt == 0 && CanRefresh()) {
        LP_RETURN_IF_ERROR(Refresh());
        continue;
      }
      break;
    }
    now = clock_->NowMillis();
    // The 15-minute window (x-rate-limit-*) and, for posts, the 24-hour
    // limits per user and per app (x-user-limit-24hour-*,
    // x-app-limit-24hour-*): whichever is used up blocks until its reset.
    desk::Millis exhausted_until = 0;
    desk::Millis window_reset = 0;
    for (const char* prefix : {"x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"}) {
      std::string p(prefix);
      desk::Millis reset = internal::ParseMillis(resp.Header(p + "-reset"));
      desk::Millis reset_ms = reset > 0 ? reset * 1000 : 0;
      if (p == "x-rate-limit") window_reset = reset_ms;
      if (resp.Header(p + "-remaining") == "0" && reset_ms > now) {
        exhausted_until = std::max(exhausted_until, reset_ms);
      }
    }
    if (resp.status == 429 || exhausted_until > 0) {
      desk::Millis until = exhausted_until;
      if (until == 0) until = window_reset > now ? window_reset : now + kDefaultBlockMs;
      blocked_until_[endpoint] = std::max(blocked_until_[endpoint], until);
      if (resp.status == 429) {
        retry_after_ms_ = until - now;
        std::string detail = ErrorDetail(resp.body);
        return Status::ResourceExhausted(
            method + " " + path + ": HTTP 429" + (detail.empty() ? "" : " (" + detail + ")") +
            "; X rate limit reached, retry after " + std::to_string(retry_after_ms_) + " ms");
      }
    }
    return resp;
  }

  std::string AccessToken() const {
    std::lock_guard<std::mutex> lock(mu_);
    return tokens_.access_token;
  }

  Status Refresh() {
    HttpRequest req;
    req.method = "POST";
    req.url = s_.api_url + "/2/oauth2/token";
    req.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
    if (!s_.client_secret.empty()) {
      req.headers.push_back("Authorization: Basic " +
                            Base64(s_.client_id + ":" + s_.client_secret));
    }
    std::string refresh_token;
    {
      std::lock_guard<std::mutex> lock(mu_);
      refresh_token = tokens_.refresh_token;
    }
    req.body = "grant_type=refresh_token&refresh_token=" + PercentEncode(refresh_token) +
               "&client_id=" + PercentEncode(s_.client_id);
    LP_ASSIGN_OR_RETURN(HttpResponse resp, http_.Do(req));
    std::string label = "POST /2/oauth2/token (refresh)";
    if (resp.status == 400 || resp.status == 401 || resp.status == 403) {
      std::string detail = ErrorDetail(resp.body);
      if (detail.empty()) {
        json doc = json::parse(resp.body, nullptr, false);
        if (!doc.is_discarded()) detail = utf8::Sanitize(StringOr(doc, "error_description"));
      }
      return Status::PermissionDenied(label + ": HTTP " + std::to_string(resp.status) +
                                      (detail.empty() ? "" : " (" + detail + ")") +
                                      "; the refresh token was refused, the account must be "
                                      "authorised again");
    }
    if (resp.status < 200 || resp.status > 299) return MapError(resp, label);
    json doc = json::parse(resp.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return Status::Unavailable(label + ": the answer is not JSON");
    }
    std::string access = StringOr(doc, "access_token");
    if (access.empty() || HasSpaceOrControl(access)) {
      return Status::Unavailable(label + ": the answer has no usable access_token");
    }
    TokenUpdate update;
    TokenListener listener;
    {
      std::lock_guard<std::mutex> lock(mu_);
      tokens_.access_token = access;
      std::string rotated = StringOr(doc, "refresh_token");
      if (!rotated.empty() && !HasSpaceOrControl(rotated)) tokens_.refresh_token = rotated;
      const json* expires_in = Find(doc, "expires_in");
      tokens_.expires_at_ms = 0;
      if (expires_in != nullptr && expires_in->is_number_integer()) {
        int64_t secs = std::clamp<int64_t>(expires_in->get<int64_t>(), 0, 10LL * 365 * 86400);
        tokens_.expires_at_ms = clock_->NowMillis() + secs * 1000;
      }
      expires_at_ = tokens_.expires_at_ms;
      update = tokens_;
      listener = listener_;
    }
    if (listener) listener(update);
    return Status::Ok();
  }

  // The JSON object of a 2xx answer into `doc`; MapError for other statuses.
  Status ObjectAnswer(const HttpResponse& resp, const std::string& label, json* doc) {
    if (resp.status < 200 || resp.status > 299) return MapError(resp, label);
    *doc = json::parse(resp.body, nullptr, false);
    if (doc->is_discarded() || !doc->is_object()) {
      return Status::InvalidArgument(label + ": the answer is not a JSON object");
    }
    return Status::Ok();
  }

  Status MapError(const HttpResponse& resp, const std::string& label) {
    std::string detail = ErrorDetail(resp.body);
    std::string msg = label + ": HTTP " + std::to_string(resp.status) +
                      (detail.empty() ? "" : " (" + detail + ")");
    if (resp.status >= 500) return Status::Unavailable(msg);
    if (resp.status == 401) {
      return Status::PermissionDenied(msg + "; the access token was refused");
    }
    if (resp.status == 403) return Status::PermissionDenied(msg);
    if (resp.status == 404) return Status::NotFound(msg);
    if (resp.status >= 400) return Status::InvalidArgument(msg);
    return Status::Unavailable(msg);
  }

  // Reads max_results items at most at `per_item` dollars each, within the
  // remaining budget; 0 when not even `min` items fit.
  int AffordableResults(desk::Millis now, double per_item, int min) const {
    double budget = s_.costs.monthly_budget_usd;
    if (budget <= 0 || per_item <= 0) return s_.max_results;
    double remaining = budget - Spent(now);
    int n = static_cast<int>(std::floor(remaining / per_item));
    if (n < min) return 0;
    return std::min(n, s_.max_results);
  }

  Status PollMentions(const Cursor& c, desk::Millis now, Cursor* next,
                      std::vector<desk::InboundMessage>* out) {
    int max = AffordableResults(now, s_.costs.read_usd + s_.costs.user_read_usd, 5);
    if (max == 0) return Status::Ok();
    std::string path = "/2/users/" + s_.account_id + "/mentions";
    std::string token;
    for (int page = 0; page < kMaxPages; ++page) {
      Params q = {
          {"max_results", std::to_string(max)},
          {"expansions", "author_id"},
          {"tweet.fields", "conversation_id,created_at,in_reply_to_user_id,referenced_tweets"},
          {"user.fields", "username,name"}};
      if (!c.mentions.empty()) q.emplace_back("since_id", c.mentions);
      if (!token.empty()) q.emplace_back("pagination_token", token);
      LP_ASSIGN_OR_RETURN(HttpResponse resp, Call("GET", path, q, "", "mentions"));
      std::string label = "GET " + path;
      json doc;
      LP_RETURN_IF_ERROR(ObjectAnswer(resp, label, &doc));
      size_t user_count = 0;
      std::map<std::string, User> users = Users(doc, &user_count);
      const json* data = Find(doc, "data");
      size_t n = data != nullptr && data->is_array() ? data->size() : 0;
      AddSpend(now, static_cast<double>(n) * s_.costs.read_usd +
                        static_cast<double>(user_count) * s_.costs.user_read_usd);
      if (data != nullptr && !data->is_array()) {
        return Status::InvalidArgument(label + ": /data is not an array");
      }
      for (size_t i = 0; i < n; ++i) {
        std::string ptr = "/data/" + std::to_string(i);
        const json& t = (*data)[i];
        if (!t.is_object()) return Malformed(label, ptr, " is not an object");
        auto id = RequiredId(t, ptr, "id");
        if (!id.ok()) return id.status().WithContext(label);
        if (next->mentions.empty() || internal::CompareIds(*id, next->mentions) > 0) {
          next->mentions = *id;
        }
        auto author = RequiredId(t, ptr, "author_id");
        if (!author.ok()) return author.status().WithContext(label);
        if (*author == s_.account_id) continue;
        const json* text = Find(t, "text");
        if (text == nullptr || !text->is_string()) {
          return Malformed(label, ptr, "/text is missing");
        }
        desk::InboundMessage m;
        m.external_id = *id;
        m.text = utf8::Sanitize(internal::UnescapeText(text->get<std::string>()));
        bool retweet = false;
        if (const json* refs = Find(t, "referenced_tweets"); refs != nullptr && refs->is_array()) {
          for (const json& r : *refs) {
            std::string type = StringOr(r, "type");
            if (type == "replied_to" && internal::IsId(StringOr(r, "id"))) {
              m.in_reply_to = StringOr(r, "id");
            }
            if (type == "retweeted") retweet = true;
          }
        }
        if (retweet) continue;
        std::string conversation = StringOr(t, "conversation_id");
        if (!internal::IsId(conversation)) {
          conversation = m.in_reply_to.empty() ? *id : m.in_reply_to;
        }
        m.thread_key = "tweet:" + conversation;
        Emit(users, *author, true, t, std::move(m), out);
      }
      // The first poll reads only the newest page; later ones follow the
      // pages back to since_id (at most kMaxPages).
      token = NextToken(doc);
      if (token.empty() || c.mentions.empty()) break;
      max = AffordableResults(now, s_.costs.read_usd + s_.costs.user_read_usd, 5);
      if (max == 0) break;
    }
    return Status::Ok();
  }

  Status PollDms(const Cursor& c, desk::Millis now, Cursor* next,
                 std::vector<desk::InboundMessage>* out) {
    int max = AffordableResults(now, s_.costs.dm_read_usd + s_.costs.user_read_usd, 1);
    if (max == 0) return Status::Ok();
    std::string path = "/2/dm_events";
    std::string label = "GET " + path;
    std::string token;
    for (int page = 0; page < kMaxPages; ++page) {
      Params q = {{"max_results", std::to_string(max)},
                  {"event_types", "MessageCreate"},
                  {"dm_event.fields", "id,text,event_type,created_at,sender_id,dm_conversation_id"},
                  {"expansions", "sender_id"},
                  {"user.fields", "username,name"}};
      if (!token.empty()) q.emplace_back("pagination_token", token);
      LP_ASSIGN_OR_RETURN(HttpResponse resp, Call("GET", path, q, "", "dm_events"));
      json doc;
      LP_RETURN_IF_ERROR(ObjectAnswer(resp, label, &doc));
      size_t user_count = 0;
      std::map<std::string, User> users = Users(doc, &user_count);
      const json* data = Find(doc, "data");
      if (data != nullptr && !data->is_array()) {
        return Status::InvalidArgument(label + ": /data is not an array");
      }
      size_t n = data != nullptr ? data->size() : 0;
      AddSpend(now, static_cast<double>(n) * s_.costs.dm_read_usd +
                        static_cast<double>(user_count) * s_.costs.user_read_usd);
      bool reached_known = false;
      for (size_t i = 0; i < n; ++i) {
        std::string ptr = "/data/" + std::to_string(i);
        const json& e = (*data)[i];
        if (!e.is_object()) return Malformed(label, ptr, " is not an object");
        auto id = RequiredId(e, ptr, "id");
        if (!id.ok()) return id.status().WithContext(label);
        if (!c.dms.empty() && internal::CompareIds(*id, c.dms) <= 0) {
          reached_known = true;  // newest first: everything after is known
          break;
        }
        if (next->dms.empty() || internal::CompareIds(*id, next->dms) > 0) next->dms = *id;
        std::string type = StringOr(e, "event_type");
        if (!type.empty() && type != "MessageCreate") continue;
        auto sender = RequiredId(e, ptr, "sender_id");
        if (!sender.ok()) return sender.status().WithContext(label);
        if (*sender == s_.account_id) continue;
        // One-to-one conversations are "<id>-<id>"; a group's id is a plain
        // number, and a reply to dm:<sender> would leave the group.
        std::string conversation = StringOr(e, "dm_conversation_id");
        if (!conversation.empty() && conversation.find('-') == std::string::npos) continue;
        const json* text = Find(e, "text");
        if (text == nullptr || !text->is_string()) {
          return Malformed(label, ptr, "/text is missing");
        }
        desk::InboundMessage m;
        m.external_id = *id;
        m.text = utf8::Sanitize(text->get<std::string>());
        m.thread_key = "dm:" + *sender;
        Emit(users, *sender, false, e, std::move(m), out);
      }
      token = NextToken(doc);
      if (reached_known || token.empty() || c.dms.empty()) break;
      max = AffordableResults(now, s_.costs.dm_read_usd + s_.costs.user_read_usd, 1);
      if (max == 0) break;
    }
    return Status::Ok();
  }

  const Settings s_;
  const Clock* clock_;
  std::unique_ptr<Receiver> receiver_;
  HttpClient http_;  // worker thread only
  // Worker-thread state (Poll/Send are never concurrent, channel.h).
  desk::Millis retry_after_ms_ = 0;
  desk::Millis last_poll_at_ = 0;
  std::map<std::string, desk::Millis> blocked_until_;  // endpoint -> ms
  std::map<std::string, std::string> author_of_;       // post id -> author id (guarded by mu_)
  std::function<void(desk::Millis)> sleep_ = [](desk::Millis ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  };
  // Read by accessors from other threads.
  mutable std::mutex mu_;
  TokenUpdate tokens_;      // guarded by mu_
  TokenListener listener_;  // guarded by mu_
  int spend_month_ = 0;     // guarded by mu_
  double spent_ = 0;        // guarded by mu_
  std::atomic<desk::Millis> expires_at_;
  const bool renewable_;  // OAuth 2.0 with a refresh token: the channel renews itself
};

}  // namespace

Result<std::unique_ptr<XChannel>> MakeX(const desk::ChannelConfig& config, const Clock* clock) {
  LP_ASSIGN_OR_RETURN(Settings s, ReadSettings(config));
  if (clock == nullptr) clock = &SystemClock::Default();
  return std::unique_ptr<XChannel>(std::make_unique<XChannelImpl>(std::move(s), clock));
}

Result<std::unique_ptr<desk::Channel>> MakeXChannel(const desk::ChannelConfig& config) {
  LP_ASSIGN_OR_RETURN(std::unique_ptr<XChannel> c, MakeX(config));
  return std::unique_ptr<desk::Channel>(std::move(c));
}

}  // namespace leitplanke::channels::x
