// A minimal blocking HTTP/1.1 client for the server tests: one connection
// per request (Connection: close), reads until the server closes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace leitplanke::server::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; last value wins
  std::vector<std::string> set_cookies;
  std::string body;
};

HttpReply Send(uint16_t port, const std::string& method, const std::string& target,
               const std::string& body = "",
               const std::vector<std::pair<std::string, std::string>>& headers = {});

// A signed-in client: keeps the session cookie and the CSRF token.
struct Session {
  uint16_t port = 0;
  std::string cookie;  // "lp_session=..."
  std::string csrf;
  std::string bearer;  // API token instead of a cookie, when set

  HttpReply Call(const std::string& method, const std::string& target,
                 const std::string& json_body = "") const;
};

}  // namespace leitplanke::server::testing
