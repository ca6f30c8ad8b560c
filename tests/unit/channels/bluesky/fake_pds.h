// FakePds: a tiny HTTP/1.1 server on 127.0.0.1:0 that plays a Bluesky PDS
// (with the AppView calls it proxies). It records every request and answers
// /xrpc/<nsid> from, in this order, the one-shot answers queued for that
// nsid, the handler set for it, or 404 MethodNotImplemented. Payloads follow
// the lexicons (com.atproto.server.*, app.bsky.notification.*,
// app.bsky.feed.getPosts, com.atproto.repo.createRecord,
// com.atproto.identity.resolveHandle).
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace leitplanke::channels::bluesky::testing {

class FakePds {
 public:
  struct Request {
    std::string method;
    std::string nsid;                            // path after /xrpc/
    std::map<std::string, std::string> query;    // decoded
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };
  struct Response {
    int status = 200;
    std::string headers;  // extra "Name: value\r\n" lines
    std::string body;
  };
  using Handler = std::function<Response(const Request&)>;

  FakePds();
  ~FakePds();
  FakePds(const FakePds&) = delete;
  FakePds& operator=(const FakePds&) = delete;

  std::string base_url() const;
  void SetHandler(const std::string& nsid, Handler h);
  void Set(const std::string& nsid, const Response& r);  // a handler that always answers r
  void Queue(const std::string& nsid, Response r);
  std::vector<Request> requests() const;
  std::vector<Request> requests(const std::string& nsid) const;

  // A JWT whose payload is {"scope":..,"sub":..,"exp":exp_s} (unsigned).
  static std::string Jwt(long long exp_s, const std::string& tag = "a");

 private:
  void Serve();
  void Handle(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, Handler> handlers_;
  std::map<std::string, std::deque<Response>> queued_;
  std::vector<Request> requests_;
};

}  // namespace leitplanke::channels::bluesky::testing
