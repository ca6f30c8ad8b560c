// LoopbackServer: a small HTTP/1.1 server on 127.0.0.1:<free port> in a
// thread of the test process, the common part of the connectors' fake
// network servers. One connection at a time, Connection: close. Every
// request is recorded (method, target, path, decoded query, lower-cased
// headers, body) and answered, in this order, by:
//
//   1. the one-shot answers queued for its route (Once), oldest first;
//   2. the scripted answers of its route (Script): each request takes the
//      oldest answer not yet given; once all were given, the last repeats;
//   3. the handler of its route (Handle);
//   4. the default handler (SetDefaultHandler), else the default answer
//      (SetDefault; 404 with an empty JSON object unless set).
//
// A route is "METHOD /path" (query ignored); a route of only "/path"
// matches any method and is looked up after the exact one.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace leitplanke::channels::testing {

class LoopbackServer {
 public:
  struct Request {
    std::string method;
    std::string target;                                 // path and query, as sent
    std::string path;                                   // without the query
    std::map<std::string, std::string> query;           // decoded; the last value wins
    std::multimap<std::string, std::string> query_all;  // decoded; every value
    std::map<std::string, std::string> headers;         // lower-case names
    std::string body;
  };
  struct Response {
    int status = 200;
    std::string headers;  // extra "Name: value\r\n" lines
    std::string body;
    std::string content_type = "application/json";
    // Streaming: when set, the headers go without Content-Length, then each
    // chunk in a write of its own (body is ignored); hold_open keeps the
    // connection until the client closes it.
    bool stream = false;
    std::vector<std::string> chunks;
    bool hold_open = false;
  };
  using Handler = std::function<Response(const Request&)>;

  LoopbackServer();
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::string base_url() const;  // http://127.0.0.1:<port>

  void Once(const std::string& route, Response r);
  void Script(const std::string& route, Response r);
  // Replaces the route's scripted answers with `r` alone.
  void Route(const std::string& route, Response r);
  void Handle(const std::string& route, Handler h);
  void SetDefault(Response r);
  void SetDefaultHandler(Handler h);

  std::vector<Request> requests() const;
  void ClearRequests();

 private:
  struct Scripted {
    Response response;
    bool served = false;
  };
  struct Answers {
    std::deque<Response> once;
    std::deque<Scripted> script;
    Handler handler;
  };
  void Serve();
  void HandleConnection(int fd);
  Response Answer(const Request& req);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, Answers> routes_;  // guarded by mu_
  Response default_;                       // guarded by mu_
  Handler default_handler_;                // guarded by mu_
  std::vector<Request> requests_;          // guarded by mu_
};

}  // namespace leitplanke::channels::testing
