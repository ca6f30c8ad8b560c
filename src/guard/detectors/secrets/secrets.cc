// Detector "secrets": credentials that must never be posted (guideline R17).
//
// Three cheap mechanisms, chosen so that a tweet-sized message costs well
// under a microsecond:
//
//  1. Provider tokens with a fixed, documented prefix ("ghp_", "AKIA",
//     "xoxb-", "sk_live_", ...) are Hyperscan literals on the raw view. A hit
//     gives the exact prefix start; a hand-written structure check (charset,
//     length, boundaries, placeholder test, GitHub's CRC32 where it applies)
//     confirms it. Shapes without a literal prefix (Telegram bot tokens) are
//     one small Hyperscan regex, re-anchored here from its end offset.
//  2. Keyword literals (password, Passwort, pwd, PIN, Login, key, token,
//     secret, ...) trigger a local parse of "keyword [:=] value" and of the
//     reversed comparison `"value" == password`; the value must look like a
//     real secret (see ValueLooksLikePassword()).
//  3. One pass over the raw bytes splits base64/hex-like runs; runs of 16+
//     characters are checked for JWT and Discord structure, and otherwise
//     reported only when they are random-looking (entropy, mixed classes)
//     AND a context keyword sits on the same line just before them.
//
// Why hand-written checks instead of RE2 for confirmation: every check is a
// bounded forward scan from a known offset, so there is nothing to compile
// per text and no allocation; RE2 would re-scan the same bytes.
//
// Robustness: all loops are bounded by the text length and by small
// constants (value length caps, look-back windows); findings per text are
// capped at kMaxFindings; no recursion, no allocation proportional to the
// input except the emitted detections.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "leitplanke/guard/detector.h"

namespace leitplanke::guard::detectors::secrets {

namespace {

// ---------------------------------------------------------------- types ----

enum Type : uint8_t {
  kAwsAccessKeyId,
  kAwsSecretAccessKey,
  kGithubToken,
  kGitlabToken,
  kSlackToken,
  kSlackWebhook,
  kStripeKey,
  kGoogleApiKey,
  kGoogleOauthClientSecret,
  kAzureStorageKey,
  kTwilioKey,
  kSendgridKey,
  kNpmToken,
  kPypiToken,
  kOpenaiKey,
  kAnthropicKey,
  kDiscordBotToken,
  kTelegramBotToken,
  kMailchimpKey,
  kShopifyToken,
  kDropboxToken,
  kHerokuKey,
  kDigitaloceanToken,
  kHuggingfaceToken,
  kApiToken,  // other provider-prefixed tokens; the provider is in `evidence`
  kJwt,
  kPrivateKey,
  kUrlCredentials,
  kBasicCredentials,  // user:password in curl -u / --user and Basic auth headers
  kPasswordAssignment,
  kSecretAssignment,
  kHighEntropySecret,
  kTypeCount
};

constexpr const char* kTypeNames[kTypeCount] = {
    "aws_access_key_id",
    "aws_secret_access_key",
    "github_token",
    "gitlab_token",
    "slack_token",
    "slack_webhook",
    "stripe_key",
    "google_api_key",
    "google_oauth_client_secret",
    "azure_storage_key",
    "twilio_key",
    "sendgrid_key",
    "npm_token",
    "pypi_token",
    "openai_key",
    "anthropic_key",
    "discord_bot_token",
    "telegram_bot_token",
    "mailchimp_key",
    "shopify_token",
    "dropbox_token",
    "heroku_key",
    "digitalocean_token",
    "huggingface_token",
    "api_token",
    "jwt",
    "private_key",
    "url_credentials",
    "basic_credentials",
    "password_assignment",
    "secret_assignment",
    "high_entropy_secret",
};

// ------------------------------------------------------- character classes --

enum CharBit : uint8_t {
  kLower = 1,
  kUpper = 2,
  kDigit = 4,
  kPlusSlash = 8,   // + /
  kDashUnder = 16,  // - _
  kDot = 32,        // .
  kEq = 64,         // =
  kTilde = 128,     // ~
};

struct ClassTable {
  uint8_t c[256] = {};
  constexpr ClassTable() {
    for (int i = 'a'; i <= 'z'; ++i) c[i] = kLower;
    for (int i = 'A'; i <= 'Z'; ++i) c[i] = kUpper;
    for (int i = '0'; i <= '9'; ++i) c[i] = kDigit;
    c[static_cast<int>('+')] = c[static_cast<int>('/')] = kPlusSlash;
    c[static_cast<int>('-')] = c[static_cast<int>('_')] = kDashUnder;
    c[static_cast<int>('.')] = kDot;
    c[static_cast<int>('=')] = kEq;
    c[static_cast<int>('~')] = kTilde;
  }
};
constexpr ClassTable kCls;

inline uint8_t Cls(char ch) { return kCls.c[static_cast<uint8_t>(ch)]; }
inline bool IsAlpha(char ch) { return Cls(ch) & (kLower | kUpper); }
inline bool IsAlnum(char ch) { return Cls(ch) & (kLower | kUpper | kDigit); }
inline bool IsDigit(char ch) { return Cls(ch) & kDigit; }
inline bool IsLower(char ch) { return Cls(ch) & kLower; }
inline bool IsUpper(char ch) { return Cls(ch) & kUpper; }
inline bool IsHex(char ch) {
  return IsDigit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}
inline char Lower(char ch) { return IsUpper(ch) ? static_cast<char>(ch + 32) : ch; }
inline bool IsSpace(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }
inline bool IsIdentChar(char ch) { return IsAlnum(ch) || ch == '_' || ch == '-' || ch == '.'; }

// Charsets of token bodies.
enum Charset : uint8_t {
  kCsAlnum,       // [A-Za-z0-9]
  kCsWord,        // [A-Za-z0-9_]
  kCsB64Url,      // [A-Za-z0-9_-]
  kCsB64UrlDot,   // [A-Za-z0-9_.-]
  kCsB64,         // [A-Za-z0-9+/=]
  kCsHex,         // [0-9a-fA-F]
  kCsHexLower,    // [0-9a-f]
  kCsUpperAlnum,  // [A-Z0-9]
  kCsLetters,     // [A-Za-z]
  kCsSlackBody,   // [A-Za-z0-9-]
  kCsWebhook,     // [A-Za-z0-9/]
};

inline bool InCharset(char ch, Charset cs) {
  const uint8_t b = Cls(ch);
  switch (cs) {
    case kCsAlnum:
      return b & (kLower | kUpper | kDigit);
    case kCsWord:
      return (b & (kLower | kUpper | kDigit)) || ch == '_';
    case kCsB64Url:
      return b & (kLower | kUpper | kDigit | kDashUnder);
    case kCsB64UrlDot:
      return b & (kLower | kUpper | kDigit | kDashUnder | kDot);
    case kCsB64:
      return b & (kLower | kUpper | kDigit | kPlusSlash | kEq);
    case kCsHex:
      return IsHex(ch);
    case kCsHexLower:
      return IsDigit(ch) || (ch >= 'a' && ch <= 'f');
    case kCsUpperAlnum:
      return b & (kUpper | kDigit);
    case kCsLetters:
      return b & (kLower | kUpper);
    case kCsSlackBody:
      return (b & (kLower | kUpper | kDigit)) || ch == '-';
    case kCsWebhook:
      return (b & (kLower | kUpper | kDigit)) || ch == '/';
  }
  return false;
}

// Case-insensitive: does `s` at `pos` start with the lower-case literal `lit`?
inline bool StartsWithCi(std::string_view s, size_t pos, std::string_view lit) {
  if (pos + lit.size() > s.size()) return false;
  for (size_t i = 0; i < lit.size(); ++i) {
    if (Lower(s[pos + i]) != lit[i]) return false;
  }
  return true;
}

inline bool ContainsCi(std::string_view s, std::string_view lit) {
  if (lit.size() > s.size()) return false;
  for (size_t i = 0; i + lit.size() <= s.size(); ++i) {
    if (StartsWithCi(s, i, lit)) return true;
  }
  return false;
}

// Shannon entropy in bits per character.
double Entropy(std::string_view v) {
  if (v.empty()) return 0;
  std::array<uint16_t, 256> counts{};
  for (char ch : v) ++counts[static_cast<uint8_t>(ch)];
  double h = 0;
  const double n = static_cast<double>(v.size());
  for (uint16_t c : counts) {
    if (c == 0) continue;
    const double p = c / n;
    h -= p * std::log2(p);
  }
  return h;
}

// "123123123123", "1234-1234-1234-": a period of 2..5 characters repeated
// over 10+ characters.
bool HasShortPeriod(std::string_view v) {
  for (size_t p = 2; p <= 5; ++p) {
    int run = 0;
    for (size_t i = p; i < v.size(); ++i) {
      run = v[i] == v[i - p] ? run + 1 : 0;
      if (run >= 10) return true;
    }
  }
  return false;
}

// Placeholder shapes: "xxxxxxxx", "00000000", "abcdefgh", "123456789".
// Random tokens essentially never contain a run of 6 equal characters or of
// 6 consecutive ascending ones (probability < 1e-6 for 40 base62 chars).
bool LooksLikePlaceholderBody(std::string_view body) {
  int same = 1, asc = 1;
  for (size_t i = 1; i < body.size(); ++i) {
    const char a = body[i - 1], b = body[i];
    same = (a == b) ? same + 1 : 1;
    asc = (IsAlnum(a) && b == a + 1) ? asc + 1 : 1;
    if (same >= 6 || asc >= 6) return true;
  }
  if (HasShortPeriod(body)) return true;
  // Documentation masks: "XXXX", "xxxx", "****" anywhere in a token.
  return ContainsCi(body, "xxxx") || body.find("****") != std::string_view::npos;
}

// ------------------------------------------------------------ findings ----

struct Found {
  uint32_t start;
  uint32_t end;
  Type type;
  float score;
  const char* evidence;
};

constexpr size_t kMaxFindings = 32;

class Findings {
 public:
  // Adds unless it overlaps an earlier (more specific) finding.
  void Add(size_t start, size_t end, Type type, float score, const char* evidence) {
    if (end <= start || n_ == kMaxFindings) return;
    for (size_t i = 0; i < n_; ++i) {
      if (start < f_[i].end && f_[i].start < end) return;
    }
    f_[n_++] = {static_cast<uint32_t>(start), static_cast<uint32_t>(end), type, score, evidence};
  }
  bool Overlaps(size_t start, size_t end) const {
    for (size_t i = 0; i < n_; ++i) {
      if (start < f_[i].end && f_[i].start < end) return true;
    }
    return false;
  }
  size_t size() const { return n_; }
  const Found& operator[](size_t i) const { return f_[i]; }

