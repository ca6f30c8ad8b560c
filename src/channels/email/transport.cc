// libcurl speaks IMAP and SMTP for us, including STARTTLS and SASL. Two
// limits of its IMAP support shape this file: a custom command's literal
// data is not passed on (so messages are fetched with the URL form
// ";UID=n;SECTION=", which curl sends as BODY[] and which sets \Seen), and the
// mailbox's UIDVALIDITY is not reported (so it is read with STATUS).
#include "channels/email/transport.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include <curl/curl.h>

namespace leitplanke::channels::email {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

struct Sink {
  std::string* out = nullptr;
  size_t max = 0;
  bool overflow = false;
};

size_t WriteToSink(char* data, size_t size, size_t nmemb, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * nmemb;
  if (sink->out->size() + n > sink->max) {
    sink->overflow = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  sink->out->append(data, n);
  return n;
}

struct Source {
  std::string_view data;
  size_t pos = 0;
};

size_t ReadFromSource(char* buffer, size_t size, size_t nitems, void* user) {
  auto* src = static_cast<Source*>(user);
  size_t n = std::min(size * nitems, src->data.size() - src->pos);
  std::copy_n(src->data.data() + src->pos, n, buffer);
  src->pos += n;
  return n;
}

// Replaces every occurrence of `secret` in `s`.
std::string Scrub(std::string s, std::string_view secret) {
  if (secret.size() < 2) return s;  // a one-character password would scrub everything
  size_t pos = 0;
  while ((pos = s.find(secret, pos)) != std::string::npos) {
    s.replace(pos, secret.size(), "***");
    pos += 3;
  }
  return s;
}

leitplanke::Status MapCurlError(std::string_view what, CURLcode code, long response_code,
                                const char* errbuf, const TransportOptions& options) {
  std::string detail = curl_easy_strerror(code);
  if (errbuf != nullptr && errbuf[0] != '\0' && detail != errbuf) {
    detail += " (" + std::string(errbuf) + ")";
  }
  std::string msg = Scrub(std::string(what) + ": " + detail, options.password);
  if (response_code >= 400 && response_code < 500) {
    return leitplanke::Status::Unavailable(msg + " [server replied " +
                                           std::to_string(response_code) + ", temporary]");
  }
  if (response_code == 530 || response_code == 534 || response_code == 535) {
    return leitplanke::Status::PermissionDenied(msg + " [server replied " +
                                                std::to_string(response_code) + "]");
  }
  if (response_code >= 500 && response_code < 600) {
    return leitplanke::Status::InvalidArgument(msg + " [server replied " +
                                               std::to_string(response_code) + ", permanent]");
  }
  switch (code) {
    case CURLE_LOGIN_DENIED:
      return leitplanke::Status::PermissionDenied(
          Scrub(std::string(what) + ": login denied for user '" + options.username + "'",
                options.password));
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_USE_SSL_FAILED:
      return leitplanke::Status::FailedPrecondition(msg);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return leitplanke::Status::InvalidArgument(msg);
    case CURLE_REMOTE_FILE_NOT_FOUND:
      return leitplanke::Status::NotFound(msg);
    default:
      // Connection refused, resolution, timeouts, resets, TLS handshakes and
      // anything unknown: retrying is the safe choice.
      return leitplanke::Status::Unavailable(msg);
  }
}

// Options shared by every transfer; false on a libcurl that lacks them.
bool ApplyCommon(CURL* c, const TransportOptions& o, const char* protocols, char* errbuf) {
  bool ok = true;
  auto set = [&ok](CURLcode rc) { ok = ok && rc == CURLE_OK; };
  set(curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf));
  set(curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols));
  set(curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout_ms)));
  set(curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout_ms)));
  set(curl_easy_setopt(c, CURLOPT_USE_SSL,
                       o.tls == TlsMode::kNone ? static_cast<long>(CURLUSESSL_NONE)
                                               : static_cast<long>(CURLUSESSL_ALL)));
  set(curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, o.verify_tls ? 1L : 0L));
  set(curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, o.verify_tls ? 2L : 0L));
  if (!o.username.empty()) {
    set(curl_easy_setopt(c, CURLOPT_USERNAME, o.username.c_str()));
    set(curl_easy_setopt(c, CURLOPT_PASSWORD, o.password.c_str()));
  }
  return ok;
}

