#include "loopback_server.h"

#include <cctype>
#include <stdexcept>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "channels/http/encoding.h"

namespace leitplanke::channels::testing {
namespace {

bool SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

LoopbackServer::LoopbackServer() {
  default_.status = 404;
  default_.body = "{}";
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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

LoopbackServer::~LoopbackServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::string LoopbackServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void LoopbackServer::Once(const std::string& route, Response r) {
  std::lock_guard<std::mutex> lock(mu_);
  routes_[route].once.push_back(std::move(r));
}

void LoopbackServer::Script(const std::string& route, Response r) {
  std::lock_guard<std::mutex> lock(mu_);
  routes_[route].script.push_back({std::move(r), false});
}

void LoopbackServer::Route(const std::string& route, Response r) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& script = routes_[route].script;
  script.clear();
  script.push_back({std::move(r), false});
}

void LoopbackServer::Handle(const std::string& route, Handler h) {
  std::lock_guard<std::mutex> lock(mu_);
  routes_[route].handler = std::move(h);
}

void LoopbackServer::SetDefault(Response r) {
  std::lock_guard<std::mutex> lock(mu_);
  default_ = std::move(r);
}

void LoopbackServer::SetDefaultHandler(Handler h) {
  std::lock_guard<std::mutex> lock(mu_);
  default_handler_ = std::move(h);
}

std::vector<LoopbackServer::Request> LoopbackServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void LoopbackServer::ClearRequests() {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.clear();
}

void LoopbackServer::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;  // wakes up regularly to see stop_
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    HandleConnection(fd);
    ::close(fd);
  }
}

LoopbackServer::Response LoopbackServer::Answer(const Request& req) {
  Handler handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(req);
    for (const std::string& key : {req.method + " " + req.path, req.path}) {
      auto it = routes_.find(key);
      if (it == routes_.end()) continue;
      Answers& a = it->second;
      if (!a.once.empty()) {
        Response r = std::move(a.once.front());
        a.once.pop_front();
        return r;
      }
      if (!a.script.empty()) {
        // Answers already given make way for newer scripted ones.
        while (a.script.size() > 1 && a.script.front().served) a.script.pop_front();
        a.script.front().served = true;
        return a.script.front().response;
      }
      if (a.handler) {
        handler = a.handler;
        break;
      }
    }
    if (!handler && !default_handler_) return default_;
    if (!handler) handler = default_handler_;
  }
  return handler(req);  // outside the lock: handlers may call back in
}

void LoopbackServer::HandleConnection(int fd) {
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string data;
  char buf[4096];
  size_t end = std::string::npos;
  while (end == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return;
    data.append(buf, static_cast<size_t>(n));
    end = data.find("\r\n\r\n");
  }
  Request req;
  std::string head = data.substr(0, end);
  size_t line_end = head.find("\r\n");
  std::string first = head.substr(0, line_end);
  size_t sp1 = first.find(' ');
  size_t sp2 = first.find(' ', sp1 + 1);
  req.method = first.substr(0, sp1);
  req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) {
    std::string query = req.target.substr(q + 1);
    size_t pos = 0;
    while (pos <= query.size()) {
      size_t amp = query.find('&', pos);
      if (amp == std::string::npos) amp = query.size();
      std::string pair = query.substr(pos, amp - pos);
      size_t eq = pair.find('=');
      if (!pair.empty()) {
        std::string name = FormDecode(pair.substr(0, eq));
        std::string value = eq == std::string::npos ? "" : FormDecode(pair.substr(eq + 1));
        req.query[name] = value;
        req.query_all.emplace(std::move(name), std::move(value));
      }
      pos = amp + 1;
    }
  }
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      req.headers[name] = value;
    }
    pos = e + 2;
  }
  size_t length = 0;
  if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
    length = std::stoul(it->second);
  }
  req.body = data.substr(end + 4);
  while (req.body.size() < length) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return;
    req.body.append(buf, static_cast<size_t>(n));
  }
  Response r = Answer(req);
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " X\r\n";
  out += "Content-Type: " + r.content_type + "\r\nConnection: close\r\n";
  if (!r.stream) out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  out += r.headers;
  out += "\r\n";
  if (!r.stream) {
    SendAll(fd, out + r.body);
    return;
  }
  if (!SendAll(fd, out)) return;
  for (const auto& c : r.chunks) {
    if (!SendAll(fd, c)) return;
  }
  if (r.hold_open) {
    while (::recv(fd, buf, sizeof(buf), 0) > 0) {
    }
  }
}

}  // namespace leitplanke::channels::testing
