// The Bluesky channel: session, Poll, Render and Send over XRPC.
//
// Why it works the way it does:
// - listNotifications pages from the newest backwards; there is no "since"
//   parameter. Poll walks pages until it meets the previous position (the
//   newest indexedAt seen plus the notifications at that very instant, so two
//   notifications with the same timestamp are neither repeated nor lost).
//   When max_pages is not enough, or a page fails after the first, the
//   cursor remembers the API cursor where reading stopped (the "gap") and
//   the newest position already read; the next Polls finish the gap before
//   they look at newer notifications. Nothing is returned twice and nothing
//   is skipped.
// - Replies need strong references (URI + CID) to the thread's root and the
//   parent. Poll remembers them for the posts it saw; otherwise
//   app.bsky.feed.getPosts supplies them.
// - Errors map to the outbox's retry rules (channel.h): transport and 5xx
//   Unavailable; 429 (or error RateLimitExceeded) ResourceExhausted with the
//   wait from ratelimit-reset; an exhausted budget (ratelimit-remaining 0)
//   refuses further calls locally until the reset; auth failures
//   PermissionDenied; other XRPC errors InvalidArgument with the server's
//   message.
// - A video goes to the video service before the post exists (Bluesky's
//   recommended path): it processes the file and stores the result on the
//   PDS with a service token we obtain for it, and its job answers with the
//   blob. A plain uploadBlob would work too, but the post would show a
//   missing video until the service noticed it in the firehose.
#include "channels/bluesky/bluesky.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "leitplanke/base/utf8.h"

#include "leitplanke/desk/media.h"

#include "channels/http/config_util.h"
#include "channels/http/encoding.h"
#include "channels/http/http_client.h"

