// libcurl is C: the easy handle and header list are wrapped in RAII at once,
// callbacks only append to buffers, and the global init runs exactly once
// (curl_global_init is not thread-safe, curl_easy_init would call it lazily).
#include "channels/http/http_client.h"

#include <algorithm>
#include <mutex>

#include <curl/curl.h>

namespace leitplanke::channels {
namespace {

struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

}  // namespace

struct HttpClient::StreamHooks {
  const std::function<bool(std::string_view)>* on_data;
  const std::function<bool()>* stop;
  long idle_timeout_ms;  // NOLINT(google-runtime-int)
  bool ended_by_us = false;
};

namespace {

struct Collect {
  HttpResponse* response;
  size_t max_body;
  CURL* curl;
  HttpClient::StreamHooks* hooks;  // null unless streaming
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Collect*>(user);
  size_t len = size * n;
  if (c->hooks != nullptr) {
    long code = 0;  // NOLINT(google-runtime-int)
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code == 200) {
      if (!(*c->hooks->on_data)(std::string_view(data, len))) {
        c->hooks->ended_by_us = true;
        return 0;
      }
      return len;
    }
  }
  if (c->response->body.size() + len > c->max_body) {
    c->too_large = true;
    return 0;  // aborts the transfer
  }
  c->response->body.append(data, len);
  return len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Collect*>(user);
  size_t len = size * n;
  std::string_view line(data, len);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after a 100 Continue or an interim one): start over.
    c->response->headers.clear();
    return len;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string name(line.substr(0, colon));
  for (char& ch : name) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  c->response->headers.emplace_back(std::move(name), std::string(value));
  return len;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* hooks = static_cast<HttpClient::StreamHooks*>(user);
  if ((*hooks->stop)()) {
    hooks->ended_by_us = true;
    return 1;  // aborts the transfer
  }
  return 0;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

struct HttpClient::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

std::string HttpResponse::Header(std::string_view name) const {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return {};
}

HttpClient::HttpClient(HttpOptions options)
    : options_(options), handle_(std::make_unique<Handle>()) {
  GlobalInit();
  handle_->curl = curl_easy_init();
}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Do(const HttpRequest& request) {
  return Perform(request, nullptr);
}

Result<HttpResponse> HttpClient::Stream(const HttpRequest& request,
                                        const std::function<bool(std::string_view)>& on_data,
                                        const std::function<bool()>& stop,
                                        long idle_timeout_ms) {  // NOLINT(google-runtime-int)
  StreamHooks hooks{&on_data, &stop, idle_timeout_ms};
  return Perform(request, &hooks);
}

Result<HttpResponse> HttpClient::Perform(const HttpRequest& request, StreamHooks* hooks) {
  CURL* curl = handle_->curl;
  if (curl == nullptr) return Status::Internal("curl_easy_init failed");
  curl_easy_reset(curl);

  HttpResponse response;
  Collect collect{&response, options_.max_body_bytes, curl, hooks};
  SlistPtr headers;
  for (const auto& h : request.headers) {
    curl_slist* next = curl_slist_append(headers.get(), h.c_str());
    if (next == nullptr) return Status::Internal("curl_slist_append failed");
    (void)headers.release();
    headers.reset(next);
  }
  // No "Expect: 100-continue" round trip for small JSON bodies.
  if (curl_slist* next = curl_slist_append(headers.get(), "Expect:"); next != nullptr) {
    (void)headers.release();
    headers.reset(next);
  }

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  if (hooks == nullptr) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     request.timeout_ms > 0 ? request.timeout_ms : options_.timeout_ms);
  } else {
    // A stream has no end; a silent one (no heartbeat) is dead.
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 0L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, std::max(1L, hooks->idle_timeout_ms / 1000));
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, hooks);
  }
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // whatever curl can decode
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "Leitplanke/0.1 (mastodon connector)");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &collect);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &collect);
  if (request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    if (request.method == "PUT") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
  } else if (request.method != "GET") {
    return Status::Internal("unsupported HTTP method " + request.method);
  }

  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  if (collect.too_large) {
    return Status::InvalidArgument("response of " + request.method + " larger than " +
                                   std::to_string(options_.max_body_bytes) + " bytes");
  }
  if (hooks != nullptr && hooks->ended_by_us) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }
  if (rc != CURLE_OK) {
    std::string detail = error[0] != 0 ? std::string(error) : curl_easy_strerror(rc);
    return Status::Unavailable(request.method + " request failed: " + detail);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

Multipart MultipartBody(const std::vector<MultipartPart>& parts) {
  // A boundary that no part contains: start from a fixed token and extend
  // it until it is absent (a file could contain any fixed string).
  std::string boundary = "leitplanke-part-7f3a9c";
  auto occurs = [&](std::string_view b) {
    for (const MultipartPart& p : parts) {
      if (p.data.find(b) != std::string_view::npos || p.name.find(b) != std::string::npos ||
          p.filename.find(b) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  for (int i = 0; occurs(boundary); ++i) boundary += static_cast<char>('a' + i % 26);
  // Quotes and line breaks cannot appear inside a quoted header parameter.
  auto quoted = [](std::string_view v) {
    std::string out;
    for (char c : v) {
      if (c == '"') {
        out += "%22";
      } else if (c == '\r') {
        out += "%0D";
      } else if (c == '\n') {
        out += "%0A";
      } else {
        out += c;
      }
    }
    return out;
  };
  Multipart m;
  m.content_type = "multipart/form-data; boundary=" + boundary;
  size_t size = 0;
  for (const MultipartPart& p : parts) size += p.data.size() + 200;
  m.body.reserve(size);
  for (const MultipartPart& p : parts) {
    m.body +=
        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + quoted(p.name) + "\"";
    if (!p.filename.empty()) m.body += "; filename=\"" + quoted(p.filename) + "\"";
    m.body += "\r\n";
    if (!p.content_type.empty()) m.body += "Content-Type: " + p.content_type + "\r\n";
    m.body += "\r\n";
    m.body.append(p.data);
    m.body += "\r\n";
  }
  m.body += "--" + boundary + "--\r\n";
  return m;
}

}  // namespace leitplanke::channels
