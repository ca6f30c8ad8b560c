// Why the connector works the way it does:
//
// - Paging forward with min_id (not since_id): since_id returns the newest
//   page above the cursor, so a burst of more than one page would silently
//   lose the oldest ones. min_id returns the page immediately after the
//   cursor; we walk pages until an empty one, oldest first, and stop after
//   max_pages so that one Poll stays bounded (the next one continues).
// - A failure after the first page returns what was read so far with the
//   cursor at its end: those messages are safe to store, and the next Poll
//   meets the failure again from there.
// - Errors map to the outbox's retry rules (channel.h): transport and 5xx
//   are Unavailable, 429 is ResourceExhausted with the wait the server
//   announced, 401/403 PermissionDenied, other 4xx InvalidArgument with the
//   server's "error" text.
// - The wait after a 429 is computed against the response's Date header
//   when there is one, so a skewed local clock does not distort it.
#include "channels/mastodon/mastodon.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "leitplanke/base/utf8.h"

#include "leitplanke/desk/media.h"

#include "channels/http/http_client.h"
#include "channels/mastodon/text.h"

namespace leitplanke::channels::mastodon {
namespace {

constexpr int kDefaultMaxCharacters = 500;
constexpr int kDefaultUrlCharacters = 23;
constexpr Millis kInstanceRetryMs = 60'000;
// Media defaults when the instance does not say (Mastodon's own defaults,
// as mastodon.social announces them in /api/v2/instance).
constexpr int kDefaultMaxMedia = 4;
constexpr int64_t kDefaultImageBytes = 16LL * 1024 * 1024;  // image_size_limit
constexpr int64_t kDefaultVideoBytes = 99LL * 1024 * 1024;  // video_size_limit
constexpr int kDefaultDescriptionLimit = 1500;              // alt text characters

struct Settings {
  std::string name;
  std::string base_url;  // without trailing '/'
  std::string host;      // of base_url, the fallback domain
  std::string token;
  std::string domain;
  int max_characters = 0;  // 0: ask the instance
  int url_characters = 0;  // 0: ask the instance
  std::string public_visibility = "unlisted";
  HttpOptions http;
  int page_limit = 40;
  int max_pages = 50;
  bool include_filtered = true;
  // Uploads: the overall timeout of one POST /api/v2/media, and how often
  // and how far apart GET /api/v1/media/:id asks whether a file that is
  // still processing (HTTP 202) is ready.
  long upload_timeout_ms = 300'000;  // NOLINT(google-runtime-int): curl's type
  int media_poll_attempts = 30;
  int media_poll_interval_ms = 2'000;
};

struct Limits {
  std::string domain;
  int max_characters = kDefaultMaxCharacters;
  int url_characters = kDefaultUrlCharacters;
};

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool IsIdChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == '-';
}

class SettingError {
 public:
  explicit SettingError(std::string channel) : channel_(std::move(channel)) {}
  Status operator()(std::string_view setting, std::string_view what) const {
    return Status::InvalidArgument("mastodon channel '" + channel_ + "': setting '" +
                                   std::string(setting) + "' " + std::string(what));
  }