namespace leitplanke::channels::bluesky {
namespace {

using nlohmann::json;

constexpr desk::Millis kDefaultRateWaitMs = 60'000;
constexpr desk::Millis kMaxRateWaitMs = 24LL * 60 * 60 * 1000;
constexpr desk::Millis kRefreshMarginMs = 60'000;
constexpr size_t kMaxCached = 10'000;
constexpr size_t kMaxPositionUris = 200;
// The PDS allows 5,000 write points an hour; a created record costs 3.
constexpr int kCreatesPerHour = 1666;
// An upload of up to 1 MB gets more time than a JSON call.
constexpr long kUploadTimeoutMs = 120'000;  // NOLINT(google-runtime-int): curl's type
// A video of up to 100 MB: ten minutes (about 1.4 Mbit/s).
constexpr long kVideoUploadTimeoutMs = 600'000;  // NOLINT(google-runtime-int): curl's type
// The service token for the video service's upload is valid this long (the
// video service writes the processed blob to the PDS with it).
constexpr int64_t kServiceTokenSeconds = 30 * 60;

struct Settings {
  std::string name;
  std::string service_url;        // without trailing '/'
  std::string video_service_url;  // without trailing '/'
  desk::Millis video_poll_interval_ms = 1'000;
  int video_max_polls = 300;
  std::string handle;
  std::string password;
  HttpOptions http;
  desk::Millis poll_interval_ms = 60'000;
  int page_limit = 50;
  int max_pages = 10;
  bool include_quotes = true;
  bool update_seen = false;
  std::string post_language;
};

Result<Settings> ReadSettings(const desk::ChannelConfig& config) {
  ConfigReader r(config, "bluesky");
  LP_RETURN_IF_ERROR(r.CheckKind());
  Settings s;
  s.name = config.name;
  s.handle = r.Get("handle");
  if (!s.handle.empty() && s.handle[0] == '@') s.handle.erase(0, 1);
  if (s.handle.empty()) return r.Error("handle", "is required");
  for (char& c : s.handle) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  bool is_did = s.handle.rfind("did:", 0) == 0;
  if (s.handle.size() > 253 || (!is_did && s.handle.find('.') == std::string::npos) ||
      !std::all_of(s.handle.begin(), s.handle.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
               (is_did && (c == ':' || c == '_' || c == '%'));
      })) {
    return r.Error("handle", "must be the account's handle (support.example.com) or DID");
  }
  LP_ASSIGN_OR_RETURN(s.service_url, r.BaseUrl("service_url", "https://bsky.social"));
  LP_ASSIGN_OR_RETURN(s.video_service_url,
                      r.BaseUrl("video_service_url", "https://video.bsky.app"));
  LP_ASSIGN_OR_RETURN(s.video_poll_interval_ms, r.Int("video_poll_interval_ms", 1'000, 0, 60'000));
  LP_ASSIGN_OR_RETURN(int64_t polls, r.Int("video_max_polls", 300, 1, 10'000));
  s.video_max_polls = static_cast<int>(polls);
  LP_ASSIGN_OR_RETURN(s.password, r.Secret("app_password"));
  LP_ASSIGN_OR_RETURN(s.http, r.Http());
  LP_ASSIGN_OR_RETURN(s.poll_interval_ms, r.Int("poll_interval_ms", 60'000, 1'000, 86'400'000));
  LP_ASSIGN_OR_RETURN(int64_t limit, r.Int("page_limit", 50, 1, 100));
  s.page_limit = static_cast<int>(limit);
  LP_ASSIGN_OR_RETURN(int64_t pages, r.Int("max_pages", 10, 1, 1000));
  s.max_pages = static_cast<int>(pages);
  LP_ASSIGN_OR_RETURN(s.include_quotes, r.Bool("include_quotes", true));
  LP_ASSIGN_OR_RETURN(s.update_seen, r.Bool("update_seen", false));
  s.post_language = r.Get("post_language");
  if (!s.post_language.empty() &&
      (s.post_language.size() > 35 ||
       !std::all_of(s.post_language.begin(), s.post_language.end(), [](char c) {
         return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-';
       }))) {
    return r.Error("post_language", "must be a BCP 47 tag such as 'de'");
  }
  return s;
}

// did:web:<host> of a base URL (without port), the audience the PDS and
// the video service expect in service tokens.
std::string DidWebOf(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  std::string_view host = url.substr(start);
  host = host.substr(0, host.find('/'));
  if (!host.empty() && host[0] == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  return "did:web:" + std::string(host);
}

bool IsAtUri(std::string_view s) {
  return s.size() > 5 && s.size() <= 8192 && s.rfind("at://", 0) == 0 && !HasSpaceOrControl(s);
}

std::string FormatRfc3339(desk::Millis ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[40];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &t);
  char out[48];
  snprintf(out, sizeof(out), "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

const std::string* StringAt(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

// --- cursor -------------------------------------------------------------------

// The newest instant read and the notifications at exactly that instant.
struct Position {
  int64_t t = 0;
  std::vector<std::string> uris;
};

struct CursorState {
  bool has_floor = false;
  Position floor;   // everything at or below is delivered
  std::string gap;  // API cursor where an unfinished backlog continues
  Position top;     // with a gap: the newest position already delivered
};

bool Contains(const Position& p, const std::string& uri) {
  return std::find(p.uris.begin(), p.uris.end(), uri) != p.uris.end();
}

bool IsNewer(const Notice& n, const Position& p) {
  return n.indexed_at_us > p.t || (n.indexed_at_us == p.t && !Contains(p, n.uri));
}

Position Merge(const Position& a, const Position& b) {
  if (a.t > b.t) return a;
  if (b.t > a.t) return b;
  Position m = a;
  for (const auto& u : b.uris) {
    if (!Contains(m, u) && m.uris.size() < kMaxPositionUris) m.uris.push_back(u);
  }
  return m;
}

json PositionJson(const Position& p) { return {{"t", p.t}, {"u", p.uris}}; }

bool ReadPosition(const json& j, Position* p) {
  if (!j.is_object()) return false;
  auto t = j.find("t");
  auto u = j.find("u");
  if (t == j.end() || !t->is_number_integer() || u == j.end() || !u->is_array()) return false;
  p->t = t->get<int64_t>();
  for (const auto& e : *u) {
    if (!e.is_string()) return false;
    p->uris.push_back(e.get<std::string>());
  }
  return true;
}

std::string EncodeCursor(const CursorState& s) {
  json j = {{"v", 1}, {"floor", PositionJson(s.floor)}};
  if (!s.gap.empty()) {
    j["gap"] = s.gap;
    j["top"] = PositionJson(s.top);
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<CursorState> DecodeCursor(std::string_view cursor) {
  CursorState s;
  if (cursor.empty()) return s;
  json j = json::parse(cursor, nullptr, false);
  auto bad = [&] {
    return Status::InvalidArgument("'" + utf8::Sanitize(cursor.substr(0, 80)) +
                                   "' is not a cursor of the Bluesky channel");
  };
  if (j.is_discarded() || !j.is_object()) return bad();
  auto floor = j.find("floor");
  if (floor == j.end() || !ReadPosition(*floor, &s.floor)) return bad();
  s.has_floor = true;
  if (auto gap = j.find("gap"); gap != j.end()) {
    auto top = j.find("top");
    if (!gap->is_string() || gap->get<std::string>().empty() || top == j.end() ||
        !ReadPosition(*top, &s.top)) {
      return bad();
    }
    s.gap = gap->get<std::string>();
  }
  return s;
}

// --- the channel ------------------------------------------------------------------

struct Xrpc {
  std::string base;  // the server's base URL; "" = the PDS (service_url)
  bool post = false;
  std::string nsid;
  std::vector<std::pair<std::string, std::string>> query;
  std::optional<json> body;
  // Instead of a JSON body: raw bytes of this Content-Type (uploadBlob).
  const std::string* raw_body = nullptr;
  std::string content_type;
  long timeout_ms = 0;  // NOLINT(google-runtime-int): curl's type; 0 = the client's
};

// NOLINTNEXTLINE(bugprone-exception-escape): json's default constructor allocates nothing
struct Reply {
  long status = 0;  // NOLINT(google-runtime-int)
  std::string raw;
  json body;  // discarded when not JSON
  std::string error;
  std::string message;
};

struct Thread {
  PostRef root;
  PostRef parent;
};

class BlueskyChannelImpl final : public BlueskyChannel {
 public:
  BlueskyChannelImpl(Settings settings, const Clock* clock)
      : settings_(std::move(settings)), clock_(clock), http_(settings_.http) {}

  std::string_view kind() const override { return "bluesky"; }

  desk::SendEstimate Estimate(const desk::OutboundMessage& wire) const override {
    desk::SendEstimate e;
    e.length = static_cast<int64_t>(GraphemeCount(wire.text));
    e.limit = static_cast<int64_t>(kMaxGraphemes);
    e.unit = "graphemes";
    return e;
  }

  Result<std::string> Render(const desk::OutboundMessage& msg) const override {
    LP_RETURN_IF_ERROR(desk::CheckMedia(media_limits(), kind(), msg.media));
    for (size_t i = 0; i < msg.media.size(); ++i) {
      // app.bsky.embed.video allows fewer graphemes of alt text than images.
      const desk::OutboundMedia& m = msg.media[i];
      if (!desk::IsVideoType(m.mime_type)) continue;
      size_t alt = GraphemeCount(m.alt_text);
      if (alt > kMaxVideoAltGraphemes) {
        return Status::InvalidArgument("media[" + std::to_string(i) + "] \"" + m.name +
                                       "\": the alt text has " + std::to_string(alt) +
                                       " characters (graphemes), a Bluesky video allows " +
                                       std::to_string(kMaxVideoAltGraphemes));
      }
    }
    if (msg.text.empty()) return Status::InvalidArgument("the reply is empty");
    if (size_t bad = utf8::FirstInvalid(msg.text); bad != std::string::npos) {
      return Status::InvalidArgument("the reply is not valid UTF-8 at byte " + std::to_string(bad));
    }
    size_t graphemes = GraphemeCount(msg.text);
    if (graphemes > kMaxGraphemes) {
      return Status::InvalidArgument("the reply has " + std::to_string(graphemes) +
                                     " characters (graphemes); a Bluesky post allows " +
                                     std::to_string(kMaxGraphemes));
    }
    if (msg.text.size() > kMaxTextBytes) {
      return Status::InvalidArgument("the reply has " + std::to_string(msg.text.size()) +
                                     " bytes; a Bluesky post allows " +
                                     std::to_string(kMaxTextBytes));
    }
    return msg.text;
  }

  // Up to 4 images (app.bsky.embed.images: each blob at most 1,000,000
  // bytes as the lexicon says) or one MP4 video (app.bsky.embed.video: at
  // most 100,000,000 bytes), not both.
  desk::MediaLimits media_limits() const override {
    desk::MediaLimits l;
    l.max_images = static_cast<int32_t>(kMaxImages);
    l.max_videos = 1;
    l.mix_images_and_videos = false;
    l.max_image_bytes = kMaxImageBytes;
    l.max_video_bytes = kMaxVideoBytes;
    l.max_alt_text = static_cast<int32_t>(kMaxAltText);
    l.mime_types = {"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"};
    return l;
  }

  Result<desk::PollResult> Poll(std::string_view cursor) override {
    retry_after_ms_ = 0;
    rejected_.clear();
    LP_ASSIGN_OR_RETURN(CursorState st, DecodeCursor(cursor));
    LP_RETURN_IF_ERROR(EnsureSession());
    const bool gap_mode = !st.gap.empty();
    std::string api_cursor = st.gap;
    std::vector<Notice> fresh;
    std::set<std::string> taken;
    // The newest instant read in this Poll: the first page (normal mode)
    // and everything delivered, so that equal timestamps across a page
    // boundary are remembered too.
    Position newest;
    bool reached = false;
    int pages = 0;
    while (true) {
      Xrpc x;
      x.nsid = "app.bsky.notification.listNotifications";
      x.query = {{"limit", std::to_string(settings_.page_limit)}};
      if (!api_cursor.empty()) x.query.emplace_back("cursor", api_cursor);
      Result<Reply> r = Call(x);
      if (!r.ok()) {
        if (pages == 0) return r.status();
        break;  // keep what was read; the gap continues at api_cursor
      }
      Result<NotificationPage> page = ParseNotificationPage(r->raw, did_, settings_.include_quotes);
      if (!page.ok()) {
        if (pages == 0) return page.status();
        break;
      }
      ++pages;
      for (auto& rej : page->rejected) {
        if (rejected_.size() < 1000) rejected_.push_back(std::move(rej));
      }
      if (!gap_mode && pages == 1) {
        for (const Notice& n : page->notices) {
          newest = Merge(newest, Position{n.indexed_at_us, {n.uri}});
        }
      }
      for (Notice& n : page->notices) {
        if (st.has_floor && !IsNewer(n, st.floor)) {
          if (n.indexed_at_us < st.floor.t) reached = true;
          continue;
        }
        // At or above the gap's top: delivered before the gap opened, or
        // (the same instant, arrived since) left to the pass after the gap.
        if (gap_mode && n.indexed_at_us >= st.top.t) continue;
        if (!taken.insert(n.uri).second) continue;
        newest = Merge(newest, Position{n.indexed_at_us, {n.uri}});
        fresh.push_back(std::move(n));
      }
      if (!st.has_floor || page->notices.empty() || page->cursor.empty()) reached = true;
      if (reached) break;
      api_cursor = page->cursor;
      if (pages >= settings_.max_pages) break;
    }

    CursorState next;
    next.has_floor = true;
    if (!gap_mode) {
      Position top = st.has_floor ? Merge(st.floor, newest) : newest;
      if (reached) {
        next.floor = top;
      } else {
        next.floor = st.floor;
        next.gap = api_cursor;
        next.top = top;
      }
    } else if (reached) {
      next.floor = Merge(Merge(st.floor, st.top), newest);
    } else {
      next = st;
      next.gap = api_cursor;
      next.top = Merge(st.top, newest);
    }

    desk::PollResult result;
    std::reverse(fresh.begin(), fresh.end());
    std::stable_sort(fresh.begin(), fresh.end(), [](const Notice& a, const Notice& b) {
      return a.indexed_at_us < b.indexed_at_us;
    });
    std::string newest_seen;
    int64_t newest_t = 0;
    for (Notice& n : fresh) {
      if (n.indexed_at_us >= newest_t) {
        newest_t = n.indexed_at_us;
        newest_seen = n.indexed_at;
      }
      if (!n.is_message) continue;
      Remember(n);
      result.messages.push_back(std::move(n.message));
    }
    result.cursor = EncodeCursor(next);
    if (settings_.update_seen && !newest_seen.empty()) {
      Xrpc x;
      x.post = true;
      x.nsid = "app.bsky.notification.updateSeen";
      x.body = json{{"seenAt", newest_seen}};
      (void)Call(x);  // cosmetic (the app's unread badge); a failure changes nothing here
    }
    return result;
  }

  Result<desk::SendReceipt> Send(const desk::OutboundMessage& msg) override {
    retry_after_ms_ = 0;
    LP_RETURN_IF_ERROR(Render(msg));
    LP_RETURN_IF_ERROR(EnsureSession());
    std::string rkey;
    if (!msg.idempotency_key.empty()) {
      if (auto it = rkeys_.find(msg.idempotency_key); it != rkeys_.end()) {
        // A retry: the earlier attempt may have been written after all.
        rkey = it->second;
        LP_ASSIGN_OR_RETURN(std::string existing, ExistingPost(rkey));
        if (!existing.empty()) return desk::SendReceipt{existing};
      } else {
        rkey = NewTid(msg.idempotency_key);
        Cache(&rkeys_, msg.idempotency_key, rkey);
      }
    }
    json record = {{"$type", "app.bsky.feed.post"},
                   {"text", msg.text},
                   {"createdAt", FormatRfc3339(clock_->NowMillis())}};
    if (!settings_.post_language.empty()) record["langs"] = json::array({settings_.post_language});
    std::string parent_uri = msg.in_reply_to;
    if (parent_uri.empty() && IsAtUri(msg.thread_key)) parent_uri = msg.thread_key;
    if (!parent_uri.empty()) {
      if (!IsAtUri(parent_uri)) {
        return Status::InvalidArgument("in_reply_to '" + utf8::Sanitize(parent_uri.substr(0, 80)) +
                                       "' is not an at:// post URI");
      }
      LP_ASSIGN_OR_RETURN(Thread t, ReplyTarget(parent_uri));
      record["reply"] = {{"root", {{"uri", t.root.uri}, {"cid", t.root.cid}}},
                         {"parent", {{"uri", t.parent.uri}, {"cid", t.parent.cid}}}};
    }
    json facets = json::array();
    for (const FacetSpan& span : FindFacetSpans(msg.text)) {
      json feature;
      if (span.kind == FacetSpan::Kind::kLink) {
        feature = {{"$type", "app.bsky.richtext.facet#link"}, {"uri", span.value}};
      } else {
        LP_ASSIGN_OR_RETURN(std::string did, ResolveHandle(span.value));
        if (did.empty()) continue;  // no such account: plain text
        feature = {{"$type", "app.bsky.richtext.facet#mention"}, {"did", did}};
      }
      facets.push_back({{"index", {{"byteStart", span.byte_start}, {"byteEnd", span.byte_end}}},
                        {"features", json::array({feature})}});
    }
    if (!facets.empty()) record["facets"] = std::move(facets);
    // Images: each blob uploaded first, in order; the record references
    // the blob objects exactly as the PDS returned them. The facets above
    // index the text only, so they stay valid with an embed. (The channel
    // writes no link card, so the images are the post's only embed.)
    // A video (Render allows one, alone) goes through the video service;
    // its job's blob is embedded as returned.
    if (!msg.media.empty() && desk::IsVideoType(msg.media[0].mime_type)) {
      const desk::OutboundMedia& v = msg.media[0];
      LP_ASSIGN_OR_RETURN(json blob, UploadVideo(0, v));
      json embed = {{"$type", "app.bsky.embed.video"}, {"video", std::move(blob)}};
      if (!v.alt_text.empty()) embed["alt"] = v.alt_text;
      if (v.width > 0 && v.height > 0) {
        embed["aspectRatio"] = {{"width", v.width}, {"height", v.height}};
      }
      record["embed"] = std::move(embed);
    } else if (!msg.media.empty()) {
      json images = json::array();
      for (size_t i = 0; i < msg.media.size(); ++i) {
        LP_ASSIGN_OR_RETURN(json blob, UploadBlob(i, msg.media[i]));
        json image = {{"alt", msg.media[i].alt_text}, {"image", std::move(blob)}};
        if (msg.media[i].width > 0 && msg.media[i].height > 0) {
          image["aspectRatio"] = {{"width", msg.media[i].width}, {"height", msg.media[i].height}};
        }
        images.push_back(std::move(image));
      }
      record["embed"] = {{"$type", "app.bsky.embed.images"}, {"images", std::move(images)}};
    }
    Xrpc x;
    x.post = true;
    x.nsid = "com.atproto.repo.createRecord";
    x.body = json{{"repo", did_}, {"collection", "app.bsky.feed.post"}, {"record", record}};
    if (!rkey.empty()) (*x.body)["rkey"] = rkey;
    LP_ASSIGN_OR_RETURN(Reply r, Call(x));
    const std::string* uri = StringAt(r.body, "uri");
    if (uri == nullptr || !IsAtUri(*uri)) {
      return Status::Internal("createRecord: /uri is missing in the answer");
    }
    if (const std::string* cid = StringAt(r.body, "cid")) {
      Thread self;
      self.parent = {*uri, *cid};
      if (record.contains("reply")) {
        self.root = {record["reply"]["root"]["uri"].get<std::string>(),
                     record["reply"]["root"]["cid"].get<std::string>()};
      } else {
        self.root = self.parent;
      }
      Cache(&threads_, *uri, self);
    }
    return desk::SendReceipt{*uri};
  }

  desk::RateLimit rate_limit() const override { return {kCreatesPerHour, 3'600'000}; }
  desk::Millis retry_after_ms() const override { return retry_after_ms_; }
  desk::Millis credentials_expire_at() const override { return access_exp_; }
  const std::vector<std::string>& last_rejected() const override { return rejected_; }
  desk::Millis poll_interval_ms() const override { return settings_.poll_interval_ms; }
  std::string did() const override { return did_; }

 private:
  template <typename V>
  static void Cache(std::map<std::string, V>* m, const std::string& key, V value) {
    if (m->size() >= kMaxCached) m->clear();
    (*m)[key] = std::move(value);
  }

  void Remember(const Notice& n) {
    Cache(&threads_, n.uri, Thread{n.root, {n.uri, n.cid}});
    const std::string& handle = n.message.author_handle;
    if (handle.size() > 1) {
      std::string h = handle.substr(1);
      for (char& c : h) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      Cache(&dids_, h, n.author_did);
    }
  }

  // One HTTP exchange, unmapped. Refused locally while the rate budget is out.
  Result<Reply> Raw(const Xrpc& x, const std::string& bearer) {
    desk::Millis now = clock_->NowMillis();
    if (blocked_until_ > now) {
      retry_after_ms_ = blocked_until_ - now;
      return Status::ResourceExhausted(x.nsid + ": the rate limit is used up; retry after " +
                                       std::to_string(retry_after_ms_) + " ms");
    }
    HttpRequest req;
    req.method = x.post ? "POST" : "GET";
    req.url = (x.base.empty() ? settings_.service_url : x.base) + "/xrpc/" + x.nsid;
    for (size_t i = 0; i < x.query.size(); ++i) {
      req.url += i == 0 ? '?' : '&';
      req.url += x.query[i].first + "=" + PercentEncode(x.query[i].second);
    }
    req.headers.push_back("Accept: application/json");
    if (!bearer.empty()) req.headers.push_back("Authorization: Bearer " + bearer);
    if (x.body) {
      req.headers.push_back("Content-Type: application/json");
      req.body = x.body->dump(-1, ' ', false, json::error_handler_t::replace);
    } else if (x.raw_body != nullptr) {
      req.headers.push_back("Content-Type: " + x.content_type);
      req.body = *x.raw_body;
    }
    req.timeout_ms = x.timeout_ms;
    Result<HttpResponse> resp = http_.Do(req);
    if (!resp.ok()) {
      Status s = resp.status();
      if (s.code() == StatusCode::kUnavailable)
        return Status::Unavailable(x.nsid + ": " + s.message());
      return s.WithContext(x.nsid);
    }
    Reply r;
    r.status = resp->status;
    r.raw = std::move(resp->body);
    r.body = json::parse(r.raw, nullptr, false);
    if (const std::string* e = StringAt(r.body, "error"))
      r.error = utf8::Sanitize(e->substr(0, 100));
    if (const std::string* m = StringAt(r.body, "message")) {
      r.message = utf8::Sanitize(m->substr(0, 300));
    }
    desk::Millis wait = ResetWait(*resp, now);
    std::string remaining = resp->Header("ratelimit-remaining");
    if (remaining == "0" && wait > 0) blocked_until_ = now + wait;
    if (r.status == 429 || r.error == "RateLimitExceeded") {
      if (wait <= 0) {
        std::string after = resp->Header("retry-after");
        wait = !after.empty() && after.size() < 8 &&
                       std::all_of(after.begin(), after.end(),
                                   [](char c) { return c >= '0' && c <= '9'; })
                   ? std::stoll(after) * 1000
                   : kDefaultRateWaitMs;
      }
      blocked_until_ = std::max(blocked_until_, now + std::min(wait, kMaxRateWaitMs));
    }
    return r;
  }

  // ratelimit-reset: the epoch second the window resets (a small number is
  // taken as seconds from now); 0 when absent or past.
  static desk::Millis ResetWait(const HttpResponse& resp, desk::Millis now) {
    std::string reset = resp.Header("ratelimit-reset");
    if (reset.empty() || reset.size() > 12 ||
        !std::all_of(reset.begin(), reset.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return 0;
    }
    int64_t v = std::stoll(reset);
    desk::Millis wait = v > 1'000'000'000 ? v * 1000 - now : v * 1000;
    if (wait <= 0) return 0;
    return std::min(wait, kMaxRateWaitMs);
  }

  Status Map(const Reply& r, const std::string& label) {
    std::string msg = label + ": HTTP " + std::to_string(r.status);
    if (!r.error.empty()) msg += " " + r.error;
    if (!r.message.empty()) msg += ": " + r.message;
    desk::Millis now = clock_->NowMillis();
    if (r.status == 429 || r.error == "RateLimitExceeded") {
      retry_after_ms_ = std::max<desk::Millis>(blocked_until_ - now, 0);
      return Status::ResourceExhausted(msg + " (rate limited; retry after " +
                                       std::to_string(retry_after_ms_) + " ms)");
    }
    if (r.status >= 500) return Status::Unavailable(msg);
    static const std::set<std::string> kAuth = {"AuthenticationRequired",
                                                "InvalidToken",
                                                "ExpiredToken",
                                                "AccountTakedown",
                                                "AccountDeactivated",
                                                "AuthFactorTokenRequired",
                                                "AuthMissing"};
    if (r.status == 401 || r.status == 403 || kAuth.count(r.error) > 0) {
      return Status::PermissionDenied(msg);
    }
    if (r.status >= 400) return Status::InvalidArgument(msg);
    return Status::Unavailable(msg + " (unexpected status)");
  }

  static bool Expired(const Reply& r) {
    return (r.status == 400 || r.status == 401) && r.error == "ExpiredToken";
  }

  // An authenticated call; refreshes the session once on ExpiredToken.
  Result<Reply> Exchange(const Xrpc& x) {
    LP_ASSIGN_OR_RETURN(Reply r, Raw(x, access_));
    if (Expired(r)) {
      LP_RETURN_IF_ERROR(RefreshSession());
      LP_ASSIGN_OR_RETURN(r, Raw(x, access_));
    }
    return r;
  }

  // Exchange, with every non-2xx answer mapped to a Status.
  Result<Reply> Call(const Xrpc& x) {
    LP_ASSIGN_OR_RETURN(Reply r, Exchange(x));
    if (r.status < 200 || r.status > 299) return Map(r, x.nsid);
    if (r.body.is_discarded()) {
      if (r.raw.empty()) {
        r.body = json::object();
        return r;
      }
      return Status::Unavailable(x.nsid + ": the answer is not JSON");
    }
    return r;
  }

  Status EnsureSession() {
    if (access_.empty()) return CreateSession();
    if (access_exp_ > 0 && clock_->NowMillis() >= access_exp_ - kRefreshMarginMs) {
      return RefreshSession();
    }
    return Status::Ok();
  }

  Status ReadSession(const Reply& r, const std::string& label) {
    const std::string* access = StringAt(r.body, "accessJwt");
    const std::string* refresh = StringAt(r.body, "refreshJwt");
    const std::string* did = StringAt(r.body, "did");
    if (access == nullptr || access->empty() || HasSpaceOrControl(*access)) {
      return Status::Unavailable(label + ": /accessJwt is missing in the answer");
    }
    if (refresh == nullptr || refresh->empty() || HasSpaceOrControl(*refresh)) {
      return Status::Unavailable(label + ": /refreshJwt is missing in the answer");
    }
    if (did == nullptr || did->rfind("did:", 0) != 0 || HasSpaceOrControl(*did)) {
      return Status::Unavailable(label + ": /did is missing or not a DID");
    }
    if (!did_.empty() && *did != did_) {
      return Status::PermissionDenied(label + ": the session belongs to " +
                                      utf8::Sanitize(did->substr(0, 100)) + ", not " + did_);
    }
    access_ = *access;
    refresh_ = *refresh;
    did_ = *did;
    access_exp_ = JwtExpiry(access_);
    return Status::Ok();
  }

  Status CreateSession() {
    const std::string label = "com.atproto.server.createSession";
    Xrpc x;
    x.post = true;
    x.nsid = label;
    x.body = json{{"identifier", settings_.handle}, {"password", settings_.password}};
    access_.clear();
    refresh_.clear();
    access_exp_ = 0;
    LP_ASSIGN_OR_RETURN(Reply r, Raw(x, ""));
    if (r.status < 200 || r.status > 299) {
      if (r.status == 400 || r.status == 401) {
        if (r.error == "RateLimitExceeded") return Map(r, label);
        return Status::PermissionDenied(label + ": the handle or app password was refused (HTTP " +
                                        std::to_string(r.status) +
                                        (r.error.empty() ? "" : " " + r.error) +
                                        (r.message.empty() ? "" : ": " + r.message) + ")");
      }
      return Map(r, label);
    }
    return ReadSession(r, label);
  }

  Status RefreshSession() {
    if (refresh_.empty()) return CreateSession();
    const std::string label = "com.atproto.server.refreshSession";
    Xrpc x;
    x.post = true;
    x.nsid = label;
    LP_ASSIGN_OR_RETURN(Reply r, Raw(x, refresh_));
    if (r.status >= 200 && r.status <= 299) return ReadSession(r, label);
    if (r.status == 400 || r.status == 401) {
      if (r.error == "RateLimitExceeded") return Map(r, label);
      return CreateSession();  // refresh token expired or revoked
    }
    return Map(r, label);
  }

  // A record key in TID form (13 characters base32-sortable: 53 bits of
  // microseconds, 10 bits of clock id), new for every call.
  std::string NewTid(const std::string& key) {
    static constexpr char kAlphabet[] = "234567abcdefghijklmnopqrstuvwxyz";
    int64_t us = std::max<int64_t>(clock_->NowMillis() * 1000, last_tid_us_ + 1);
    last_tid_us_ = us;
    uint64_t v = ((static_cast<uint64_t>(us) & ((uint64_t{1} << 53) - 1)) << 10) |
                 (std::hash<std::string>{}(key)&1023u);
    std::string out(13, '2');
    for (int i = 12; i >= 0; --i) {
      out[static_cast<size_t>(i)] = kAlphabet[v & 31u];
      v >>= 5;
    }
    return out;
  }

  // com.atproto.repo.uploadBlob with the file's bytes and type; the blob
  // object of the answer, unchanged (its CID link is what the record
  // needs; rebuilding it could only lose fields).
  Result<json> UploadBlob(size_t index, const desk::OutboundMedia& m) {
    const std::string label =
        "media[" + std::to_string(index) + "] \"" + utf8::Sanitize(m.name.substr(0, 200)) + "\"";
    if (m.bytes == nullptr)
      return Status::InvalidArgument(label + ": the file's bytes are missing");
    Xrpc x;
    x.post = true;
    x.nsid = "com.atproto.repo.uploadBlob";
    x.raw_body = m.bytes.get();
    x.content_type = m.mime_type;
    x.timeout_ms = kUploadTimeoutMs;
    Result<Reply> r = Call(x);
    if (!r.ok()) return r.status().WithContext(label);
    auto blob = r->body.is_object() ? r->body.find("blob") : r->body.end();
    if (!r->body.is_object() || blob == r->body.end() || !blob->is_object() ||
        !blob->contains("ref")) {
      return Status::Unavailable(label +
                                 ": com.atproto.repo.uploadBlob: /blob is missing in the "
                                 "answer");
    }
    return *blob;
  }

  // A service token (com.atproto.server.getServiceAuth) for audience `aud`
  // and method `lxm`; `exp_s` (epoch seconds) 0 = the PDS's default expiry.
  Result<std::string> ServiceToken(const std::string& aud, const std::string& lxm, int64_t exp_s,
                                   const std::string& label) {
    Xrpc x;
    x.nsid = "com.atproto.server.getServiceAuth";
    x.query = {{"aud", aud}, {"lxm", lxm}};
    if (exp_s > 0) x.query.emplace_back("exp", std::to_string(exp_s));
    Result<Reply> r = Call(x);
    if (!r.ok()) return r.status().WithContext(label);
    const std::string* token = StringAt(r->body, "token");
    if (token == nullptr || token->empty() || HasSpaceOrControl(*token)) {
      return Status::Unavailable(label + ": " + x.nsid + ": /token is missing in the answer");
    }
    return *token;
  }

  // A call to the video service with `token` as bearer (none when empty),
  // unmapped; transport errors name the file.
  Result<Reply> VideoRaw(Xrpc x, const std::string& token, const std::string& label) {
    x.base = settings_.video_service_url;
    Result<Reply> r = Raw(x, token);
    if (!r.ok()) return r.status().WithContext(label);
    return r;
  }

  // The job status in an answer of the video service: {"jobStatus": {...}}
  // as the lexicons say, or the bare object (uploadVideo answers so).
  static const json* JobOf(const json& body) {
    if (!body.is_object()) return nullptr;
    auto it = body.find("jobStatus");
    if (it != body.end() && it->is_object()) return &*it;
    if (body.contains("jobId") || body.contains("blob")) return &body;
    return nullptr;
  }

  // The job's blob when it has one (a finished job, or a video the service
  // processed before: it answers already_exists with the earlier blob).
  static const json* BlobOf(const json* job) {
    if (job == nullptr) return nullptr;
    auto it = job->find("blob");
    if (it == job->end() || !it->is_object() || !it->contains("ref")) return nullptr;
    return &*it;
  }

  static std::string JobError(const json& job) {
    std::string out;
    if (const std::string* e = StringAt(job, "error")) out = utf8::Sanitize(e->substr(0, 100));
    if (const std::string* m = StringAt(job, "message")) {
      out += (out.empty() ? "" : ": ") + utf8::Sanitize(m->substr(0, 300));
    }
    return out.empty() ? "no reason given" : out;
  }

  // An MP4 through the video service, as Bluesky's documentation recommends
  // (the video is processed before the post exists, so the post never shows
  // a missing video): the account's limits (app.bsky.video.getUploadLimits
  // with a service token for the video service), a service token for the
  // PDS's uploadBlob (the video service stores the processed video on the
  // PDS with it), app.bsky.video.uploadVideo with the raw bytes, then
  // app.bsky.video.getJobStatus until the job has its blob. The blob
  // object as the job returned it.
  Result<json> UploadVideo(size_t index, const desk::OutboundMedia& m) {
    const std::string label =
        "media[" + std::to_string(index) + "] \"" + utf8::Sanitize(m.name.substr(0, 200)) + "\"";
    if (m.bytes == nullptr)
      return Status::InvalidArgument(label + ": the file's bytes are missing");
    const int64_t size = static_cast<int64_t>(m.bytes->size());

    // 1. May this account upload this video today?
    LP_ASSIGN_OR_RETURN(std::string limits_token,
                        ServiceToken(DidWebOf(settings_.video_service_url),
                                     "app.bsky.video.getUploadLimits", 0, label));
    Xrpc limits;
    limits.nsid = "app.bsky.video.getUploadLimits";
    LP_ASSIGN_OR_RETURN(Reply lr, VideoRaw(limits, limits_token, label));
    if (lr.status < 200 || lr.status > 299) return Map(lr, limits.nsid).WithContext(label);
    auto can = lr.body.is_object() ? lr.body.find("canUpload") : lr.body.end();
    if (!lr.body.is_object() || can == lr.body.end() || !can->is_boolean()) {
      return Status::Unavailable(label + ": " + limits.nsid +
                                 ": /canUpload is missing in the answer");
    }
    if (!can->get<bool>()) {
      return Status::FailedPrecondition(label + ": " + limits.nsid +
                                        ": the video service refuses uploads from this account (" +
                                        JobError(lr.body) + ")");
    }
    auto bytes_left = lr.body.find("remainingDailyBytes");
    if (bytes_left != lr.body.end() && bytes_left->is_number_integer() &&
        bytes_left->get<int64_t>() < size) {
      return Status::FailedPrecondition(label + ": " + limits.nsid + ": " +
                                        desk::FormatBytes(size) + " is more than the " +
                                        desk::FormatBytes(bytes_left->get<int64_t>()) +
                                        " of video this account may still upload today");
    }

    // 2. The token the video service uses to store the result on the PDS.
    LP_ASSIGN_OR_RETURN(std::string upload_token,
                        ServiceToken(DidWebOf(settings_.service_url), "com.atproto.repo.uploadBlob",
                                     clock_->NowMillis() / 1000 + kServiceTokenSeconds, label));

    // 3. The bytes, unchanged.
    Xrpc up;
    up.post = true;
    up.nsid = "app.bsky.video.uploadVideo";
    up.query = {{"did", did_}, {"name", m.name}};
    up.raw_body = m.bytes.get();
    up.content_type = m.mime_type;
    up.timeout_ms = kVideoUploadTimeoutMs;
    LP_ASSIGN_OR_RETURN(Reply ur, VideoRaw(up, upload_token, label));
    const json* job = JobOf(ur.body);
    if (const json* blob = BlobOf(job)) return *blob;
    const std::string* job_id = job != nullptr ? StringAt(*job, "jobId") : nullptr;
    if (ur.status < 200 || ur.status > 299) {
      // 409 already_exists without a blob: the earlier job is polled.
      if (ur.status != 409 || job_id == nullptr) return Map(ur, up.nsid).WithContext(label);
    }
    if (job_id == nullptr || job_id->empty() || HasSpaceOrControl(*job_id)) {
      return Status::Unavailable(label + ": " + up.nsid + ": /jobId is missing in the answer");
    }
    const std::string id = *job_id;

    // 4. Wait for the processing job: at most video_max_polls checks,
    // video_poll_interval_ms apart.
    std::string state = "JOB_STATE_CREATED";
    json current = job != nullptr ? *job : json::object();  // the newest job status
    for (int i = 0;; ++i) {
      if (const std::string* s = StringAt(current, "state")) {
        state = utf8::Sanitize(s->substr(0, 60));
      }
      if (state == "JOB_STATE_FAILED") {
        return Status::InvalidArgument(label + ": the video service could not process the video (" +
                                       JobError(current) + ")");
      }
      if (i == settings_.video_max_polls) break;
      if (i > 0 && settings_.video_poll_interval_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(settings_.video_poll_interval_ms));
      }
      Xrpc st;
      st.nsid = "app.bsky.video.getJobStatus";
      st.query = {{"jobId", id}};
      LP_ASSIGN_OR_RETURN(Reply sr, VideoRaw(st, "", label));
      job = JobOf(sr.body);
      if (const json* blob = BlobOf(job)) return *blob;
      if (sr.status < 200 || sr.status > 299) return Map(sr, st.nsid).WithContext(label);
      if (job == nullptr) {
        return Status::Unavailable(label + ": " + st.nsid +
                                   ": /jobStatus is missing in the answer");
      }
      current = *job;
      const std::string* s = StringAt(current, "state");
      if (s != nullptr && *s == "JOB_STATE_COMPLETED") {
        return Status::Unavailable(label + ": " + st.nsid +
                                   ": the job is completed but /jobStatus/blob is missing");
      }
    }
    return Status::Unavailable(label + ": app.bsky.video.getJobStatus: job " +
                               utf8::Sanitize(id.substr(0, 100)) + " is still " + state +
                               " after " + std::to_string(settings_.video_max_polls) +
                               " checks; a retry uploads again");
  }

  // The URI of our post with record key `rkey`, "" when there is none.
  Result<std::string> ExistingPost(const std::string& rkey) {
    Xrpc x;
    x.nsid = "com.atproto.repo.getRecord";
    x.query = {{"repo", did_}, {"collection", "app.bsky.feed.post"}, {"rkey", rkey}};
    LP_ASSIGN_OR_RETURN(Reply r, Exchange(x));
    if ((r.status == 400 || r.status == 404) && r.error == "RecordNotFound") return std::string();
    if (r.status < 200 || r.status > 299) return Map(r, x.nsid);
    const std::string* uri = StringAt(r.body, "uri");
    if (uri != nullptr && IsAtUri(*uri)) return *uri;
    return "at://" + did_ + "/app.bsky.feed.post/" + rkey;
  }

  // Root and parent strong refs for a reply to `parent_uri`.
  Result<Thread> ReplyTarget(const std::string& parent_uri) {
    if (auto it = threads_.find(parent_uri); it != threads_.end()) return it->second;
    Xrpc x;
    x.nsid = "app.bsky.feed.getPosts";
    x.query = {{"uris", parent_uri}};
    LP_ASSIGN_OR_RETURN(Reply r, Call(x));
    auto posts = r.body.is_object() ? r.body.find("posts") : r.body.end();
    if (!r.body.is_object() || posts == r.body.end() || !posts->is_array()) {
      return Status::Unavailable("app.bsky.feed.getPosts: /posts is missing in the answer");
    }
    for (const json& p : *posts) {
      const std::string* uri = StringAt(p, "uri");
      const std::string* cid = StringAt(p, "cid");
      if (uri == nullptr || *uri != parent_uri) continue;
      if (cid == nullptr || cid->empty()) {
        return Status::Unavailable("app.bsky.feed.getPosts: /posts/0/cid is missing");
      }
      Thread t;
      t.parent = {*uri, *cid};
      t.root = t.parent;
      auto rec = p.find("record");
      if (rec != p.end() && rec->is_object()) {
        auto reply = rec->find("reply");
        if (reply != rec->end() && reply->is_object()) {
          auto root = reply->find("root");
          const std::string* ruri = root != reply->end() ? StringAt(*root, "uri") : nullptr;
          const std::string* rcid = root != reply->end() ? StringAt(*root, "cid") : nullptr;
          if (ruri == nullptr || !IsAtUri(*ruri) || rcid == nullptr || rcid->empty()) {
            return Status::Unavailable(
                "app.bsky.feed.getPosts: /posts/0/record/reply/root is not a strong reference");
          }
          t.root = {*ruri, *rcid};
        }
      }
      Cache(&threads_, parent_uri, t);
      return t;
    }
    return Status::NotFound("the post " + utf8::Sanitize(parent_uri.substr(0, 200)) +
                            " no longer exists (deleted or hidden); the reply cannot be threaded");
  }

  // The DID of a handle, "" when there is no such account.
  Result<std::string> ResolveHandle(const std::string& handle) {
    if (auto it = dids_.find(handle); it != dids_.end()) return it->second;
    Xrpc x;
    x.nsid = "com.atproto.identity.resolveHandle";
    x.query = {{"handle", handle}};
    Result<Reply> r = Call(x);
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kInvalidArgument) return std::string();
      return r.status();
    }
    const std::string* did = StringAt(r->body, "did");
    if (did == nullptr || did->rfind("did:", 0) != 0 || HasSpaceOrControl(*did)) {
      return std::string();
    }
    Cache(&dids_, handle, *did);
    return *did;
  }

  Settings settings_;
  const Clock* clock_;
  HttpClient http_;
  std::string access_;
  std::string refresh_;
  std::string did_;
  desk::Millis access_exp_ = 0;
  desk::Millis retry_after_ms_ = 0;
  desk::Millis blocked_until_ = 0;
  std::vector<std::string> rejected_;
  std::map<std::string, Thread> threads_;     // post URI -> root and itself
  std::map<std::string, std::string> dids_;   // handle -> DID of polled authors
  std::map<std::string, std::string> rkeys_;  // idempotency key -> record key
  int64_t last_tid_us_ = 0;
};

}  // namespace

Result<std::unique_ptr<BlueskyChannel>> MakeBluesky(const desk::ChannelConfig& config,
                                                    const Clock* clock) {
  LP_ASSIGN_OR_RETURN(Settings s, ReadSettings(config));
  if (clock == nullptr) clock = &SystemClock::Default();
  return std::unique_ptr<BlueskyChannel>(std::make_unique<BlueskyChannelImpl>(std::move(s), clock));
}

Result<std::unique_ptr<desk::Channel>> MakeBlueskyChannel(const desk::ChannelConfig& config) {
  LP_ASSIGN_OR_RETURN(std::unique_ptr<BlueskyChannel> c, MakeBluesky(config));
  return std::unique_ptr<desk::Channel>(std::move(c));
}

}  // namespace leitplanke::channels::bluesky