std::string UidList(const std::vector<uint32_t>& uids) {
  std::string s;
  for (uint32_t u : uids) {
    if (!s.empty()) s.push_back(',');
    s += std::to_string(u);
  }
  return s;
}

// Parses the decimal number at s[*pos]; false when there is none.
bool ReadNumber(std::string_view s, size_t* pos, uint32_t* value) {
  size_t p = *pos;
  uint64_t v = 0;
  size_t start = p;
  while (p < s.size() && s[p] >= '0' && s[p] <= '9' && p - start < 10) {
    v = v * 10 + static_cast<uint64_t>(s[p] - '0');
    ++p;
  }
  if (p == start || v > 0xFFFFFFFFull) return false;
  *pos = p;
  *value = static_cast<uint32_t>(v);
  return true;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void EnsureCurlInitialized() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<MailboxStatus> ParseStatusResponse(std::string_view out) {
  MailboxStatus st;
  bool have_validity = false;
  std::string upper = Upper(out);
  for (const char* key : {"UIDVALIDITY ", "UIDNEXT "}) {
    size_t at = upper.find(key);
    if (at == std::string::npos) continue;
    size_t pos = at + std::string_view(key).size();
    uint32_t v = 0;
    if (!ReadNumber(upper, &pos, &v)) continue;
    if (key[3] == 'V') {
      st.uid_validity = v;
      have_validity = true;
    } else {
      st.uid_next = v;
    }
  }
  if (!have_validity) {
    return leitplanke::Status::Unavailable("imap: STATUS reply has no UIDVALIDITY");
  }
  return st;
}

std::vector<uint32_t> ParseSearchResponse(std::string_view out) {
  std::vector<uint32_t> uids;
  std::string upper = Upper(out);
  size_t line_start = 0;
  while (line_start < upper.size()) {
    size_t nl = upper.find('\n', line_start);
    if (nl == std::string::npos) nl = upper.size();
    std::string_view line = std::string_view(upper).substr(line_start, nl - line_start);
    if (line.rfind("* SEARCH", 0) == 0) {
      size_t pos = 8;
      while (pos < line.size()) {
        while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\r')) ++pos;
        uint32_t v = 0;
        if (!ReadNumber(line, &pos, &v)) break;
        uids.push_back(v);
      }
    }
    line_start = nl + 1;
  }
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  return uids;
}

std::set<uint32_t> ParseSeenResponse(std::string_view out) {
  std::set<uint32_t> seen;
  std::string upper = Upper(out);
  size_t line_start = 0;
  while (line_start < upper.size()) {
    size_t nl = upper.find('\n', line_start);
    if (nl == std::string::npos) nl = upper.size();
    std::string_view line = std::string_view(upper).substr(line_start, nl - line_start);
    size_t uid_at = line.find("UID ");
    size_t flags_at = line.find("FLAGS (");
    if (line.rfind("* ", 0) == 0 && uid_at != std::string_view::npos &&
        flags_at != std::string_view::npos) {
      size_t pos = uid_at + 4;
      uint32_t uid = 0;
      size_t close = line.find(')', flags_at);
      std::string_view flags = line.substr(
          flags_at, close == std::string_view::npos ? std::string_view::npos : close - flags_at);
      if (ReadNumber(line, &pos, &uid) && flags.find("\\SEEN") != std::string_view::npos) {
        seen.insert(uid);
      }
    }
    line_start = nl + 1;
  }
  return seen;
}

struct ImapClient::Impl {
  CurlPtr curl;
  TransportOptions options;
  std::string base_url;     // "imap://host:port/"
  std::string mailbox_url;  // base_url + encoded mailbox
  char errbuf[CURL_ERROR_SIZE] = {0};
};

ImapClient::ImapClient(std::unique_ptr<Impl> impl, std::string mailbox)
    : impl_(std::move(impl)), mailbox_(std::move(mailbox)) {}

ImapClient::~ImapClient() = default;

Result<std::unique_ptr<ImapClient>> ImapClient::Create(std::string_view url,
                                                       TransportOptions options) {
  EnsureCurlInitialized();
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return leitplanke::Status::InvalidArgument("setting 'imap_url' has no scheme (imap://...)");
  }
  size_t path = url.find('/', scheme_end + 3);
  std::string base(url.substr(0, path == std::string_view::npos ? url.size() : path));
  std::string encoded_mailbox =
      path == std::string_view::npos ? "" : std::string(url.substr(path + 1));
  while (!encoded_mailbox.empty() && encoded_mailbox.back() == '/') encoded_mailbox.pop_back();
  if (encoded_mailbox.empty()) encoded_mailbox = "INBOX";
  if (encoded_mailbox.find_first_of(";?#") != std::string::npos) {
    return leitplanke::Status::InvalidArgument(
        "setting 'imap_url' must name only a mailbox after the host (no ';', '?' or '#')");
  }
  CurlPtr curl(curl_easy_init());
  if (!curl) return leitplanke::Status::Internal("imap: curl_easy_init failed");
  char* decoded = curl_easy_unescape(curl.get(), encoded_mailbox.c_str(),
                                     static_cast<int>(encoded_mailbox.size()), nullptr);
  std::string mailbox = decoded != nullptr ? decoded : encoded_mailbox;
  curl_free(decoded);
  for (char c : mailbox) {
    if (c == '"' || c == '\\' || c == '\r' || c == '\n' || c == '\0') {
      return leitplanke::Status::InvalidArgument(
          "setting 'imap_url' has a mailbox name with a quote, backslash or line break");
    }
  }
  auto impl = std::make_unique<Impl>();
  impl->curl = std::move(curl);
  impl->options = std::move(options);
  impl->base_url = base + "/";
  impl->mailbox_url = base + "/" + encoded_mailbox;
  if (!ApplyCommon(impl->curl.get(), impl->options, "imap,imaps", impl->errbuf)) {
    return leitplanke::Status::Internal("imap: libcurl rejected an option");
  }
  return std::unique_ptr<ImapClient>(new ImapClient(std::move(impl), std::move(mailbox)));
}

