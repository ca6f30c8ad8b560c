// Publish routes: posts and their variants, the live check per variant,
// submit / schedule / cancel / cool-down, the calendar and channel queues,
// advocacy shares, the user's notifications. The rules live in
// publish::Publisher; this file maps JSON to calls (docs/PUBLISH.md).
#include <charconv>

#include <nlohmann/json.hpp>

#include "leitplanke/desk/media.h"
#include "leitplanke/trust/tokens.h"

#include "http/json_body.h"
#include "server/app.h"
#include "server/route_util.h"
#include "server/verdict_json.h"

namespace leitplanke::server {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;
using publish::Publisher;
using store::Post;

http::RouteOptions Blocking(std::string permission, std::string summary) {
  return BlockingRoute("publish", std::move(permission), std::move(summary));
}

json ParseOrString(const std::string& text) {
  if (text.empty()) return json::object();
  json j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(text) : j;
}

json EstimateJson(const desk::SendEstimate& e) {
  json j = {{"length", e.length}, {"limit", e.limit}, {"unit", e.unit}};
  if (e.cost > 0) {
    j["cost"] = e.cost;
    j["currency"] = e.currency;
  }
  if (!e.warning.empty()) j["warning"] = e.warning;
  return j;
}

json AssetJson(const store::Asset& a) {
  return {{"id", a.id},
          {"name", a.name},
          {"mime_type", a.mime_type},
          {"url", a.url},
          {"licence", a.licence},
          {"consent", a.consent},
          {"created_by", a.created_by_name},
          {"created_at", IsoTime(a.created_at)},
          {"sha256", a.sha256},
          {"size", a.size},
          {"width", a.width},
          {"height", a.height},
          {"alt_text", a.alt_text},
          {"file_url", a.sha256.empty() ? "" : "/api/v1/assets/" + std::to_string(a.id) + "/file"}};
}

json MediaLimitsJson(const desk::MediaLimits& l) {
  return {{"max_images", l.max_images},
          {"max_videos", l.max_videos},
          {"mix_images_and_videos", l.mix_images_and_videos},
          {"max_image_bytes", l.max_image_bytes},
          {"max_gif_bytes", l.max_gif_bytes},
          {"max_video_bytes", l.max_video_bytes},
          {"max_alt_text", l.max_alt_text},
          {"mime_types", l.mime_types}};
}

json MediumJson(const store::Asset& a, bool native) {
  return {{"asset_id", a.id},
          {"name", a.name},
          {"mime_type", a.mime_type},
          {"size", a.size},
          {"native", native}};
}

// A stored variant's media from its record (PostVariant::media). Variants
// checked before media were recorded (schema v6: URL references only) list
// their assets as links.
json VariantMediaJson(const Publisher& pub, const store::PostVariant& v) {
  json out = json::array();
  if (v.media.empty()) {
    for (int64_t id : v.asset_ids) {
      Result<store::Asset> a = pub.GetAsset(id);
      if (a.ok()) out.push_back(MediumJson(*a, false));
    }
    return out;
  }
  json parsed = json::parse(v.media, nullptr, false);
  if (!parsed.is_array()) return out;
  for (const json& m : parsed) {
    if (!m.is_object()) continue;
    out.push_back({{"asset_id", m.value("asset_id", int64_t{0})},
                   {"name", m.value("name", "")},
                   {"mime_type", m.value("mime_type", "")},
                   {"size", m.value("size", int64_t{0})},
                   {"native", m.value("native", false)}});
  }
  return out;
}

json PostJson(const Publisher& pub, const Post& p) {
  json variants = json::array();
  for (const store::PostVariant& v : p.variants) {
    variants.push_back({{"id", v.id},
                        {"channel_id", v.channel_id},
                        {"channel", v.channel_name},
                        {"channel_kind", v.channel_kind},
                        {"text", v.text},
                        {"wire_text", v.wire_text},
                        {"action", v.action},
                        {"verdict", ParseOrString(v.verdict)},
                        {"state", publish::VariantStateName(v.state)},
                        {"attempts", v.attempts},
                        {"next_attempt_at", IsoTime(v.next_attempt_at)},
                        {"last_error", v.last_error},
                        {"external_id", v.external_id},
                        {"sent_at", IsoTime(v.sent_at)},
                        {"asset_ids", v.asset_ids},
                        {"media_limits", MediaLimitsJson(pub.ChannelMediaLimits(v.channel_id))},
                        {"media", VariantMediaJson(pub, v)}});
  }
  return {{"id", p.id},
          {"title", p.title},
          {"body", p.body},
          {"link", p.link},
          {"author", p.author_name},
          {"team_id", p.team_id},
          {"state", publish::PostStateName(p.state)},
          {"version", p.version},
          {"scheduled_at", IsoTime(p.scheduled_at)},
          {"scheduled_local", p.scheduled_at ? pub.LocalTime(p.scheduled_at) : ""},
          {"shareable", p.shareable},
          {"flags", p.flags},
          {"cooldown_until", IsoTime(p.cooldown_until)},
          {"cooldown_confirmed", p.cooldown_confirmed},
          {"needs_confirmation", p.cooldown_until != 0 && !p.cooldown_confirmed},
          {"reason", p.reason},
          {"approval_id", p.approval_id},
          {"created_at", IsoTime(p.created_at)},
          {"updated_at", IsoTime(p.updated_at)},
          {"sent_at", IsoTime(p.sent_at)},
          {"variants", std::move(variants)}};
}

json ChecksJson(const std::vector<publish::VariantCheck>& checks) {
  json out = json::array();
  for (const publish::VariantCheck& c : checks) {
    json j = {{"channel_id", c.channel_id},
              {"channel", c.channel_name},
              {"channel_kind", c.channel_kind},
              {"wire_text", c.wire_text},
              {"estimate", EstimateJson(c.estimate)}};
    json assets = json::array();
    json media = json::array();
    for (size_t i = 0; i < c.assets.size(); ++i) {
      assets.push_back(AssetJson(c.assets[i]));
      media.push_back(MediumJson(c.assets[i], i < c.native.size() && c.native[i]));
    }
    j["assets"] = std::move(assets);
    j["media"] = std::move(media);
    j["media_limits"] = MediaLimitsJson(c.media_limits);
    if (!c.error.empty()) {
      j["error"] = c.error;
      j["verdict"] = {{"action", "block"}, {"findings", json::array()}};
    } else {
      j["verdict"] = ParseOrString(VerdictToJson(c.verdict, "", false));
    }
    out.push_back(std::move(j));
  }
  return out;
}

json OutcomeJson(const Publisher& pub, const publish::SubmitOutcome& o) {
  json j = {{"decision", publish::SubmitDecisionName(o.decision)},
            {"post", PostJson(pub, o.post)},
            {"checks", ChecksJson(o.checks)},
            {"approval_reasons", o.approval_reasons},
            {"message", o.message}};
  if (o.decision == publish::SubmitDecision::kSubmitted) j["approval_id"] = o.approval.id;
  return j;
}

// Field readers over a parsed body; errors name the JSON pointer.
Result<std::string> Str(const json& b, const std::string& ptr, bool required) {
  const json::json_pointer p(ptr);
  if (!b.contains(p) || b.at(p).is_null()) {
    if (required) return Status::InvalidArgument(ptr + " is required");
    return std::string();
  }
  if (!b.at(p).is_string()) return Status::InvalidArgument(ptr + " must be a string");
  return b.at(p).get<std::string>();
}

Result<int64_t> Int(const json& b, const std::string& ptr, int64_t fallback) {
  const json::json_pointer p(ptr);
  if (!b.contains(p) || b.at(p).is_null()) return fallback;
  if (!b.at(p).is_number_integer()) return Status::InvalidArgument(ptr + " must be an integer");
  return b.at(p).get<int64_t>();
}

Result<bool> Bool(const json& b, const std::string& ptr, bool fallback) {
  const json::json_pointer p(ptr);
  if (!b.contains(p) || b.at(p).is_null()) return fallback;
  if (!b.at(p).is_boolean()) return Status::InvalidArgument(ptr + " must be true or false");
  return b.at(p).get<bool>();
}

Result<publish::PostDraft> DraftFrom(const json& b, bool require_title = true) {
  if (!b.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  publish::PostDraft d;
  LP_ASSIGN_OR_RETURN(d.title, Str(b, "/title", require_title));
  LP_ASSIGN_OR_RETURN(d.body, Str(b, "/body", false));
  LP_ASSIGN_OR_RETURN(d.link, Str(b, "/link", false));
  LP_ASSIGN_OR_RETURN(d.team_id, Int(b, "/team_id", 0));
  if (b.contains("flags")) {
    if (!b["flags"].is_array()) return Status::InvalidArgument("/flags must be an array");
    for (size_t i = 0; i < b["flags"].size(); ++i) {
      LP_ASSIGN_OR_RETURN(std::string f, Str(b, "/flags/" + std::to_string(i), true));
      d.flags.push_back(std::move(f));
    }
  }
  if (!b.contains("variants") || !b["variants"].is_array()) {
    return Status::InvalidArgument("/variants must be an array of {channel_id, text}");
  }
  for (size_t i = 0; i < b["variants"].size(); ++i) {
    const std::string at = "/variants/" + std::to_string(i);
    publish::DraftVariant v;
    LP_ASSIGN_OR_RETURN(v.channel_id, Int(b, at + "/channel_id", 0));
    if (v.channel_id <= 0) return Status::InvalidArgument(at + "/channel_id is required");
    LP_ASSIGN_OR_RETURN(v.text, Str(b, at + "/text", false));
    const json::json_pointer assets(at + "/asset_ids");
    if (b.contains(assets) && !b.at(assets).is_null()) {
      if (!b.at(assets).is_array()) {
        return Status::InvalidArgument(at + "/asset_ids must be an array of asset ids");
      }
      for (size_t j = 0; j < b.at(assets).size(); ++j) {
        LP_ASSIGN_OR_RETURN(int64_t asset, Int(b, at + "/asset_ids/" + std::to_string(j), 0));
        if (asset <= 0) {
          return Status::InvalidArgument(at + "/asset_ids/" + std::to_string(j) +
                                         " must be an asset id");
        }
        v.asset_ids.push_back(asset);
      }
    }
    d.variants.push_back(std::move(v));
  }
  return d;
}

// A handler over a JSON body (an empty body reads as {}).
template <class F>
http::Handler BodyHandler(int ok_status, F body) {
  return [ok_status, body](Request& req) -> Response {
    json doc = json::object();
    if (!req.body.empty()) {
      LP_HTTP_ASSIGN_OR_RESPOND(json parsed, http::ParseJsonBody(req));
      doc = std::move(parsed);
    }
    if (!doc.is_object()) {
      return StatusResponse(Status::InvalidArgument("the body must be a JSON object"));
    }
    Result<json> r = body(req, doc);
    if (!r.ok()) return StatusResponse(r.status());
    return JsonResponse(ok_status, *r);
  };
}

template <class F>
http::Handler QueryHandler(F body) {
  return [body](Request& req) -> Response {
    Result<json> r = body(req);
    if (!r.ok()) return StatusResponse(r.status());
    return JsonResponse(200, *r);
  };
}

Result<int64_t> QueryInt(const Request& req, std::string_view name, int64_t fallback) {
  std::optional<std::string_view> v = req.Query(name);
  if (!v || v->empty()) return fallback;
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size()) {
    return Status::InvalidArgument(std::string(name) + " must be an integer");
  }
  return out;
}

// A calendar bound: a local date ("2026-12-01" = its midnight in the
// company's time zone), a local or RFC 3339 time.
Result<Millis> When(const Publisher& pub, const Request& req, std::string_view name) {
  std::optional<std::string_view> v = req.Query(name);
  if (!v || v->empty()) return Status::InvalidArgument(std::string(name) + " is required");
  std::string text(*v);
  if (text.size() == 10) text += "T00:00";
  Result<Millis> at = pub.ParseWhen(text);
  if (!at.ok()) return at.status().WithContext(std::string(name));
  return at;
}

// "image/jpeg" from "Image/JPEG; charset=x"; the common alias image/jpg.
std::string BareType(std::string_view v) {
  const size_t semi = v.find(';');
  if (semi != std::string_view::npos) v = v.substr(0, semi);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  std::string out;
  for (char c : v) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out == "image/jpg" || out == "image/pjpeg") out = "image/jpeg";
  return out;
}