 private:
  std::array<Found, kMaxFindings> f_;
  size_t n_ = 0;
};

// ---------------------------------------------------------- prefix rules --

enum RuleFlag : uint8_t {
  kNoUnderscoreBefore = 1,  // prefix must not continue an identifier ("x_hf_...")
  kGithubCrc = 2,           // last 6 chars: base62 CRC32 of the rest (ghp_ and friends)
  kMixedCase = 4,           // body must contain upper and lower case letters
  kNeedDigit = 8,           // body must contain a digit
};

enum Custom : uint8_t {
  kCustomNone,
  kCustomSlack,        // xox?- bodies: digit groups plus a long final group
  kCustomSendgrid,     // SG.<22>.<43>
  kCustomOpenai,       // sk-..., incl. sk-ant- (Anthropic)
  kCustomAwsA3T,       // A3T + one alnum + 16
  kCustomSourcegraph,  // sgp_[local_|<16 hex>_]<40 hex>
};

struct PrefixRule {
  std::string_view prefix;
  Type type;
  const char* provider;
  Charset charset;
  uint16_t min_body;
  uint16_t max_body;
  uint8_t flags;
  Custom custom;
};

// Formats as documented by the providers (token format announcements, API
// reference pages). Lengths are body lengths after the prefix.
constexpr PrefixRule kPrefixRules[] = {
    // AWS access key ids: 4-letter resource prefix + 16 base32 upper chars.
    {"AKIA", kAwsAccessKeyId, "aws", kCsUpperAlnum, 16, 16, 0, kCustomNone},
    {"ASIA", kAwsAccessKeyId, "aws", kCsUpperAlnum, 16, 16, 0, kCustomNone},
    {"ABIA", kAwsAccessKeyId, "aws", kCsUpperAlnum, 16, 16, 0, kCustomNone},
    {"ACCA", kAwsAccessKeyId, "aws", kCsUpperAlnum, 16, 16, 0, kCustomNone},
    {"AGPA", kAwsAccessKeyId, "aws", kCsUpperAlnum, 16, 16, 0, kCustomNone},
    {"AIDA", kAwsAccessKeyId, "aws", kCsUpperAlnum, 16, 16, 0, kCustomNone},
    {"AROA", kAwsAccessKeyId, "aws", kCsUpperAlnum, 16, 16, 0, kCustomNone},
    {"ANPA", kAwsAccessKeyId, "aws", kCsUpperAlnum, 16, 16, 0, kCustomNone},
    {"ANVA", kAwsAccessKeyId, "aws", kCsUpperAlnum, 16, 16, 0, kCustomNone},
    {"APKA", kAwsAccessKeyId, "aws", kCsUpperAlnum, 16, 16, 0, kCustomNone},
    {"A3T", kAwsAccessKeyId, "aws", kCsUpperAlnum, 17, 17, 0, kCustomAwsA3T},
    // GitHub: prefix + 30 random + 6 checksum characters; fine-grained PATs.
    {"ghp_", kGithubToken, "github", kCsAlnum, 36, 251, kGithubCrc, kCustomNone},
    {"gho_", kGithubToken, "github", kCsAlnum, 36, 251, kGithubCrc, kCustomNone},
    {"ghu_", kGithubToken, "github", kCsAlnum, 36, 251, kGithubCrc, kCustomNone},
    {"ghs_", kGithubToken, "github", kCsAlnum, 36, 251, kGithubCrc, kCustomNone},
    {"ghr_", kGithubToken, "github", kCsAlnum, 36, 251, kGithubCrc, kCustomNone},
    {"github_pat_", kGithubToken, "github", kCsWord, 70, 255, 0, kCustomNone},
    // GitLab token prefixes (personal, deploy, runner, trigger, CI job, ...).
    {"glpat-", kGitlabToken, "gitlab", kCsB64UrlDot, 20, 255, 0, kCustomNone},
    {"gldt-", kGitlabToken, "gitlab", kCsB64UrlDot, 20, 255, 0, kCustomNone},
    {"glrt-", kGitlabToken, "gitlab", kCsB64UrlDot, 20, 255, 0, kCustomNone},
    {"glrtr-", kGitlabToken, "gitlab", kCsB64UrlDot, 20, 255, 0, kCustomNone},
    {"glptt-", kGitlabToken, "gitlab", kCsB64UrlDot, 40, 40, 0, kCustomNone},
    {"glcbt-", kGitlabToken, "gitlab", kCsB64UrlDot, 20, 255, 0, kCustomNone},
    {"glimt-", kGitlabToken, "gitlab", kCsB64UrlDot, 25, 25, 0, kCustomNone},
    {"glagent-", kGitlabToken, "gitlab", kCsB64UrlDot, 50, 255, 0, kCustomNone},
    {"gloas-", kGitlabToken, "gitlab", kCsB64UrlDot, 64, 64, 0, kCustomNone},
    {"glsoat-", kGitlabToken, "gitlab", kCsB64UrlDot, 20, 255, 0, kCustomNone},
    {"glffct-", kGitlabToken, "gitlab", kCsB64UrlDot, 20, 255, 0, kCustomNone},
    {"glft-", kGitlabToken, "gitlab", kCsB64UrlDot, 20, 255, 0, kCustomNone},
    {"GR1348941", kGitlabToken, "gitlab", kCsB64Url, 20, 50, 0, kCustomNone},
    // Slack.
    {"xoxb-", kSlackToken, "slack", kCsSlackBody, 10, 255, 0, kCustomSlack},
    {"xoxp-", kSlackToken, "slack", kCsSlackBody, 10, 255, 0, kCustomSlack},
    {"xoxa-", kSlackToken, "slack", kCsSlackBody, 10, 255, 0, kCustomSlack},
    {"xoxr-", kSlackToken, "slack", kCsSlackBody, 10, 255, 0, kCustomSlack},
    {"xoxs-", kSlackToken, "slack", kCsSlackBody, 10, 255, 0, kCustomSlack},
    {"xoxo-", kSlackToken, "slack", kCsSlackBody, 10, 255, 0, kCustomSlack},
    {"xoxe-", kSlackToken, "slack", kCsSlackBody, 10, 255, 0, kCustomSlack},
    {"xoxe.xoxp-", kSlackToken, "slack", kCsSlackBody, 10, 255, 0, kCustomSlack},
    {"xapp-", kSlackToken, "slack", kCsSlackBody, 10, 255, 0, kCustomSlack},
    {"hooks.slack.com/services/", kSlackWebhook, "slack", kCsWebhook, 20, 255, 0, kCustomNone},
    {"hooks.slack.com/workflows/", kSlackWebhook, "slack", kCsWebhook, 20, 255, 0, kCustomNone},
    {"hooks.slack.com/triggers/", kSlackWebhook, "slack", kCsWebhook, 20, 255, 0, kCustomNone},
    // Stripe secret and restricted keys, webhook signing secrets.
    {"sk_live_", kStripeKey, "stripe", kCsAlnum, 16, 255, 0, kCustomNone},
    {"rk_live_", kStripeKey, "stripe", kCsAlnum, 16, 255, 0, kCustomNone},
    {"sk_test_", kStripeKey, "stripe", kCsAlnum, 16, 255, 0, kCustomNone},
    {"rk_test_", kStripeKey, "stripe", kCsAlnum, 16, 255, 0, kCustomNone},
    {"whsec_", kStripeKey, "stripe", kCsB64, 24, 255, 0, kCustomNone},
    // Google.
    {"AIza", kGoogleApiKey, "google", kCsB64Url, 35, 35, 0, kCustomNone},
    {"GOCSPX-", kGoogleOauthClientSecret, "google", kCsB64Url, 24, 40, 0, kCustomNone},
    // Twilio API key SIDs (SK + 32 hex); account SIDs need context (see below).
    {"SK", kTwilioKey, "twilio", kCsHexLower, 32, 32, 0, kCustomNone},
    {"SG.", kSendgridKey, "sendgrid", kCsB64UrlDot, 66, 66, 0, kCustomSendgrid},
    {"npm_", kNpmToken, "npm", kCsAlnum, 36, 36, 0, kCustomNone},
    {"pypi-", kPypiToken, "pypi", kCsB64Url, 100, 1024, 0, kCustomNone},
    {"sk-", kOpenaiKey, "openai", kCsB64Url, 20, 255, 0, kCustomOpenai},
    {"shpat_", kShopifyToken, "shopify", kCsHex, 32, 32, 0, kCustomNone},
    {"shpca_", kShopifyToken, "shopify", kCsHex, 32, 32, 0, kCustomNone},
    {"shppa_", kShopifyToken, "shopify", kCsHex, 32, 32, 0, kCustomNone},
    {"shpss_", kShopifyToken, "shopify", kCsHex, 32, 32, 0, kCustomNone},
    {"sl.", kDropboxToken, "dropbox", kCsB64UrlDot, 120, 1024, kMixedCase, kCustomNone},
    {"HRKU-", kHerokuKey, "heroku", kCsB64Url, 20, 255, 0, kCustomNone},
    {"dop_v1_", kDigitaloceanToken, "digitalocean", kCsHexLower, 64, 64, 0, kCustomNone},
    {"doo_v1_", kDigitaloceanToken, "digitalocean", kCsHexLower, 64, 64, 0, kCustomNone},
    {"dor_v1_", kDigitaloceanToken, "digitalocean", kCsHexLower, 64, 64, 0, kCustomNone},
    {"hf_", kHuggingfaceToken, "huggingface", kCsLetters, 34, 34, kNoUnderscoreBefore | kMixedCase,
     kCustomNone},
    {"api_org_", kHuggingfaceToken, "huggingface", kCsLetters, 34, 34,
     kNoUnderscoreBefore | kMixedCase, kCustomNone},
    // Other providers with documented prefixes.
    {"AKCp", kApiToken, "artifactory", kCsAlnum, 60, 80, 0, kCustomNone},
    {"cmVmdGtu", kApiToken, "artifactory", kCsAlnum, 48, 64, 0, kCustomNone},
    {"sq0atp-", kApiToken, "square", kCsB64Url, 22, 60, 0, kCustomNone},
    {"sq0csp-", kApiToken, "square", kCsB64Url, 40, 60, 0, kCustomNone},
    {"glc_", kApiToken, "grafana", kCsB64, 32, 400, 0, kCustomNone},
    {"glsa_", kApiToken, "grafana", kCsWord, 40, 41, 0, kCustomNone},
    {"dapi", kApiToken, "databricks", kCsHexLower, 32, 32, kNeedDigit, kCustomNone},
    {"pplx-", kApiToken, "perplexity", kCsAlnum, 40, 64, 0, kCustomNone},
    {"pnu_", kApiToken, "prefect", kCsAlnum, 36, 36, 0, kCustomNone},
    {"rdme_", kApiToken, "readme", kCsAlnum, 60, 80, 0, kCustomNone},
    {"ntn_", kApiToken, "notion", kCsAlnum, 40, 50, 0, kCustomNone},
    {"secret_", kApiToken, "notion", kCsAlnum, 43, 43, kMixedCase | kNeedDigit, kCustomNone},
    {"sgp_", kApiToken, "sourcegraph", kCsWord, 40, 64, 0, kCustomSourcegraph},
    {"CLOJARS_", kApiToken, "clojars", kCsHexLower, 60, 60, 0, kCustomNone},
    {"lin_api_", kApiToken, "linear", kCsAlnum, 40, 40, 0, kCustomNone},
    {"xai-", kApiToken, "xai", kCsAlnum, 70, 90, 0, kCustomNone},
    {"dckr_pat_", kApiToken, "docker", kCsB64Url, 27, 40, 0, kCustomNone},
    {"hvs.", kApiToken, "hashicorp_vault", kCsB64Url, 24, 200, 0, kCustomNone},
    {"hvb.", kApiToken, "hashicorp_vault", kCsB64Url, 100, 300, 0, kCustomNone},
    {"sntrys_", kApiToken, "sentry", kCsB64, 60, 400, 0, kCustomNone},
    {"sntryu_", kApiToken, "sentry", kCsHexLower, 64, 64, 0, kCustomNone},
    {"ops_eyJ", kApiToken, "1password", kCsB64Url, 100, 2048, 0, kCustomNone},
    {"AGE-SECRET-KEY-1", kApiToken, "age", kCsUpperAlnum, 58, 58, 0, kCustomNone},
    {"shippo_live_", kApiToken, "shippo", kCsHexLower, 40, 40, 0, kCustomNone},
    {"duffel_live_", kApiToken, "duffel", kCsB64Url, 43, 43, 0, kCustomNone},
    {"duffel_test_", kApiToken, "duffel", kCsB64Url, 43, 43, 0, kCustomNone},
    {"figd_", kApiToken, "figma", kCsB64Url, 40, 60, 0, kCustomNone},
    {"atlasv1.", kApiToken, "terraform", kCsB64Url, 60, 80, 0, kCustomNone},
    {"PMAK-", kApiToken, "postman", kCsB64Url, 59, 59, 0, kCustomNone},
    {"CFPAT-", kApiToken, "contentful", kCsB64Url, 43, 43, 0, kCustomNone},
    {"pscale_tkn_", kApiToken, "planetscale", kCsB64UrlDot, 32, 64, 0, kCustomNone},
    {"pscale_pw_", kApiToken, "planetscale", kCsB64UrlDot, 32, 64, 0, kCustomNone},
    {"EAACEdEose0cBA", kApiToken, "facebook", kCsAlnum, 20, 300, 0, kCustomNone},
    {"ya29.", kApiToken, "google_oauth_access", kCsB64UrlDot, 30, 2048, 0, kCustomNone},
    {"1//0", kApiToken, "google_oauth_refresh", kCsB64Url, 30, 512, 0, kCustomNone},
};
constexpr size_t kNumPrefixRules = sizeof(kPrefixRules) / sizeof(kPrefixRules[0]);

// Pattern ids: prefix rules use their index; the rest follow.
enum PatternId : uint32_t {
  kIdTelegram = 1000,
  kIdMailchimp,
  kIdPrivateKey,
  kIdUrl,
  kIdAzureAccountKey,
  kIdAzureSharedKey,
  kIdTwilioAccount,
  kIdCurlUser,
  kIdAzureAdSecret,
  kIdCurlUserLong,
  kIdBasicAuth,
  kIdKeywordBase = 2000,
};

// Keywords that introduce an assignment. `password_like` ones accept short
// human passwords; the others need a longer value.
enum KeywordKind : uint8_t {
  kKwPass,
  kKwPwd,
  kKwPw,
  kKwKennwort,
  kKwPin,
  kKwLogin,
  kKwZugang,
  kKwCredential,
  kKwSecret,
  kKwKey,
  kKwToken,
  kKwAuth,
  kKwApi,
  kKwBearer,
};
struct Keyword {
  std::string_view word;  // lower case
  bool password_like;
  KeywordKind kind;
};
constexpr Keyword kKeywords[] = {
    {"pass", true, kKwPass},      {"pwd", true, kKwPwd},
    {"pw", true, kKwPw},          {"kennwort", true, kKwKennwort},
    {"pin", true, kKwPin},        {"login", true, kKwLogin},
    {"zugang", true, kKwZugang},  {"credential", true, kKwCredential},
    {"secret", false, kKwSecret}, {"key", false, kKwKey},
    {"token", false, kKwToken},   {"auth", false, kKwAuth},
    {"api", false, kKwApi},       {"bearer", false, kKwBearer},
};
constexpr size_t kNumKeywords = sizeof(kKeywords) / sizeof(kKeywords[0]);

// -------------------------------------------------------- small helpers ----

// GitHub's checksum: CRC32 (IEEE) of the token's random part, base62-encoded
// into the last 6 characters.
uint32_t Crc32(std::string_view s) {
  uint32_t crc = 0xFFFFFFFFu;
  for (char ch : s) {
    crc ^= static_cast<uint8_t>(ch);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

bool GithubChecksumOk(std::string_view body) {
  if (body.size() != 36) return false;
  static constexpr char kB62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  uint32_t crc = Crc32(body.substr(0, 30));
  char enc[6];
  for (int i = 5; i >= 0; --i) {
    enc[i] = kB62[crc % 62];
    crc /= 62;
  }
  return std::memcmp(enc, body.data() + 30, 6) == 0;
}

// Decodes base64url (or base64) into `out` (at most out_cap bytes); returns
// the decoded length or -1 on a bad character.
int DecodeB64(std::string_view in, char* out, int out_cap) {
  uint32_t acc = 0;
  int bits = 0, n = 0;
  for (char ch : in) {
    int v;
    if (ch >= 'A' && ch <= 'Z') {
      v = ch - 'A';
    } else if (ch >= 'a' && ch <= 'z') {
      v = ch - 'a' + 26;
    } else if (ch >= '0' && ch <= '9') {
      v = ch - '0' + 52;
    } else if (ch == '-' || ch == '+') {
      v = 62;
    } else if (ch == '_' || ch == '/') {
      v = 63;
    } else if (ch == '=') {
      break;
    } else {
      return -1;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n == out_cap) return n;
      out[n++] = static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return n;
}

// A decoded JWT segment must be a JSON object; the header must name "alg".
bool JsonObjectSegment(std::string_view seg, bool need_alg) {
  char buf[384];
  if (seg.size() < 4 || seg.size() > 512) return false;
  const int n = DecodeB64(seg, buf, sizeof(buf));
  if (n < 2) return false;
  std::string_view d(buf, static_cast<size_t>(n));
  size_t b = 0, e = d.size();
  while (b < e && IsSpace(d[b])) ++b;
  while (e > b && IsSpace(d[e - 1])) --e;
  if (e - b < 2 || d[b] != '{') return false;
  if (need_alg) {
    if (d[e - 1] != '}') return false;
    return d.find("\"alg\"") != std::string_view::npos;
  }
  return true;
}

// Placeholder values in assignments: templates, masks, and obvious fillers.
bool IsPlaceholderValue(std::string_view v) {
  if (v.empty()) return true;
  const char f = v.front(), l = v.back();
  if ((f == '<' && l == '>') || (f == '[' && l == ']') || (f == '{' && l == '}') ||
      (f == '(' && l == ')'))
    return true;
  if (f == '$' || f == '%' || f == '`') return true;  // ${VAR}, $VAR, $(cmd), %s, `cmd`
  if (v.size() >= 2 && v[0] == '{' && v[1] == '{') return true;
  bool all_mask = true;
  for (char ch : v) {
    if (ch != '*' && ch != 'x' && ch != 'X' && ch != '.' && ch != '#' && ch != '-' && ch != '_' &&
        ch != '?')
      all_mask = false;
  }
  if (all_mask) return true;
  static constexpr std::string_view kFillers[] = {
      "example", "placeholder", "your", "fake",     "dummy",    "redacted", "xxxx",
      "****",    "changeme",    "<",    "password", "passwort", "secret",   "hidden",
  };
  for (std::string_view w : kFillers) {
    if (ContainsCi(v, w)) return true;
  }
  return false;
}

// A human password: not a placeholder, not a code identifier (real_key,
// db.password), not prose; it mixes letters with digits or symbols.
bool ValueLooksLikePassword(std::string_view v, bool pin, size_t min_len) {
  if (pin) {
    if (v.size() < 4 || v.size() > 12) return false;
    for (char ch : v) {
      if (!IsDigit(ch)) return false;
    }
    // 0000 / 1234 are documentation fillers, not PINs worth blocking.
    return !(v == "0000" || v == "1234" || v == "12345" || v == "123456");
  }
  if (v.size() < min_len || v.size() > 128) return false;
  if (IsPlaceholderValue(v)) return false;
  // Hashtags, mentions and times are prose, not passwords.
  if (v.front() == '#' || v.front() == '@') return false;
  int letters = 0, digits = 0, symbols = 0, ident_symbols = 0;
  for (char ch : v) {
    if (IsAlpha(ch)) {
      ++letters;
    } else if (IsDigit(ch)) {
      ++digits;
    } else if (ch == '_' || ch == '.' || ch == '-' || static_cast<uint8_t>(ch) >= 0x80) {
      ++ident_symbols;  // word characters (umlauts count with letters' neighbours)
    } else {
      ++symbols;
    }
  }
  if (letters + digits < 4) return false;
  if (digits == 0 && symbols == 0) return false;  // words and code identifiers
  return true;
}

// ------------------------------------------------------------- detector ----

class SecretsDetector final : public Detector {
 public:
  SecretsDetector(uint64_t enabled, double min_entropy, size_t min_length, size_t min_password)
      : enabled_(enabled),
        min_entropy_(min_entropy),
        min_length_(min_length),
        min_password_(min_password) {}

  std::vector<PatternSpec> Patterns() const override {
    std::vector<PatternSpec> p;
    for (uint32_t i = 0; i < kNumPrefixRules; ++i) {
      if (!On(kPrefixRules[i].type)) continue;
      p.push_back({std::string(kPrefixRules[i].prefix), kPatLiteral, View::kRaw, i});
    }
    if (On(kTelegramBotToken))
      p.push_back({"[0-9]{8,10}:[A-Za-z0-9_\\-]{35}", 0, View::kRaw, kIdTelegram});
    if (On(kMailchimpKey)) p.push_back({"-us", kPatLiteral, View::kRaw, kIdMailchimp});
    if (On(kPrivateKey)) p.push_back({"-----BEGIN ", kPatLiteral, View::kRaw, kIdPrivateKey});
    if (On(kUrlCredentials)) p.push_back({"://", kPatLiteral, View::kRaw, kIdUrl});
    if (On(kAzureStorageKey)) {
      p.push_back({"AccountKey=", kPatLiteral | kPatCaseless, View::kRaw, kIdAzureAccountKey});
      p.push_back({"SharedAccessKey=", kPatLiteral | kPatCaseless, View::kRaw, kIdAzureSharedKey});
    }
    if (On(kTwilioKey))
      p.push_back({"twilio", kPatLiteral | kPatCaseless, View::kRaw, kIdTwilioAccount});
    if (On(kApiToken)) p.push_back({"Q~", kPatLiteral, View::kRaw, kIdAzureAdSecret});
    if (On(kBasicCredentials)) {
      p.push_back({"-u ", kPatLiteral, View::kRaw, kIdCurlUser});
      p.push_back({"--user ", kPatLiteral, View::kRaw, kIdCurlUserLong});
      p.push_back({"basic ", kPatLiteral | kPatCaseless, View::kRaw, kIdBasicAuth});
    }
    if (On(kPasswordAssignment) || On(kSecretAssignment)) {
      for (uint32_t i = 0; i < kNumKeywords; ++i) {
        p.push_back({std::string(kKeywords[i].word), kPatLiteral | kPatCaseless, View::kRaw,
                     kIdKeywordBase + i});
      }
    }
    return p;
  }

  ScanControl Scan(const ScanContext& ctx, DetectionSink& sink) const override {
    const std::string_view raw = ctx.raw;
    Findings found;
    // Structural and prefix candidates first: they are the most specific.
    for (const Candidate& c : ctx.candidates) {
      if (c.view != View::kRaw || c.to > raw.size()) continue;
      if (c.id < kNumPrefixRules) {
        CheckPrefix(raw, c.from, kPrefixRules[c.id], found);
      } else if (c.id == kIdTelegram) {
        CheckTelegram(raw, c.to, found);
      } else if (c.id == kIdMailchimp) {
        CheckMailchimp(raw, c.from, found);
      } else if (c.id == kIdPrivateKey) {
        CheckPrivateKey(raw, c.from, found);
      } else if (c.id == kIdUrl) {
        CheckUrl(raw, c.from, found);
      } else if (c.id == kIdAzureAccountKey || c.id == kIdAzureSharedKey) {
        CheckAzure(raw, c.to, c.id == kIdAzureAccountKey ? 86 : 43, found);
      } else if (c.id == kIdCurlUser || c.id == kIdCurlUserLong) {
        CheckCurlUser(raw, c.from, c.to, found);
      } else if (c.id == kIdBasicAuth) {
        CheckBasicAuth(raw, c.from, c.to, found);
      } else if (c.id == kIdAzureAdSecret) {
        CheckAzureAdSecret(raw, c.from, found);
      } else if (c.id == kIdTwilioAccount) {
        CheckTwilioAccount(raw, c.to, found);
      }
    }
    ScanRuns(raw, found);
    for (const Candidate& c : ctx.candidates) {
      if (c.view != View::kRaw || c.id < kIdKeywordBase || c.id >= kIdKeywordBase + kNumKeywords)
        continue;
      CheckAssignment(raw, c.from, c.to, kKeywords[c.id - kIdKeywordBase], found);
    }
    for (size_t i = 0; i < found.size(); ++i) {
      const Found& f = found[i];
      if (!On(f.type)) continue;
      Detection d;
      d.view = View::kRaw;
      d.start = f.start;
      d.end = f.end;
      d.type = kTypeNames[f.type];
      d.score = f.score;
      d.mask = true;
      if (f.evidence != nullptr) d.evidence = f.evidence;
      sink.Add(std::move(d));
    }
    return ScanControl::kContinue;
  }

 private:
  bool On(Type t) const { return (enabled_ >> t) & 1u; }

  // ---- 1. prefixed tokens ----
  void CheckPrefix(std::string_view raw, size_t p, const PrefixRule& r, Findings& found) const {
    const size_t plen = r.prefix.size();
    if (p + plen > raw.size()) return;
    if (p > 0) {
      const char before = raw[p - 1];
      if (IsAlnum(before)) return;
      if ((r.flags & kNoUnderscoreBefore) && before == '_') return;
    }
    const size_t b = p + plen;
    size_t e = b;
    const size_t cap = b + r.max_body + 1;
    while (e < raw.size() && e < cap && InCharset(raw[e], r.charset)) ++e;
    // Trailing '.' and '-' end sentences and lists more often than tokens.
    if (r.charset == kCsB64UrlDot || r.charset == kCsSlackBody) {
      while (e > b && (raw[e - 1] == '.')) --e;
    }
    size_t len = e - b;
    if (len > r.max_body || len < r.min_body) return;
    if (e < raw.size() && IsAlnum(raw[e])) return;
    std::string_view body = raw.substr(b, len);
    if (LooksLikePlaceholderBody(body)) return;
    bool upper = false, lower = false, digit = false;
    for (char ch : body) {
      upper |= IsUpper(ch);
      lower |= IsLower(ch);
      digit |= IsDigit(ch);
    }
    if ((r.flags & kMixedCase) && !(upper && lower)) return;
    if ((r.flags & kNeedDigit) && !digit) return;
    Type type = r.type;
    float score = 0.95f;
    const char* evidence = r.provider;
    switch (r.custom) {
      case kCustomNone:
        break;
      case kCustomAwsA3T:
        break;
      case kCustomSourcegraph: {
        std::string_view hex = body;
        if (hex.starts_with("local_")) {
          hex.remove_prefix(6);
        } else if (hex.size() == 57 && hex[16] == '_') {
          for (char ch : hex.substr(0, 16)) {
            if (!IsHex(ch)) return;
          }
          hex.remove_prefix(17);
        }
        if (hex.size() != 40) return;
        for (char ch : hex) {
          if (!IsHex(ch)) return;
        }
        break;
      }
      case kCustomSlack: {
        // Digit groups, then a random final group of 10+ characters.
        size_t last_dash = body.rfind('-');
        if (last_dash == std::string_view::npos) return;
        std::string_view last = body.substr(last_dash + 1);
        if (last.size() < 10) return;
        bool last_letter = false, last_digit = false;
        for (char ch : last) {
          last_letter |= IsAlpha(ch);
          last_digit |= IsDigit(ch);
        }
        if (!last_letter || !last_digit) return;
        break;
      }
      case kCustomSendgrid: {
        if (body.size() != 66 || body[22] != '.') return;
        for (size_t i = 0; i < body.size(); ++i) {
          if (i != 22 && body[i] == '.') return;
        }
        break;
      }
      case kCustomOpenai: {
        if (body.substr(0, 4) == "ant-") {
          type = kAnthropicKey;
          evidence = "anthropic";
          if (body.size() < 60) return;
        } else {
          // Legacy and project keys embed the marker "T3BlbkFJ" (base64 of
          // "OpenAI"); without it a "sk-..." string is too common a shape.
          if (body.find("T3BlbkFJ") == std::string_view::npos) return;
        }
        break;
      }
    }
    if (r.flags & kGithubCrc) {
      if (GithubChecksumOk(body)) {
        score = 1.0f;
        evidence = "github, checksum ok";
      } else {
        score = 0.9f;
        evidence = "github, checksum mismatch";
      }
    }
    if (ContainsCi(body, "example")) {
      // Documentation keys (AKIAIOSFODNN7EXAMPLE): still flagged, because a
      // reader cannot tell them from a real leak; lower confidence.
      score = 0.5f;
      evidence = "documentation example key";
    }
    found.Add(p, e, type, score, evidence);
  }

  void CheckTelegram(std::string_view raw, size_t to, Findings& found) const {
    // [0-9]{8,10}:[A-Za-z0-9_-]{35}, re-anchored from its end.
    if (to < 44 || to > raw.size()) return;
    if (to < raw.size() && InCharset(raw[to], kCsB64Url)) return;
    const size_t colon = to - 36;
    if (raw[colon] != ':') return;
    size_t s = colon;
    while (s > 0 && colon - s < 11 && IsDigit(raw[s - 1])) --s;
    const size_t digits = colon - s;
    if (digits < 8 || digits > 10) return;
    if (s > 0 && (IsAlnum(raw[s - 1]) || raw[s - 1] == ':')) return;  // "bot123:", "arn:..:"
    std::string_view body = raw.substr(colon + 1, 35);
    if (body.substr(0, 2) != "AA" || LooksLikePlaceholderBody(body)) return;
    found.Add(s, to, kTelegramBotToken, 0.95f, "telegram");
  }

  void CheckMailchimp(std::string_view raw, size_t from, Findings& found) const {
    // <32 lower hex>-us<1-2 digits>
    if (from < 32) return;
    size_t e = from + 3;
    size_t d = 0;
    while (e < raw.size() && d < 3 && IsDigit(raw[e])) ++e, ++d;
    if (d == 0 || d > 2 || (e < raw.size() && IsAlnum(raw[e]))) return;
    const size_t s = from - 32;
    if (s > 0 && IsAlnum(raw[s - 1])) return;
    for (size_t i = s; i < from; ++i) {
      if (!InCharset(raw[i], kCsHexLower)) return;
    }
    if (LooksLikePlaceholderBody(raw.substr(s, 32))) return;
    found.Add(s, e, kMailchimpKey, 0.9f, "mailchimp");
  }

  void CheckPrivateKey(std::string_view raw, size_t from, Findings& found) const {
    // -----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----
    size_t i = from + 11;
    const size_t label_end = std::min(raw.size(), i + 40);
    size_t dash = std::string_view::npos;
    for (size_t k = i; k < label_end; ++k) {
      if (raw[k] == '-') {
        dash = k;
        break;
      }
      if (!(IsUpper(raw[k]) || IsDigit(raw[k]) || raw[k] == ' ')) return;
    }
    if (dash == std::string_view::npos || raw.substr(dash, 5) != "-----") return;
    std::string_view label = raw.substr(i, dash - i);
    const bool is_private = label.ends_with("PRIVATE KEY") || label.ends_with("PRIVATE KEY BLOCK");
    if (!is_private) return;
    // The body: everything up to -----END (or the end of the text), looked
    // for within 16 KiB (PEM keys are a few KiB; the bound keeps a flood of
    // headers linear). An empty or trivial body is a template, not a key.
    constexpr size_t kMaxBody = 16 * 1024;
    const size_t body = dash + 5;
    const std::string_view window = raw.substr(body, kMaxBody);
    size_t end_marker = window.find("-----END");
    if (end_marker != std::string_view::npos) end_marker += body;
    const size_t body_end =
        end_marker == std::string_view::npos ? body + window.size() : end_marker;
    size_t content = 0;
    for (size_t k = body; k < body_end && content < 16; ++k) {
      if (IsSpace(raw[k])) continue;
      if (content == 0 && raw[k] == '-') return;  // another armor line, no key body
      ++content;
    }
    if (content < 12) return;
    size_t e = body_end;
    if (end_marker != std::string_view::npos) {
      const size_t close =
          raw.substr(0, std::min(raw.size(), end_marker + 64)).find("-----", end_marker + 8);
      e = close == std::string_view::npos ? std::min(raw.size(), end_marker + 8) : close + 5;
    }
    found.Add(from, e, kPrivateKey, 1.0f, "private key block");
  }

  void CheckUrl(std::string_view raw, size_t from, Findings& found) const {
    // scheme://user:pass@host ; the scheme is letters before "://".
    size_t s = from;
    while (s > 0 && from - s < 16 &&
           (IsAlnum(raw[s - 1]) || raw[s - 1] == '+' || raw[s - 1] == '-' || raw[s - 1] == '.'))
      --s;
    if (s == from || !IsAlpha(raw[s])) return;
    const size_t u = from + 3;
    size_t at = std::string_view::npos, colon = std::string_view::npos;
    for (size_t k = u; k < raw.size() && k < u + 256; ++k) {
      const char ch = raw[k];
      if (ch == '@') {
        at = k;  // the last '@' before the host wins (passwords may hold '@')
        continue;
      }
      if (IsSpace(ch) || ch == '/' || ch == '?' || ch == '"' || ch == '\'' || ch == '<' ||
          ch == '>' || ch == '`' || ch == '\\')
        break;
      if (ch == ':' && colon == std::string_view::npos && at == std::string_view::npos) colon = k;
    }
    if (at == std::string_view::npos || colon == std::string_view::npos || colon > at) return;
    if (at + 1 >= raw.size() || !IsAlnum(raw[at + 1])) return;
    std::string_view user = raw.substr(u, colon - u);
    std::string_view pass = raw.substr(colon + 1, at - colon - 1);
    if (user.empty() || pass.empty()) return;
    if (IsPlaceholderValue(pass) || IsPlaceholderValue(user)) return;
    // Port-like "host:8080@" is not a password.
    bool digits_only = true;
    for (char ch : pass) digits_only &= IsDigit(ch);
    if (digits_only && pass.size() <= 5) return;
    found.Add(colon + 1, at, kUrlCredentials, 0.95f, "credentials in URL");
  }

  // Microsoft Entra (Azure AD) client secrets: 3 characters, a digit, "Q~",
  // then 31-34 characters of [A-Za-z0-9_.~-] (40 in all).
  void CheckAzureAdSecret(std::string_view raw, size_t q, Findings& found) const {
    auto secret_char = [](char ch) {
      return IsAlnum(ch) || ch == '_' || ch == '.' || ch == '~' || ch == '-';
    };
    if (q < 4 || !IsDigit(raw[q - 1])) return;
    const size_t s = q - 4;
    for (size_t k = s; k < q - 1; ++k) {
      if (!secret_char(raw[k])) return;
    }
    if (s > 0 && secret_char(raw[s - 1])) return;
    size_t e = q + 2;
    while (e < raw.size() && e - q < 40 && secret_char(raw[e])) ++e;
    const size_t tail = e - q - 2;
    if (tail < 31 || tail > 34 || (e < raw.size() && secret_char(raw[e]))) return;
    std::string_view v = raw.substr(s, e - s);
    if (LooksLikePlaceholderBody(v)) return;
    int digits = 0, lower = 0, upper = 0;
    for (char ch : v) {
      digits += IsDigit(ch);
      lower += IsLower(ch);
      upper += IsUpper(ch);
    }
    if (digits < 2 || lower < 2 || upper < 2) return;
    found.Add(s, e, kApiToken, 0.9f, "azure_ad_client_secret");
  }

  // curl -u user:pass / --user "user:pass": the password part.
  void CheckCurlUser(std::string_view raw, size_t from, size_t to, Findings& found) const {
    if (from > 0 && !IsSpace(raw[from - 1])) return;
    size_t k = to;
    while (k < raw.size() && raw[k] == ' ') ++k;
    if (k >= raw.size()) return;
    size_t vs = k, ve;
    if (raw[k] == '"' || raw[k] == '\'') {
      const char q = raw[k];
      ve = k + 1;
      // "user":"pass" is one argument in the shell: join the quoted parts.
      while (ve < raw.size() && ve - k < 200 && !IsSpace(raw[ve])) ++ve;
      (void)q;
    } else {
      ve = k;
      while (ve < raw.size() && ve - k < 200 && !IsSpace(raw[ve])) ++ve;
    }
    std::string_view arg = raw.substr(vs, ve - vs);
    const size_t colon = arg.find(':');
    if (colon == std::string_view::npos) return;
    size_t ps = vs + colon + 1, pe = ve;
    while (ps < pe && (raw[ps] == '"' || raw[ps] == '\'' || raw[ps] == '{')) ++ps;
    while (pe > ps && (raw[pe - 1] == '"' || raw[pe - 1] == '\'' || raw[pe - 1] == '}')) --pe;
    std::string_view pass = raw.substr(ps, pe - ps);
    std::string_view user = arg.substr(0, colon);
    if (IsPlaceholderValue(pass) || pass.find("${") != std::string_view::npos ||
        pass.find("$(") != std::string_view::npos || user.find('$') != std::string_view::npos)
      return;
    if (!ValueLooksLikePassword(pass, false, min_password_) && !LooksRandom(pass)) return;
    found.Add(ps, pe, kBasicCredentials, 0.85f, "curl user:password");
  }

  // "Basic <base64 of user:password>".
  void CheckBasicAuth(std::string_view raw, size_t from, size_t to, Findings& found) const {
    if (from > 0 && IsAlnum(raw[from - 1])) return;
    size_t e = to;
    while (e < raw.size() && e - to < 300 && InCharset(raw[e], kCsB64)) ++e;
    if (e - to < 8 || e - to >= 300) return;
    char buf[256];
    const int n = DecodeB64(raw.substr(to, e - to), buf, sizeof(buf));
    if (n < 3) return;
    std::string_view d(buf, static_cast<size_t>(n));
    const size_t colon = d.find(':');
    if (colon == std::string_view::npos || colon + 1 >= d.size() || d[0] == '{') return;
    for (char ch : d) {
      if (static_cast<uint8_t>(ch) < 0x20) return;  // not text
    }
    std::string_view pass = d.substr(colon + 1);
    if (IsPlaceholderValue(pass)) return;
    found.Add(to, e, kBasicCredentials, 0.9f, "basic auth user:password");
  }

  void CheckAzure(std::string_view raw, size_t to, size_t min_len, Findings& found) const {
    size_t e = to;
    while (e < raw.size() && e - to < 100 && InCharset(raw[e], kCsB64)) ++e;
    if (e - to < min_len || e - to > 90) return;
    std::string_view v = raw.substr(to, e - to);
    if (LooksLikePlaceholderBody(v)) return;
    found.Add(to, e, kAzureStorageKey, 0.95f, "azure account key");
  }

  void CheckTwilioAccount(std::string_view raw, size_t to, Findings& found) const {
    // With "twilio" on the line: an AC/SK sid or a 32-hex auth token nearby.
    size_t limit = std::min(raw.size(), to + 120);
    const size_t nl = raw.substr(0, limit).find('\n', to);
    if (nl != std::string_view::npos) limit = nl;
    for (size_t k = to; k + 32 <= limit; ++k) {
      if (k > 0 && IsAlnum(raw[k - 1])) continue;
      size_t s = k;
      if ((raw[k] == 'A' && k + 1 < raw.size() && raw[k + 1] == 'C') ||
          (raw[k] == 'S' && k + 1 < raw.size() && raw[k + 1] == 'K'))
        s = k + 2;
      size_t e = s;
      while (e < raw.size() && e - s <= 32 && IsHex(raw[e])) ++e;
      if (e - s != 32 || (e < raw.size() && IsAlnum(raw[e]))) continue;
      if (LooksLikePlaceholderBody(raw.substr(s, 32))) continue;
      found.Add(k, e, kTwilioKey, 0.9f, "twilio");
      return;
    }
  }

  // ---- 2. keyword assignments ----

  // Is the keyword at [from, to) a real word start inside an identifier?
  static bool KeywordBoundaryOk(std::string_view raw, size_t from, size_t to, KeywordKind kind) {
    const char before = from > 0 ? raw[from - 1] : ' ';
    const char after = to < raw.size() ? raw[to] : ' ';
    const bool camel_start = IsUpper(raw[from]) && IsLower(before);
    const bool start_ok = !IsAlpha(before) || camel_start;
    if (kind == kKwPass || kind == kKwPw || kind == kKwPin || kind == kKwLogin || kind == kKwKey ||
        kind == kKwBearer) {
      if (!start_ok) {
        // "apikey", "accesskey", "secretkey", "privatekey" written as one word.
        if (kind != kKwKey) return false;
        if (!(from >= 3 &&
              (StartsWithCi(raw, from - 3, "api") || StartsWithCi(raw, from - 3, "ess") ||
               StartsWithCi(raw, from - 3, "ret") || StartsWithCi(raw, from - 3, "ate") ||
               StartsWithCi(raw, from - 3, "unt") || StartsWithCi(raw, from - 3, "age"))))
          return false;
      }
    }
    switch (kind) {
      case kKwPw:
        return !IsLower(after) || after == 'd';
      case kKwPin:
        return !IsLower(after) || StartsWithCi(raw, to, "code");
      case kKwKey:
        return !IsLower(after) || after == 's';
      case kKwLogin:
        return !IsLower(after);
      case kKwApi:
        return !IsLower(after) || after == 'k';
      default:
        return true;
    }
  }

  // Identifiers that hold names, not secrets: credentialsId, api_url, ...
  static bool IsNonSecretIdent(std::string_view ident) {
    static constexpr std::string_view kSuffixes[] = {
        "id",     "ids",     "name",     "names",   "url",      "uri",    "path",
        "file",   "version", "type",     "size",    "length",   "len",    "count",
        "format", "mode",    "host",     "user",    "username", "field",  "header",
        "prefix", "dir",     "env",      "var",     "hint",     "policy", "label",
        "expiry", "expires", "endpoint", "enabled", "required", "reset",  "selector"};
    for (std::string_view suf : kSuffixes) {
      if (ident.size() <= suf.size()) continue;
      const size_t pos = ident.size() - suf.size();
      if (!StartsWithCi(ident, pos, suf)) continue;
      const char prev = ident[pos - 1];
      const bool boundary =
          prev == '_' || prev == '-' || prev == '.' || (IsLower(prev) && IsUpper(ident[pos]));
      if (boundary) return true;
    }
    static constexpr std::string_view kPublic[] = {"public",       "csrf",   "xsrf",
                                                   "authenticity", "pubkey", "keyboard"};
    for (std::string_view w : kPublic) {
      if (ContainsCi(ident, w)) return true;
    }
    return false;
  }

  // Finds the identifier around a keyword hit: [*is, *ie).
  static void IdentAround(std::string_view raw, size_t from, size_t to, size_t* is, size_t* ie) {
    size_t s = from, e = to;
    while (s > 0 && from - s < 48 && IsIdentChar(raw[s - 1])) --s;
    while (e < raw.size() && e - to < 48 && IsIdentChar(raw[e])) ++e;
    while (e > to && raw[e - 1] == '.') --e;
    *is = s;
    *ie = e;
  }

  void CheckAssignment(std::string_view raw, size_t from, size_t to, const Keyword& kw,
                       Findings& found) const {
    if (!KeywordBoundaryOk(raw, from, to, kw.kind)) return;
    size_t is, ie;
    IdentAround(raw, from, to, &is, &ie);
    // Cheap pre-check (most keyword hits are prose): an operator, a quote
    // or, for password words, more words must follow; or a comparison
    // must precede.
    {
      size_t q = ie;
      while (q < raw.size() && q - ie < 8 &&
             (raw[q] == ' ' || raw[q] == '\t' || raw[q] == '[' || raw[q] == ']' || IsDigit(raw[q])))
        ++q;
      const char nx = q < raw.size() ? raw[q] : '\0';
      size_t b = is;
      while (b > 0 && raw[b - 1] == ' ') --b;
      const bool cmp_before = b > 0 && raw[b - 1] == '=';
      const bool op_after = nx == ':' || nx == '=' || nx == '!' || nx == '"' || nx == '\'';
      const bool words_after = (kw.password_like || kw.kind == kKwBearer) &&
                               (IsAlpha(nx) || static_cast<uint8_t>(nx) >= 0x80);
      if (!op_after && !words_after && !cmp_before) return;
      if (words_after && !op_after && !cmp_before && kw.kind != kKwBearer) {
        // Prose: "Passwort ist X", "password is X", "Login für ...: X".
        bool sep = StartsWithCi(raw, q, "ist ") || StartsWithCi(raw, q, "is ") ||
                   StartsWithCi(raw, q, "lautet");
        if (!sep) sep = ProseGapEnd(raw, q) != std::string_view::npos;
        if (!sep) return;
      }
    }
    std::string_view ident = raw.substr(is, ie - is);
    if (IsNonSecretIdent(ident) || InsideUrl(raw, is)) return;
    const bool pin = kw.kind == kKwPin;
    const bool login = kw.kind == kKwLogin || kw.kind == kKwZugang;
    const Type type = kw.password_like ? kPasswordAssignment : kSecretAssignment;
    if (!On(type)) return;
    const size_t min_len = kw.password_like ? min_password_ : 8;

    // Reverse comparison: "value" == password
    if (TryReverseComparison(raw, is, pin, min_len, type, found)) return;

    bool comparison = false, quoted_only = false, code_assignment = false;
    size_t k = ie;
    // Array brackets of C-style declarations: secret[] = / secret[25] =
    if (k < raw.size() && raw[k] == '[') {
      size_t q = k + 1;
      while (q < raw.size() && q - k < 6 && IsDigit(raw[q])) ++q;
      if (q < raw.size() && raw[q] == ']') k = q + 1;
    }
    while (k < raw.size() && (raw[k] == ' ' || raw[k] == '\t')) ++k;
    if (k < raw.size() && (raw[k] == '"' || raw[k] == '\'') && k + 1 < raw.size() &&
        (raw[k + 1] == ':' || raw[k + 1] == '=')) {
      ++k;  // JSON: "password": "..."
    }
    // Prose between a password-like keyword and its colon:
    // "Login für das Testsystem: admin / Sommer2024".
    if (kw.password_like && k < raw.size() && raw[k] != ':' && raw[k] != '=') {
      const size_t q = ProseGapEnd(raw, k);
      if (q != std::string_view::npos) k = q;
    }
    // Separator.
    size_t sep_len = 0;
    if (k < raw.size()) {
      if (raw.substr(k, 2) == ":=" || raw.substr(k, 2) == "=>") {
        sep_len = 2;
        code_assignment = true;
      } else if (raw.substr(k, 3) == "===" || raw.substr(k, 3) == "!==") {
        sep_len = 3;
        comparison = true;
      } else if (raw.substr(k, 2) == "==" || raw.substr(k, 2) == "!=") {
        sep_len = 2;
        comparison = true;
      } else if (raw[k] == ':' || raw[k] == '=') {
        sep_len = 1;
        code_assignment = raw[k] == '=';
      } else if (k > ie && (raw[k] == '"' || raw[k] == '\'')) {
        sep_len = 0;  // secret "value" (configuration syntax without operator)
        quoted_only = true;
      } else if (kw.password_like) {
        for (std::string_view w : {std::string_view(" ist "), std::string_view(" is "),
                                   std::string_view(" lautet "), std::string_view(" lautet: ")}) {
          size_t q = k;
          while (q > ie && raw[q - 1] == ' ') --q;
          if (StartsWithCi(raw, q, w)) {
            k = q;
            sep_len = w.size();
            break;
          }
        }
      } else if (kw.kind == kKwBearer && k > ie) {
        sep_len = 0;  // "Bearer <token>"
      } else {
        return;
      }
    }
    if (sep_len == 0 && kw.kind != kKwBearer && !quoted_only) return;
    k += sep_len;
    while (k < raw.size() && (raw[k] == ' ' || raw[k] == '\t')) ++k;
    if (k < raw.size() && raw[k] == '@') ++k;  // C# verbatim string
    if ((comparison || quoted_only) && (k >= raw.size() || (raw[k] != '"' && raw[k] != '\'')))
      return;
    size_t vs, ve;
    bool passphrase = false;
    // "Authorization: Bearer <token>", "Authorization: Token <token>".
    for (std::string_view scheme : {std::string_view("bearer "), std::string_view("token "),
                                    std::string_view("apikey "), std::string_view("sso-key ")}) {
      if (StartsWithCi(raw, k, scheme)) {
        k += scheme.size();
        while (k < raw.size() && raw[k] == ' ') ++k;
        break;
      }
    }
    const bool phrase_ok = kw.password_like || IsCodeIdent(ident);
    if (!ReadValue(raw, k, phrase_ok, &vs, &ve, &passphrase)) return;
    // "Login: user / pass" and "Login: user:pass".
    if (login) {
      size_t q = ve;
      if (q < raw.size() && (raw[q] == '"' || raw[q] == '\'')) ++q;
      while (q < raw.size() && raw[q] == ' ') ++q;
      if (q < raw.size() && (raw[q] == '/' || raw[q] == '|' || raw[q] == ',')) {
        ++q;
        while (q < raw.size() && raw[q] == ' ') ++q;
        if (!ReadValue(raw, q, false, &vs, &ve, &passphrase)) return;
      } else {
        std::string_view pair = raw.substr(vs, ve - vs);
        const size_t c = pair.find(':');
        if (c == std::string_view::npos || c == 0) return;
        vs += c + 1;
      }
    }
    std::string_view value = raw.substr(vs, ve - vs);
    if (value.starts_with("//") || value.find("://") != std::string_view::npos) return;
    if (passphrase) {
      // A quoted passphrase of several words after a password keyword in
      // code or configuration syntax.
      if (value.size() < 12 || IsPlaceholderValue(value) ||
          !(code_assignment || IsCodeIdent(ident)))
        return;
      found.Add(vs, ve, type, 0.7f, "passphrase");
      return;
    }
    if (!ValueLooksLikePassword(value, pin, min_len)) return;
    if (!kw.password_like && !LooksRandom(value) && !SymbolRich(value)) return;
    found.Add(vs, ve, type, kw.password_like ? 0.85f : 0.8f, ident.size() > 0 ? "keyword" : "");
  }

  bool TryReverseComparison(std::string_view raw, size_t is, bool pin, size_t min_len, Type type,
                            Findings& found) const {
    size_t q = is;
    while (q > 0 && raw[q - 1] == ' ') --q;
    size_t op = q;
    while (op > 0 && q - op < 3 && (raw[op - 1] == '=' || raw[op - 1] == '!')) --op;
    if (q - op < 2) return false;
    while (op > 0 && raw[op - 1] == ' ') --op;
    if (op == 0) return false;
    const char quote = raw[op - 1];
    if (quote != '"' && quote != '\'') return false;
    const size_t ve = op - 1;
    size_t vs = ve;
    while (vs > 0 && ve - vs < 128 && raw[vs - 1] != quote && raw[vs - 1] != '\n') --vs;
    if (vs == 0 || raw[vs - 1] != quote) return false;
    std::string_view value = raw.substr(vs, ve - vs);
    if (!ValueLooksLikePassword(value, pin, min_len)) return false;
    if (type == kSecretAssignment && !LooksRandom(value) && !SymbolRich(value)) return false;
    found.Add(vs, ve, type, 0.8f, "comparison");
    return true;
  }

  // A few words between a password keyword and its separator ("PIN für
  // die Tür ist 4821", "Login für das Testsystem: admin / ..."): returns the
  // position of the ':' or of the space before "ist"/"is"/"lautet", or npos.
  static size_t ProseGapEnd(std::string_view raw, size_t q0) {
    size_t q = q0;
    int spaces = 0;
    while (q < raw.size() && q - q0 < 48) {
      const char ch = raw[q];
      if (ch == ':') return q;
      if (ch == ' ' && ++spaces > 4) break;  // at most four words of prose
      if (ch == ' ' && q > q0 &&
          (StartsWithCi(raw, q, " ist ") || StartsWithCi(raw, q, " is ") ||
           StartsWithCi(raw, q, " lautet ")))
        return q;
      if (!(IsAlpha(ch) || ch == ' ' || ch == '-' || static_cast<uint8_t>(ch) >= 0x80)) break;
      ++q;
    }
    return std::string_view::npos;
  }

  // Is position `p` inside a URL ("https://.../signin?password=...")? URL
  // credentials are handled by CheckUrl(); query words are not assignments.
  static bool InsideUrl(std::string_view raw, size_t p) {
    size_t b = p;
    while (b > 0 && p - b < 256 && !IsSpace(raw[b - 1]) && raw[b - 1] != '"' && raw[b - 1] != '\'')
      --b;
    return raw.substr(b, p - b).find("://") != std::string_view::npos;
  }

  // Code-style identifiers (db_password, apiKey, PASSWORD) as opposed to a
  // prose word ("Passwort", "password").
  static bool IsCodeIdent(std::string_view ident) {
    bool lower = false, upper = false;
    for (char ch : ident) {
      if (ch == '_' || ch == '-' || ch == '.') return true;
      lower |= IsLower(ch);
      upper |= IsUpper(ch);
    }
    return !lower || (upper && !IsUpper(ident.front()));
  }

  // Reads a quoted or bare value starting at k. Quoted values with spaces
  // are accepted only when `allow_spaces`, and then set *passphrase.
  static bool ReadValue(std::string_view raw, size_t k, bool allow_spaces, size_t* vs, size_t* ve,
                        bool* passphrase) {
    *passphrase = false;
    if (k >= raw.size()) return false;
    const char q = raw[k];
    if (q == '"' || q == '\'' || q == '`') {
      size_t e = k + 1;
      while (e < raw.size() && e - k < 130 && raw[e] != q && raw[e] != '\n') ++e;
      if (e >= raw.size() || raw[e] != q) return false;
      *vs = k + 1;
      *ve = e;
      // A quoted value with spaces is prose unless it follows a password
      // keyword (then it may be a passphrase).
      int spaces = 0;
      for (size_t i = *vs; i < *ve; ++i) spaces += raw[i] == ' ';
      if (spaces > 0) {
        if (!allow_spaces || spaces < 2) return false;
        *passphrase = true;
      }
      return *ve > *vs;
    }
    size_t e = k;
    while (e < raw.size() && e - k < 130 && !IsSpace(raw[e]) && raw[e] != '"' && raw[e] != '\'' &&
           raw[e] != '`' && raw[e] != ',' && raw[e] != ';')
      ++e;
    // "abc123..." is a truncated (redacted) value, not a leak.
    if (e - k >= 3 && raw.substr(e - 3, 3) == "...") return false;
    // Sentence punctuation and list separators after a bare value.
    while (e > k &&
           (raw[e - 1] == '.' || raw[e - 1] == ',' || raw[e - 1] == ';' || raw[e - 1] == ')' ||
            raw[e - 1] == '!' || raw[e - 1] == '?' || raw[e - 1] == ':'))
      --e;
    *vs = k;
    *ve = e;
    return e > k;
  }

  // ---- 3. the run pass: JWT, Discord, keyword-context high entropy ----

  static bool RunChar(char ch) { return Cls(ch) != 0; }

  // Bit k set iff p[k] is a run character, for k < len <= 64. Runs over every
  // byte of every text, so with SSE2 it classifies 16 bytes per step: run
  // characters are exactly A-Z a-z, '-' .. '9' ("-./0123456789"), '+', '=',
  // '_' and '~' (the non-zero entries of kCls).
  static uint64_t RunMask(const char* p, size_t len) {
#if defined(__SSE2__)
    alignas(16) char buf[64];
    if (len < 64) {
      std::memset(buf, 0, sizeof buf);  // 0 is no run character
      std::memcpy(buf, p, len);
      p = buf;
    }
    auto in = [](__m128i x, char lo, char hi) {  // signed byte range [lo, hi]
      return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(static_cast<char>(lo - 1))),
                           _mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>(hi + 1))));
    };
    auto eq = [](__m128i x, char c) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(c)); };
    uint64_t m = 0;
    for (int k = 0; k < 4; ++k) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
      const __m128i letter = in(_mm_or_si128(x, _mm_set1_epi8(0x20)), 'a', 'z');
      const __m128i sym =
          _mm_or_si128(_mm_or_si128(in(x, '-', '9'), eq(x, '+')),
                       _mm_or_si128(_mm_or_si128(eq(x, '='), eq(x, '_')), eq(x, '~')));
      const uint32_t bits =
          static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(letter, sym))) & 0xFFFFu;
      m |= static_cast<uint64_t>(bits) << (16 * k);
    }
    return m;
