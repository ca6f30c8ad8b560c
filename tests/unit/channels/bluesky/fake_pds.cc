#include "fake_pds.h"

#include <utility>

namespace leitplanke::channels::bluesky::testing {
namespace {

constexpr char kXrpc[] = "/xrpc/";

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

FakePds::Request WithNsid(const channels::testing::LoopbackServer::Request& r) {
  FakePds::Request out;
  static_cast<channels::testing::LoopbackServer::Request&>(out) = r;
  if (r.path.rfind(kXrpc, 0) == 0) out.nsid = r.path.substr(sizeof(kXrpc) - 1);
  return out;
}

}  // namespace

FakePds::FakePds() {
  server_.SetDefault(
      Response{404, "", R"({"error":"MethodNotImplemented","message":"Method Not Implemented"})"});
}

void FakePds::SetHandler(const std::string& nsid, Handler h) {
  server_.Handle(kXrpc + nsid,
                 [h = std::move(h)](const channels::testing::LoopbackServer::Request& r) {
                   return h(WithNsid(r));
                 });
}

void FakePds::Set(const std::string& nsid, const Response& r) {
  SetHandler(nsid, [r](const Request&) { return r; });
}

void FakePds::Queue(const std::string& nsid, Response r) {
  server_.Once(kXrpc + nsid, std::move(r));
}

std::vector<FakePds::Request> FakePds::requests() const {
  std::vector<Request> out;
  for (const auto& r : server_.requests()) out.push_back(WithNsid(r));
  return out;
}

std::vector<FakePds::Request> FakePds::requests(const std::string& nsid) const {
  std::vector<Request> out;
  for (auto& r : requests()) {
    if (r.nsid == nsid) out.push_back(std::move(r));
  }
  return out;
}

std::string FakePds::Jwt(long long exp_s, const std::string& tag) {
  std::string header = R"({"typ":"at+jwt","alg":"ES256K"})";
  std::string payload = R"({"scope":"com.atproto.appPass","sub":"did:plc:company","iat":1,"exp":)" +
                        std::to_string(exp_s) + R"(,"jti":")" + tag + R"("})";
  return Base64Url(header) + "." + Base64Url(payload) + ".c2lnbmF0dXJl";
}

}  // namespace leitplanke::channels::bluesky::testing
