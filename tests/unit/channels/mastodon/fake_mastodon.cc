// Responses follow the shapes and headers of the Mastodon API documentation
// (entities and methods pages).
#include "fake_mastodon.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace leitplanke::channels::mastodon::testing {
namespace {

using nlohmann::json;

std::string Get(const std::multimap<std::string, std::string>& q, const std::string& k) {
  auto it = q.find(k);
  return it == q.end() ? "" : it->second;
}

// `reason` documents the status; the loopback server sends its own phrase.
FakeMastodon::Response HttpResponse(int status, const std::string& /*reason*/,
                                    const std::string& body, const std::string& extra_headers = "",
                                    const std::string& type = "application/json; charset=utf-8") {
  FakeMastodon::Response r;
  r.status = status;
  r.content_type = type;
  r.headers = std::string("Date: ") + FakeMastodon::kDate + "\r\n" + extra_headers;
  r.body = body;
  return r;
}

FakeMastodon::Response ErrorResponse(FakeMastodon::Mode mode) {
  using Mode = FakeMastodon::Mode;
  switch (mode) {
    case Mode::kServerError:
      return HttpResponse(
          500, "Internal Server Error",
          "<html><body><h1>We're sorry, but something went wrong</h1></body></html>", "",
          "text/html");
    case Mode::kRateLimited:
      return HttpResponse(429, "Too Many Requests", R"({"error":"Too many requests"})",
                          "X-RateLimit-Limit: 300\r\nX-RateLimit-Remaining: 0\r\n"
                          "X-RateLimit-Reset: 2026-11-28T10:04:30.000000Z\r\n");
    case Mode::kRetryAfter:
      return HttpResponse(429, "Too Many Requests", R"({"error":"Too many requests"})",
                          "Retry-After: 120\r\n");
    case Mode::kUnauthorized:
      return HttpResponse(401, "Unauthorized", R"({"error":"The access token is invalid"})");
    case Mode::kMalformedJson:
      return HttpResponse(200, "OK", R"([{"id":"1","type":"mention","status":{"id":)");
    case Mode::kUnprocessable:
      return HttpResponse(422, "Unprocessable Entity",
                          R"({"error":"Validation failed: Text character limit of 500 exceeded"})");
    case Mode::kNormal:
      break;
  }
  return HttpResponse(500, "Internal Server Error", "{}");
}

}  // namespace

FakeMastodon::FakeMastodon(std::string token) : token_(std::move(token)) {
  server_.SetDefaultHandler([this](const Request& req) { return Respond(req); });
}

void FakeMastodon::AddNotification(uint64_t id, std::string type, std::string json, bool filtered) {
  std::lock_guard<std::mutex> lock(mu_);
  notifications_[id] = {std::move(type), std::move(json), filtered};
}

void FakeMastodon::SetMode(Mode mode) {
  std::lock_guard<std::mutex> lock(mu_);
  mode_ = mode;
  fail_after_ = -1;
}

void FakeMastodon::FailNotificationsAfter(int ok_requests, Mode mode) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_after_ = ok_requests;
  fail_mode_ = mode;
}

void FakeMastodon::SetMaxCharacters(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  max_characters_ = n;
}

void FakeMastodon::SetInstanceStatus(int http_status) {
  std::lock_guard<std::mutex> lock(mu_);
  instance_status_ = http_status;
}

void FakeMastodon::SetStream(std::vector<std::string> chunks, bool hold_open) {
  std::lock_guard<std::mutex> lock(mu_);
  stream_chunks_ = std::move(chunks);
  stream_hold_open_ = hold_open;
}

void FakeMastodon::SetLinkHeaders(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  link_headers_ = on;
}

void FakeMastodon::SetMediaConfig(MediaConfig config) {
  std::lock_guard<std::mutex> lock(mu_);
  media_config_ = std::move(config);
  media_config_set_ = true;
}

void FakeMastodon::SetMediaProcessing(int polls) {
  std::lock_guard<std::mutex> lock(mu_);
  processing_polls_ = polls;
}

void FakeMastodon::FailUpload(int nth, int status, std::string body) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_upload_nth_ = nth;
  fail_upload_status_ = status;
  fail_upload_body_ = std::move(body);
}

std::vector<FakeMastodon::Upload> FakeMastodon::uploads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return uploads_;
}

std::vector<std::string> FakeMastodon::posted_statuses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return posted_;
}

std::vector<FakeMastodon::Request> FakeMastodon::requests() const { return server_.requests(); }

std::vector<FakeMastodon::Request> FakeMastodon::requests_to(const std::string& prefix) const {
  std::vector<Request> out;
  for (auto& r : requests()) {
    if (r.target.rfind(prefix, 0) == 0) out.push_back(r);
  }
  return out;
}