#else
    uint64_t m = 0;
    for (size_t k = 0; k < len; ++k) m |= static_cast<uint64_t>(RunChar(p[k])) << k;
    return m;
#endif
  }

  static bool RunStartOk(char before) {
    return IsSpace(before) || before == '"' || before == '\'' || before == '`' || before == ':' ||
           before == '(' || before == '[' || before == '{' || before == '>' || before == ',' ||
           before == ';' || before == '|' || before == '\\' || before == '@' || before == '?' ||
           before == '&';
  }
  static bool RunEndOk(char after) {
    return IsSpace(after) || after == '"' || after == '\'' || after == '`' || after == ',' ||
           after == ';' || after == ')' || after == ']' || after == '}' || after == '<' ||
           after == '|' || after == '&' || after == '\\' || after == ':';
  }

  void ScanRuns(std::string_view raw, Findings& found) const {
    // Only runs of 16+ characters matter. Windows of 64 bytes become a bit
    // mask of run characters (branch-free table lookups); folding the mask
    // with shifts leaves bit k set iff bytes k..k+15 are all run
    // characters. Windows advance by 48 so that every run's first 16 bytes
    // lie inside the window where it starts.
    constexpr size_t kMin = 16, kWindow = 64, kStep = 48;
    const size_t n = raw.size();
    size_t base = 0;
    while (base + kMin <= n) {
      const size_t len = std::min(kWindow, n - base);
      const uint64_t m = RunMask(raw.data() + base, len);
      uint64_t r = m & (m >> 1);
      r &= r >> 2;
      r &= r >> 4;
      r &= r >> 8;
      const size_t limit = std::min(kStep, len);
      r &= (uint64_t{1} << limit) - 1;
      size_t next = base + limit;
      while (r != 0) {
        const size_t s = base + static_cast<size_t>(__builtin_ctzll(r));
        size_t e = s + kMin;
        while (e < n && RunChar(raw[e])) ++e;
        CheckRun(raw, s, e, found);
        next = std::max(next, e);
        if (e - base >= kWindow) break;
        r &= ~((uint64_t{1} << (e - base)) - 1);
      }
      base = next;
    }
  }

  void CheckRun(std::string_view raw, size_t s, size_t e, Findings& found) const {
    // Truncated values ("ops_eyJ...", "...6wqX6f...") are redactions.
    if (e - s >= 3 && raw.substr(e - 3, 3) == "...") return;
    if (raw.substr(s, 3) == "...") return;
    while (e > s && raw[e - 1] == '.') --e;
    if (e - s < 16 || e - s > 4096) return;
    // After '?' or '&' only query parameters ("?token=...") are of interest.
    if (s > 0 && (raw[s - 1] == '?' || raw[s - 1] == '&') &&
        raw.substr(s, e - s).find('=') == std::string_view::npos)
      return;
    if (s > 0 && !RunStartOk(raw[s - 1])) {
      // Allow "key=value" where '=' starts nothing, handled by the split below.
      if (raw[s - 1] != '=') return;
    }
    if (e < raw.size() && !RunEndOk(raw[e])) return;
    // "API_KEY=abc...": the value starts after the last inner '='.
    size_t vs = s;
    for (size_t k = e; k > s + 1; --k) {
      if (raw[k - 1] == '=' && k < e && raw[k] != '=') {
        vs = k;
        break;
      }
    }
    if (e - vs < 16) return;
    std::string_view v = raw.substr(vs, e - vs);
    if (found.Overlaps(vs, e)) return;
    // Stripe publishable keys are public by design.
    if (v.starts_with("pk_live_") || v.starts_with("pk_test_")) return;
    if (v.starts_with("eyJ")) {
      if (On(kJwt) && CheckJwt(raw, vs, e, found)) return;
    }
    if (On(kDiscordBotToken) && CheckDiscord(v)) {
      found.Add(vs, e, kDiscordBotToken, 0.9f, "discord");
      return;
    }
    if (!On(kHighEntropySecret) && !On(kAwsSecretAccessKey)) return;
    if (!LooksRandom(v)) return;
    std::string_view ident;
    if (!KeywordBefore(raw, vs, &ident) && !KeywordAfterComparison(raw, e, &ident)) return;
    Type type = kHighEntropySecret;
    const char* evidence = "keyword context";
    if (v.size() == 40 && ContainsCi(ident, "aws")) {
      bool b64 = true;
      for (char ch : v) b64 &= InCharset(ch, kCsB64);
      if (b64) {
        type = kAwsSecretAccessKey;
        evidence = "aws secret key context";
      }
    }
    if (!On(type)) return;
    found.Add(vs, e, type, 0.75f, evidence);
  }

  bool CheckJwt(std::string_view raw, size_t vs, size_t e, Findings& found) const {
    std::string_view v = raw.substr(vs, e - vs);
    const size_t d1 = v.find('.');
    if (d1 == std::string_view::npos) return false;
    const size_t d2 = v.find('.', d1 + 1);
    std::string_view header = v.substr(0, d1);
    std::string_view payload =
        v.substr(d1 + 1, d2 == std::string_view::npos ? std::string_view::npos : d2 - d1 - 1);
    if (!JsonObjectSegment(header, true)) return false;
    if (payload.size() < 4 ||
        !JsonObjectSegment(payload.substr(0, std::min<size_t>(payload.size(), 512)), false))
      return false;
    found.Add(vs, e, kJwt, 0.9f, "jwt, header has alg");
    return true;
  }

  // Discord bot token: base64(user id).timestamp.hmac.
  static bool CheckDiscord(std::string_view v) {
    const size_t d1 = v.find('.');
    if (d1 == std::string_view::npos) return false;
    const size_t d2 = v.find('.', d1 + 1);
    if (d2 == std::string_view::npos || v.find('.', d2 + 1) != std::string_view::npos) return false;
    const size_t a = d1, b = d2 - d1 - 1, c = v.size() - d2 - 1;
    if (a < 24 || a > 28 || b != 6 || c < 27 || c > 40) return false;
    // The first part is the base64 of a decimal snowflake id: M, N or O.
    if (v[0] != 'M' && v[0] != 'N' && v[0] != 'O') return false;
    for (char ch : v) {
      if (ch != '.' && !InCharset(ch, kCsB64Url)) return false;
    }
    return !LooksLikePlaceholderBody(v);
  }

  // Hand-made passwords in code: 12+ characters with 3+ punctuation symbols
  // ("m{{h}o)p${e]..."), which identifiers, versions and prose lack.
  static bool SymbolRich(std::string_view v) {
    if (v.size() < 12 || v.find("://") != std::string_view::npos) return false;
    int symbols = 0, alnum = 0;
    for (char ch : v) {
      if (IsAlnum(ch)) {
        ++alnum;
      } else if (ch != '_' && ch != '.' && ch != '-' && ch != ' ' && ch != '/' && ch != ':' &&
                 static_cast<uint8_t>(ch) < 0x80) {
        ++symbols;
      }
    }
    return symbols >= 3 && alnum >= 6;
  }

  bool LooksRandom(std::string_view v) const {
    if (v.size() < min_length_) return false;
    // URLs and paths are not secrets by themselves (URL credentials are
    // handled separately).
    if (v.find("//") != std::string_view::npos || v.front() == '/') return false;
    if (LooksLikePlaceholderBody(v) && v.find("****") == std::string_view::npos) {
      // Long same-character runs only; "abcdef" sequences are tolerated in
      // keyword context because configuration fixtures use them.
      int same = 1;
      for (size_t i = 1; i < v.size(); ++i) {
        same = v[i] == v[i - 1] ? same + 1 : 1;
        if (same >= 6) return false;
      }
      if (ContainsCi(v, "xxxx")) return false;
    }
    if (HasShortPeriod(v)) return false;
    if (Entropy(v) < min_entropy_) return false;
    // A segment (split on - _ . ~) of 8+ characters that switches between
    // letters and digits at least 3 times, or a long mixed-case letter run;
    // versions, dates, host names, identifiers and words with a number
    // ("base64encoded") fail this.
    size_t seg = 0, uppers = 0, lowers = 0, switches = 0;
    bool letter = false, digit = false;
    for (size_t i = 0; i <= v.size(); ++i) {
      const char ch = i < v.size() ? v[i] : '-';
      if (ch == '-' || ch == '_' || ch == '.' || ch == '~') {
        if (seg >= 8 && letter && digit && switches >= 3) return true;
        if (seg >= 20 && uppers * 4 >= seg && lowers * 4 >= seg &&
            Entropy(v.substr(i - seg, seg)) >= 4.0)
          return true;
        seg = 0;
        uppers = lowers = switches = 0;
        letter = digit = false;
        continue;
      }
      if (seg > 0 && (IsDigit(ch) != IsDigit(v[i - 1]))) ++switches;
      ++seg;
      letter |= IsAlpha(ch);
      digit |= IsDigit(ch);
      uppers += IsUpper(ch);
      lowers += IsLower(ch);
    }
    return false;
  }

  // A context keyword on the same line, within 64 bytes before the value,
  // inside an identifier that is not a name/url/id.
  bool KeywordBefore(std::string_view raw, size_t vs, std::string_view* ident) const {
    const size_t lo = vs > 64 ? vs - 64 : 0;
    size_t k = vs;
    bool crossed_line = false;
    while (k > lo) {
      if (raw[k - 1] == '\n') {
        // A value continued on the next line ("KEY\n  = value", "Key{\n
        // value"): only punctuation may precede it on its own line, and then
        // the identifier ending the previous line must carry the keyword.
        if (crossed_line) return false;
        bool explicit_continuation = false;
        for (size_t q = k; q < vs; ++q) {
          if (IsIdentChar(raw[q])) return false;
          explicit_continuation |= raw[q] == '=' || raw[q] == ':';
        }
        size_t p = k - 1;
        while (p > lo && IsSpace(raw[p - 1])) --p;
        if (p > 0 &&
            (raw[p - 1] == '{' || raw[p - 1] == '(' || raw[p - 1] == '=' || raw[p - 1] == ':'))
          explicit_continuation = true;
        if (!explicit_continuation) return false;
        crossed_line = true;
        --k;
        while (k > lo && (IsSpace(raw[k - 1]) || raw[k - 1] == '{' || raw[k - 1] == '(' ||
                          raw[k - 1] == '=' || raw[k - 1] == ':'))
          --k;
        const size_t ie = k;
        while (k > lo && IsIdentChar(raw[k - 1])) --k;
        if (k == ie || !IdentHasKeyword(raw, k, ie)) return false;
        std::string_view id = raw.substr(k, ie - k);
        if (IsNonSecretIdent(id)) return false;
        *ident = id;
        return true;
      }
      if (!IsIdentChar(raw[k - 1])) {
        --k;
        continue;
      }
      const size_t ie = k;
      while (k > lo && IsIdentChar(raw[k - 1])) --k;
      std::string_view id = raw.substr(k, ie - k);
      if (IdentHasKeyword(raw, k, ie)) {
        if (IsNonSecretIdent(id)) return false;
        *ident = id;
        return true;
      }
    }
    return false;
  }

  bool KeywordAfterComparison(std::string_view raw, size_t e, std::string_view* ident) const {
    size_t k = e;
    if (k < raw.size() && (raw[k] == '"' || raw[k] == '\'')) ++k;
    while (k < raw.size() && raw[k] == ' ') ++k;
    size_t ops = 0;
    while (k < raw.size() && ops < 3 && (raw[k] == '=' || raw[k] == '!')) ++k, ++ops;
    if (ops < 2) return false;
    while (k < raw.size() && raw[k] == ' ') ++k;
    const size_t is = k;
    while (k < raw.size() && k - is < 48 && IsIdentChar(raw[k])) ++k;
    if (k == is || !IdentHasKeyword(raw, is, k)) return false;
    *ident = raw.substr(is, k - is);
    return !IsNonSecretIdent(*ident);
  }

  static bool IdentHasKeyword(std::string_view raw, size_t is, size_t ie) {
    for (size_t p = is; p < ie; ++p) {
      for (const Keyword& kw : kKeywords) {
        const std::string_view w = kw.word;
        if (kw.kind == kKwLogin || kw.kind == kKwZugang || kw.kind == kKwPin) continue;
        if (p + w.size() > ie) continue;
        if (!StartsWithCi(raw, p, w)) continue;
        if (KeywordBoundaryOk(raw, p, p + w.size(), kw.kind)) return true;
      }
    }
    return false;
  }

  const uint64_t enabled_;
  const double min_entropy_;
  const size_t min_length_;
  const size_t min_password_;
};

