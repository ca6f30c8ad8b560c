// FakeLinkedIn: a tiny HTTP/1.1 server on 127.0.0.1:0 that records requests
// and answers each by route (method and path without the query), in the
// shapes of LinkedIn's REST API documentation. Unrouted requests get 404
// with a LinkedIn error body.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace leitplanke::channels::linkedin::testing {

class FakeLinkedIn {
 public:
  struct Request {
    std::string method;
    std::string target;                          // path and query, as sent
    std::string path;                            // without the query
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };
  struct Response {
    int status = 200;
    std::string headers;  // extra "Name: value\r\n" lines
    std::string body;
  };

  FakeLinkedIn();
  ~FakeLinkedIn();
  FakeLinkedIn(const FakeLinkedIn&) = delete;
  FakeLinkedIn& operator=(const FakeLinkedIn&) = delete;

  std::string base_url() const;
  // Answers `method` `path` (percent-encoded as on the wire) with `r`.
  void Route(const std::string& method, const std::string& path, Response r);
  std::vector<Request> requests() const;

 private:
  void Serve();
  void Handle(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Response> routes_;  // guarded by mu_
  std::vector<Request> requests_;                                   // guarded by mu_
};

}  // namespace leitplanke::channels::linkedin::testing
