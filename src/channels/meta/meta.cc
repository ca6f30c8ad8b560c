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
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "leitplanke/base/utf8.h"

#include "channels/http/http_client.h"

namespace leitplanke::channels::meta {
namespace {

using nlohmann::json;

constexpr size_t kMaxRememberedThreads = 100'000;

struct Settings {
  std::string name;
  std::string graph_url;  // without trailing '/'
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

Status SettingError(const std::string& channel, std::string_view setting, std::string_view what) {
  std::string msg("meta channel '");
  msg += channel;
  msg += "': setting '";
  msg += setting;
  msg += "' ";
  msg += what;
  return Status::InvalidArgument(msg);
}

std::string Setting(const desk::ChannelConfig& config, const char* key) {
  auto it = config.settings.find(key);
  return it == config.settings.end() ? std::string() : it->second;
}

bool Digits(std::string_view s) {
  return !s.empty() && s.size() <= 12 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool HasSpaceOrControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

Result<int64_t> IntSetting(const desk::ChannelConfig& config, const char* key, int64_t def,
                           int64_t min, int64_t max) {
  std::string v = Setting(config, key);
  if (v.empty()) return def;
  if (!Digits(v)) return SettingError(config.name, key, "must be a whole number, got '" + v + "'");
  int64_t n = std::stoll(v);
  if (n < min || n > max) {
    return SettingError(config.name, key,
                        "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return n;
}

std::string HmacHex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kDigits[mac[i] >> 4];
    out += kDigits[mac[i] & 0xf];
  }
  return out;
}

Result<std::string> Secret(const desk::ChannelConfig& config, const char* key) {
  auto it = config.secrets.find(key);
  if (it == config.secrets.end() || it->second.empty()) {
    return Status::InvalidArgument("meta channel '" + config.name + "': secret '" + key +
                                   "' is required");
  }
  if (HasSpaceOrControl(it->second)) {
    return Status::InvalidArgument("meta channel '" + config.name + "': secret '" + key +
                                   "' contains white space or control characters");
  }
  return it->second;
}

Result<Settings> ReadSettings(const desk::ChannelConfig& config) {
  if (!config.kind.empty() && config.kind != "meta") {
    return Status::InvalidArgument("channel '" + config.name + "' is of kind '" + config.kind +
                                   "', not 'meta'");
  }
  Settings s;
  s.name = config.name;
  s.page_id = Setting(config, "page_id");
  if (s.page_id.empty()) return SettingError(config.name, "page_id", "is required");
  if (s.page_id.size() > 32 || !std::all_of(s.page_id.begin(), s.page_id.end(),
                                            [](char c) { return c >= '0' && c <= '9'; })) {
    return SettingError(config.name, "page_id", "must be the numeric Page id");
  }
  s.instagram_id = Setting(config, "instagram_id");
  if (!s.instagram_id.empty() && !std::all_of(s.instagram_id.begin(), s.instagram_id.end(),
                                              [](char c) { return c >= '0' && c <= '9'; })) {
    return SettingError(config.name, "instagram_id", "must be the numeric Instagram account id");
  }
  s.graph_url = Setting(config, "graph_url");
  if (s.graph_url.empty()) s.graph_url = "https://graph.facebook.com";
  while (!s.graph_url.empty() && s.graph_url.back() == '/') s.graph_url.pop_back();
  bool https = s.graph_url.rfind("https://", 0) == 0;
  bool http = s.graph_url.rfind("http://", 0) == 0;
  if (!https && !http) return SettingError(config.name, "graph_url", "must start with https://");
  if (s.graph_url.find_first_of("?#@") != std::string::npos || HasSpaceOrControl(s.graph_url)) {
    return SettingError(config.name, "graph_url", "must be a plain URL without query or user");
  }
  if (http) {
    std::string host = s.graph_url.substr(7);
    host = host.substr(0, host.find('/'));
    host = host.substr(0, host.rfind(':'));
    if (host != "127.0.0.1" && host != "localhost" && host != "[::1]") {
      return SettingError(config.name, "graph_url",
                          "must use https:// (http:// only for a loopback address)");
    }
  }
  std::string version = Setting(config, "graph_version");
  if (!version.empty()) {
    if (version.size() > 8 || version[0] != 'v' ||
        !std::all_of(version.begin() + 1, version.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
      return SettingError(config.name, "graph_version", "must look like v19.0");
    }
    s.version = version;
  }
  LP_ASSIGN_OR_RETURN(s.token, Secret(config, "page_access_token"));
  LP_ASSIGN_OR_RETURN(s.app_secret, Secret(config, "app_secret"));
  LP_ASSIGN_OR_RETURN(s.verify_token, Secret(config, "verify_token"));
  s.proof = HmacHex(s.app_secret, s.token);
  std::string verify = Setting(config, "verify_tls");
  if (verify.empty() || verify == "true") {
    s.http.verify_tls = true;
  } else if (verify == "false") {
    s.http.verify_tls = false;
  } else {
    return SettingError(config.name, "verify_tls", "must be true or false");
  }
  LP_ASSIGN_OR_RETURN(int64_t connect_ms,
                      IntSetting(config, "connect_timeout_ms", 10'000, 1, 600'000));
  LP_ASSIGN_OR_RETURN(int64_t timeout_ms, IntSetting(config, "timeout_ms", 30'000, 1, 3'600'000));
  s.http.connect_timeout_ms = static_cast<long>(connect_ms);  // NOLINT(google-runtime-int)
  s.http.timeout_ms = static_cast<long>(timeout_ms);          // NOLINT(google-runtime-int)
  LP_ASSIGN_OR_RETURN(int64_t threshold, IntSetting(config, "usage_threshold", 90, 1, 100));
  s.usage_threshold = static_cast<int>(threshold);
  LP_ASSIGN_OR_RETURN(s.usage_backoff_ms,
                      IntSetting(config, "usage_backoff_ms", 300'000, 1, 86'400'000));
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
    default:
      return {kCommentLimit, "a comment"};
  }
}

class MetaChannelImpl final : public MetaChannel, public desk::WebhookReceiver {
 public:
  MetaChannelImpl(Settings settings, const Clock* clock)
      : settings_(std::move(settings)), clock_(clock), http_(settings_.http) {}

  std::string_view kind() const override { return "meta"; }

  Result<std::string> Render(const desk::OutboundMessage& msg) const override {
    if (msg.text.empty()) return Status::InvalidArgument("the reply is empty");
    if (size_t bad = utf8::FirstInvalid(msg.text); bad != std::string::npos) {
      return Status::InvalidArgument("the reply is not valid UTF-8 at byte " + std::to_string(bad));
    }
    if (!msg.thread_key.empty()) LP_RETURN_IF_ERROR(ParseThreadKey(msg.thread_key).status());
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

  Result<desk::PollResult> Poll(std::string_view cursor) override {
    desk::PollResult r;
    r.cursor = std::string(cursor);
    return r;  // Meta delivers by webhook.
  }

  Result<desk::SendReceipt> Send(const desk::OutboundMessage& msg) override {
    retry_after_ms_ = 0;
    if (msg.text.empty()) return Status::InvalidArgument("the reply is empty");
    if (msg.thread_key.empty()) {
      return Status::InvalidArgument("a Meta reply needs the conversation's thread key");
    }
    LP_ASSIGN_OR_RETURN(Thread thread, ParseThreadKey(msg.thread_key));
    desk::Millis now = clock_->NowMillis();
    if (blocked_until_ > now) {
      retry_after_ms_ = blocked_until_ - now;
      return Status::ResourceExhausted("Graph API usage is above " +
                                       std::to_string(settings_.usage_threshold) +
                                       "%; retry after " + std::to_string(retry_after_ms_) + " ms");
    }
    HttpRequest req;
    req.method = "POST";
    req.headers = {"Authorization: Bearer " + settings_.token, "Content-Type: application/json",
                   "Accept: application/json"};
    json body;
    std::string what;
    if (thread.kind == Thread::Kind::kMessenger || thread.kind == Thread::Kind::kInstagramDirect) {
      body = {{"recipient", {{"id", thread.id}}}, {"message", {{"text", msg.text}}}};
      body["messaging_type"] = "RESPONSE";
      desk::Millis last_inbound = 0;
      {
        std::lock_guard<std::mutex> lock(window_mu_);
        auto last = last_inbound_.find(msg.thread_key);
        if (last != last_inbound_.end()) last_inbound = last->second;
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