class Factory final : public DetectorFactory {
 public:
  std::string_view name() const override { return "secrets"; }
  std::string_view version() const override { return "1"; }
  Result<std::unique_ptr<Detector>> Create(const DetectorParams& params,
                                           const DetectorEnv&) const override {
    LP_RETURN_IF_ERROR(
        params.CheckKnown({"types", "min_entropy", "min_length", "min_password_length"}));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> types, params.GetStrings("types"));
    LP_ASSIGN_OR_RETURN(double min_entropy, params.GetDouble("min_entropy", 3.0));
    LP_ASSIGN_OR_RETURN(int64_t min_length, params.GetInt("min_length", 16));
    LP_ASSIGN_OR_RETURN(int64_t min_password, params.GetInt("min_password_length", 6));
    if (!(min_entropy >= 0.0 && min_entropy <= 6.0))
      return Status::InvalidArgument("min_entropy: must be within [0, 6] bits per character");
    if (min_length < 8 || min_length > 256)
      return Status::InvalidArgument("min_length: must be within [8, 256]");
    if (min_password < 4 || min_password > 64)
      return Status::InvalidArgument("min_password_length: must be within [4, 64]");
    uint64_t enabled = 0;
    if (types.empty()) enabled = (uint64_t{1} << kTypeCount) - 1;
    for (const std::string& t : types) {
      bool ok = false;
      for (int i = 0; i < kTypeCount; ++i) {
        if (t == kTypeNames[i]) {
          enabled |= uint64_t{1} << i;
          ok = true;
        }
      }
      if (!ok) return Status::InvalidArgument("types: unknown secret type '" + t + "'");
    }
    return std::unique_ptr<Detector>(new SecretsDetector(
        enabled, min_entropy, static_cast<size_t>(min_length), static_cast<size_t>(min_password)));
  }
};

}  // namespace

const DetectorFactory& Factory() {
  static const class Factory kFactory;
  return kFactory;
}

}  // namespace leitplanke::guard::detectors::secrets