leitplanke::Status ImapClient::NewSession() {
  CurlPtr curl(curl_easy_init());
  if (!curl) return leitplanke::Status::Internal("imap: curl_easy_init failed");
  if (!ApplyCommon(curl.get(), impl_->options, "imap,imaps", impl_->errbuf)) {
    return leitplanke::Status::Internal("imap: libcurl rejected an option");
  }
  impl_->curl = std::move(curl);  // closes the previous session's connection
  return leitplanke::Status::Ok();
}

Result<std::string> ImapClient::Command(const std::string& command, bool in_mailbox) {
  CURL* c = impl_->curl.get();
  std::string out;
  Sink sink{&out, 16u << 20, false};
  impl_->errbuf[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, (in_mailbox ? impl_->mailbox_url : impl_->base_url).c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, command.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteToSink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, nullptr);
  if (rc != CURLE_OK) {
    std::string verb = command.substr(0, command.find(' ', command.rfind("UID ", 0) == 0 ? 4 : 0));
    return MapCurlError("imap " + verb, rc, 0, impl_->errbuf, impl_->options);
  }
  return out;
}

Result<MailboxStatus> ImapClient::Status() {
  LP_ASSIGN_OR_RETURN(std::string out,
                      Command("STATUS \"" + mailbox_ + "\" (UIDVALIDITY UIDNEXT)", false));
  return ParseStatusResponse(out);
}

