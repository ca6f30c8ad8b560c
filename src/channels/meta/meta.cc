// Sending side of the Meta connector (Graph API).
//
// - Usage headers: every Graph response may carry X-App-Usage and
//   X-Business-Use-Case-Usage (percent of the hourly budget used). Above the
//   threshold the next Send is refused locally with ResourceExhausted until
//   the estimated regain time, so the page is not blocked by Meta.
// - Errors map to the outbox's retry rules (channel.h): Graph codes
//   4/17/32/613 and 80001..80014 ResourceExhausted, 190 and 10/200..299
//   PermissionDenied, 100 InvalidArgument, 5xx and transport Unavailable.
#include "channels/meta/meta.h"

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "leitplanke/base/utf8.h"

#include "leitplanke/desk/media.h"

#include "channels/http/config_util.h"
#include "channels/http/encoding.h"
#include "channels/http/hmac.h"
#include "channels/http/http_client.h"

namespace leitplanke::channels::meta {
namespace {

using nlohmann::json;

constexpr size_t kMaxRememberedThreads = 100'000;
constexpr size_t kMaxRememberedReplies = 100'000;  // private replies of the last 7 days

struct Settings {
  std::string name;
  std::string graph_url;                   // without trailing '/'
  std::string graph_video_url;             // video uploads (graph-video.facebook.com)
  long media_upload_timeout_ms = 300'000;  // NOLINT(google-runtime-int): curl's type
  std::string version = "v19.0";
  std::string page_id;
  std::string instagram_id;
  std::string token;
  std::string app_secret;
  std::string verify_token;
  std::string proof;  // appsecret_proof
  HttpOptions http;
  int usage_threshold = 90;
  desk::Millis usage_backoff_ms = 300'000;
};

Result<Settings> ReadSettings(const desk::ChannelConfig& config) {
  ConfigReader r(config, "meta");
  LP_RETURN_IF_ERROR(r.CheckKind());
  Settings s;
  s.name = config.name;
  s.page_id = r.Get("page_id");
  if (s.page_id.empty()) return r.Error("page_id", "is required");
  if (s.page_id.size() > 32 || !std::all_of(s.page_id.begin(), s.page_id.end(),
                                            [](char c) { return c >= '0' && c <= '9'; })) {
    return r.Error("page_id", "must be the numeric Page id");
  }
  s.instagram_id = r.Get("instagram_id");
  if (!s.instagram_id.empty() && !std::all_of(s.instagram_id.begin(), s.instagram_id.end(),
                                              [](char c) { return c >= '0' && c <= '9'; })) {
    return r.Error("instagram_id", "must be the numeric Instagram account id");
  }
  LP_ASSIGN_OR_RETURN(s.graph_url, r.BaseUrl("graph_url", "https://graph.facebook.com"));
  // Meta takes video uploads on graph-video.facebook.com; a configured
  // graph_url (a proxy, a test server) serves them too unless set apart.
  LP_ASSIGN_OR_RETURN(
      s.graph_video_url,
      r.BaseUrl("graph_video_url",
                r.Get("graph_url").empty() ? "https://graph-video.facebook.com" : s.graph_url));
  LP_ASSIGN_OR_RETURN(int64_t upload_ms,
                      r.Int("media_upload_timeout_ms", 300'000, 1'000, 3'600'000));
  s.media_upload_timeout_ms = static_cast<long>(upload_ms);  // NOLINT(google-runtime-int)
  std::string version = r.Get("graph_version");
  if (!version.empty()) {
    if (version.size() > 8 || version[0] != 'v' ||
        !std::all_of(version.begin() + 1, version.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
      return r.Error("graph_version", "must look like v19.0");
    }
    s.version = version;
  }
  LP_ASSIGN_OR_RETURN(s.token, r.Secret("page_access_token"));
  LP_ASSIGN_OR_RETURN(s.app_secret, r.Secret("app_secret"));
  LP_ASSIGN_OR_RETURN(s.verify_token, r.Secret("verify_token"));
  s.proof = HmacSha256Hex(s.app_secret, s.token);
  LP_ASSIGN_OR_RETURN(s.http, r.Http());
  LP_ASSIGN_OR_RETURN(int64_t threshold, r.Int("usage_threshold", 90, 1, 100));
  s.usage_threshold = static_cast<int>(threshold);
  LP_ASSIGN_OR_RETURN(s.usage_backoff_ms, r.Int("usage_backoff_ms", 300'000, 1, 86'400'000));
  return s;
}

// The highest percentage and the longest announced wait of the usage
// headers. X-App-Usage / X-Page-Usage: {"call_count":..,"total_time":..,
// "total_cputime":..}; X-Business-Use-Case-Usage: {"<id>":[{"type":..,
// "call_count":..,"total_time":..,"total_cputime":..,
// "estimated_time_to_regain_access": minutes}]}.
struct Usage {
  double max_percent = 0;
  desk::Millis regain_ms = 0;
};

void AddUsageObject(const json& o, Usage* u) {
  if (!o.is_object()) return;
  for (const char* k : {"call_count", "total_time", "total_cputime"}) {
    auto it = o.find(k);
    if (it != o.end() && it->is_number())
      u->max_percent = std::max(u->max_percent, it->get<double>());
  }
  auto it = o.find("estimated_time_to_regain_access");
  if (it != o.end() && it->is_number()) {
    double minutes = std::clamp(it->get<double>(), 0.0, 24.0 * 60);
    u->regain_ms = std::max(u->regain_ms, static_cast<desk::Millis>(minutes * 60'000));
  }
}

Usage ReadUsage(const HttpResponse& resp) {
  Usage u;
  for (const char* h : {"x-app-usage", "x-page-usage", "x-ad-account-usage"}) {
    std::string v = resp.Header(h);
    if (v.empty()) continue;
    try {
      json doc = json::parse(v);
      AddUsageObject(doc, &u);
    } catch (const json::exception&) {
    }
  }
  std::string buc = resp.Header("x-business-use-case-usage");
  if (!buc.empty()) {
    try {
      json doc = json::parse(buc);
      if (doc.is_object()) {
        for (const auto& [id, list] : doc.items()) {
          if (!list.is_array()) continue;
          for (const auto& o : list) AddUsageObject(o, &u);
        }
      }
    } catch (const json::exception&) {
    }
  }
  return u;
}

struct GraphError {
  int code = 0;
  int subcode = 0;
  std::string message;
};

GraphError ReadGraphError(const std::string& body) {
  GraphError e;
  try {
    json doc = json::parse(body);
    if (!doc.is_object()) return e;
    auto it = doc.find("error");
    if (it == doc.end() || !it->is_object()) return e;
    const json& err = *it;
    if (auto c = err.find("code"); c != err.end() && c->is_number_integer()) e.code = c->get<int>();
    if (auto c = err.find("error_subcode"); c != err.end() && c->is_number_integer()) {
      e.subcode = c->get<int>();
    }
    if (auto m = err.find("message"); m != err.end() && m->is_string()) {
      e.message = utf8::Sanitize(m->get<std::string>().substr(0, 300));
    }
  } catch (const json::exception&) {
  }
  return e;
}

std::string FormatUtc(desk::Millis ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &t);
  return buf;
}

// Comment and post ids ("123_456") go into the URL path.
bool IsGraphId(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '-';
  });
}

size_t CodePoints(std::string_view s) { return utf8::CodePointCount(s, s.size()); }

// The character limit of a message and what it is called, by its thread.
std::pair<size_t, const char*> LimitOf(const desk::OutboundMessage& msg) {
  if (msg.thread_key.empty() && msg.in_reply_to.empty() && msg.is_public) {
    return {kPagePostLimit, "a Page post"};
  }
  Result<Thread> t = ParseThreadKey(msg.thread_key);
  if (!t.ok()) {
    return msg.is_public ? std::pair{kCommentLimit, "a comment"}
                         : std::pair{kMessengerLimit, "a Messenger message"};
  }
  switch (t->kind) {
    case Thread::Kind::kMessenger:
      return {kMessengerLimit, "a Messenger message"};
    case Thread::Kind::kInstagramDirect:
      return {kInstagramDirectLimit, "an Instagram direct message"};
    case Thread::Kind::kFacebookPost:
      return msg.is_public ? std::pair{kCommentLimit, "a comment"}
                           : std::pair{kMessengerLimit, "a private reply (Messenger)"};
    case Thread::Kind::kInstagramMedia:
      return msg.is_public ? std::pair{kCommentLimit, "a comment"}
                           : std::pair{kInstagramDirectLimit, "a private reply (Instagram direct)"};
  }
  return {kCommentLimit, "a comment"};
}

bool IsCommentThread(const Thread& t) {
  return t.kind == Thread::Kind::kFacebookPost || t.kind == Thread::Kind::kInstagramMedia;
}

class MetaChannelImpl final : public MetaChannel, public desk::WebhookReceiver {
 public:
  MetaChannelImpl(Settings settings, const Clock* clock)
      : settings_(std::move(settings)), clock_(clock), http_(settings_.http) {}

  std::string_view kind() const override { return "meta"; }

  // Files on new Facebook Page posts (the connector publishes nothing to
  // Instagram, whose content API fetches media from a public URL).
  desk::MediaLimits media_limits() const override {
    desk::MediaLimits l;
    l.max_images = kMaxPhotosPerPost;
    l.max_videos = 1;
    l.mix_images_and_videos = false;
    l.max_image_bytes = kMaxPhotoBytes;
    l.max_video_bytes = kMaxVideoBytes;
    l.max_alt_text = static_cast<int32_t>(kMaxAltText);
    l.mime_types = {"image/jpeg", "image/png", "image/gif", "video/mp4"};
    return l;
  }

  Result<std::string> Render(const desk::OutboundMessage& msg) const override {
    LP_RETURN_IF_ERROR(desk::CheckMedia(media_limits(), kind(), msg.media));
    LP_RETURN_IF_ERROR(CheckMetaMedia(msg));
    if (msg.text.empty()) return Status::InvalidArgument("the reply is empty");
    if (size_t bad = utf8::FirstInvalid(msg.text); bad != std::string::npos) {
      return Status::InvalidArgument("the reply is not valid UTF-8 at byte " + std::to_string(bad));
    }
    if (!msg.thread_key.empty()) LP_RETURN_IF_ERROR(ParseThreadKey(msg.thread_key).status());
    LP_RETURN_IF_ERROR(CheckNotAnsweredPrivately(msg));
    const auto [limit, where] = LimitOf(msg);
    size_t n = CodePoints(msg.text);
    if (n > limit) {
      return Status::InvalidArgument("the reply has " + std::to_string(n) + " characters; " +
                                     std::string(where) + " allows " + std::to_string(limit));
    }
    return msg.text;
  }

  desk::SendEstimate Estimate(const desk::OutboundMessage& wire) const override {
    desk::SendEstimate e;
    e.length = static_cast<int64_t>(CodePoints(wire.text));
    e.limit = static_cast<int64_t>(LimitOf(wire).first);
    return e;
  }

  // A private reply (Messenger for a Facebook comment or visitor post,
  // Instagram direct for an Instagram comment) to the comment answered,
  // within 7 days of it. Meta takes one per comment and refuses a second.
  bool CanReplyPrivately(const desk::OutboundMessage& msg) const override {
    Result<Thread> t = ParseThreadKey(msg.thread_key);
    if (!t.ok() || !IsCommentThread(*t) || !IsGraphId(msg.in_reply_to)) return false;
    const desk::Millis now = clock_->NowMillis();
    if (msg.last_inbound_at != 0 && now - msg.last_inbound_at > kHumanAgentWindowMs) return false;
    return PrivateReplyAt(msg.in_reply_to, now) == 0;
  }

  // Comments (and visitor posts) answered privately survive a restart:
  // {"private_replies":{"<comment id>":<ms of the reply>,...}}, only those
  // of the last 7 days; "" when there are none. Other keys are ignored, so
  // later additions stay readable.
  std::string state() const override {
    const desk::Millis now = clock_->NowMillis();
    json replies = json::object();
    {
      std::lock_guard<std::mutex> lock(replies_mu_);
      for (const auto& [id, at] : private_replies_) {
        if (!Expired(at, now)) replies[id] = at;
      }
    }
    if (replies.empty()) return "";
    return json({{"private_replies", std::move(replies)}}).dump();
  }

  // Reads what state() wrote. Anything else (the connector kept no state
  // before, so there is no older format to read; a damaged text) restores
  // nothing: Meta's own refusal then stands in.
  void RestoreState(std::string_view state) override {
    json doc = json::parse(state, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return;
    auto it = doc.find("private_replies");
    if (it == doc.end() || !it->is_object()) return;
    const desk::Millis now = clock_->NowMillis();
    std::vector<std::pair<desk::Millis, std::string>> kept;  // newest first, at most the cap
    for (const auto& [id, at] : it->items()) {
      if (!IsGraphId(id) || !at.is_number_integer()) continue;
      const auto ms = at.get<desk::Millis>();
      if (ms > 0 && !Expired(ms, now)) kept.emplace_back(ms, id);
    }
    std::sort(kept.begin(), kept.end(), std::greater<>());
    if (kept.size() > kMaxRememberedReplies) kept.resize(kMaxRememberedReplies);
    std::lock_guard<std::mutex> lock(replies_mu_);
    std::erase_if(private_replies_, [&](const auto& kv) { return Expired(kv.second, now); });
    for (const auto& [ms, id] : kept) {
      if (private_replies_.size() >= kMaxRememberedReplies && !private_replies_.contains(id)) break;
      desk::Millis& t = private_replies_[id];
      t = std::max(t, ms);
    }
  }

  Result<desk::PollResult> Poll(std::string_view cursor) override {
    desk::PollResult r;
    r.cursor = std::string(cursor);
    return r;  // Meta delivers by webhook.
  }

  Result<desk::SendReceipt> Send(const desk::OutboundMessage& msg) override {
    retry_after_ms_ = 0;
    if (msg.text.empty()) return Status::InvalidArgument("the reply is empty");
    // Neither thread nor message to answer: a new post on the Facebook Page
    // (Publish). Instagram publishes media only, through another flow.
    const bool page_post = msg.thread_key.empty() && msg.in_reply_to.empty() && msg.is_public;
    if (msg.thread_key.empty() && !page_post) {
      return Status::InvalidArgument("a Meta reply needs the conversation's thread key");
    }
    LP_RETURN_IF_ERROR(desk::CheckMedia(media_limits(), kind(), msg.media));
    LP_RETURN_IF_ERROR(CheckMetaMedia(msg));
    Thread thread;
    if (!page_post) {
      LP_ASSIGN_OR_RETURN(thread, ParseThreadKey(msg.thread_key));
    }
    desk::Millis now = clock_->NowMillis();
    if (blocked_until_ > now) {
      retry_after_ms_ = blocked_until_ - now;
      return Status::ResourceExhausted("Graph API usage is above " +
                                       std::to_string(settings_.usage_threshold) +
                                       "%; retry after " + std::to_string(retry_after_ms_) + " ms");
    }
    if (page_post && !msg.media.empty()) return PostWithMedia(msg);
    HttpRequest req;
    req.method = "POST";
    req.headers = {"Authorization: Bearer " + settings_.token, "Content-Type: application/json",
                   "Accept: application/json"};
    json body;
    std::string what;
    bool private_reply = false;  // to a comment or visitor post: remembered once sent
    if (page_post) {
      body = {{"message", msg.text}};
      what = "/" + settings_.page_id + "/feed";
    } else if (thread.kind == Thread::Kind::kMessenger ||
               thread.kind == Thread::Kind::kInstagramDirect) {
      body = {{"recipient", {{"id", thread.id}}}, {"message", {{"text", msg.text}}}};
      body["messaging_type"] = "RESPONSE";
      // The desk's record of the customer's last message, or what a
      // delivery to this process noted (whichever is newer).
      desk::Millis last_inbound = msg.last_inbound_at;
      {
        std::lock_guard<std::mutex> lock(window_mu_);
        auto last = last_inbound_.find(msg.thread_key);
        if (last != last_inbound_.end()) last_inbound = std::max(last_inbound, last->second);
      }
      if (last_inbound != 0) {
        switch (ReplyWindow(last_inbound, now)) {
          case Window::kStandard:
            break;
          case Window::kHumanAgent:
            body["messaging_type"] = "MESSAGE_TAG";
            body["tag"] = "HUMAN_AGENT";
            break;
          case Window::kClosed:
            return Status::FailedPrecondition(
                "the reply window closed on " + FormatUtc(last_inbound + kHumanAgentWindowMs) +
                " (7 days after the customer's last message); Meta accepts no message until the "
                "customer writes again");
        }
      }
      what = "/" + settings_.page_id + "/messages";
    } else if (!msg.is_public) {
      // Private reply to a comment (or a visitor post): the Send API with the
      // comment as recipient; Meta delivers it to the comment's author.
      if (!IsGraphId(msg.in_reply_to)) {
        return Status::InvalidArgument(
            "a private reply needs the comment it answers (in_reply_to), got '" +
            utf8::Sanitize(msg.in_reply_to.substr(0, 64)) + "'");
      }
      if (msg.last_inbound_at != 0 && now - msg.last_inbound_at > kHumanAgentWindowMs) {
        return Status::FailedPrecondition("a private reply to a comment is possible until " +
                                          FormatUtc(msg.last_inbound_at + kHumanAgentWindowMs) +
                                          " (7 days after the comment); Meta accepts none later");
      }
      LP_RETURN_IF_ERROR(CheckNotAnsweredPrivately(msg));
      private_reply = true;
      const bool post = thread.kind == Thread::Kind::kFacebookPost && msg.in_reply_to == thread.id;
      body = {{"recipient", {{post ? "post_id" : "comment_id", msg.in_reply_to}}},
              {"message", {{"text", msg.text}}},
              {"messaging_type", "RESPONSE"}};
      what = "/" + settings_.page_id + "/messages";
    } else {
      if (msg.in_reply_to.empty()) {
        return Status::InvalidArgument("a public reply needs the comment it answers (in_reply_to)");
      }
      if (!IsGraphId(msg.in_reply_to)) {
        return Status::InvalidArgument("in_reply_to '" +
                                       utf8::Sanitize(msg.in_reply_to.substr(0, 64)) +
                                       "' is not a comment or post id");
      }
      body = {{"message", msg.text}};
      what = "/" + msg.in_reply_to +
             (thread.kind == Thread::Kind::kFacebookPost ? "/comments" : "/replies");
    }
    req.url = settings_.graph_url + "/" + settings_.version + what +
              "?appsecret_proof=" + settings_.proof;
    req.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    std::string label = "POST " + what;
    LP_ASSIGN_OR_RETURN(HttpResponse resp, http_.Do(req));
    Usage usage = ReadUsage(resp);
    if (usage.max_percent > settings_.usage_threshold) {
      blocked_until_ = now + (usage.regain_ms > 0 ? usage.regain_ms : settings_.usage_backoff_ms);
    }
    if (resp.status < 200 || resp.status > 299) return MapError(resp, usage, label, now);
    if (private_reply) {
      std::lock_guard<std::mutex> lock(replies_mu_);
      RememberLocked(msg.in_reply_to, now, now);
    }
    try {
      json doc = json::parse(resp.body);
      std::string id;
      if (doc.is_object()) {
        if (auto it = doc.find("message_id"); it != doc.end() && it->is_string()) {
          id = it->get<std::string>();
        } else if (auto it2 = doc.find("id"); it2 != doc.end() && it2->is_string()) {
          id = it2->get<std::string>();
        }
      }
      if (id.empty()) return Status::Internal(label + ": the answer names no message id");
      return desk::SendReceipt{id};
    } catch (const json::exception&) {
      return Status::Internal(label + ": the answer is not JSON");
    }
  }

  desk::Millis retry_after_ms() const override { return retry_after_ms_; }

  desk::WebhookReceiver* webhook() override { return this; }

  // GET: Meta's subscription check.
  Result<desk::WebhookAnswer> Challenge(const desk::WebhookRequest& request) const override {
    auto param = [&](const char* key) -> std::string_view {
      auto it = request.query.find(key);
      return it == request.query.end() ? std::string_view() : std::string_view(it->second);
    };
    LP_ASSIGN_OR_RETURN(std::string challenge,
                        AnswerVerification(param("hub.mode"), param("hub.verify_token"),
                                           param("hub.challenge"), settings_.verify_token));
    desk::WebhookAnswer answer;
    answer.body = std::move(challenge);
    return answer;
  }

  // POST: a delivery, signed with the app secret.
  Result<desk::WebhookDelivery> Receive(const desk::WebhookRequest& request,
                                        desk::Millis /*now_ms*/) override {
    auto sig = request.headers.find("x-hub-signature-256");
    if (sig == request.headers.end()) {
      return Status::PermissionDenied("X-Hub-Signature-256 header is missing");
    }
    if (!SignatureValid(settings_.app_secret, request.body, sig->second)) {
      return Status::PermissionDenied("X-Hub-Signature-256 does not match the body");
    }
    LP_ASSIGN_OR_RETURN(std::vector<desk::InboundMessage> messages, ParseDelivery(request.body));
    desk::WebhookDelivery out;
    // Meta gives no id per delivery; message mids and comment ids are unique
    // per event and serve to recognise a replayed delivery.
    for (const desk::InboundMessage& m : messages) {
      out.event_ids.push_back(m.external_id);
      NoteInbound(m);
    }
    out.messages = std::move(messages);
    return out;
  }

  Result<std::vector<desk::InboundMessage>> ParseVerified(std::string_view body) const override {
    return ParseDelivery(body);
  }

  void NoteInbound(const desk::InboundMessage& message) override {
    if (message.is_public || message.thread_key.empty() || message.sent_at <= 0) return;
    std::lock_guard<std::mutex> lock(window_mu_);
    if (last_inbound_.size() >= kMaxRememberedThreads) {
      desk::Millis cutoff = clock_->NowMillis() - kHumanAgentWindowMs;
      std::erase_if(last_inbound_, [&](const auto& kv) { return kv.second < cutoff; });
      if (last_inbound_.size() >= kMaxRememberedThreads) last_inbound_.clear();
    }
    desk::Millis& t = last_inbound_[message.thread_key];
    t = std::max(t, message.sent_at);
  }

 private:
  static std::string MediaName(size_t i, const desk::OutboundMedia& m) {
    return "media[" + std::to_string(i) + "] \"" + utf8::Sanitize(m.name.substr(0, 120)) + "\"";
  }

  // A private reply is possible within 7 days of the comment, so a record
  // older than 7 days can no longer matter.
  static bool Expired(desk::Millis replied_at, desk::Millis now) {
    return now - replied_at > kHumanAgentWindowMs;
  }

  // When `id` got its private reply (within the last 7 days); 0 if not.
  desk::Millis PrivateReplyAt(const std::string& id, desk::Millis now) const {
    std::lock_guard<std::mutex> lock(replies_mu_);
    auto it = private_replies_.find(id);
    return it == private_replies_.end() || Expired(it->second, now) ? 0 : it->second;
  }

  // Records a private reply to `id` at `at`; drops records older than 7
  // days first and, should that not suffice, the oldest. Caller holds
  // replies_mu_.
  void RememberLocked(const std::string& id, desk::Millis at, desk::Millis now) {
    std::erase_if(private_replies_, [&](const auto& kv) { return Expired(kv.second, now); });
    if (!private_replies_.contains(id) && private_replies_.size() >= kMaxRememberedReplies) {
      auto oldest =
          std::min_element(private_replies_.begin(), private_replies_.end(),
                           [](const auto& a, const auto& b) { return a.second < b.second; });
      private_replies_.erase(oldest);
    }
    desk::Millis& t = private_replies_[id];
    t = std::max(t, at);
  }

  // Meta takes one private reply per comment (or visitor post): a second
  // is refused before any request, naming when the first went out.
  Status CheckNotAnsweredPrivately(const desk::OutboundMessage& msg) const {
    if (msg.is_public || !IsGraphId(msg.in_reply_to)) return Status::Ok();
    Result<Thread> t = ParseThreadKey(msg.thread_key);
    if (!t.ok() || !IsCommentThread(*t)) return Status::Ok();
    const desk::Millis at = PrivateReplyAt(msg.in_reply_to, clock_->NowMillis());
    if (at == 0) return Status::Ok();
    const bool post = t->kind == Thread::Kind::kFacebookPost && msg.in_reply_to == t->id;
    return Status::InvalidArgument(std::string(post ? "post " : "comment ") + msg.in_reply_to +
                                   " already got its private reply on " + FormatUtc(at) +
                                   "; Meta allows one per " + (post ? "post" : "comment") +
                                   " (answer in public or in the direct conversation)");
  }

  static Status CheckMetaMedia(const desk::OutboundMessage& msg) {
    if (msg.media.empty()) return Status::Ok();
    if (!(msg.thread_key.empty() && msg.in_reply_to.empty() && msg.is_public)) {
      return Status::InvalidArgument("the message has " + std::to_string(msg.media.size()) +
                                     " file(s); the Meta connector attaches files to new "
                                     "Facebook Page posts only, not to replies or messages");
    }
    return Status::Ok();
  }

  // One Graph POST with the usage bookkeeping of Send; non-2xx mapped by
  // MapError under `label`; the answer's JSON object.
  Result<json> GraphPost(const std::string& base_url, const std::string& what,
                         const std::string& content_type, std::string body,
                         const std::string& label, long timeout_ms) {  // NOLINT
    HttpRequest req;
    req.method = "POST";
    req.url = base_url + "/" + settings_.version + what + "?appsecret_proof=" + settings_.proof;
    req.headers = {"Authorization: Bearer " + settings_.token, "Content-Type: " + content_type,
                   "Accept: application/json"};
    req.body = std::move(body);
    req.timeout_ms = timeout_ms;
    Result<HttpResponse> resp = http_.Do(req);
    if (!resp.ok()) return resp.status().WithContext(label);
    const desk::Millis now = clock_->NowMillis();
    Usage usage = ReadUsage(*resp);
    if (usage.max_percent > settings_.usage_threshold) {
      blocked_until_ = now + (usage.regain_ms > 0 ? usage.regain_ms : settings_.usage_backoff_ms);
    }
    if (resp->status < 200 || resp->status > 299) return MapError(*resp, usage, label, now);
    json doc = json::parse(resp->body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return Status::Internal(label + ": the answer is not a JSON object");
    }
    return doc;
  }

  static std::string IdOf(const json& doc, const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() && IsGraphId(it->get<std::string>())
               ? it->get<std::string>()
               : std::string();
  }

  // A new Page post with files (Pages API): one photo with the text
  // (POST /{page-id}/photos), several photos uploaded unpublished and then
  // one feed post with attached_media, or a video (POST /{page-id}/videos
  // on graph_video_url, the text as description). A failed upload ends
  // the send before the post exists.
  Result<desk::SendReceipt> PostWithMedia(const desk::OutboundMessage& msg) {
    const std::string photos = "/" + settings_.page_id + "/photos";
    const auto& media = msg.media;
    if (desk::IsVideoType(media[0].mime_type)) {
      const std::string who = MediaName(0, media[0]);
      const std::string what = "/" + settings_.page_id + "/videos";
      Multipart body =
          MultipartBody({{"description", "", "", msg.text},
                         {"source", media[0].name.empty() ? "video.mp4" : media[0].name,
                          media[0].mime_type, *media[0].bytes}});
      LP_ASSIGN_OR_RETURN(json doc, GraphPost(settings_.graph_video_url, what, body.content_type,
                                              std::move(body.body), who + ": POST " + what,
                                              settings_.media_upload_timeout_ms));
      std::string id = IdOf(doc, "id");
      if (id.empty()) return Status::Internal(who + ": POST " + what + ": the answer names no id");
      return desk::SendReceipt{id};
    }
    // Photos: one published with the message, or each unpublished first.
    const bool single = media.size() == 1;
    std::vector<std::string> ids;
    for (size_t i = 0; i < media.size(); ++i) {
      const desk::OutboundMedia& m = media[i];
      const std::string who = MediaName(i, m);
      std::vector<MultipartPart> parts = {
          {"source", m.name.empty() ? "photo" : m.name, m.mime_type, *m.bytes},
          {"published", "", "", single ? "true" : "false"}};
      if (single) parts.push_back({"message", "", "", msg.text});
      if (!m.alt_text.empty()) parts.push_back({"alt_text_custom", "", "", m.alt_text});
      Multipart body = MultipartBody(parts);
      LP_ASSIGN_OR_RETURN(
          json doc, GraphPost(settings_.graph_url, photos, body.content_type, std::move(body.body),
                              who + ": POST " + photos, settings_.media_upload_timeout_ms));
      std::string id = IdOf(doc, single ? "post_id" : "id");
      if (id.empty() && single) id = IdOf(doc, "id");
      if (id.empty())
        return Status::Internal(who + ": POST " + photos + ": the answer names no id");
      if (single) return desk::SendReceipt{id};
      ids.push_back(id);
    }
    // attached_media[i]={"media_fbid":"<id>"}, form-encoded as Meta documents.
    const std::string feed = "/" + settings_.page_id + "/feed";
    std::string form = "message=" + PercentEncode(msg.text);
    for (size_t i = 0; i < ids.size(); ++i) {
      form += "&" + PercentEncode("attached_media[" + std::to_string(i) + "]") + "=" +
              PercentEncode(json({{"media_fbid", ids[i]}}).dump());
    }
    LP_ASSIGN_OR_RETURN(json doc,
                        GraphPost(settings_.graph_url, feed, "application/x-www-form-urlencoded",
                                  std::move(form), "POST " + feed, 0));
    std::string id = IdOf(doc, "id");
    if (id.empty()) return Status::Internal("POST " + feed + ": the answer names no post id");
    return desk::SendReceipt{id};
  }

  Status MapError(const HttpResponse& resp, const Usage& usage, const std::string& label,
                  desk::Millis now) {
    GraphError e = ReadGraphError(resp.body);
    std::string msg = label + ": HTTP " + std::to_string(resp.status);
    if (e.code != 0) msg += " (Graph error " + std::to_string(e.code) + ")";
    if (!e.message.empty()) msg += ": " + e.message;
    bool throttled = e.code == 4 || e.code == 17 || e.code == 32 || e.code == 613 ||
                     (e.code >= 80001 && e.code <= 80014) || resp.status == 429;
    if (throttled) {
      desk::Millis wait = usage.regain_ms > 0 ? usage.regain_ms : settings_.usage_backoff_ms;
      blocked_until_ = std::max(blocked_until_, now + wait);
      retry_after_ms_ = blocked_until_ - now;
      return Status::ResourceExhausted(msg + " (rate limited; retry after " +
                                       std::to_string(retry_after_ms_) + " ms)");
    }
    // Outside the messaging window (Messenger 2018278, Instagram 2534022).
    if (e.code == 10 && (e.subcode == 2018278 || e.subcode == 2534022)) {
      return Status::FailedPrecondition(msg + " (the reply window is closed)");
    }
    if (e.code == 190 || e.code == 102)
      return Status::PermissionDenied(msg + " (page access token)");
    if (e.code == 10 || (e.code >= 200 && e.code <= 299)) {
      return Status::PermissionDenied(msg + " (missing permission)");
    }
    if (resp.status >= 500 || e.code == 1 || e.code == 2) return Status::Unavailable(msg);
    if (e.code == 100 || resp.status == 400) return Status::InvalidArgument(msg);
    if (resp.status == 401 || resp.status == 403) return Status::PermissionDenied(msg);
    if (resp.status >= 400) return Status::InvalidArgument(msg);
    return Status::Unavailable(msg);
  }

  Settings settings_;
  const Clock* clock_;
  HttpClient http_;
  desk::Millis retry_after_ms_ = 0;
  desk::Millis blocked_until_ = 0;
  std::mutex window_mu_;  // last_inbound_ is written by webhook threads, read by Send
  std::map<std::string, desk::Millis> last_inbound_;
  // Comment or visitor-post id -> when its private reply was sent (last 7
  // days). Read by Render (any thread), written by Send and RestoreState.
  mutable std::mutex replies_mu_;
  std::map<std::string, desk::Millis> private_replies_;
};

}  // namespace

Result<std::unique_ptr<MetaChannel>> MakeMeta(const desk::ChannelConfig& config,
                                              const Clock* clock) {
  LP_ASSIGN_OR_RETURN(Settings s, ReadSettings(config));
  if (clock == nullptr) clock = &SystemClock::Default();
  return std::unique_ptr<MetaChannel>(std::make_unique<MetaChannelImpl>(std::move(s), clock));
}

Result<std::unique_ptr<desk::Channel>> MakeMetaChannel(const desk::ChannelConfig& config) {
  LP_ASSIGN_OR_RETURN(std::unique_ptr<MetaChannel> c, MakeMeta(config));
  return std::unique_ptr<desk::Channel>(std::move(c));
}

}  // namespace leitplanke::channels::meta
