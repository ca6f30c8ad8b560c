// Plain POSIX sockets: the fake needs one connection at a time and nothing
// of a framework. Responses follow the shapes and headers of the Mastodon
// API documentation (entities and methods pages).
#include "fake_mastodon.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace leitplanke::channels::mastodon::testing {
namespace {

using nlohmann::json;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string PercentDecode(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size()) {
      out += static_cast<char>(std::stoi(std::string(v.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += v[i] == '+' ? ' ' : v[i];
    }
  }
  return out;
}

std::multimap<std::string, std::string> Query(const std::string& target) {
  std::multimap<std::string, std::string> q;
  size_t qm = target.find('?');
  if (qm == std::string::npos) return q;
  std::string_view rest = std::string_view(target).substr(qm + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    q.emplace(PercentDecode(pair.substr(0, eq)),
              eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return q;
}

std::string Get(const std::multimap<std::string, std::string>& q, const std::string& k) {
  auto it = q.find(k);
  return it == q.end() ? "" : it->second;
}

std::string HttpResponse(int status, const std::string& reason, const std::string& body,
                         const std::string& extra_headers = "",
                         const std::string& type = "application/json; charset=utf-8") {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  r += "Content-Type: " + type + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r += std::string("Date: ") + FakeMastodon::kDate + "\r\n";
  r += "Connection: close\r\n";
  r += extra_headers;
  r += "\r\n";
  r += body;
  return r;
}

std::string ErrorResponse(FakeMastodon::Mode mode) {
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
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("bind/listen on 127.0.0.1:0 failed");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

FakeMastodon::~FakeMastodon() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::string FakeMastodon::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

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

std::vector<FakeMastodon::Request> FakeMastodon::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<FakeMastodon::Request> FakeMastodon::requests_to(const std::string& prefix) const {
  std::vector<Request> out;
  for (auto& r : requests()) {
    if (r.target.rfind(prefix, 0) == 0) out.push_back(r);
  }
  return out;
}

void FakeMastodon::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;  // wakes up regularly to see stop_
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    HandleConnection(fd);
    ::close(fd);
  }
}

void FakeMastodon::HandleConnection(int fd) {
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string data;
  char buf[4096];
  size_t header_end = std::string::npos;
  while (header_end == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return;
    data.append(buf, static_cast<size_t>(n));
    header_end = data.find("\r\n\r\n");
  }
  Request req;
  std::string head = data.substr(0, header_end);
  size_t line_end = head.find("\r\n");
  std::string request_line = head.substr(0, line_end);
  size_t sp1 = request_line.find(' ');
  size_t sp2 = request_line.find(' ', sp1 + 1);
  req.method = request_line.substr(0, sp1);
  req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      req.headers[Lower(line.substr(0, colon))] = value;
    }
    pos = e + 2;
  }
  size_t content_length = 0;
  if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
    content_length = std::stoul(it->second);
  }
  req.body = data.substr(header_end + 4);
  while (req.body.size() < content_length) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return;
    req.body.append(buf, static_cast<size_t>(n));
  }
  auto send_all = [fd](const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  };
  std::string response = Respond(req);
  if (!response.empty()) {
    send_all(response);
    return;
  }
  // The event stream: headers, the scripted chunks, then close or hold.
  std::vector<std::string> chunks;
  bool hold = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    chunks = stream_chunks_;
    hold = stream_hold_open_;
  }
  if (!send_all(std::string("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                            "Cache-Control: no-store\r\nConnection: close\r\n\r\n"))) {
    return;
  }
  for (const auto& c : chunks) {
    if (!send_all(c)) return;
  }
  if (hold) {
    while (::recv(fd, buf, sizeof(buf), 0) > 0) {
    }
  }
}

std::string FakeMastodon::Respond(const Request& req) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(req);
  auto auth = req.headers.find("authorization");
  if (auth == req.headers.end() || auth->second != "Bearer " + token_) {
    return ErrorResponse(Mode::kUnauthorized);
  }
  std::string path = req.target.substr(0, req.target.find('?'));
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
  if (req.method == "GET" && path == "/api/v1/streaming/user/notification") {
    return "";  // streamed by HandleConnection
  }
  return HttpResponse(404, "Not Found", R"({"error":"Record not found"})");
}

std::string FakeMastodon::Notifications(const Request& req) {
  auto q = Query(req.target);
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

std::string FakeMastodon::PostStatus(const Request& req) {
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
  std::string id = std::to_string(next_status_id_++);
  json out = {{"id", id},
              {"created_at", "2026-11-28T10:00:00.000Z"},
              {"in_reply_to_id", in.contains("in_reply_to_id") ? in["in_reply_to_id"] : json()},
              {"visibility", in.value("visibility", "public")},
              {"content", "<p>" + text + "</p>"},
              {"account", {{"id", "1"}, {"username", "support"}, {"acct", "support"}}},
              {"media_attachments", json::array()}};
  std::string body = out.dump();
  if (!key.empty()) idempotency_[key] = body;
  return HttpResponse(200, "OK", body);
}

}  // namespace leitplanke::channels::mastodon::testing
