// OAuth 1.0a request signing (RFC 5849, HMAC-SHA1), as X documents it in
// "Creating a signature" and "Authorizing a request".
#include <algorithm>
#include <cctype>

#include "channels/http/encoding.h"
#include "channels/http/hmac.h"
#include "channels/x/internal.h"
#include "channels/x/x.h"

namespace leitplanke::channels::x {
namespace {

// scheme://host[:port]/path in lower-case scheme and host, default ports
// dropped (RFC 5849 3.4.1.2).
std::string BaseUri(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  std::string scheme(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  size_t slash = rest.find('/');
  std::string host(rest.substr(0, slash));
  std::string path(slash == std::string_view::npos ? "/" : rest.substr(slash));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if ((scheme == "https" && host.size() > 4 && host.substr(host.size() - 4) == ":443") ||
      (scheme == "http" && host.size() > 3 && host.substr(host.size() - 3) == ":80")) {
    host = host.substr(0, host.rfind(':'));
  }
  return scheme + "://" + host + path;
}

}  // namespace

std::string PercentEncode(std::string_view s) { return channels::PercentEncode(s); }

std::string OAuth1BaseString(std::string_view method, std::string_view url,
                             const std::vector<std::pair<std::string, std::string>>& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size() + 8);
  for (const auto& [k, v] : params) encoded.emplace_back(PercentEncode(k), PercentEncode(v));
  size_t q = url.find('?');
  if (q != std::string_view::npos) {
    std::string_view query = url.substr(q + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      if (!pair.empty()) {
        size_t eq = pair.find('=');
        std::string key = FormDecode(pair.substr(0, eq));
        std::string value = eq == std::string_view::npos ? "" : FormDecode(pair.substr(eq + 1));
        encoded.emplace_back(PercentEncode(key), PercentEncode(value));
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  std::sort(encoded.begin(), encoded.end());
  std::string normalized;
  for (const auto& [k, v] : encoded) {
    if (!normalized.empty()) normalized += '&';
    normalized += k;
    normalized += '=';
    normalized += v;
  }
  std::string m(method);
  for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return m + "&" + PercentEncode(BaseUri(url)) + "&" + PercentEncode(normalized);
}

std::string OAuth1Signature(std::string_view base_string, std::string_view consumer_secret,
                            std::string_view token_secret) {
  std::string key = PercentEncode(consumer_secret) + "&" + PercentEncode(token_secret);
  return Base64(HmacSha1(key, base_string));
}

std::string OAuth1Header(std::string_view method, std::string_view url,
                         const std::vector<std::pair<std::string, std::string>>& form_params,
                         const OAuth1Credentials& credentials, std::string_view nonce,
                         std::string_view timestamp) {
  std::vector<std::pair<std::string, std::string>> oauth = {
      {"oauth_consumer_key", credentials.consumer_key},
      {"oauth_nonce", std::string(nonce)},
      {"oauth_signature_method", "HMAC-SHA1"},
      {"oauth_timestamp", std::string(timestamp)},
      {"oauth_token", credentials.token},
      {"oauth_version", "1.0"},
  };
  std::vector<std::pair<std::string, std::string>> all = oauth;
  all.insert(all.end(), form_params.begin(), form_params.end());
  std::string signature = OAuth1Signature(OAuth1BaseString(method, url, all),
                                          credentials.consumer_secret, credentials.token_secret);
  oauth.emplace_back("oauth_signature", signature);
  std::sort(oauth.begin(), oauth.end());
  std::string header = "OAuth ";
  for (size_t i = 0; i < oauth.size(); ++i) {
    if (i > 0) header += ", ";
    header += PercentEncode(oauth[i].first) + "=\"" + PercentEncode(oauth[i].second) + "\"";
  }
  return header;
}

}  // namespace leitplanke::channels::x
