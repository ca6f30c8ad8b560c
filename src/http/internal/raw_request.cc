// Synchronous Beast parsing of a byte string, for the fuzz target and tests;
// the server drives the same parser asynchronously (server.cc).
#include "http/internal/raw_request.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

namespace leitplanke::http::internal {
namespace {

namespace bhttp = boost::beast::http;

bool ParseQuery(std::string_view query, std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    auto name = PercentDecode(part.substr(0, eq), true);
    auto value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true);
    if (!name || !value) return false;
    out->emplace_back(std::move(*name), std::move(*value));
  }
  return true;
}

}  // namespace

Status SplitTarget(Request* request) {
  const std::string& target = request->target;
  if (target.empty() || target.front() != '/') {
    return Status::InvalidArgument("request target must be an absolute path");
  }
  const std::size_t q = target.find('?');
  request->path = target.substr(0, q);
  request->query = q == std::string::npos ? std::string() : target.substr(q + 1);
  if (!ParseQuery(request->query, &request->query_params)) {
    return Status::InvalidArgument("malformed percent-escape in query string");
  }
  return Status::Ok();
}

Status ParseRawRequest(std::string_view raw, std::size_t header_limit, std::size_t body_limit,
                       Request* request) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(header_limit));
  parser.body_limit(body_limit);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t offset = 0;
  while (!parser.is_done() && offset < raw.size()) {
    const std::size_t used =
        parser.put(boost::asio::buffer(raw.data() + offset, raw.size() - offset), ec);
    if (ec == bhttp::error::need_more) {
      ec = {};
      break;  // incomplete
    }
    if (ec == bhttp::error::body_limit) return Status::ResourceExhausted("body limit exceeded");
    if (ec == bhttp::error::header_limit) return Status::ResourceExhausted("header limit exceeded");
    if (ec) return Status::InvalidArgument("malformed request: " + ec.message());
    if (used == 0) break;
    offset += used;
  }
  if (!parser.is_done()) {
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return Status::InvalidArgument("incomplete request");
  }
  bhttp::request<bhttp::string_body> msg = parser.release();
  *request = Request();
  request->method = std::string(msg.method_string());
  request->target = std::string(msg.target());
  for (const auto& field : msg) request->headers.Add(field.name_string(), field.value());
  request->body = std::move(msg.body());
  return SplitTarget(request);
}

}  // namespace leitplanke::http::internal
