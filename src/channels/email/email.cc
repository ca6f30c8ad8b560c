// The connector ties the pieces together: settings are validated once in the
// factory; Poll walks the mailbox by UID so that a cursor is exact and cheap;
// Send composes and hands the message to SMTP.
#include "channels/email/email.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

#include "leitplanke/base/utf8.h"

#include "leitplanke/desk/media.h"

#include "channels/email/codec.h"
#include "channels/email/compose.h"
#include "channels/email/mime.h"
#include "channels/email/transport.h"

namespace leitplanke::channels::email {
namespace {

struct Settings {
  std::string name;
  std::string imap_url;
  std::string smtp_url;
  MailAddress from;
  std::string signature;
  TransportOptions imap;
  TransportOptions smtp;
  bool mark_seen = false;
  size_t max_per_poll = 100;
  int max_sends_per_hour = 0;
};

Result<int64_t> IntSetting(const std::map<std::string, std::string>& s, const std::string& key,
                           int64_t def, int64_t min, int64_t max) {
  auto it = s.find(key);
  if (it == s.end() || it->second.empty()) return def;
  int64_t v = 0;
  const std::string& str = it->second;
  auto [ptr, ec] = std::from_chars(str.data(), str.data() + str.size(), v);
  if (ec != std::errc() || ptr != str.data() + str.size() || v < min || v > max) {
    return Status::InvalidArgument("setting '" + key + "' must be an integer from " +
                                   std::to_string(min) + " to " + std::to_string(max));
  }
  return v;
}

Result<bool> BoolSetting(const std::map<std::string, std::string>& s, const std::string& key,
                         bool def) {
  auto it = s.find(key);
  if (it == s.end() || it->second.empty()) return def;
  std::string v = AsciiLower(it->second);
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return Status::InvalidArgument("setting '" + key + "' must be true or false");
}

std::string Scheme(std::string_view url) {
  size_t p = url.find("://");
  return p == std::string_view::npos ? "" : AsciiLower(url.substr(0, p));
}

Status CheckUrl(const std::string& key, const std::string& url, std::string_view plain,
                std::string_view secure, TlsMode tls) {
  if (url.empty()) return Status::InvalidArgument("setting '" + key + "' is required");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      return Status::InvalidArgument("setting '" + key + "' contains white space");
    }
  }
  std::string scheme = Scheme(url);
  if (scheme != plain && scheme != secure) {
    return Status::InvalidArgument("setting '" + key + "' must start with " + std::string(plain) +
                                   ":// or " + std::string(secure) + "://");
  }
  if (url.find('@') != std::string::npos) {
    return Status::InvalidArgument("setting '" + key +
                                   "' must not carry credentials; use 'username' and the "
                                   "'password' secret");
  }
  if (tls == TlsMode::kTls && scheme != secure) {
    return Status::InvalidArgument("setting '" + key + "' must use " + std::string(secure) +
                                   ":// because setting 'tls' is \"tls\"");
  }
  return Status::Ok();
}

