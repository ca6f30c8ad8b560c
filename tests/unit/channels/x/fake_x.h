// FakeX: a tiny HTTP/1.1 server on 127.0.0.1:0 in the shapes of the X API
// v2 documentation. Answers are scripted per "METHOD /path" (query
// ignored): each request takes the oldest answer of its route not yet
// given; once all were given, the last one repeats. Unscripted routes get 404. Every request is
// recorded.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace leitplanke::channels::x::testing {

class FakeX {
 public:
  struct Request {
    std::string method;
    std::string target;                          // path and query
    std::string path;                            // without query
    std::map<std::string, std::string> query;    // decoded
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };
  struct Response {
    int status = 200;
    std::string headers;  // extra "Name: value\r\n" lines
    std::string body;
  };

  FakeX();
  ~FakeX();
  FakeX(const FakeX&) = delete;
  FakeX& operator=(const FakeX&) = delete;

  std::string base_url() const;
  // Appends an answer for `route`, e.g. "POST /2/tweets".
  void Script(const std::string& route, Response r);
  std::vector<Request> requests() const;
  void ClearRequests();

 private:
  void Serve();
  void Handle(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  struct Scripted {
    Response response;
    bool served = false;
  };
  std::map<std::string, std::deque<Scripted>> routes_;  // guarded by mu_
  std::vector<Request> requests_;                       // guarded by mu_
};

}  // namespace leitplanke::channels::x::testing
