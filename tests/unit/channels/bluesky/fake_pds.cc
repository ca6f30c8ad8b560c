#include "fake_pds.h"

#include <cctype>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace leitplanke::channels::bluesky::testing {
namespace {

std::string Base64Url(const std::string& in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned int acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && Hex(s[i + 1]) >= 0 && Hex(s[i + 2]) >= 0) {
      out += static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

FakePds::FakePds() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("bind/listen failed");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

FakePds::~FakePds() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::string FakePds::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakePds::SetHandler(const std::string& nsid, Handler h) {
  std::lock_guard<std::mutex> lock(mu_);
  handlers_[nsid] = std::move(h);
}

void FakePds::Set(const std::string& nsid, const Response& r) {
  SetHandler(nsid, [r](const Request&) { return r; });
}

void FakePds::Queue(const std::string& nsid, Response r) {
  std::lock_guard<std::mutex> lock(mu_);
  queued_[nsid].push_back(std::move(r));
}

std::vector<FakePds::Request> FakePds::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<FakePds::Request> FakePds::requests(const std::string& nsid) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Request> out;
  for (const auto& r : requests_) {
    if (r.nsid == nsid) out.push_back(r);
  }
  return out;
}

std::string FakePds::Jwt(long long exp_s, const std::string& tag) {
  std::string header = R"({"typ":"at+jwt","alg":"ES256K"})";
  std::string payload = R"({"scope":"com.atproto.appPass","sub":"did:plc:company","iat":1,"exp":)" +
                        std::to_string(exp_s) + R"(,"jti":")" + tag + R"("})";
  return Base64Url(header) + "." + Base64Url(payload) + ".c2lnbmF0dXJl";
}

void FakePds::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    Handle(fd);
    ::close(fd);
  }
}

void FakePds::Handle(int fd) {
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
  std::string target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string path = target.substr(0, target.find('?'));
  if (path.rfind("/xrpc/", 0) == 0) req.nsid = path.substr(6);
  if (size_t q = target.find('?'); q != std::string::npos) {
    std::string query = target.substr(q + 1);
    size_t pos = 0;
    while (pos <= query.size()) {
      size_t amp = query.find('&', pos);
      if (amp == std::string::npos) amp = query.size();
      std::string pair = query.substr(pos, amp - pos);
      size_t eq = pair.find('=');
      if (!pair.empty()) {
        req.query[Decode(pair.substr(0, eq))] =
            eq == std::string::npos ? "" : Decode(pair.substr(eq + 1));
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
  Response r{404, "", R"({"error":"MethodNotImplemented","message":"Method Not Implemented"})"};
  Handler handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(req);
    auto q = queued_.find(req.nsid);
    if (q != queued_.end() && !q->second.empty()) {
      r = q->second.front();
      q->second.pop_front();
    } else if (auto h = handlers_.find(req.nsid); h != handlers_.end()) {
      handler = h->second;
    }
  }
  if (handler) r = handler(req);
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " X\r\n";
  out += "Content-Type: application/json\r\nConnection: close\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  out += r.headers;
  out += "\r\n";
  out += r.body;
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace leitplanke::channels::bluesky::testing