Result<std::vector<uint32_t>> ImapClient::SearchUidsAbove(uint32_t last_uid) {
  LP_ASSIGN_OR_RETURN(
      std::string out,
      Command("UID SEARCH UID " + std::to_string(uint64_t{last_uid} + 1) + ":*", true));
  // "n:*" always matches the highest UID, even when it is below n.
  std::vector<uint32_t> uids = ParseSearchResponse(out);
  uids.erase(std::remove_if(uids.begin(), uids.end(), [&](uint32_t u) { return u <= last_uid; }),
             uids.end());
  return uids;
}

Result<std::set<uint32_t>> ImapClient::SeenAmong(const std::vector<uint32_t>& uids) {
  if (uids.empty()) return std::set<uint32_t>();
  LP_ASSIGN_OR_RETURN(std::string out, Command("UID FETCH " + UidList(uids) + " (FLAGS)", true));
  return ParseSeenResponse(out);
}

leitplanke::Status ImapClient::ClearSeen(const std::vector<uint32_t>& uids) {
  if (uids.empty()) return leitplanke::Status::Ok();
  return Command("UID STORE " + UidList(uids) + " -FLAGS.SILENT (\\Seen)", true).status();
}

Result<std::string> ImapClient::Fetch(uint32_t uid_validity, uint32_t uid) {
  CURL* c = impl_->curl.get();
  std::string out;
  Sink sink{&out, impl_->options.max_message_bytes, false};
  impl_->errbuf[0] = '\0';
  // UIDVALIDITY in the URL makes curl refuse the fetch if the mailbox was
  // recreated since the UID was found.
  std::string url = impl_->mailbox_url + ";UIDVALIDITY=" + std::to_string(uid_validity) +
                    "/;UID=" + std::to_string(uid);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteToSink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  CURLcode rc = curl_easy_perform(c);
  if (sink.overflow) {
    return leitplanke::Status::ResourceExhausted(
        "imap: message UID " + std::to_string(uid) + " is larger than " +
        std::to_string(impl_->options.max_message_bytes) + " bytes");
  }
  if (rc != CURLE_OK) {
    return MapCurlError("imap fetch of UID " + std::to_string(uid), rc, 0, impl_->errbuf,
                        impl_->options);
  }
  if (out.empty()) {
    return leitplanke::Status::NotFound("imap: message UID " + std::to_string(uid) +
                                        " is no longer in the mailbox");
  }
  return out;
}

leitplanke::Status SmtpSend(std::string_view url, const TransportOptions& options,
                            std::string_view mail_from, std::string_view rcpt,
                            std::string_view data) {
  EnsureCurlInitialized();
  CurlPtr curl(curl_easy_init());
  if (!curl) return leitplanke::Status::Internal("smtp: curl_easy_init failed");
  CURL* c = curl.get();
  char errbuf[CURL_ERROR_SIZE] = {0};
  if (!ApplyCommon(c, options, "smtp,smtps", errbuf)) {
    return leitplanke::Status::Internal("smtp: libcurl rejected an option");
  }
  std::string url_str(url);
  // Built by appending: GCC 12 warns (-Wrestrict) on "<" + std::string.
  std::string from(1, '<');
  from.append(mail_from).push_back('>');
  std::string to(1, '<');
  to.append(rcpt).push_back('>');
  SlistPtr rcpts(curl_slist_append(nullptr, to.c_str()));
  if (!rcpts) return leitplanke::Status::Internal("smtp: out of memory");
  Source source{data, 0};
  std::string discard;
  Sink sink{&discard, 1u << 20, false};
  curl_easy_setopt(c, CURLOPT_URL, url_str.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadFromSource);
  curl_easy_setopt(c, CURLOPT_READDATA, &source);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteToSink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    long response = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response);
    return MapCurlError("smtp", rc, response, errbuf, options);
  }
  return leitplanke::Status::Ok();
}

}  // namespace leitplanke::channels::email