FakeMastodon::Response FakeMastodon::Respond(const Request& req) {
  std::lock_guard<std::mutex> lock(mu_);
  auto auth = req.headers.find("authorization");
  if (auth == req.headers.end() || auth->second != "Bearer " + token_) {
    return ErrorResponse(Mode::kUnauthorized);
  }
  const std::string& path = req.path;
  if (req.method == "GET" && path == "/api/v2/instance") {
    if (instance_status_ != 200) {
      return HttpResponse(instance_status_, "Not Found", R"({"error":"Record not found"})");
    }
    json doc = {{"domain", kDomain},
                {"title", "Social Example"},
                {"version", "4.3.0"},
                {"configuration",
                 {{"urls", {{"streaming", "wss://social.example"}}},
                  {"statuses",
                   {{"max_characters", max_characters_},
                    {"max_media_attachments", 4},
                    {"characters_reserved_per_url", 23}}}}}};
    if (media_config_set_) {
      const MediaConfig& m = media_config_;
      doc["configuration"]["statuses"]["max_media_attachments"] = m.max_media_attachments;
      doc["configuration"]["media_attachments"] = {{"supported_mime_types", m.supported_mime_types},
                                                   {"image_size_limit", m.image_size_limit},
                                                   {"image_matrix_limit", 33177600},
                                                   {"video_size_limit", m.video_size_limit},
                                                   {"video_frame_rate_limit", 120},
                                                   {"video_matrix_limit", 8294400}};
      if (m.description_limit > 0) {
        doc["configuration"]["media_attachments"]["description_limit"] = m.description_limit;
      }
    }
    return HttpResponse(200, "OK", doc.dump());
  }
  if (mode_ != Mode::kNormal) return ErrorResponse(mode_);
  if (req.method == "GET" && path == "/api/v1/notifications") {
    if (fail_after_ == 0) {
      mode_ = fail_mode_;
      fail_after_ = -1;
      return ErrorResponse(mode_);
    }
    if (fail_after_ > 0) --fail_after_;
    return Notifications(req);
  }
  if (req.method == "POST" && path == "/api/v1/statuses") return PostStatus(req);
  if (req.method == "POST" && path == "/api/v2/media") return PostMedia(req);
  if (req.method == "GET" && path.rfind("/api/v1/media/", 0) == 0) {
    return GetMedia(path.substr(sizeof("/api/v1/media/") - 1));
  }
  if (req.method == "GET" && path == "/api/v1/streaming/user/notification") {
    // The event stream: headers, the scripted chunks, then close or hold.
    Response r;
    r.content_type = "text/event-stream";
    r.headers = "Cache-Control: no-store\r\n";
    r.stream = true;
    r.chunks = stream_chunks_;
    r.hold_open = stream_hold_open_;
    return r;
  }
  return HttpResponse(404, "Not Found", R"({"error":"Record not found"})");
}

FakeMastodon::Response FakeMastodon::Notifications(const Request& req) {
  const auto& q = req.query_all;
  std::vector<std::string> types;
  for (auto [it, end] = q.equal_range("types[]"); it != end; ++it) types.push_back(it->second);
  int limit = 40;
  if (std::string l = Get(q, "limit"); !l.empty()) limit = std::clamp(std::stoi(l), 1, 80);
  auto id_param = [&](const char* k, uint64_t def) {
    std::string v = Get(q, k);
    return v.empty() ? def : std::stoull(v);
  };
  uint64_t min_id = id_param("min_id", 0);
  uint64_t since_id = id_param("since_id", 0);
  uint64_t max_id = id_param("max_id", UINT64_MAX);
  bool forward = !Get(q, "min_id").empty();
  bool include_filtered = Get(q, "include_filtered") == "true";

  std::vector<uint64_t> ids;  // ascending
  for (const auto& [id, n] : notifications_) {
    if (!types.empty() && std::find(types.begin(), types.end(), n.type) == types.end()) continue;
    if (id <= std::max(min_id, since_id) || id >= max_id) continue;
    if (n.filtered && !include_filtered) continue;
    ids.push_back(id);
  }
  std::vector<uint64_t> page;
  if (forward) {
    // min_id: the page immediately after the cursor.
    for (size_t i = 0; i < ids.size() && page.size() < static_cast<size_t>(limit); ++i) {
      page.push_back(ids[i]);
    }
  } else {
    for (size_t i = ids.size(); i > 0 && page.size() < static_cast<size_t>(limit); --i) {
      page.push_back(ids[i - 1]);
    }
  }
  std::sort(page.rbegin(), page.rend());  // served newest first
  std::string body = "[";
  for (size_t i = 0; i < page.size(); ++i) {
    if (i > 0) body += ",";
    body += notifications_.at(page[i]).json;
  }
  body += "]";
  std::string link;
  if (!page.empty() && link_headers_) {
    std::string base =
        base_url() + "/api/v1/notifications?types%5B%5D=mention&limit=" + std::to_string(limit);
    link = "Link: <" + base + "&max_id=" + std::to_string(page.back()) + ">; rel=\"next\", <" +
           base + "&min_id=" + std::to_string(page.front()) + ">; rel=\"prev\"\r\n";
  }
  return HttpResponse(200, "OK", body, link);
}