Result<Settings> ParseSettings(const desk::ChannelConfig& config) {
  static const std::set<std::string> kKnown = {"imap_url",
                                               "smtp_url",
                                               "from",
                                               "username",
                                               "from_name",
                                               "signature",
                                               "smtp_username",
                                               "tls",
                                               "verify_tls",
                                               "mark_seen",
                                               "max_per_poll",
                                               "connect_timeout_ms",
                                               "timeout_ms",
                                               "max_message_bytes",
                                               "max_sends_per_hour"};
  for (const auto& [key, value] : config.settings) {
    if (!kKnown.count(key)) return Status::InvalidArgument("unknown setting '" + key + "'");
  }
  for (const auto& [key, value] : config.secrets) {
    if (key != "password" && key != "smtp_password") {
      return Status::InvalidArgument("unknown secret '" + key + "'");
    }
  }
  const auto& s = config.settings;
  auto get = [&](const char* key) {
    auto it = s.find(key);
    return it == s.end() ? std::string() : it->second;
  };
  Settings out;
  out.name = config.name;
  TlsMode tls = TlsMode::kStartTls;
  std::string tls_str = AsciiLower(get("tls"));
  if (tls_str == "none") {
    tls = TlsMode::kNone;
  } else if (tls_str == "tls") {
    tls = TlsMode::kTls;
  } else if (!tls_str.empty() && tls_str != "starttls") {
    return Status::InvalidArgument("setting 'tls' must be none, starttls or tls");
  }
  out.imap_url = get("imap_url");
  out.smtp_url = get("smtp_url");
  LP_RETURN_IF_ERROR(CheckUrl("imap_url", out.imap_url, "imap", "imaps", tls));
  LP_RETURN_IF_ERROR(CheckUrl("smtp_url", out.smtp_url, "smtp", "smtps", tls));

  std::string from = get("from");
  if (from.empty()) return Status::InvalidArgument("setting 'from' is required");
  out.from = ParseAddress(from);
  if (!IsPlainAddress(out.from.address)) {
    return Status::InvalidArgument(
        "setting 'from' must be an e-mail address such as "
        "\"Support <support@example.com>\"");
  }
  if (std::string name = get("from_name"); !name.empty()) out.from.name = utf8::Sanitize(name);
  out.signature = get("signature");
  if (utf8::FirstInvalid(out.signature) != std::string_view::npos) {
    return Status::InvalidArgument("setting 'signature' is not valid UTF-8");
  }

  std::string username = get("username");
  if (username.empty()) return Status::InvalidArgument("setting 'username' is required");
  auto pw = config.secrets.find("password");
  if (pw == config.secrets.end() || pw->second.empty()) {
    return Status::InvalidArgument("secret 'password' is required");
  }
  LP_ASSIGN_OR_RETURN(bool verify, BoolSetting(s, "verify_tls", true));
  LP_ASSIGN_OR_RETURN(out.mark_seen, BoolSetting(s, "mark_seen", false));
  LP_ASSIGN_OR_RETURN(int64_t per_poll, IntSetting(s, "max_per_poll", 100, 1, 1000));
  LP_ASSIGN_OR_RETURN(int64_t connect_ms,
                      IntSetting(s, "connect_timeout_ms", 10'000, 100, 600'000));
  LP_ASSIGN_OR_RETURN(int64_t timeout_ms, IntSetting(s, "timeout_ms", 60'000, 100, 3'600'000));
  LP_ASSIGN_OR_RETURN(int64_t max_bytes,
                      IntSetting(s, "max_message_bytes", 32 << 20, 1024, int64_t{1} << 30));
  LP_ASSIGN_OR_RETURN(int64_t sends, IntSetting(s, "max_sends_per_hour", 0, 0, 1'000'000));
  out.max_per_poll = static_cast<size_t>(per_poll);
  out.max_sends_per_hour = static_cast<int>(sends);

  out.imap.username = username;
  out.imap.password = pw->second;
  out.imap.tls = tls;
  out.imap.verify_tls = verify;
  out.imap.connect_timeout_ms = connect_ms;
  out.imap.timeout_ms = timeout_ms;
  out.imap.max_message_bytes = static_cast<size_t>(max_bytes);
  out.smtp = out.imap;
  std::string smtp_user = get("smtp_username");
  if (smtp_user == "-") {
    out.smtp.username.clear();
    out.smtp.password.clear();
  } else if (!smtp_user.empty()) {
    out.smtp.username = smtp_user;
    auto spw = config.secrets.find("smtp_password");
    if (spw != config.secrets.end()) out.smtp.password = spw->second;
  } else if (auto spw = config.secrets.find("smtp_password"); spw != config.secrets.end()) {
    out.smtp.password = spw->second;
  }
  return out;
}

bool ParseCursor(std::string_view cursor, uint32_t* validity, uint32_t* uid) {
  *validity = 0;
  *uid = 0;
  if (cursor.empty()) return true;
  size_t colon = cursor.find(':');
  if (colon == std::string_view::npos) return false;
  auto parse = [](std::string_view s, uint32_t* v) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
  };
  return parse(cursor.substr(0, colon), validity) && parse(cursor.substr(colon + 1), uid);
}

// What the desk gets for a mail the parser rejects: the reason and enough to
// find the original, instead of silently skipping it.
desk::InboundMessage Unreadable(const std::string& raw, uint32_t uid, const std::string& mailbox,
                                const Status& why) {
  desk::InboundMessage m;
  m.external_id = HashExternalId(raw);
  // A best-effort sender from the first "From:" line.
  std::string_view head = std::string_view(raw).substr(0, 64 * 1024);
  size_t pos = 0;
  while (pos < head.size()) {
    size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(pos, nl - pos);
    if (line.size() > 5 && AsciiLower(line.substr(0, 5)) == "from:") {
      MailAddress a = ParseAddress(line.substr(5));
      m.author_handle = a.address;
      m.author_name = a.name;
      break;
    }
    if (line.empty() || line == "\r") break;
    pos = nl + 1;
  }
  m.subject = "(unreadable e-mail)";
  m.text = "This e-mail could not be read: " + why.message() + ". It is still in the mailbox " +
           mailbox + " as UID " + std::to_string(uid) + ".";
  return m;
}

class EmailChannel final : public desk::Channel {
 public:
  EmailChannel(Settings settings, std::unique_ptr<ImapClient> imap, const Clock& clock)
      : settings_(std::move(settings)), imap_(std::move(imap)), clock_(clock) {}

  std::string_view kind() const override { return "email"; }

  // No files: the channel keeps the default media_limits(), so a message
  // with media is refused here instead of going out without them.
  Result<std::string> Render(const desk::OutboundMessage& msg) const override {
    LP_RETURN_IF_ERROR(desk::CheckMedia(media_limits(), kind(), msg.media));
    if (!msg.to_handle.empty() && !IsPlainAddress(msg.to_handle)) {
      return Status::InvalidArgument("recipient '" + utf8::Sanitize(msg.to_handle.substr(0, 100)) +
                                     "' is not a plain e-mail address");
    }
    return RenderBody(msg.text, settings_.signature);
  }

  Result<desk::PollResult> Poll(std::string_view cursor) override {
    uint32_t cursor_validity = 0;
    uint32_t last_uid = 0;
    if (!ParseCursor(cursor, &cursor_validity, &last_uid)) {
      return Status::InvalidArgument("cursor '" + utf8::Sanitize(cursor.substr(0, 40)) +
                                     "' is not <uidvalidity>:<uid>");
    }
    LP_RETURN_IF_ERROR(imap_->NewSession());
    LP_ASSIGN_OR_RETURN(MailboxStatus status, imap_->Status());
    // A new UIDVALIDITY means the UIDs were reassigned: start over.
    if (cursor_validity != status.uid_validity) last_uid = 0;
    LP_ASSIGN_OR_RETURN(std::vector<uint32_t> uids, imap_->SearchUidsAbove(last_uid));
    if (uids.size() > settings_.max_per_poll) uids.resize(settings_.max_per_poll);
    desk::PollResult result;
    auto make_cursor = [&](uint32_t uid) {
      return std::to_string(status.uid_validity) + ":" + std::to_string(uid);
    };
    result.cursor = make_cursor(last_uid);
    if (uids.empty()) {
      (void)imap_->NewSession();  // log out between polls
      return result;
    }

    std::set<uint32_t> seen_before;
    if (!settings_.mark_seen) {
      LP_ASSIGN_OR_RETURN(seen_before, imap_->SeenAmong(uids));
    }
    std::vector<uint32_t> to_unsee;
    Status stopped;
    for (uint32_t uid : uids) {
      // Even a fetch that fails half-way may have set \Seen.
      if (!settings_.mark_seen && !seen_before.count(uid)) to_unsee.push_back(uid);
      Result<std::string> raw = imap_->Fetch(status.uid_validity, uid);
      if (!raw.ok()) {
        const Status& e = raw.error();
        if (e.code() == StatusCode::kNotFound) {
          // Expunged between SEARCH and FETCH (or UIDVALIDITY changed: the
          // next poll starts over); nothing to deliver for this UID.
          result.cursor = make_cursor(uid);
          continue;
        }
        if (e.code() == StatusCode::kResourceExhausted) {
          desk::InboundMessage m = Unreadable("", uid, imap_->mailbox(), e);
          m.external_id = "imap-" + std::to_string(status.uid_validity) + "-" +
                          std::to_string(uid) + "@" + settings_.name;
          result.messages.push_back(std::move(m));
          result.cursor = make_cursor(uid);
          continue;
        }
        stopped = e;  // transient: deliver what we have, retry the rest later
        break;
      }
      MimeLimits limits;
      limits.max_bytes = settings_.imap.max_message_bytes;
      Result<desk::InboundMessage> parsed = ParseMessage(*raw, limits);
      result.messages.push_back(parsed.ok()
                                    ? std::move(*parsed)
                                    : Unreadable(*raw, uid, imap_->mailbox(), parsed.error()));
      result.cursor = make_cursor(uid);
    }
    // Leave unread what was unread. If this fails the mails merely show as
    // read in the mailbox; the poll itself succeeded.
    (void)imap_->ClearSeen(to_unsee);
    // Log out between polls rather than hold an idle connection.
    (void)imap_->NewSession();
    if (result.messages.empty() && !stopped.ok()) return stopped;
    return result;
  }

  Result<desk::SendReceipt> Send(const desk::OutboundMessage& msg) override {
    std::string id = NewMessageId(settings_.from.address, settings_.name, msg.idempotency_key);
    LP_ASSIGN_OR_RETURN(std::string data,
                        ComposeMessage(msg, settings_.from, clock_.NowMillis(), id));
    LP_RETURN_IF_ERROR(
        SmtpSend(settings_.smtp_url, settings_.smtp, settings_.from.address, msg.to_handle, data));
    return desk::SendReceipt{id};
  }

  desk::RateLimit rate_limit() const override {
    if (settings_.max_sends_per_hour <= 0) return {};
    return desk::RateLimit{settings_.max_sends_per_hour, 3'600'000};
  }

 private:
  Settings settings_;
  std::unique_ptr<ImapClient> imap_;
  const Clock& clock_;
};

}  // namespace

Result<std::unique_ptr<desk::Channel>> MakeEmailChannel(const desk::ChannelConfig& config,
                                                        const Clock& clock) {
  if (config.kind != "email") {
    return Status::InvalidArgument("channel '" + config.name + "' has kind '" + config.kind +
                                   "', not 'email'");
  }
  LP_ASSIGN_OR_RETURN(Settings settings, ParseSettings(config));
  LP_ASSIGN_OR_RETURN(std::unique_ptr<ImapClient> imap,
                      ImapClient::Create(settings.imap_url, settings.imap));
  return std::unique_ptr<desk::Channel>(
      std::make_unique<EmailChannel>(std::move(settings), std::move(imap), clock));
}

Result<std::unique_ptr<desk::Channel>> MakeEmailChannel(const desk::ChannelConfig& config) {
  return MakeEmailChannel(config, SystemClock::Default());
}

}  // namespace leitplanke::channels::email