 private:
  std::string channel_;
};

Result<int64_t> IntSetting(const desk::ChannelConfig& config, const char* key, int64_t def,
                           int64_t min, int64_t max, const SettingError& err) {
  auto it = config.settings.find(key);
  if (it == config.settings.end() || it->second.empty()) return def;
  const std::string& v = it->second;
  int64_t n = 0;
  if (v.size() > 12 ||
      !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return err(key, "must be a whole number, got '" + v + "'");
  }
  n = std::stoll(v);
  if (n < min || n > max) {
    return err(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                        ", got " + v);
  }
  return n;
}

std::string Setting(const desk::ChannelConfig& config, const char* key) {
  auto it = config.settings.find(key);
  return it == config.settings.end() ? std::string() : it->second;
}

Result<Settings> ReadSettings(const desk::ChannelConfig& config) {
  SettingError err(config.name);
  if (!config.kind.empty() && config.kind != "mastodon") {
    return Status::InvalidArgument("channel '" + config.name + "' is of kind '" + config.kind +
                                   "', not 'mastodon'");
  }
  Settings s;
  s.name = config.name;

  s.base_url = Setting(config, "base_url");
  while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
  if (s.base_url.empty()) return err("base_url", "is required (e.g. https://social.example)");
  bool https = s.base_url.rfind("https://", 0) == 0;
  bool http = s.base_url.rfind("http://", 0) == 0;
  if (!https && !http) return err("base_url", "must start with https://");
  if (s.base_url.find_first_of("?# ") != std::string::npos || HasControl(s.base_url)) {
    return err("base_url", "must be a plain URL without query or fragment");
  }
  std::string authority = s.base_url.substr(https ? 8 : 7);
  authority = authority.substr(0, authority.find('/'));
  if (authority.find('@') != std::string::npos) {
    return err("base_url", "must not contain credentials (the token is a secret)");
  }
  if (!authority.empty() && authority[0] == '[') {
    s.host = authority.substr(0, authority.find(']') + 1);
  } else {
    s.host = authority.substr(0, authority.find(':'));
  }
  if (s.host.empty()) return err("base_url", "has no host");
  // The access token must not cross the network in clear text.
  if (http && s.host != "127.0.0.1" && s.host != "localhost" && s.host != "[::1]") {
    return err("base_url", "must use https:// (http:// only for a loopback address)");
  }

  auto token = config.secrets.find("access_token");
  if (token == config.secrets.end() || token->second.empty()) {
    return Status::InvalidArgument("mastodon channel '" + config.name +
                                   "': secret 'access_token' is required");
  }
  if (HasControl(token->second) || token->second.find(' ') != std::string::npos) {
    return Status::InvalidArgument("mastodon channel '" + config.name +
                                   "': secret 'access_token' contains white space or control "
                                   "characters");
  }
  s.token = token->second;

  s.domain = Setting(config, "domain");
  if (!s.domain.empty()) {
    auto h = ParseHandle("@x@" + s.domain);
    if (!h.ok()) return err("domain", "must be a domain name like social.example");
  }
  LP_ASSIGN_OR_RETURN(int64_t max_chars,
                      IntSetting(config, "max_characters", 0, 1, 1'000'000, err));
  s.max_characters = static_cast<int>(max_chars);
  LP_ASSIGN_OR_RETURN(int64_t url_chars,
                      IntSetting(config, "characters_reserved_per_url", 0, 1, 10'000, err));
  s.url_characters = static_cast<int>(url_chars);

  std::string vis = Setting(config, "public_reply_visibility");
  if (!vis.empty()) {
    if (vis != "public" && vis != "unlisted") {
      return err("public_reply_visibility", "must be 'public' or 'unlisted', got '" + vis + "'");
    }
    s.public_visibility = vis;
  }
  std::string filtered = Setting(config, "include_filtered");
  if (filtered.empty() || filtered == "true") {
    s.include_filtered = true;
  } else if (filtered == "false") {
    s.include_filtered = false;
  } else {
    return err("include_filtered", "must be true or false, got '" + filtered + "'");
  }
  std::string verify = Setting(config, "verify_tls");
  if (verify.empty() || verify == "true" || verify == "1" || verify == "yes") {
    s.http.verify_tls = true;
  } else if (verify == "false" || verify == "0" || verify == "no") {
    s.http.verify_tls = false;
  } else {
    return err("verify_tls", "must be true or false, got '" + verify + "'");
  }
  LP_ASSIGN_OR_RETURN(int64_t connect_ms,
                      IntSetting(config, "connect_timeout_ms", 10'000, 1, 600'000, err));
  LP_ASSIGN_OR_RETURN(int64_t timeout_ms,
                      IntSetting(config, "timeout_ms", 30'000, 1, 3'600'000, err));
  s.http.connect_timeout_ms = static_cast<long>(connect_ms);  // NOLINT(google-runtime-int)
  s.http.timeout_ms = static_cast<long>(timeout_ms);          // NOLINT(google-runtime-int)
  LP_ASSIGN_OR_RETURN(int64_t page_limit, IntSetting(config, "page_limit", 40, 1, 80, err));
  s.page_limit = static_cast<int>(page_limit);
  LP_ASSIGN_OR_RETURN(int64_t max_pages, IntSetting(config, "max_pages", 50, 1, 10'000, err));
  s.max_pages = static_cast<int>(max_pages);
  LP_ASSIGN_OR_RETURN(int64_t upload_ms,
                      IntSetting(config, "upload_timeout_ms", 300'000, 1'000, 3'600'000, err));
  s.upload_timeout_ms = static_cast<long>(upload_ms);  // NOLINT(google-runtime-int)
  LP_ASSIGN_OR_RETURN(int64_t attempts,
                      IntSetting(config, "media_poll_attempts", 30, 1, 1'000, err));
  s.media_poll_attempts = static_cast<int>(attempts);
  LP_ASSIGN_OR_RETURN(int64_t interval,
                      IntSetting(config, "media_poll_interval_ms", 2'000, 0, 60'000, err));
  s.media_poll_interval_ms = static_cast<int>(interval);
  return s;
}

class MastodonChannelImpl final : public MastodonChannel {
 public:
  MastodonChannelImpl(Settings settings, const Clock* clock)
      : settings_(std::move(settings)), clock_(clock), http_(settings_.http) {}

  std::string_view kind() const override { return "mastodon"; }

  Result<std::string> Render(const desk::OutboundMessage& msg) const override {
    // media_limits() may ask the instance: only when there are files.
    if (!msg.media.empty()) LP_RETURN_IF_ERROR(desk::CheckMedia(media_limits(), kind(), msg.media));
    if (msg.text.empty()) return Status::InvalidArgument("the reply is empty");
    if (size_t bad = utf8::FirstInvalid(msg.text); bad != std::string::npos) {
      return Status::InvalidArgument("the reply is not valid UTF-8 at byte " + std::to_string(bad));
    }
    Limits limits = CurrentLimits(/*require_domain=*/false).value_or(FallbackLimits());
    std::string text = msg.text;
    if (!msg.to_handle.empty()) {
      auto to = ParseHandle(msg.to_handle);
      if (!to.ok()) return to.status().WithContext("to_handle");
      text = WithMention(text, *to, limits.domain);
    }
    size_t length = StatusLength(text, static_cast<size_t>(limits.url_characters));
    if (length > static_cast<size_t>(limits.max_characters)) {
      return Status::InvalidArgument("the reply has " + std::to_string(length) +
                                     " characters as Mastodon counts them (URLs as " +
                                     std::to_string(limits.url_characters) +
                                     ", mentions without their domain); the instance allows " +
                                     std::to_string(limits.max_characters));
    }
    return text;
  }

  // The length as the instance counts it (URLs as url_characters, mentions
  // without their domain) against the instance's limit; free.
  desk::SendEstimate Estimate(const desk::OutboundMessage& wire) const override {
    Limits limits = CurrentLimits(/*require_domain=*/false).value_or(FallbackLimits());
    desk::SendEstimate e;
    e.length =
        static_cast<int64_t>(StatusLength(wire.text, static_cast<size_t>(limits.url_characters)));
    e.limit = limits.max_characters;
    return e;
  }

  // From the instance (GET /api/v2/instance, read once) where it says,
  // else Mastodon's defaults: 4 attachments, one video that cannot be
  // mixed with images, 16 MiB per image, 99 MiB per video, 1,500
  // characters of alt text.
  desk::MediaLimits media_limits() const override {
    InstanceInfo info = MediaInstance();
    desk::MediaLimits l;
    l.max_images = info.max_media_attachments > 0 ? info.max_media_attachments : kDefaultMaxMedia;
    l.max_videos = 1;
    l.mix_images_and_videos = false;
    l.max_image_bytes = info.image_size_limit > 0 ? info.image_size_limit : kDefaultImageBytes;
    l.max_video_bytes = info.video_size_limit > 0 ? info.video_size_limit : kDefaultVideoBytes;
    l.max_alt_text = info.description_limit > 0 ? info.description_limit : kDefaultDescriptionLimit;
    l.mime_types = info.supported_mime_types;
    if (l.mime_types.empty()) {
      l.mime_types = {"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"};
    }
    return l;
  }

  // A "direct" status reaches exactly the accounts it mentions, and Render
  // mentions the customer: possible whenever the handle is an account.
  bool CanReplyPrivately(const desk::OutboundMessage& msg) const override {
    return !msg.to_handle.empty() && ParseHandle(msg.to_handle).ok();
  }

  Result<desk::PollResult> Poll(std::string_view cursor) override {
    retry_after_ms_ = 0;
    rejected_.clear();
    if (!cursor.empty() && !std::all_of(cursor.begin(), cursor.end(), IsIdChar)) {
      return Status::InvalidArgument("cursor '" + std::string(cursor.substr(0, 40)) +
                                     "' is not a Mastodon notification id");
    }
    LP_ASSIGN_OR_RETURN(Limits limits, CurrentLimits(/*require_domain=*/true));

    std::vector<Mention> mentions;
    std::string newest(cursor);
    auto take = [&](NotificationPage& page) {
      for (auto& m : page.mentions) mentions.push_back(std::move(m));
      for (auto& r : page.rejected) rejected_.push_back(std::move(r));
      for (const auto& id : page.ids) {
        if (IdNewer(id, newest)) newest = id;
      }
    };

    if (cursor.empty()) {
      // First poll: the newest page only; older history is not the desk's
      // business (it starts "from now", with what is fresh).
      LP_ASSIGN_OR_RETURN(FetchedPage first, FetchPage("", limits.domain));
      take(first.page);
    } else {
      std::string min_id(cursor);
      for (int n = 0; n < settings_.max_pages; ++n) {
        auto fetched = FetchPage(min_id, limits.domain);
        if (!fetched.ok()) {
          if (n == 0) return fetched.status();
          break;  // keep what we have; the next Poll continues from here
        }
        if (fetched->page.size == 0) break;
        take(fetched->page);
        // The documented way forward is the "prev" link (min_id = the
        // newest id of this page); ids of the page are the fallback.
        // It never points past the page's newest id; if it did, the
        // newest id is used so that nothing is skipped.
        std::string page_newest;
        for (const auto& id : fetched->page.ids) {
          if (page_newest.empty() || IdNewer(id, page_newest)) page_newest = id;
        }
        std::string next = page_newest;
        const std::string& prev = fetched->prev_min_id;
        if (!prev.empty() && (page_newest.empty() || !IdNewer(prev, page_newest))) next = prev;
        if (next.empty() || !IdNewer(next, min_id)) break;  // no progress: stop
        min_id = next;
      }
    }

    std::sort(mentions.begin(), mentions.end(), [](const Mention& a, const Mention& b) {
      return IdNewer(b.notification_id, a.notification_id);
    });
    desk::PollResult result;
    std::set<std::string> seen;
    for (auto& m : mentions) {
      if (!seen.insert(m.message.external_id).second) continue;
      result.messages.push_back(std::move(m.message));
    }
    result.cursor = newest;
    return result;
  }

  Result<desk::SendReceipt> Send(const desk::OutboundMessage& msg) override {
    retry_after_ms_ = 0;
    if (msg.text.empty()) return Status::InvalidArgument("the status text is empty");
    if (HasControl(msg.idempotency_key)) {
      return Status::InvalidArgument("the idempotency key contains control characters");
    }
    if (!msg.in_reply_to.empty() &&
        !std::all_of(msg.in_reply_to.begin(), msg.in_reply_to.end(), IsIdChar)) {
      return Status::InvalidArgument("in_reply_to '" + msg.in_reply_to.substr(0, 40) +
                                     "' is not a Mastodon status id");
    }
    for (size_t i = 0; i < msg.media.size(); ++i) {
      if (msg.media[i].bytes == nullptr) {
        return Status::InvalidArgument(MediaLabel(i, msg.media[i]) +
                                       ": the file's bytes are missing");
      }
      if (msg.media[i].mime_type.empty() || HasControl(msg.media[i].mime_type)) {
        return Status::InvalidArgument(MediaLabel(i, msg.media[i]) +
                                       ": the file has no usable type");
      }
    }
    // Upload first, in order; the ids keep that order in the status. A
    // failure posts nothing (the server discards unattached uploads).
    std::vector<std::string> media_ids;
    for (size_t i = 0; i < msg.media.size(); ++i) {
      LP_ASSIGN_OR_RETURN(std::string id, UploadMedia(i, msg.media[i]));
      media_ids.push_back(std::move(id));
    }
    nlohmann::json body = {{"status", msg.text},
                           {"visibility", msg.is_public ? settings_.public_visibility : "direct"}};
    if (!msg.in_reply_to.empty()) body["in_reply_to_id"] = msg.in_reply_to;
    if (!media_ids.empty()) body["media_ids"] = media_ids;
    HttpRequest req;
    req.method = "POST";
    req.url = settings_.base_url + "/api/v1/statuses";
    req.headers = AuthHeaders();
    req.headers.push_back("Content-Type: application/json");
    if (!msg.idempotency_key.empty())
      req.headers.push_back("Idempotency-Key: " + msg.idempotency_key);
    req.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    LP_ASSIGN_OR_RETURN(HttpResponse resp, http_.Do(req));
    if (resp.status < 200 || resp.status > 299) return MapError(resp, "POST /api/v1/statuses");
    auto id = ParseStatusId(resp.body);
    if (!id.ok()) return id.status().WithContext("POST /api/v1/statuses");
    return desk::SendReceipt{*id};
  }

  Status Stream(const std::function<void(desk::InboundMessage)>& on_message,
                const std::function<void(RejectedNotification)>& on_rejected,
                const std::function<bool()>& stop) override {
    LP_ASSIGN_OR_RETURN(Limits limits, CurrentLimits(/*require_domain=*/true));
    HttpClient client(settings_.http);
    HttpRequest req;
    req.url = settings_.base_url + "/api/v1/streaming/user/notification";
    req.headers = AuthHeaders();
    req.headers.back() = "Accept: text/event-stream";
    SseParser parser;
    auto on_data = [&](std::string_view bytes) {
      for (SseParser::Event& e : parser.Feed(bytes)) {
        if (e.type != "notification") continue;  // update, delete, ...
        auto page = ParseStreamedNotification(e.data, limits.domain);
        if (!page.ok()) {
          if (on_rejected) on_rejected({"", e.data.substr(0, 4096), page.status().message()});
          continue;
        }
        for (auto& m : page->mentions) on_message(std::move(m.message));
        if (on_rejected) {
          for (auto& r : page->rejected) on_rejected(std::move(r));
        }
      }
      return true;
    };
    // Mastodon sends a heartbeat comment every few seconds; a minute of
    // silence means the connection is gone.
    LP_ASSIGN_OR_RETURN(HttpResponse resp, client.Stream(req, on_data, stop, 60'000));
    if (resp.status != 200) return MapStreamError(resp);
    if (stop()) return Status::Ok();
    return Status::Unavailable("the notification stream ended");
  }

  desk::RateLimit rate_limit() const override { return {kStatusesPerWindow, kStatusWindowMs}; }
  desk::Millis retry_after_ms() const override { return retry_after_ms_; }
  const std::vector<RejectedNotification>& last_rejected() const override { return rejected_; }

 private:
  struct FetchedPage {
    NotificationPage page;
    std::string prev_min_id;
  };

  std::vector<std::string> AuthHeaders() const {
    return {"Authorization: Bearer " + settings_.token, "Accept: application/json"};
  }

  static std::string MediaLabel(size_t i, const desk::OutboundMedia& m) {
    return "media[" + std::to_string(i) + "] \"" + utf8::Sanitize(m.name.substr(0, 200)) + "\"";
  }

  // POST /api/v2/media (multipart: the file and its description), then,
  // while the server answers 202 (still processing), GET /api/v1/media/:id
  // until its url is set (206 means not yet). The attachment's id.
  Result<std::string> UploadMedia(size_t index, const desk::OutboundMedia& m) {
    const std::string label = MediaLabel(index, m);
    std::vector<MultipartPart> parts = {
        {"file", m.name.empty() ? "upload" : m.name, m.mime_type, *m.bytes}};
    if (!m.alt_text.empty()) parts.push_back({"description", "", "", m.alt_text});
    Multipart form = MultipartBody(parts);
    HttpRequest req;
    req.method = "POST";
    req.url = settings_.base_url + "/api/v2/media";
    req.headers = AuthHeaders();
    req.headers.push_back("Content-Type: " + form.content_type);
    req.body = std::move(form.body);
    req.timeout_ms = settings_.upload_timeout_ms;
    Result<HttpResponse> resp = http_.Do(req);
    if (!resp.ok()) return resp.status().WithContext("POST /api/v2/media for " + label);
    if (resp->status != 200 && resp->status != 202) {
      return MapError(*resp, "POST /api/v2/media for " + label);
    }
    auto uploaded = ParseUploadedMedia(resp->body);
    if (!uploaded.ok()) return uploaded.status().WithContext("POST /api/v2/media for " + label);
    if (uploaded->id.empty() || !std::all_of(uploaded->id.begin(), uploaded->id.end(), IsIdChar)) {
      return Status::Unavailable("POST /api/v2/media for " + label +
                                 ": the answer has no usable media id");
    }
    if (resp->status == 200 && uploaded->ready) return uploaded->id;
    const std::string get = "GET /api/v1/media/" + uploaded->id;
    for (int attempt = 0; attempt < settings_.media_poll_attempts; ++attempt) {
      if (settings_.media_poll_interval_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(settings_.media_poll_interval_ms));
      }
      HttpRequest check;
      check.url = settings_.base_url + "/api/v1/media/" + uploaded->id;
      check.headers = AuthHeaders();
      Result<HttpResponse> polled = http_.Do(check);
      if (!polled.ok()) return polled.status().WithContext(get + " for " + label);
      const HttpResponse& r = *polled;
      if (r.status == 206) continue;  // still processing
      if (r.status != 200) return MapError(r, get + " for " + label);
      auto state = ParseUploadedMedia(r.body);
      if (!state.ok()) return state.status().WithContext(get + " for " + label);
      if (state->ready) return uploaded->id;
    }
    return Status::Unavailable(label + ": the server was still processing the upload after " +
                               std::to_string(settings_.media_poll_attempts) + " checks");
  }

  Result<FetchedPage> FetchPage(const std::string& min_id, const std::string& domain) {
    HttpRequest req;
    req.url = settings_.base_url + "/api/v1/notifications?types%5B%5D=mention&limit=" +
              std::to_string(settings_.page_limit);
    // Since 4.3 a server hides notifications that the account's
    // notification policy filters (by default: private mentions from
    // accounts it does not follow, i.e. customers' direct messages) unless
    // asked for them; older servers ignore the parameter.
    if (settings_.include_filtered) req.url += "&include_filtered=true";
    if (!min_id.empty()) req.url += "&min_id=" + min_id;
    req.headers = AuthHeaders();
    LP_ASSIGN_OR_RETURN(HttpResponse resp, http_.Do(req));
    if (resp.status != 200) return MapError(resp, "GET /api/v1/notifications");
    FetchedPage out;
    LP_ASSIGN_OR_RETURN(out.page, ParseNotificationPage(resp.body, domain));
    auto links = ParseLinkHeader(resp.Header("link"));
    if (auto it = links.find("prev"); it != links.end()) {
      std::string v = QueryParam(it->second, "min_id");
      if (!v.empty() && std::all_of(v.begin(), v.end(), IsIdChar)) out.prev_min_id = v;
    }
    return out;
  }

  // Maps a non-2xx response to the outbox's error classes (channel.h).
  Status MapError(const HttpResponse& resp, std::string_view what) {
    std::string text = ErrorText(resp.body);
    std::string msg = std::string(what) + ": HTTP " + std::to_string(resp.status) +
                      (text.empty() ? "" : ": " + text);
    long code = resp.status;  // NOLINT(google-runtime-int)
    if (code == 429) {
      retry_after_ms_ = RetryAfter(resp);
      return Status::ResourceExhausted(msg + " (rate limited; retry after " +
                                       std::to_string(retry_after_ms_) + " ms)");
    }
    if (code == 401 || code == 403) return Status::PermissionDenied(msg);
    if (code == 408 || code >= 500) return Status::Unavailable(msg);
    if (code >= 400) return Status::InvalidArgument(msg);
    if (code >= 300) return Status::FailedPrecondition(msg + " (redirect: check base_url)");
    return Status::Unavailable(msg);
  }

  // As MapError, without touching retry_after_ms_ (the stream may run on
  // another thread than Poll/Send).
  Status MapStreamError(const HttpResponse& resp) const {
    std::string text = ErrorText(resp.body);
    std::string msg = "GET /api/v1/streaming/user/notification: HTTP " +
                      std::to_string(resp.status) + (text.empty() ? "" : ": " + text);
    if (resp.status == 429) return Status::ResourceExhausted(msg);
    if (resp.status == 401 || resp.status == 403) return Status::PermissionDenied(msg);
    if (resp.status == 408 || resp.status >= 500) return Status::Unavailable(msg);
    if (resp.status >= 400) return Status::InvalidArgument(msg);
    return Status::Unavailable(msg);
  }

  // How long a 429 asks us to wait: X-RateLimit-Reset (an ISO 8601 time),
  // else Retry-After (seconds or an HTTP date); 0 when neither is usable.
  Millis RetryAfter(const HttpResponse& resp) const {
    Millis now = clock_->NowMillis();
    if (auto date = ParseHttpDateMillis(resp.Header("date")); date.ok()) now = *date;
    if (auto reset = ParseIso8601Millis(resp.Header("x-ratelimit-reset")); reset.ok()) {
      if (*reset > now) return *reset - now;
    }
    std::string ra = resp.Header("retry-after");
    if (!ra.empty() && ra.size() < 10 &&
        std::all_of(ra.begin(), ra.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::stoll(ra) * 1000;
    }
    if (auto at = ParseHttpDateMillis(ra); at.ok() && *at > now) return *at - now;
    return 0;
  }

  Limits FallbackLimits() const {
    Limits l;
    l.domain = settings_.domain.empty() ? settings_.host : settings_.domain;
    if (settings_.max_characters > 0) l.max_characters = settings_.max_characters;
    if (settings_.url_characters > 0) l.url_characters = settings_.url_characters;
    return l;
  }

  // The account domain and the length rules: from the settings, else from
  // GET /api/v2/instance (fetched once, on its own connection because
  // Render may run on another thread than Poll/Send). A server without that
  // endpoint (4xx) leaves the defaults; a transient failure is retried at
  // most once a minute and fails the call only when the domain is needed
  // and unknown.
  Result<Limits> CurrentLimits(bool require_domain) const {
    std::lock_guard<std::mutex> lock(mu_);
    // characters_reserved_per_url alone is no reason to ask: it is 23 on
    // every server we know of, and it is taken from the answer when we ask.
    bool need_fetch = settings_.domain.empty() || settings_.max_characters == 0;
    bool domain_needed = require_domain && settings_.domain.empty();
    if (need_fetch && !instance_loaded_) {
      // Poll, which needs the domain, asks each time (at the desk's poll
      // pace); Render at most once a minute and uses defaults meanwhile.
      Millis now = clock_->NowMillis();
      if (domain_needed || last_instance_attempt_ == 0 ||
          now - last_instance_attempt_ >= kInstanceRetryMs) {
        last_instance_attempt_ = now == 0 ? 1 : now;
        Status st = LoadInstance();
        if (!st.ok()) {
          bool transient =
              st.code() == StatusCode::kUnavailable || st.code() == StatusCode::kResourceExhausted;
          if (!transient) {
            instance_loaded_ = true;  // the server will not tell; use defaults
          } else if (domain_needed) {
            return st.WithContext("reading the instance domain");
          }
        }
      }
    }
    Limits l = FallbackLimits();
    if (settings_.domain.empty() && !instance_.domain.empty()) l.domain = instance_.domain;
    if (settings_.max_characters == 0 && instance_.max_characters > 0) {
      l.max_characters = instance_.max_characters;
    }
    if (settings_.url_characters == 0 && instance_.url_characters > 0) {
      l.url_characters = instance_.url_characters;
    }
    return l;
  }

  // The instance's configuration for media_limits(): fetched like
  // CurrentLimits does (once; a failure is retried at most once a minute),
  // whether or not the text limits are configured. Defaults meanwhile.
  InstanceInfo MediaInstance() const {
    std::lock_guard<std::mutex> lock(mu_);
    if (!instance_loaded_) {
      Millis now = clock_->NowMillis();
      if (last_instance_attempt_ == 0 || now - last_instance_attempt_ >= kInstanceRetryMs) {
        last_instance_attempt_ = now == 0 ? 1 : now;
        Status st = LoadInstance();
        if (!st.ok() && st.code() != StatusCode::kUnavailable &&
            st.code() != StatusCode::kResourceExhausted) {
          instance_loaded_ = true;  // the server will not tell; use defaults
        }
      }
    }
    return instance_;
  }

  // Requires mu_.
  Status LoadInstance() const {
    HttpClient client(settings_.http);
    HttpRequest req;
    req.url = settings_.base_url + "/api/v2/instance";
    req.headers = AuthHeaders();
    LP_ASSIGN_OR_RETURN(HttpResponse resp, client.Do(req));
    if (resp.status != 200) {
      std::string text = ErrorText(resp.body);
      std::string msg = "GET /api/v2/instance: HTTP " + std::to_string(resp.status) +
                        (text.empty() ? "" : ": " + text);
      if (resp.status == 429) return Status::ResourceExhausted(msg);
      if (resp.status == 408 || resp.status >= 500) return Status::Unavailable(msg);
      return Status::InvalidArgument(msg);
    }
    auto info = ParseInstance(resp.body);
    if (!info.ok()) return info.status().WithContext("GET /api/v2/instance");
    instance_ = *info;
    instance_loaded_ = true;
    return Status::Ok();
  }

  const Settings settings_;
  const Clock* clock_;
  HttpClient http_;  // Poll/Send only
  Millis retry_after_ms_ = 0;
  std::vector<RejectedNotification> rejected_;

  mutable std::mutex mu_;
  mutable bool instance_loaded_ = false;      // guarded by mu_
  mutable InstanceInfo instance_;             // guarded by mu_
  mutable Millis last_instance_attempt_ = 0;  // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<MastodonChannel>> MakeMastodon(const desk::ChannelConfig& config,
                                                      const Clock* clock) {
  LP_ASSIGN_OR_RETURN(Settings settings, ReadSettings(config));
  if (clock == nullptr) clock = &SystemClock::Default();
  return std::unique_ptr<MastodonChannel>(
      std::make_unique<MastodonChannelImpl>(std::move(settings), clock));
}

Result<std::unique_ptr<desk::Channel>> MakeMastodonChannel(const desk::ChannelConfig& config) {
  LP_ASSIGN_OR_RETURN(std::unique_ptr<MastodonChannel> channel, MakeMastodon(config));
  return std::unique_ptr<desk::Channel>(std::move(channel));
}

}  // namespace leitplanke::channels::mastodon
