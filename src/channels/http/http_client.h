// A minimal blocking HTTP(S) client on libcurl, shared by the connectors that
// talk to web APIs (Mastodon, and the social networks after it).
//
// One HttpClient owns one curl easy handle, so consecutive requests to the
// same server reuse the connection. Not thread-safe: use one instance per
// thread (the connector keeps one for its worker and makes a short-lived
// one where another thread needs the network).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leitplanke/base/result.h"

namespace leitplanke::channels {

struct HttpRequest {
  std::string method = "GET";  // GET, POST or PUT
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent for POST and PUT
  // Overall timeout of this request in ms; 0 = the client's timeout_ms.
  // Uploads of large files set their own.
  long timeout_ms = 0;  // NOLINT(google-runtime-int): curl's type
};

// One part of a multipart/form-data body (RFC 7578): a field, or a file
// when `filename` is set.
struct MultipartPart {
  std::string name;
  std::string filename;      // "" = a plain field
  std::string content_type;  // "" = none (text/plain for fields)
  std::string_view data;     // not owned: must outlive MultipartBody()
};

// A multipart/form-data body and the Content-Type header value that names
// its boundary. The boundary is chosen so that it occurs in no part.
struct Multipart {
  std::string content_type;  // "multipart/form-data; boundary=..."
  std::string body;
};
Multipart MultipartBody(const std::vector<MultipartPart>& parts);

struct HttpResponse {
  long status = 0;  // NOLINT(google-runtime-int): curl's type
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;

  // The value of the last header named `name` (lower-case), "" if absent.
  std::string Header(std::string_view name) const;
};

struct HttpOptions {
  bool verify_tls = true;
  long connect_timeout_ms = 10'000;  // NOLINT(google-runtime-int)
  long timeout_ms = 30'000;          // NOLINT(google-runtime-int)
  size_t max_body_bytes = 8u << 20;  // larger responses are refused
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs `request`. Any HTTP status is a success here (the caller maps
  // it); Unavailable for transport failures (DNS, connect, TLS, timeout),
  // InvalidArgument for an oversized response. The message never contains
  // request headers (they carry the access token).
  Result<HttpResponse> Do(const HttpRequest& request);

  // For a long-lived response (server-sent events): while the status is
  // 200, body bytes go to `on_data` as they arrive instead of into the
  // response (return false to end the transfer); any other status collects
  // the body as Do() does. No overall timeout; a connection that sends
  // nothing for `idle_timeout_ms` counts as dead (Unavailable). `stop` is
  // asked about once a second and ends the transfer when it returns true;
  // the result is then OK with the status. Ending through on_data or stop
  // is not an error.
  Result<HttpResponse> Stream(const HttpRequest& request,
                              const std::function<bool(std::string_view)>& on_data,
                              const std::function<bool()>& stop, long idle_timeout_ms);  // NOLINT

  struct StreamHooks;  // implementation detail of Stream()

 private:
  struct Handle;
  Result<HttpResponse> Perform(const HttpRequest& request, StreamHooks* hooks);
  HttpOptions options_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace leitplanke::channels