FakeMastodon::Response FakeMastodon::PostStatus(const Request& req) {
  std::string key;
  if (auto it = req.headers.find("idempotency-key"); it != req.headers.end()) key = it->second;
  if (!key.empty()) {
    if (auto it = idempotency_.find(key); it != idempotency_.end()) {
      return HttpResponse(200, "OK", it->second);
    }
  }
  json in;
  try {
    in = json::parse(req.body);
  } catch (const json::exception&) {
    return HttpResponse(422, "Unprocessable Entity", R"({"error":"Validation failed"})");
  }
  std::string text = in.value("status", "");
  if (text.empty()) {
    return HttpResponse(422, "Unprocessable Entity",
                        R"({"error":"Validation failed: Text can't be blank"})");
  }
  json attachments = json::array();
  if (auto ids = in.find("media_ids"); ids != in.end()) {
    if (!ids->is_array()) {
      return HttpResponse(422, "Unprocessable Entity", R"({"error":"Validation failed"})");
    }
    for (const json& mid : *ids) {
      std::string m = mid.is_string() ? mid.get<std::string>() : "";
      bool known =
          std::any_of(uploads_.begin(), uploads_.end(), [&](const Upload& u) { return u.id == m; });
      if (!known) {
        return HttpResponse(422, "Unprocessable Entity",
                            R"({"error":"Validation failed: Media attachments is invalid"})");
      }
      if (pending_polls_.count(m) > 0) {
        return HttpResponse(
            422, "Unprocessable Entity",
            R"({"error":"Cannot attach files that have not finished processing. Try again in a moment!"})");
      }
      attachments.push_back({{"id", m}, {"type", "image"}});
    }
  }
  posted_.push_back(req.body);
  std::string id = std::to_string(next_status_id_++);
  json out = {{"id", id},
              {"created_at", "2026-11-28T10:00:00.000Z"},
              {"in_reply_to_id", in.contains("in_reply_to_id") ? in["in_reply_to_id"] : json()},
              {"visibility", in.value("visibility", "public")},
              {"content", "<p>" + text + "</p>"},
              {"account", {{"id", "1"}, {"username", "support"}, {"acct", "support"}}},
              {"media_attachments", attachments}};
  std::string body = out.dump();
  if (!key.empty()) idempotency_[key] = body;
  return HttpResponse(200, "OK", body);
}

}  // namespace leitplanke::channels::mastodon::testing

namespace leitplanke::channels::mastodon::testing {

FakeMastodon::Response FakeMastodon::PostMedia(const Request& req) {
  std::string type;
  if (auto it = req.headers.find("content-type"); it != req.headers.end()) type = it->second;
  Upload up;
  up.content_type = type;
  if (!channels::testing::ParseMultipart(type, req.body, &up.parts)) {
    return HttpResponse(422, "Unprocessable Entity",
                        R"({"error":"Validation failed: File can't be blank"})");
  }
  if (fail_upload_nth_ == 0) {
    fail_upload_nth_ = -1;
    return HttpResponse(fail_upload_status_, "", fail_upload_body_);
  }
  if (fail_upload_nth_ > 0) --fail_upload_nth_;
  const Part* file = nullptr;
  std::string description;
  for (const Part& p : up.parts) {
    if (p.name == "file" && !p.filename.empty()) file = &p;
    if (p.name == "description") description = p.data;
  }
  if (file == nullptr) {
    return HttpResponse(422, "Unprocessable Entity",
                        R"({"error":"Validation failed: File can't be blank"})");
  }
  up.id = std::to_string(next_media_id_++);
  const bool video = file->content_type.rfind("video/", 0) == 0;
  json out = {{"id", up.id},
              {"type", video ? "video" : "image"},
              {"url", "https://files.social.example/media_attachments/" + up.id + "/original"},
              {"preview_url", "https://files.social.example/media_attachments/" + up.id + "/small"},
              {"remote_url", nullptr},
              {"description", description.empty() ? json() : json(description)},
              {"blurhash", "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}"}};
  uploads_.push_back(std::move(up));
  if (processing_polls_ > 0) {
    pending_polls_[out["id"].get<std::string>()] = processing_polls_;
    out["url"] = nullptr;
    return HttpResponse(202, "Accepted", out.dump());
  }
  return HttpResponse(200, "OK", out.dump());
}

FakeMastodon::Response FakeMastodon::GetMedia(const std::string& id) {
  bool known =
      std::any_of(uploads_.begin(), uploads_.end(), [&](const Upload& u) { return u.id == id; });
  if (!known) return HttpResponse(404, "Not Found", R"({"error":"Record not found"})");
  json out = {{"id", id},
              {"type", "image"},
              {"url", "https://files.social.example/media_attachments/" + id + "/original"},
              {"preview_url", "https://files.social.example/media_attachments/" + id + "/small"}};
  if (auto it = pending_polls_.find(id); it != pending_polls_.end()) {
    if (it->second > 0) {
      --it->second;
      out["url"] = nullptr;
      return HttpResponse(206, "Partial Content", out.dump());
    }
    pending_polls_.erase(it);
  }
  return HttpResponse(200, "OK", out.dump());
}

}  // namespace leitplanke::channels::mastodon::testing