// A file name for Content-Disposition: printable ASCII without quotes or
// backslashes in `filename`, the exact UTF-8 name in `filename*`.
std::string ContentDisposition(std::string_view name) {
  std::string ascii;
  std::string encoded;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : name) {
    ascii +=
        (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != ';') ? static_cast<char>(c) : '_';
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  if (ascii.empty()) ascii = "file";
  return "inline; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

// Whether an If-None-Match header names `etag` (a list, weak tags, "*").
bool EtagMatches(std::string_view header, std::string_view etag) {
  size_t at = 0;
  while (at < header.size()) {
    size_t comma = header.find(',', at);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view tag = header.substr(at, comma - at);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.rfind("W/", 0) == 0) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    at = comma + 1;
  }
  return false;
}

Result<std::optional<std::string>> OptStr(const json& b, const std::string& ptr) {
  const json::json_pointer p(ptr);
  if (!b.contains(p) || b.at(p).is_null()) return std::optional<std::string>();
  if (!b.at(p).is_string()) return Status::InvalidArgument(ptr + " must be a string");
  return std::optional<std::string>(b.at(p).get<std::string>());
}

}  // namespace

Status AddPublishRoutes(AppContext& ctx, http::Router& router) {
  Publisher& pub = *ctx.publisher;
  store::Store& st = *ctx.store;

  // --- posts ------------------------------------------------------------------------
  LP_RETURN_IF_ERROR(
      router.Handle("GET", "/api/v1/posts", QueryHandler([&pub, &st](Request& req) -> Result<json> {
                      store::PostQuery q;
                      if (auto s = req.Query("state"); s && !s->empty()) {
                        LP_ASSIGN_OR_RETURN(store::PostState state, publish::ParsePostState(*s));
                        q.states = {state};
                      }
                      LP_ASSIGN_OR_RETURN(q.channel_id, QueryInt(req, "channel_id", 0));
                      LP_ASSIGN_OR_RETURN(q.before_id, QueryInt(req, "before_id", 0));
                      LP_ASSIGN_OR_RETURN(int64_t limit, QueryInt(req, "limit", 50));
                      q.limit = static_cast<int32_t>(std::clamp<int64_t>(limit, 1, 200));
                      if (req.Query("mine").value_or("") == "1") q.author_id = CurrentUser(req).id;
                      LP_ASSIGN_OR_RETURN(std::vector<Post> posts, st.publish().ListPosts(q));
                      json out = json::array();
                      for (const Post& p : posts) out.push_back(PostJson(pub, p));
                      return json{{"posts", std::move(out)}};
                    }),
                    Blocking("posts:read", "Posts, newest first (filter by state, channel, own)")));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/posts/channels", QueryHandler([&st](Request&) -> Result<json> {
        LP_ASSIGN_OR_RETURN(std::vector<store::ChannelRow> channels, st.desk().ListChannels());
        json out = json::array();
        for (const store::ChannelRow& c : channels) {
          out.push_back({{"id", c.id},
                         {"name", c.name},
                         {"kind", c.kind},
                         {"paused", c.paused},
                         {"healthy", store::ChannelHealthy(c)}});
        }
        return json{{"channels", std::move(out)}};
      }),
      Blocking("posts:read", "Channel accounts a post can have a variant on")));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/publish/settings", QueryHandler([&pub](Request&) -> Result<json> {
        return json{{"time_zone", pub.options().time_zone}};
      }),
      Blocking("posts:read",
               "Publish settings the UI shows: the company's time zone (IANA name) in which "
               "calendar days, weeks and posting windows are counted")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/posts/check",
      BodyHandler(200,
                  [&pub](Request& req, const json& body) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(publish::PostDraft d, DraftFrom(body, false));
                    LP_ASSIGN_OR_RETURN(std::vector<publish::VariantCheck> checks,
                                        pub.Check(CurrentUser(req), d));
                    return json{{"checks", ChecksJson(checks)}};
                  }),
      Blocking("posts:write",
               "Live check: every variant rendered to its wire text and checked; nothing "
               "stored")));

  LP_RETURN_IF_ERROR(
      router.Handle("POST", "/api/v1/posts",
                    BodyHandler(201,
                                [&pub](Request& req, const json& body) -> Result<json> {
                                  LP_ASSIGN_OR_RETURN(publish::PostDraft d, DraftFrom(body));
                                  LP_ASSIGN_OR_RETURN(Post p, pub.Create(CurrentUser(req), d));
                                  return PostJson(pub, p);
                                }),
                    Blocking("posts:write", "Create a draft post with one variant per channel")));

  LP_RETURN_IF_ERROR(
      router.Handle("GET", "/api/v1/posts/{id}", QueryHandler([&pub](Request& req) -> Result<json> {
                      LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                      LP_ASSIGN_OR_RETURN(Post p, pub.Get(id));
                      return PostJson(pub, p);
                    }),
                    Blocking("posts:read", "One post with its variants, wire texts and findings")));

  LP_RETURN_IF_ERROR(router.Handle(
      "PUT", "/api/v1/posts/{id}",
      BodyHandler(200,
                  [&pub](Request& req, const json& body) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                    LP_ASSIGN_OR_RETURN(int64_t version, Int(body, "/version", -2));
                    if (version == -2) return Status::InvalidArgument("/version is required");
                    LP_ASSIGN_OR_RETURN(publish::PostDraft d, DraftFrom(body));
                    LP_ASSIGN_OR_RETURN(publish::SubmitOutcome o,
                                        pub.Update(id, CurrentUser(req), d, version));
                    return OutcomeJson(pub, o);
                  }),
      Blocking("posts:write",
               "Edit a post (the version seen); a submitted, approved or scheduled post goes "
               "back to approval")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/posts/{id}/submit",
      BodyHandler(200,
                  [&pub](Request& req, const json& body) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                    LP_ASSIGN_OR_RETURN(int64_t version, Int(body, "/version", -1));
                    LP_ASSIGN_OR_RETURN(publish::SubmitOutcome o,
                                        pub.Submit(id, CurrentUser(req), version));
                    return OutcomeJson(pub, o);
                  }),
      Blocking("posts:write",
               "Submit: checked again; blocked, approved at once, or waiting for approval")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/posts/{id}/schedule",
      BodyHandler(200,
                  [&pub](Request& req, const json& body) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                    LP_ASSIGN_OR_RETURN(std::string when, Str(body, "/scheduled_at", true));
                    LP_ASSIGN_OR_RETURN(int64_t version, Int(body, "/version", -1));
                    LP_ASSIGN_OR_RETURN(Post p, pub.Schedule(id, CurrentUser(req), when, version));
                    return PostJson(pub, p);
                  }),
      Blocking("posts:write",
               "Schedule at a local time of the company's time zone, an RFC 3339 time or now")));

  // Unschedule and cancel: the post's id and version in, the post out.
  using VersionedAction = Result<Post> (Publisher::*)(int64_t, const store::User&, int64_t);
  struct VersionedRoute {
    const char* path;
    VersionedAction action;
    const char* summary;
  };
  for (const VersionedRoute& route :
       {VersionedRoute{"/api/v1/posts/{id}/unschedule", &Publisher::Unschedule,
                       "Take a post off the schedule (it stays approved)"},
        VersionedRoute{"/api/v1/posts/{id}/cancel", &Publisher::Cancel,
                       "Cancel a post that has not been sent"}}) {
    LP_RETURN_IF_ERROR(router.Handle(
        "POST", route.path,
        BodyHandler(200,
                    [&pub, action = route.action](Request& req, const json& body) -> Result<json> {
                      LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                      LP_ASSIGN_OR_RETURN(int64_t version, Int(body, "/version", -1));
                      LP_ASSIGN_OR_RETURN(Post p, (pub.*action)(id, CurrentUser(req), version));
                      return PostJson(pub, p);
                    }),
        Blocking("posts:write", route.summary)));
  }

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/posts/{id}/cooldown/confirm",
      BodyHandler(200,
                  [&pub](Request& req, const json&) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                    LP_ASSIGN_OR_RETURN(Post p, pub.ConfirmCooldown(id, CurrentUser(req)));
                    return PostJson(pub, p);
                  }),
      Blocking("posts:write",
               "\"Still want to send?\" — yes: the post leaves when its cool-down is over")));

  LP_RETURN_IF_ERROR(router.Handle(
      "PUT", "/api/v1/posts/{id}/shareable",
      BodyHandler(200,
                  [&pub](Request& req, const json& body) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                    const json::json_pointer ptr("/shareable");
                    if (!body.contains(ptr) || !body.at(ptr).is_boolean()) {
                      return Status::InvalidArgument("/shareable must be true or false");
                    }
                    LP_ASSIGN_OR_RETURN(
                        Post p, pub.SetShareable(id, CurrentUser(req), body.at(ptr).get<bool>()));
                    return PostJson(pub, p);
                  }),
      Blocking("posts:write", "Release an approved post for employee advocacy (or withdraw it)")));

  // --- media library --------------------------------------------------------------------
  LP_RETURN_IF_ERROR(
      router.Handle("GET", "/api/v1/assets", QueryHandler([&pub](Request&) -> Result<json> {
                      LP_ASSIGN_OR_RETURN(std::vector<store::Asset> assets, pub.Assets());
                      json out = json::array();
                      for (const store::Asset& a : assets) out.push_back(AssetJson(a));
                      return json{{"assets", std::move(out)}};
                    }),
                    Blocking("posts:read", "The media library with licence and consent notes")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/assets",
      BodyHandler(201,
                  [&pub](Request& req, const json& body) -> Result<json> {
                    store::Asset a;
                    LP_ASSIGN_OR_RETURN(a.name, Str(body, "/name", true));
                    LP_ASSIGN_OR_RETURN(a.url, Str(body, "/url", true));
                    LP_ASSIGN_OR_RETURN(a.mime_type, Str(body, "/mime_type", false));
                    LP_ASSIGN_OR_RETURN(a.licence, Str(body, "/licence", false));
                    LP_ASSIGN_OR_RETURN(a.consent, Str(body, "/consent", false));
                    LP_ASSIGN_OR_RETURN(a.alt_text, Str(body, "/alt_text", false));
                    LP_ASSIGN_OR_RETURN(store::Asset stored,
                                        pub.AddAsset(CurrentUser(req), std::move(a)));
                    return AssetJson(stored);
                  }),
      Blocking("posts:write",
               "Add a medium (its URL, licence note and consent of the people shown) to the "
               "library")));

  // A file upload: the raw body is the file (no multipart), the notes in
  // the query. Larger than other bodies: [publish] media_max_bytes.
  http::RouteOptions upload =
      Blocking("posts:write",
               "Upload a picture or video into the library (raw body; name, alt_text, licence, "
               "consent in the query)");
  upload.body_limit = static_cast<size_t>(ctx.config.publish_media_max_bytes);
  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/assets/files",
      [&pub](Request& req) -> Response {
        store::Asset notes;
        notes.name = std::string(req.Query("name").value_or(""));
        notes.alt_text = std::string(req.Query("alt_text").value_or(""));
        notes.licence = std::string(req.Query("licence").value_or(""));
        notes.consent = std::string(req.Query("consent").value_or(""));
        if (notes.name.empty()) {
          return StatusResponse(Status::InvalidArgument("the query parameter name is required"),
                                "name");
        }
        if (req.body.empty()) {
          return StatusResponse(Status::InvalidArgument("the request body (the file) is empty"));
        }
        Result<desk::MediaInfo> info = desk::SniffMedia(req.body);
        if (!info.ok()) return StatusResponse(info.status());
        const std::string declared = BareType(req.headers.Get("content-type").value_or(""));
        if (!declared.empty() && declared != "application/octet-stream" &&
            declared != info->mime_type) {
          return Response::Error(
              415, "unsupported_media_type",
              "Content-Type " + declared + " does not match the file, which is " + info->mime_type);
        }
        std::string sha256 = trust::Sha256Hex(req.body);
        auto bytes = std::make_shared<const std::string>(std::move(req.body));
        Result<store::Asset> stored = pub.AddFileAsset(CurrentUser(req), std::move(notes),
                                                       std::move(bytes), std::move(sha256));
        if (!stored.ok()) return StatusResponse(stored.status());
        return JsonResponse(201, AssetJson(*stored));
      },
      std::move(upload)));

  // Every role holds "check": any signed-in user (with the second factor
  // passed) may see the library's files.
  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/assets/{id}/file",
      [&pub](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        Result<store::Asset> asset = pub.GetAsset(*id);
        if (!asset.ok()) return StatusResponse(asset.status());
        if (asset->sha256.empty()) {
          return StatusResponse(Status::NotFound("asset " + std::to_string(*id) +
                                                 " is a link, not a stored file: " + asset->url));
        }
        const std::string etag = "\"" + asset->sha256 + "\"";
        Response r;
        r.headers.Set("ETag", etag);
        r.headers.Set("Cache-Control", "private, max-age=3600");
        r.headers.Set("X-Content-Type-Options", "nosniff");
        if (EtagMatches(req.headers.Get("if-none-match").value_or(""), etag)) {
          r.status = 304;
          return r;
        }
        Result<store::MediaFile> file = pub.AssetFile(*id);
        if (!file.ok()) return StatusResponse(file.status());
        r.status = 200;
        r.content_type = file->mime_type;
        r.headers.Set("Content-Disposition", ContentDisposition(asset->name));
        r.body.assign(*file->bytes);
        return r;
      },
      Blocking("check", "A stored file of the library (ETag = its SHA-256)")));

  LP_RETURN_IF_ERROR(router.Handle(
      "PATCH", "/api/v1/assets/{id}",
      BodyHandler(200,
                  [&pub](Request& req, const json& body) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                    publish::AssetPatch patch;
                    LP_ASSIGN_OR_RETURN(patch.name, OptStr(body, "/name"));
                    LP_ASSIGN_OR_RETURN(patch.alt_text, OptStr(body, "/alt_text"));
                    LP_ASSIGN_OR_RETURN(patch.licence, OptStr(body, "/licence"));
                    LP_ASSIGN_OR_RETURN(patch.consent, OptStr(body, "/consent"));
                    LP_ASSIGN_OR_RETURN(store::Asset stored,
                                        pub.UpdateAsset(CurrentUser(req), id, patch));
                    return AssetJson(stored);
                  }),
      Blocking("posts:write",
               "Change a medium's name, alt text, licence note or consent (posts using it are "
               "held before sending until checked again)")));

  LP_RETURN_IF_ERROR(router.Handle(
      "DELETE", "/api/v1/assets/{id}",
      [&pub](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        Status s = pub.DeleteAsset(CurrentUser(req), *id);
        if (!s.ok()) return StatusResponse(s);
        return Response::NoContent();
      },
      Blocking("posts:write", "Delete a medium no post uses (409 while one does)")));

  // --- calendar -------------------------------------------------------------------------
  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/calendar", QueryHandler([&pub](Request& req) -> Result<json> {
        LP_ASSIGN_OR_RETURN(Millis from, When(pub, req, "from"));
        LP_ASSIGN_OR_RETURN(Millis to, When(pub, req, "to"));
        LP_ASSIGN_OR_RETURN(int64_t channel, QueryInt(req, "channel_id", 0));
        LP_ASSIGN_OR_RETURN(std::vector<Post> posts, pub.Calendar(from, to, channel));
        json out = json::array();
        for (const Post& p : posts) out.push_back(PostJson(pub, p));
        return json{{"from", IsoTime(from)},
                    {"to", IsoTime(to)},
                    {"time_zone", pub.options().time_zone},
                    {"posts", std::move(out)}};
      }),
      Blocking("posts:read",
               "Posts scheduled (or sent) between two dates, for a week or month view")));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/calendar/queues", QueryHandler([&pub, &st](Request& req) -> Result<json> {
        LP_ASSIGN_OR_RETURN(int64_t only, QueryInt(req, "channel_id", 0));
        LP_ASSIGN_OR_RETURN(std::vector<store::ChannelRow> channels, st.desk().ListChannels());
        json out = json::array();
        for (const store::ChannelRow& c : channels) {
          if (only != 0 && c.id != only) continue;
          LP_ASSIGN_OR_RETURN(std::vector<Post> posts, pub.Queue(c.id));
          json list = json::array();
          for (const Post& p : posts) list.push_back(PostJson(pub, p));
          out.push_back({{"channel_id", c.id},
                         {"channel", c.name},
                         {"kind", c.kind},
                         {"paused", c.paused},
                         {"posts", std::move(list)}});
        }
        return json{{"queues", std::move(out)}};
      }),
      Blocking("posts:read", "The send queue of each channel: scheduled, sending and held posts")));

  // --- advocacy -------------------------------------------------------------------------
  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/advocacy/posts", QueryHandler([&pub](Request&) -> Result<json> {
        LP_ASSIGN_OR_RETURN(std::vector<Post> posts, pub.Shareable());
        json out = json::array();
        for (const Post& p : posts) {
          out.push_back({{"id", p.id},
                         {"title", p.title},
                         {"body", p.body},
                         {"link", p.link},
                         {"state", publish::PostStateName(p.state)},
                         {"sent_at", IsoTime(p.sent_at)}});
        }
        return json{{"posts", std::move(out)}};
      }),
      Blocking("advocacy", "Approved posts released for sharing on one's own accounts")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/advocacy/posts/{id}/share",
      [&pub](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        publish::ShareRequest r;
        Result<std::string> words = Str(body, "/own_words", false);
        Result<std::string> network = Str(body, "/network", true);
        Result<bool> add = Bool(body, "/add_disclosure", false);
        Result<bool> preview = Bool(body, "/preview", false);
        for (const Status& s : {words.status(), network.status(), add.status(), preview.status()}) {
          if (!s.ok()) return StatusResponse(s);
        }
        r.own_words = *words;
        r.network = *network;
        r.add_disclosure = *add;
        r.preview = *preview;
        Result<publish::ShareOutcome> out = pub.Share(*id, CurrentUser(req), r);
        if (!out.ok()) return StatusResponse(out.status());
        json j = {{"allowed", out->allowed},
                  {"text", out->text},
                  {"disclosed", out->disclosed},
                  {"verdict", ParseOrString(VerdictToJson(out->verdict, "", false))},
                  {"message", out->message}};
        if (out->share.id != 0) {
          j["share"] = {{"id", out->share.id},
                        {"network", out->share.network},
                        {"created_at", IsoTime(out->share.created_at)}};
        }
        // A refused share is an answer, not an error: the findings say why. A preview
        // answers 200 either way ("allowed" says it); a refused real share is 422.
        if (r.preview) return JsonResponse(200, j);
        return JsonResponse(out->allowed ? (out->share.id != 0 ? 201 : 200) : 422, j);
      },
      Blocking("advocacy",
               "Check one's own words plus the post (R06: disclose the affiliation) and record "
               "the share; returns the text to post on one's own account")));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/advocacy/shares", QueryHandler([&st](Request& req) -> Result<json> {
        LP_ASSIGN_OR_RETURN(int64_t post, QueryInt(req, "post_id", 0));
        LP_ASSIGN_OR_RETURN(std::vector<store::PostShare> shares,
                            st.publish().ListShares(post, CurrentUser(req).id, 200));
        json out = json::array();
        for (const store::PostShare& s : shares) {
          out.push_back({{"id", s.id},
                         {"post_id", s.post_id},
                         {"post_title", s.post_title},
                         {"network", s.network},
                         {"text", s.text},
                         {"created_at", IsoTime(s.created_at)}});
        }
        return json{{"shares", std::move(out)}};
      }),
      Blocking("advocacy", "One's own recorded shares")));

  // --- notifications --------------------------------------------------------------------
  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/notifications", QueryHandler([&st](Request& req) -> Result<json> {
        const bool unread = req.Query("unread").value_or("") == "1";
        LP_ASSIGN_OR_RETURN(std::vector<store::Notification> list,
                            st.publish().ListNotifications(CurrentUser(req).id, unread, 100));
        json out = json::array();
        for (const store::Notification& n : list) {
          out.push_back({{"id", n.id},
                         {"kind", n.kind},
                         {"subject", n.subject},
                         {"detail", ParseOrString(n.detail)},
                         {"created_at", IsoTime(n.created_at)},
                         {"read_at", IsoTime(n.read_at)}});
        }
        return json{{"notifications", std::move(out)}};
      }),
      Blocking("account", "One's own notifications (e.g. an approval waiting), newest first")));

  LP_RETURN_IF_ERROR(
      router.Handle("POST", "/api/v1/notifications/{id}/read",
                    BodyHandler(200,
                                [&st, &ctx](Request& req, const json&) -> Result<json> {
                                  LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                                  LP_RETURN_IF_ERROR(st.publish().MarkNotificationRead(
                                      id, CurrentUser(req).id, ctx.clock->NowMillis()));
                                  return json{{"id", id}, {"read", true}};
                                }),
                    Blocking("account", "Mark one's own notification read")));
  return Status::Ok();
}

}  // namespace leitplanke::server
