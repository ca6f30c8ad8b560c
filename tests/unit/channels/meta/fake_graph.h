// FakeGraph: a tiny HTTP/1.1 server on 127.0.0.1:0 that records requests
// and answers each with the scripted response (status, headers, body), in
// the shapes of the Graph API documentation.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace leitplanke::channels::meta::testing {

class FakeGraph {
 public:
  struct Request {
    std::string method;
    std::string target;                          // path and query
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };
  struct Response {
    int status = 200;
    std::string headers;  // extra "Name: value\r\n" lines
    std::string body;
  };

  FakeGraph();
  ~FakeGraph();
  FakeGraph(const FakeGraph&) = delete;
  FakeGraph& operator=(const FakeGraph&) = delete;

  std::string base_url() const;
  void SetResponse(Response r);
  std::vector<Request> requests() const;

 private:
  void Serve();
  void Handle(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  Response response_;
  std::vector<Request> requests_;
};

}  // namespace leitplanke::channels::meta::testing
