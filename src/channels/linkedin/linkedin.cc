// The LinkedIn channel: settings, the webhook receiver, Poll and Send over
// the versioned REST API (LinkedIn-Version + X-Restli-Protocol-Version 2.0.0).
//
// - Receive may need the network: organisation notifications often carry
//   only URNs, so a comment without text or author is fetched with
//   GET /rest/socialActions/{target}/comments/{id}. Receive runs on the
//   server's request threads, concurrently with Send, so it uses its own
//   short-lived HttpClient with `fetch_timeout_ms`. A failed fetch makes the
//   whole delivery Unavailable (LinkedIn redelivers on a non-2xx answer and
//   Poll catches up) rather than storing a comment without its text; a
//   deleted comment (404/410) is dropped. Never PermissionDenied: that would
//   count a genuine delivery as forged.
// - LinkedIn threads comments two levels deep: a reply to a nested comment
//   must name the top-level comment as parentComment. Receive remembers the
//   parent of each nested comment (bounded, under mu_) so that Send can
//   climb one level.
#include "channels/linkedin/linkedin.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "leitplanke/base/utf8.h"

#include "leitplanke/desk/media.h"

#include "channels/http/config_util.h"
#include "channels/http/encoding.h"
#include "channels/http/http_client.h"

namespace leitplanke::channels::linkedin {
namespace {

using nlohmann::json;

constexpr size_t kMaxRememberedParents = 100'000;
constexpr size_t kPollCommentsPerPost = 100;

struct Settings {
  std::string name;
  std::string api_url;  // without trailing '/'
  std::string version{kDefaultApiVersion};
  std::string organization_urn;
  std::string token;
  std::string client_secret;
  HttpOptions http;
  HttpOptions fetch_http;
  int poll_posts = 10;
  desk::Millis rate_limit_backoff_ms = 900'000;
  desk::Millis token_expires_at = 0;
  bool escape_comments = false;
  long media_upload_timeout_ms = 300'000;  // NOLINT(google-runtime-int): curl's type
  int video_poll_attempts = 36;
  int video_poll_interval_ms = 5'000;
};

bool Digits(std::string_view s, size_t max_len = 12) {
  return !s.empty() && s.size() <= max_len &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "1798000000000" (ms), "2027-01-28" or "2027-01-28T10:00:00Z".
Result<desk::Millis> ParseExpiry(const ConfigReader& r, const std::string& v) {
  if (v.empty()) return desk::Millis{0};
  if (Digits(v, 15)) {
    int64_t ms = std::stoll(v);
    if (ms < 1'000'000'000'000LL) {
      return r.Error("token_expires_at",
                     "must be milliseconds since 1970 (got a value before 2001)");
    }
    return ms;
  }
  auto num = [&](size_t pos, size_t len, int* out) {
    if (pos + len > v.size()) return false;
    std::string_view part(v.data() + pos, len);
    if (!Digits(part)) return false;
    *out = std::stoi(std::string(part));
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  bool ok = (v.size() == 10 ||
             (v.size() == 20 && v[10] == 'T' && v[13] == ':' && v[16] == ':' && v[19] == 'Z')) &&
            v[4] == '-' && v[7] == '-' && num(0, 4, &year) && num(5, 2, &month) && num(8, 2, &day);
  if (ok && v.size() == 20) ok = num(11, 2, &hour) && num(14, 2, &minute) && num(17, 2, &second);
  if (!ok || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60 || year < 2000) {
    return r.Error("token_expires_at",
                   "must be ms since 1970 or a date like 2027-01-28 or 2027-01-28T10:00:00Z");
  }
  return UtcMillis(year, month, day, hour, minute, second);
}

Result<Settings> ReadSettings(const desk::ChannelConfig& config) {
  ConfigReader r(config, "linkedin");
  LP_RETURN_IF_ERROR(r.CheckKind());
  Settings s;
  s.name = config.name;
  std::string org = r.Get("organization_id");
  if (org.rfind("urn:li:organization:", 0) == 0) org.erase(0, 20);
  if (org.empty()) return r.Error("organization_id", "is required");
  if (!Digits(org, 20)) {
    return r.Error("organization_id",
                   "must be the numeric organisation id (or urn:li:organization:<id>)");
  }
  s.organization_urn = "urn:li:organization:" + org;
  LP_ASSIGN_OR_RETURN(s.api_url, r.BaseUrl("api_url", "https://api.linkedin.com"));
  std::string version = r.Get("api_version");
  if (!version.empty()) {
    if (!Digits(version, 6) || version.size() != 6 || version < "202301" ||
        version.substr(4) < "01" || version.substr(4) > "12") {
      return r.Error("api_version", "must be a LinkedIn version like 202411");
    }
    s.version = version;
  }
  LP_ASSIGN_OR_RETURN(s.token, r.Secret("access_token"));
  LP_ASSIGN_OR_RETURN(s.client_secret, r.Secret("client_secret"));
  LP_ASSIGN_OR_RETURN(s.http, r.Http());
  LP_ASSIGN_OR_RETURN(int64_t fetch_ms, r.Int("fetch_timeout_ms", 5'000, 1, 60'000));
  s.fetch_http = s.http;
  s.fetch_http.connect_timeout_ms = static_cast<long>(
      std::min<int64_t>(s.http.connect_timeout_ms, fetch_ms));  // NOLINT(google-runtime-int)
  s.fetch_http.timeout_ms = static_cast<long>(fetch_ms);        // NOLINT(google-runtime-int)
  LP_ASSIGN_OR_RETURN(int64_t poll_posts, r.Int("poll_posts", 10, 0, 100));
  s.poll_posts = static_cast<int>(poll_posts);
  LP_ASSIGN_OR_RETURN(s.rate_limit_backoff_ms,
                      r.Int("rate_limit_backoff_ms", 900'000, 1, 86'400'000));
  LP_ASSIGN_OR_RETURN(s.token_expires_at, ParseExpiry(r, r.Get("token_expires_at")));
  LP_ASSIGN_OR_RETURN(s.escape_comments, r.Bool("escape_comments", false));
  LP_ASSIGN_OR_RETURN(int64_t upload_ms,
                      r.Int("media_upload_timeout_ms", 300'000, 1'000, 3'600'000));
  s.media_upload_timeout_ms = static_cast<long>(upload_ms);  // NOLINT(google-runtime-int)
  LP_ASSIGN_OR_RETURN(int64_t attempts, r.Int("video_poll_attempts", 36, 1, 1'000));
  s.video_poll_attempts = static_cast<int>(attempts);
  LP_ASSIGN_OR_RETURN(int64_t interval, r.Int("video_poll_interval_ms", 5'000, 0, 60'000));
  s.video_poll_interval_ms = static_cast<int>(interval);
  return s;
}

size_t CodePoints(std::string_view s) { return utf8::CodePointCount(s, s.size()); }

// LinkedIn's error body: {"status": 401, "serviceErrorCode": 65601,
// "code": "REVOKED_ACCESS_TOKEN", "message": "..."}.
std::string ErrorMessage(const std::string& body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::string();
  std::string out;
  if (auto c = doc.find("code"); c != doc.end() && c->is_string()) out = c->get<std::string>();
  if (auto m = doc.find("message"); m != doc.end() && m->is_string()) {
    if (!out.empty()) out += ": ";
    out += m->get<std::string>();
  }
  return utf8::Sanitize(out.substr(0, 300));
}

// Retry-After in seconds; 0 when absent or not a number of seconds.
desk::Millis RetryAfterMs(const HttpResponse& resp) {
  std::string ra = resp.Header("retry-after");
  if (!Digits(ra, 7)) return 0;
  return std::stoll(ra) * 1000;
}

// A comment element of the Comments API: actor, commentUrn, id, created.time,
// message.text, object, parentComment.
struct Comment {
  std::string urn;  // canonical
  std::string post_urn;
  std::string actor;
  std::string text;
  std::string parent;  // canonical or empty
  desk::Millis created = 0;
};

std::string JsonString(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? utf8::Sanitize(it->get<std::string>())
                                            : std::string();
}

Result<Comment> ReadComment(const json& e, const std::string& where, const std::string& post_urn) {
  if (!e.is_object()) return Status::InvalidArgument(where + " must be an object");
  Comment c;
  std::string urn = JsonString(e, "commentUrn");
  if (!urn.empty()) {
    auto parsed = ParseCommentUrn(urn);
    if (!parsed.ok()) return Status::InvalidArgument(where + "/commentUrn is not a comment URN");
    c.urn = parsed->Canonical();
    c.post_urn = parsed->post_urn;
  } else {
    std::string id = JsonString(e, "id");
    if (id.empty()) return Status::InvalidArgument(where + "/commentUrn is missing");
    auto parsed = ParseCommentUrn("urn:li:comment:(" + post_urn + "," + id + ")");
    if (!parsed.ok()) return Status::InvalidArgument(where + "/id is not a comment id");
    c.urn = parsed->Canonical();
    c.post_urn = parsed->post_urn;
  }
  c.actor = JsonString(e, "actor");
  if (auto m = e.find("message"); m != e.end() && m->is_object()) c.text = JsonString(*m, "text");
  std::string parent = JsonString(e, "parentComment");
  if (!parent.empty()) {
    auto parsed = ParseCommentUrn(parent);
    if (parsed.ok()) c.parent = parsed->Canonical();
  }
  if (auto cr = e.find("created"); cr != e.end() && cr->is_object()) {
    if (auto t = cr->find("time"); t != cr->end() && t->is_number_unsigned()) {
      c.created = static_cast<desk::Millis>(std::min<uint64_t>(t->get<uint64_t>(), 1ULL << 62));
    }
  }
  return c;
}

class LinkedInChannelImpl final : public LinkedInChannel, public desk::WebhookReceiver {
 public:
  LinkedInChannelImpl(Settings settings, const Clock* clock)
      : settings_(std::move(settings)), clock_(clock), http_(settings_.http) {}

  std::string_view kind() const override { return "linkedin"; }

  // --- Channel ---------------------------------------------------------------

  // Images API (jpg, png, gif) and the Posts API: content.media for one
  // image, content.multiImage for 2 to 20; or one MP4 video (Videos API,
  // content.media), never together with images.
  desk::MediaLimits media_limits() const override {
    desk::MediaLimits l;
    l.max_images = kMaxImagesPerPost;
    l.max_videos = kMaxVideosPerPost;
    l.mix_images_and_videos = false;
    l.max_image_bytes = 0;  // LinkedIn limits pixels, not bytes (checked in Render)
    l.max_video_bytes = kMaxVideoBytes;
    l.max_alt_text = static_cast<int32_t>(kMaxAltText);
    l.mime_types = {"image/jpeg", "image/png", "image/gif", "video/mp4"};
    return l;
  }

  Result<std::string> Render(const desk::OutboundMessage& msg) const override {
    LP_RETURN_IF_ERROR(desk::CheckMedia(media_limits(), kind(), msg.media));
    LP_RETURN_IF_ERROR(CheckLinkedInMedia(msg));
    if (msg.text.empty()) return Status::InvalidArgument("the text is empty");
    if (size_t bad = utf8::FirstInvalid(msg.text); bad != std::string::npos) {
      return Status::InvalidArgument("the text is not valid UTF-8 at byte " + std::to_string(bad));
    }
    bool post = IsNewPost(msg);
    std::string wire =
        post || settings_.escape_comments ? EscapeLittleText(msg.text) : std::string(msg.text);
    size_t limit = post ? kPostLimit : kCommentLimit;
    size_t n = CodePoints(wire);
    if (n > limit) {
      std::string msg_text = "the text has " + std::to_string(n) + " characters";
      if (wire.size() != msg.text.size()) {
        msg_text += " after escaping (" + std::to_string(CodePoints(msg.text)) + " before)";
      }
      return Status::InvalidArgument(msg_text + "; a LinkedIn " + (post ? "post" : "comment") +
                                     " allows " + std::to_string(limit));
    }
    return wire;
  }

  desk::SendEstimate Estimate(const desk::OutboundMessage& wire) const override {
    desk::SendEstimate e;
    e.length = static_cast<int64_t>(CodePoints(wire.text));
    e.limit = static_cast<int64_t>(IsNewPost(wire) ? kPostLimit : kCommentLimit);
    return e;
  }

  Result<desk::PollResult> Poll(std::string_view cursor) override {
    retry_after_ms_ = 0;
    desk::PollResult r;
    desk::Millis since = 0;
    if (cursor.empty()) {
      r.cursor = std::to_string(clock_->NowMillis());  // from now on
      return r;
    }
    if (!Digits(cursor, 15)) {
      return Status::InvalidArgument("linkedin cursor '" + utf8::Sanitize(cursor.substr(0, 32)) +
                                     "' is not a time in ms");
    }
    since = std::stoll(std::string(cursor));
    r.cursor = std::string(cursor);
    if (settings_.poll_posts == 0) return r;

    std::string posts_path = "/rest/posts?author=" + UrlEncode(settings_.organization_urn) +
                             "&q=author&count=" + std::to_string(settings_.poll_posts) +
                             "&sortBy=LAST_MODIFIED";
    LP_ASSIGN_OR_RETURN(HttpResponse posts, Call(http_, "GET", posts_path, ""));
    if (posts.status != 200) return MapError(posts, "GET /rest/posts");
    json doc = json::parse(posts.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return Status::Unavailable("GET /rest/posts: the answer is not a JSON object");
    }
    auto elements = doc.find("elements");
    if (elements == doc.end() || !elements->is_array()) {
      return Status::Unavailable("GET /rest/posts: /elements is missing");
    }
    std::vector<Comment> fresh;
    for (size_t i = 0; i < elements->size(); ++i) {
      const json& p = (*elements)[i];
      std::string post_urn = p.is_object() ? JsonString(p, "id") : std::string();
      if (post_urn.empty() || post_urn.rfind("urn:li:", 0) != 0 || post_urn.size() > 200) continue;
      std::string label = "GET /rest/socialActions/" + post_urn + "/comments";
      LP_ASSIGN_OR_RETURN(HttpResponse cr,
                          Call(http_, "GET",
                               "/rest/socialActions/" + UrlEncode(post_urn) +
                                   "/comments?count=" + std::to_string(kPollCommentsPerPost),
                               ""));
      if (cr.status == 404) continue;  // deleted meanwhile
      if (cr.status != 200) return MapError(cr, label);
      json cdoc = json::parse(cr.body, nullptr, false);
      if (cdoc.is_discarded() || !cdoc.is_object()) {
        return Status::Unavailable(label + ": the answer is not a JSON object");
      }
      auto list = cdoc.find("elements");
      if (list == cdoc.end() || !list->is_array()) continue;
      for (size_t j = 0; j < list->size(); ++j) {
        auto c = ReadComment((*list)[j], "/elements/" + std::to_string(j), post_urn);
        if (!c.ok()) continue;  // one odd element must not stop the catch-up
        if (c->created <= since || c->actor == settings_.organization_urn) continue;
        fresh.push_back(std::move(*c));
      }
    }
    std::stable_sort(fresh.begin(), fresh.end(),
                     [](const Comment& a, const Comment& b) { return a.created < b.created; });
    desk::Millis newest = since;
    for (const Comment& c : fresh) {
      desk::InboundMessage m;
      m.external_id = c.urn;
      m.thread_key = std::string(kPostThreadPrefix) + c.post_urn;
      m.in_reply_to = c.parent;
      m.author_handle = c.actor;
      m.text = c.text;
      m.is_public = true;
      m.sent_at = c.created;
      if (!c.parent.empty()) RememberParent(c.urn, c.parent);
      newest = std::max(newest, c.created);
      r.messages.push_back(std::move(m));
    }
    r.cursor = std::to_string(newest);
    return r;
  }

  Result<desk::SendReceipt> Send(const desk::OutboundMessage& msg) override {
    retry_after_ms_ = 0;
    if (msg.text.empty()) return Status::InvalidArgument("the text is empty");
    desk::Millis now = clock_->NowMillis();
    if (blocked_until_ > now) {
      retry_after_ms_ = blocked_until_ - now;
      return Status::ResourceExhausted("LinkedIn rate limit; retry after " +
                                       std::to_string(retry_after_ms_) + " ms");
    }
    if (IsNewPost(msg)) {
      // Send's text is Render's output; the files are checked again here
      // because nothing is uploaded that Render would refuse.
      LP_RETURN_IF_ERROR(desk::CheckMedia(media_limits(), kind(), msg.media));
      LP_RETURN_IF_ERROR(CheckLinkedInMedia(msg));
      return PostNew(msg.text, msg.media);
    }
    LP_RETURN_IF_ERROR(CheckLinkedInMedia(msg));

    json body = {{"actor", settings_.organization_urn}, {"message", {{"text", msg.text}}}};
    std::string target;  // the socialActions entity the comment goes under
    std::string post_urn;
    if (!msg.in_reply_to.empty()) {
      auto answered = ParseCommentUrn(msg.in_reply_to);
      if (!answered.ok()) {
        return Status::InvalidArgument("in_reply_to '" +
                                       utf8::Sanitize(msg.in_reply_to.substr(0, 80)) +
                                       "' is not a LinkedIn comment URN");
      }
      post_urn = answered->post_urn;
      // Two levels only: answering a nested comment means answering its
      // top-level parent.
      std::string parent = TopLevel(answered->Canonical());
      body["object"] = post_urn;
      body["parentComment"] = parent;
      target = parent;
    } else {
      std::string_view key = msg.thread_key;
      if (key.rfind(kPostThreadPrefix, 0) != 0) {
        return Status::InvalidArgument("thread key '" + utf8::Sanitize(key.substr(0, 80)) +
                                       "' is not a LinkedIn post thread (li-post:<urn>)");
      }
      post_urn = std::string(key.substr(kPostThreadPrefix.size()));
      if (post_urn.rfind("urn:li:", 0) != 0 || post_urn.size() > 200 ||
          HasSpaceOrControl(post_urn)) {
        return Status::InvalidArgument("thread key '" + utf8::Sanitize(key.substr(0, 80)) +
                                       "' does not name a post URN");
      }
      body["object"] = post_urn;
      target = post_urn;
    }
    std::string label = "POST /rest/socialActions/" + target + "/comments";
    LP_ASSIGN_OR_RETURN(
        HttpResponse resp,
        Call(http_, "POST", "/rest/socialActions/" + UrlEncode(target) + "/comments",
             body.dump(-1, ' ', false, json::error_handler_t::replace)));
    if (resp.status < 200 || resp.status > 299) return MapError(resp, label);
    // The new comment: commentUrn in the body, else its id (x-restli-id or
    // body id) under the post.
    std::string created;
    json doc = json::parse(resp.body, nullptr, false);
    if (!doc.is_discarded() && doc.is_object()) {
      if (auto p = ParseCommentUrn(JsonString(doc, "commentUrn")); p.ok()) created = p->Canonical();
    }
    if (created.empty()) {
      std::string id = resp.Header("x-restli-id");
      if (id.empty() && !doc.is_discarded() && doc.is_object()) id = JsonString(doc, "id");
      if (auto p = ParseCommentUrn(id); p.ok()) {
        created = p->Canonical();
      } else if (auto q = ParseCommentUrn("urn:li:comment:(" + post_urn + "," + id + ")"); q.ok()) {
        created = q->Canonical();
      }
    }
    if (!created.empty()) {
      // An answer to our own reply must also go under the top-level comment.
      if (body.contains("parentComment")) {
        RememberParent(created, body["parentComment"].get<std::string>());
      }
      return desk::SendReceipt{created};
    }
    return Status::Internal(label + ": the answer names no comment id");
  }

  desk::Millis retry_after_ms() const override { return retry_after_ms_; }
  desk::Millis credentials_expire_at() const override { return settings_.token_expires_at; }
  desk::WebhookReceiver* webhook() override { return this; }

  Result<desk::SendReceipt> Publish(std::string_view text) override {
    desk::OutboundMessage m;
    m.text = std::string(text);
    LP_ASSIGN_OR_RETURN(m.text, Render(m));
    return Send(m);
  }

  // --- WebhookReceiver --------------------------------------------------------

  Result<desk::WebhookAnswer> Challenge(const desk::WebhookRequest& request) const override {
    if (request.method != "GET") {
      return Status::InvalidArgument("the LinkedIn endpoint validation is a GET");
    }
    auto it = request.query.find("challengeCode");
    if (it == request.query.end() || it->second.empty()) {
      return Status::InvalidArgument("the query parameter challengeCode is missing");
    }
    if (it->second.size() > 256 || utf8::FirstInvalid(it->second) != std::string::npos) {
      return Status::InvalidArgument("the query parameter challengeCode is not a UUID");
    }
    desk::WebhookAnswer a;
    a.status = 200;
    a.content_type = "application/json";
    a.body = ChallengeAnswer(settings_.client_secret, it->second);
    return a;
  }

  Result<desk::WebhookDelivery> Receive(const desk::WebhookRequest& request,
                                        desk::Millis /*now_ms*/) override {
    auto sig = request.headers.find("x-li-signature");
    if (sig == request.headers.end() || sig->second.empty()) {
      return Status::PermissionDenied("the X-LI-Signature header is missing");
    }
    if (!SignatureValid(settings_.client_secret, request.body, sig->second)) {
      return Status::PermissionDenied("the X-LI-Signature does not match the body");
    }
    return Parse(request.body);
  }

  // Dead letters are verified bodies; comment texts are fetched again.
  Result<std::vector<desk::InboundMessage>> ParseVerified(std::string_view body) const override {
    LP_ASSIGN_OR_RETURN(desk::WebhookDelivery d, Parse(body));
    return std::move(d.messages);
  }

 private:
  Result<desk::WebhookDelivery> Parse(std::string_view body) const {
    LP_ASSIGN_OR_RETURN(ParsedNotifications parsed,
                        ParseNotifications(body, settings_.organization_urn));
    desk::WebhookDelivery out;
    out.event_ids = std::move(parsed.event_ids);
    std::unique_ptr<HttpClient> fetcher;
    for (CommentNotification& c : parsed.comments) {
      if (c.needs_fetch) {
        if (!fetcher) fetcher = std::make_unique<HttpClient>(settings_.fetch_http);
        LP_ASSIGN_OR_RETURN(bool keep, Complete(*fetcher, &c));
        if (!keep) continue;
      }
      if (!c.message.in_reply_to.empty()) {
        RememberParent(c.message.external_id, c.message.in_reply_to);
      }
      out.messages.push_back(std::move(c.message));
    }
    return out;
  }

  static bool IsNewPost(const desk::OutboundMessage& msg) {
    return msg.in_reply_to.empty() && msg.thread_key.empty();
  }

  Result<HttpResponse> Call(HttpClient& client, const char* method, const std::string& path,
                            std::string body) const {
    HttpRequest req;
    req.method = method;
    req.url = settings_.api_url + path;
    req.headers = {"Authorization: Bearer " + settings_.token,
                   "LinkedIn-Version: " + settings_.version, "X-Restli-Protocol-Version: 2.0.0",
                   "Accept: application/json"};
    if (!body.empty()) req.headers.emplace_back("Content-Type: application/json");
    req.body = std::move(body);
    return client.Do(req);
  }

  static std::string MediaName(size_t i, const desk::OutboundMedia& m) {
    return "media[" + std::to_string(i) + "] \"" + utf8::Sanitize(m.name.substr(0, 120)) + "\"";
  }

  // What CheckMedia cannot express: files on new posts only, LinkedIn's
  // pixel limit when the size is known, the smallest video.
  static Status CheckLinkedInMedia(const desk::OutboundMessage& msg) {
    if (msg.media.empty()) return Status::Ok();
    if (!IsNewPost(msg)) {
      return Status::InvalidArgument("a LinkedIn comment takes no files here (" +
                                     std::to_string(msg.media.size()) +
                                     " attached); files go with new posts only");
    }
    for (size_t i = 0; i < msg.media.size(); ++i) {
      const desk::OutboundMedia& m = msg.media[i];
      if (desk::IsVideoType(m.mime_type)) {
        const int64_t size = m.bytes == nullptr ? 0 : static_cast<int64_t>(m.bytes->size());
        if (size < kMinVideoBytes) {
          return Status::InvalidArgument(
              MediaName(i, m) + ": " + desk::FormatBytes(size) + "; LinkedIn takes videos of " +
              desk::FormatBytes(kMinVideoBytes) + " to " + desk::FormatBytes(kMaxVideoBytes));
        }
        continue;
      }
      const int64_t pixels = static_cast<int64_t>(m.width) * m.height;
      if (pixels >= kMaxImagePixels) {
        return Status::InvalidArgument(MediaName(i, m) + ": " + std::to_string(m.width) + "x" +
                                       std::to_string(m.height) +
                                       " pixels; LinkedIn takes images "
                                       "of fewer than " +
                                       std::to_string(kMaxImagePixels) + " pixels");
      }
    }
    return Status::Ok();
  }

  // POSTs an initializeUpload action (Images or Videos API); the answer's
  // "value" object, null when the answer has none. `label` names the call
  // in errors, `who` the file.
  Result<json> InitializeUpload(const std::string& who, const std::string& label,
                                const std::string& path, const json& request) {
    Result<HttpResponse> resp =
        Call(http_, "POST", path, request.dump(-1, ' ', false, json::error_handler_t::replace));
    if (!resp.ok()) return resp.status().WithContext(who);
    if (resp->status < 200 || resp->status > 299) return MapError(*resp, label);
    json doc = json::parse(resp->body, nullptr, false);
    if (!doc.is_discarded() && doc.is_object()) {
      if (auto it = doc.find("value"); it != doc.end() && it->is_object()) return std::move(*it);
    }
    return json();
  }

  // The Images API: initializeUpload for the organisation, then the bytes
  // by PUT to the uploadUrl LinkedIn returned. The image URN.
  Result<std::string> UploadImage(size_t index, const desk::OutboundMedia& m) {
    const std::string who = MediaName(index, m);
    if (m.bytes == nullptr) return Status::InvalidArgument(who + ": the file's bytes are missing");
    const std::string init_label = who + ": POST /rest/images?action=initializeUpload";
    LP_ASSIGN_OR_RETURN(
        json value,
        InitializeUpload(who, init_label, "/rest/images?action=initializeUpload",
                         {{"initializeUploadRequest", {{"owner", settings_.organization_urn}}}}));
    const std::string upload_url = value.is_null() ? "" : JsonString(value, "uploadUrl");
    const std::string image = value.is_null() ? "" : JsonString(value, "image");
    if (image.rfind("urn:li:image:", 0) != 0 || image.size() > 200 || HasSpaceOrControl(image)) {
      return Status::Unavailable(init_label + ": the answer has no /value/image URN");
    }
    // The bytes go where LinkedIn says, with the token: only over https
    // (or to the configured API host itself, for a loopback test server).
    if (!UploadUrlAllowed(upload_url)) {
      return Status::Unavailable(init_label + ": the answer has no usable /value/uploadUrl");
    }
    HttpRequest put;
    put.method = "PUT";
    put.url = upload_url;
    put.headers = {"Authorization: Bearer " + settings_.token,
                   "Content-Type: application/octet-stream"};
    put.body = *m.bytes;
    put.timeout_ms = settings_.media_upload_timeout_ms;
    Result<HttpResponse> up = http_.Do(put);
    if (!up.ok()) return up.status().WithContext(who);
    if (up->status < 200 || up->status > 299) {
      return MapError(*up, who + ": PUT of the image bytes to the upload URL");
    }
    return utf8::Sanitize(image);
  }

  // Where file bytes may go with the token: only over https, or to the
  // configured API host itself (a loopback test server).
  bool UploadUrlAllowed(const std::string& url) const {
    return !url.empty() && !HasSpaceOrControl(url) &&
           (url.rfind("https://", 0) == 0 || url.rfind(settings_.api_url + "/", 0) == 0);
  }

  // The Videos API: initializeUpload with the file size, a PUT of each byte
  // range to its upload URL (collecting the ETag of each part, in order),
  // finalizeUpload, then GET /rest/videos/{urn} until LinkedIn reports the
  // video AVAILABLE. The video URN.
  Result<std::string> UploadVideo(size_t index, const desk::OutboundMedia& m) {
    const std::string who = MediaName(index, m);
    if (m.bytes == nullptr) return Status::InvalidArgument(who + ": the file's bytes are missing");
    const std::string& bytes = *m.bytes;
    const int64_t size = static_cast<int64_t>(bytes.size());

    const std::string init_label = who + ": POST /rest/videos?action=initializeUpload";
    LP_ASSIGN_OR_RETURN(json answer,
                        InitializeUpload(who, init_label, "/rest/videos?action=initializeUpload",
                                         {{"initializeUploadRequest",
                                           {{"owner", settings_.organization_urn},
                                            {"fileSizeBytes", size},
                                            {"uploadCaptions", false},
                                            {"uploadThumbnail", false}}}}));
    if (answer.is_null()) return Status::Unavailable(init_label + ": the answer has no /value");
    const json* value = &answer;
    const std::string video = JsonString(*value, "video");
    if (video.rfind("urn:li:video:", 0) != 0 || video.size() > 200 || HasSpaceOrControl(video)) {
      return Status::Unavailable(init_label + ": the answer has no /value/video URN");
    }
    // uploadToken is empty for a single-part upload; absent counts as empty.
    const std::string token = JsonString(*value, "uploadToken");

    // The instructions must cover the file exactly, in order, each range
    // going to a URL the bytes may be sent to.
    struct Part {
      std::string url;
      int64_t first = 0;
      int64_t last = 0;
    };
    std::vector<Part> parts;
    auto instructions = value->find("uploadInstructions");
    if (instructions == value->end() || !instructions->is_array() || instructions->empty()) {
      return Status::Unavailable(init_label + ": the answer has no /value/uploadInstructions");
    }
    if (instructions->size() > kMaxVideoParts) {
      return Status::Unavailable(init_label + ": " + std::to_string(instructions->size()) +
                                 " upload instructions (at most " + std::to_string(kMaxVideoParts) +
                                 " expected)");
    }
    int64_t next = 0;
    for (size_t i = 0; i < instructions->size(); ++i) {
      const json& in = (*instructions)[i];
      const std::string where = init_label + ": /value/uploadInstructions/" + std::to_string(i);
      if (!in.is_object()) return Status::Unavailable(where + " is not an object");
      Part p;
      p.url = JsonString(in, "uploadUrl");
      if (!UploadUrlAllowed(p.url)) return Status::Unavailable(where + "/uploadUrl is not usable");
      auto first = in.find("firstByte");
      auto last = in.find("lastByte");
      if (first == in.end() || !first->is_number_integer() || last == in.end() ||
          !last->is_number_integer()) {
        return Status::Unavailable(where + ": firstByte or lastByte is missing");
      }
      p.first = first->get<int64_t>();
      p.last = last->get<int64_t>();
      if (p.first != next || p.last < p.first || p.last >= size) {
        return Status::Unavailable(where + ": bytes " + std::to_string(p.first) + " to " +
                                   std::to_string(p.last) + " do not continue at byte " +
                                   std::to_string(next) + " of " + std::to_string(size));
      }
      next = p.last + 1;
      parts.push_back(std::move(p));
    }
    if (next != size) {
      return Status::Unavailable(init_label + ": the upload instructions end at byte " +
                                 std::to_string(next) + " of " + std::to_string(size));
    }

    json etags = json::array();
    for (size_t i = 0; i < parts.size(); ++i) {
      const Part& p = parts[i];
      const std::string label = who + ": PUT of part " + std::to_string(i + 1) + " of " +
                                std::to_string(parts.size()) + " (bytes " +
                                std::to_string(p.first) + "-" + std::to_string(p.last) + ")";
      HttpRequest put;
      put.method = "PUT";
      put.url = p.url;
      put.headers = {"Authorization: Bearer " + settings_.token,
                     "Content-Type: application/octet-stream"};
      put.body =
          bytes.substr(static_cast<size_t>(p.first), static_cast<size_t>(p.last - p.first + 1));
      put.timeout_ms = settings_.media_upload_timeout_ms;
      Result<HttpResponse> up = http_.Do(put);
      if (!up.ok()) return up.status().WithContext(label);
      if (up->status < 200 || up->status > 299) return MapError(*up, label);
      std::string etag = up->Header("etag");
      if (etag.empty() || etag.size() > 1024 || HasSpaceOrControl(etag)) {
        return Status::Unavailable(label + ": the answer has no usable ETag header");
      }
      etags.push_back(etag);
    }

    const std::string fin_label = who + ": POST /rest/videos?action=finalizeUpload";
    json fin = {{"finalizeUploadRequest",
                 {{"video", video}, {"uploadToken", token}, {"uploadedPartIds", etags}}}};
    Result<HttpResponse> resp = Call(http_, "POST", "/rest/videos?action=finalizeUpload",
                                     fin.dump(-1, ' ', false, json::error_handler_t::replace));
    if (!resp.ok()) return resp.status().WithContext(who);
    if (resp->status < 200 || resp->status > 299) return MapError(*resp, fin_label);

    LP_RETURN_IF_ERROR(AwaitVideo(who, video));
    return video;
  }

  // GET /rest/videos/{urn} until its status is AVAILABLE: at most
  // `video_poll_attempts` checks, `video_poll_interval_ms` apart.
  Status AwaitVideo(const std::string& who, const std::string& video) {
    const std::string label = who + ": GET /rest/videos/" + video;
    std::string status;
    for (int attempt = 0; attempt < settings_.video_poll_attempts; ++attempt) {
      if (settings_.video_poll_interval_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(settings_.video_poll_interval_ms));
      }
      Result<HttpResponse> resp = Call(http_, "GET", "/rest/videos/" + UrlEncode(video), "");
      if (!resp.ok()) return resp.status().WithContext(who);
      if (resp->status != 200) return MapError(*resp, label);
      json doc = json::parse(resp->body, nullptr, false);
      status = !doc.is_discarded() && doc.is_object() ? JsonString(doc, "status") : std::string();
      if (status == "AVAILABLE") return Status::Ok();
      if (status == "PROCESSING_FAILED") {
        std::string reason = JsonString(doc, "processingFailureReason");
        return Status::InvalidArgument(label + ": LinkedIn could not process the video" +
                                       (reason.empty() ? "" : " (" + reason.substr(0, 200) + ")"));
      }
      // WAITING_UPLOAD, PROCESSING or anything new: check again.
    }
    return Status::Unavailable(label + ": the video is not AVAILABLE after " +
                               std::to_string(settings_.video_poll_attempts) + " checks (status " +
                               (status.empty() ? "unknown" : status.substr(0, 40)) + ")");
  }

  Result<desk::SendReceipt> PostNew(const std::string& commentary,
                                    const std::vector<desk::OutboundMedia>& media) {
    // The files first, in order; a failed upload ends the send before the
    // post exists (LinkedIn keeps unused images and videos unattached; a
    // retry uploads again).
    json video;
    if (media.size() == 1 && desk::IsVideoType(media[0].mime_type)) {
      LP_ASSIGN_OR_RETURN(std::string urn, UploadVideo(0, media[0]));
      video = {{"id", urn}};
      // The title shows publicly: the alt text, which the guard checked like
      // the post's text; never the file name, which may be internal
      // ("q3_roadmap_confidential.mp4").
      if (!media[0].alt_text.empty()) video["title"] = media[0].alt_text;
    }
    json images = json::array();
    for (size_t i = 0; i < media.size() && video.is_null(); ++i) {
      LP_ASSIGN_OR_RETURN(std::string urn, UploadImage(i, media[i]));
      json entry = {{"id", urn}};
      if (!media[i].alt_text.empty()) entry["altText"] = media[i].alt_text;
      images.push_back(std::move(entry));
    }
    json body = {{"author", settings_.organization_urn},
                 {"commentary", commentary},
                 {"visibility", "PUBLIC"},
                 {"distribution",
                  {{"feedDistribution", "MAIN_FEED"},
                   {"targetEntities", json::array()},
                   {"thirdPartyDistributionChannels", json::array()}}},
                 {"lifecycleState", "PUBLISHED"},
                 {"isReshareDisabledByAuthor", false}};
    if (!video.is_null()) {
      body["content"] = {{"media", video}};
    } else if (images.size() == 1) {
      body["content"] = {{"media", images[0]}};
    } else if (images.size() > 1) {
      body["content"] = {{"multiImage", {{"images", images}}}};
    }
    LP_ASSIGN_OR_RETURN(HttpResponse resp,
                        Call(http_, "POST", "/rest/posts",
                             body.dump(-1, ' ', false, json::error_handler_t::replace)));
    if (resp.status < 200 || resp.status > 299) return MapError(resp, "POST /rest/posts");
    std::string id = resp.Header("x-restli-id");
    if (id.empty() || id.rfind("urn:li:", 0) != 0) {
      return Status::Internal("POST /rest/posts: the answer has no x-restli-id with the post URN");
    }
    return desk::SendReceipt{utf8::Sanitize(id)};
  }

  // Fills text and author of a comment the notification only named. False:
  // the comment is gone or turned out to be the organisation's own.
  Result<bool> Complete(HttpClient& client, CommentNotification* c) const {
    std::string target =
        c->message.in_reply_to.empty() ? c->comment.post_urn : c->message.in_reply_to;
    std::string label =
        "fetching comment " + c->message.external_id + " (GET /rest/socialActions/.../comments)";
    auto resp = Call(
        client, "GET",
        "/rest/socialActions/" + UrlEncode(target) + "/comments/" + UrlEncode(c->comment.id), "");
    if (!resp.ok()) return Status::Unavailable(label + ": " + resp.status().message());
    if (resp->status == 404 || resp->status == 410) return false;
    if (resp->status != 200) {
      std::string detail = ErrorMessage(resp->body);
      return Status::Unavailable(label + ": HTTP " + std::to_string(resp->status) +
                                 (detail.empty() ? "" : ": " + detail));
    }
    json doc = json::parse(resp->body, nullptr, false);
    if (doc.is_discarded()) return Status::Unavailable(label + ": the answer is not JSON");
    auto comment = ReadComment(doc, "", c->comment.post_urn);
    if (!comment.ok()) return Status::Unavailable(label + ": " + comment.status().message());
    if (c->message.text.empty()) c->message.text = comment->text;
    if (c->message.author_handle.empty()) c->message.author_handle = comment->actor;
    if (c->message.in_reply_to.empty()) c->message.in_reply_to = comment->parent;
    if (c->message.sent_at == 0) c->message.sent_at = comment->created;
    if (c->message.author_handle == settings_.organization_urn) return false;
    return true;
  }

  void RememberParent(const std::string& comment, const std::string& parent) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (parent_of_.size() >= kMaxRememberedParents) parent_of_.clear();
    parent_of_[comment] = parent;
  }

  std::string TopLevel(const std::string& comment) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = parent_of_.find(comment);
    return it == parent_of_.end() ? comment : it->second;
  }

  Status MapError(const HttpResponse& resp, const std::string& label) {
    std::string msg = label + ": HTTP " + std::to_string(resp.status);
    std::string detail = ErrorMessage(resp.body);
    if (!detail.empty()) msg += ": " + detail;
    if (resp.status == 429) {
      desk::Millis wait = RetryAfterMs(resp);
      if (wait <= 0) wait = settings_.rate_limit_backoff_ms;
      desk::Millis now = clock_->NowMillis();
      blocked_until_ = std::max(blocked_until_, now + wait);
      retry_after_ms_ = blocked_until_ - now;
      return Status::ResourceExhausted(msg + " (rate limited; retry after " +
                                       std::to_string(retry_after_ms_) + " ms)");
    }
    if (resp.status == 401) {
      return Status::PermissionDenied(msg +
                                      " (the access token expired or was revoked; an "
                                      "admin must store a new one)");
    }
    if (resp.status == 403) {
      return Status::PermissionDenied(msg +
                                      " (the token lacks a permission such as "
                                      "w_organization_social, or the member is no page "
                                      "admin)");
    }
    if (resp.status >= 500 || resp.status < 100) return Status::Unavailable(msg);
    if (resp.status >= 400) return Status::InvalidArgument(msg);
    return Status::Unavailable(msg + " (unexpected status)");
  }

  const Settings settings_;
  const Clock* clock_;
  HttpClient http_;  // Poll and Send only (the desk's worker thread)
  desk::Millis retry_after_ms_ = 0;
  desk::Millis blocked_until_ = 0;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::string>
      parent_of_;  // nested comment -> top-level; guarded by mu_
};

}  // namespace

Result<std::unique_ptr<LinkedInChannel>> MakeLinkedIn(const desk::ChannelConfig& config,
                                                      const Clock* clock) {
  LP_ASSIGN_OR_RETURN(Settings s, ReadSettings(config));
  if (clock == nullptr) clock = &SystemClock::Default();
  return std::unique_ptr<LinkedInChannel>(
      std::make_unique<LinkedInChannelImpl>(std::move(s), clock));
}

Result<std::unique_ptr<desk::Channel>> MakeLinkedInChannel(const desk::ChannelConfig& config) {
  LP_ASSIGN_OR_RETURN(std::unique_ptr<LinkedInChannel> c, MakeLinkedIn(config));
  return std::unique_ptr<desk::Channel>(std::move(c));
}

}  // namespace leitplanke::channels::linkedin
