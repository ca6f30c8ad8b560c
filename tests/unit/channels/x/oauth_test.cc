// OAuth 1.0a signing against X's documented example ("Creating a
// signature") and RFC 5849's encoding rules.
#include <gtest/gtest.h>

#include "channels/x/x.h"

namespace leitplanke::channels::x {
namespace {

// The request, parameters and secrets of X's "Creating a signature" page.
constexpr const char* kConsumerKey = "xvz1evFS4wEEPTGEFPHBog";
constexpr const char* kConsumerSecret = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";
constexpr const char* kToken = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb";
constexpr const char* kTokenSecret = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";
constexpr const char* kNonce = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg";
constexpr const char* kTimestamp = "1318622958";
constexpr const char* kStatus = "Hello Ladies + Gentlemen, a signed OAuth request!";

std::vector<std::pair<std::string, std::string>> DocParams() {
  return {{"status", kStatus},
          {"oauth_consumer_key", kConsumerKey},
          {"oauth_nonce", kNonce},
          {"oauth_signature_method", "HMAC-SHA1"},
          {"oauth_timestamp", kTimestamp},
          {"oauth_token", kToken},
          {"oauth_version", "1.0"}};
}

TEST(OAuth1Test, PercentEncodingFollowsRfc3986) {
  EXPECT_EQ(PercentEncode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen");
  EXPECT_EQ(PercentEncode("An encoded string!"), "An%20encoded%20string%21");
  EXPECT_EQ(PercentEncode("Dogs, Cats & Mice"), "Dogs%2C%20Cats%20%26%20Mice");
  EXPECT_EQ(PercentEncode("\xE2\x98\x83"), "%E2%98%83");  // snowman
  EXPECT_EQ(PercentEncode("-._~azAZ09"), "-._~azAZ09");
}

TEST(OAuth1Test, DocumentedBaseString) {
  std::string base = OAuth1BaseString(
      "post", "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
      DocParams());
  EXPECT_EQ(base,
            "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%"
            "3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%"
            "3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%"
            "26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-"
            "GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%"
            "2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%"
            "2521");
}

TEST(OAuth1Test, DocumentedSignature) {
  std::string base = OAuth1BaseString(
      "POST", "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
      DocParams());
  EXPECT_EQ(OAuth1Signature(base, kConsumerSecret, kTokenSecret), "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
}

TEST(OAuth1Test, DocumentedHeader) {
  OAuth1Credentials creds{kConsumerKey, kConsumerSecret, kToken, kTokenSecret};
  std::string header =
      OAuth1Header("POST", "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
                   {{"status", kStatus}}, creds, kNonce, kTimestamp);
  EXPECT_EQ(header,
            "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", "
            "oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", "
            "oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\", "
            "oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1318622958\", "
            "oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", "
            "oauth_version=\"1.0\"");
}

TEST(OAuth1Test, BaseUriNormalisation) {
  // Scheme and host lower-cased, default port dropped, query decoded then
  // re-encoded, fragment ignored.
  std::string a = OAuth1BaseString("GET", "HTTPS://API.X.com:443/2/users/1/mentions?a=b%20c#x", {});
  EXPECT_EQ(a, "GET&https%3A%2F%2Fapi.x.com%2F2%2Fusers%2F1%2Fmentions&a%3Db%2520c");
  std::string b = OAuth1BaseString("GET", "http://127.0.0.1:8080/p?z=1&a=2&a=1", {});
  EXPECT_EQ(b, "GET&http%3A%2F%2F127.0.0.1%3A8080%2Fp&a%3D1%26a%3D2%26z%3D1");
}

}  // namespace
}  // namespace leitplanke::channels::x
