// Every value that goes into a header is checked or encoded here, so nothing
// from a customer (a subject, an address) can inject a header line.
#include "channels/email/compose.h"

#include <algorithm>
#include <random>
#include <vector>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "leitplanke/base/utf8.h"

#include "channels/email/codec.h"

namespace leitplanke::channels::email {
namespace {

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 15]);
  }
  return out;
}

std::string NormalizeLineBreaks(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

bool IsAtext(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x80) return false;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~ ").find(c) != std::string_view::npos;
}

// A display name as a phrase: atoms as they are, specials quoted, non-ASCII
// as encoded words.
std::string EncodeDisplayName(std::string_view name) {
  bool ascii = true;
  bool atoms = true;
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80 || u < 0x20 || u == 0x7F) ascii = false;
    if (!IsAtext(c)) atoms = false;
  }
  if (!ascii) return EncodeHeaderText(name);
  if (atoms) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && AsciiLower(s.substr(0, prefix.size())) == prefix;
}

}  // namespace

bool IsPlainAddress(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
  for (char c : address) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F || c == '<' || c == '>' || c == ',' || c == '"' || c == '(' ||
        c == ')' || c == ';' || c == '\\') {
      return false;
    }
  }
  return address.substr(at + 1).find('@') == std::string_view::npos &&
         utf8::FirstInvalid(address) == std::string_view::npos;
}

Result<std::string> RenderBody(std::string_view agent_text, std::string_view signature) {
  if (size_t bad = utf8::FirstInvalid(agent_text); bad != std::string_view::npos) {
    return Status::InvalidArgument("reply text is not valid UTF-8 at byte " + std::to_string(bad));
  }
  if (size_t bad = utf8::FirstInvalid(signature); bad != std::string_view::npos) {
    return Status::InvalidArgument("setting 'signature' is not valid UTF-8 at byte " +
                                   std::to_string(bad));
  }
  std::string out = NormalizeLineBreaks(agent_text);
  if (!signature.empty()) {
    out += "\n\n-- \n";
    out += NormalizeLineBreaks(signature);
  }
  if (out.size() > kMaxBodyBytes) {
    return Status::InvalidArgument("an e-mail reply may have at most " +
                                   std::to_string(kMaxBodyBytes) + " bytes; this one has " +
                                   std::to_string(out.size()));
  }
  return out;
}

std::string ReplySubject(std::string_view subject, bool is_reply) {
  std::string s = utf8::Sanitize(subject);
  for (char& c : s) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  size_t b = s.find_first_not_of(' ');
  s = b == std::string::npos ? "" : s.substr(b);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (!is_reply || s.empty()) return s;
  if (StartsWithNoCase(s, "re:") || StartsWithNoCase(s, "aw:") || StartsWithNoCase(s, "antw:")) {
    return s;
  }
  return "Re: " + s;
}

std::string NewMessageId(std::string_view from_address, std::string_view channel_name,
                         std::string_view idempotency_key) {
  unsigned char bytes[EVP_MAX_MD_SIZE];
  if (!idempotency_key.empty()) {
    std::string seed = "leitplanke-email-message-id\n";
    seed.append(channel_name);
    seed.push_back('\n');
    seed.append(idempotency_key);
    unsigned int len = 0;
    EVP_Digest(seed.data(), seed.size(), bytes, &len, EVP_sha256(), nullptr);
  } else if (RAND_bytes(bytes, 16) != 1) {
    std::random_device rd;  // OpenSSL's generator failed: the OS source is the fallback
    for (size_t i = 0; i < 16; ++i) bytes[i] = static_cast<unsigned char>(rd());
  }
  size_t at = from_address.rfind('@');
  std::string domain =
      at == std::string_view::npos ? "localhost" : std::string(from_address.substr(at + 1));
  if (domain.empty()) domain = "localhost";
  return Hex(bytes, 16) + "@" + domain;
}

Result<std::string> ComposeMessage(const desk::OutboundMessage& msg, const MailAddress& from,
                                   int64_t date_ms, std::string_view message_id) {
  if (!IsPlainAddress(msg.to_handle)) {
    return Status::InvalidArgument("recipient '" + utf8::Sanitize(msg.to_handle.substr(0, 100)) +
                                   "' is not a plain e-mail address");
  }
  if (!IsPlainAddress(from.address)) {
    return Status::InvalidArgument("setting 'from' is not a plain e-mail address");
  }
  if (size_t bad = utf8::FirstInvalid(msg.text); bad != std::string_view::npos) {
    return Status::InvalidArgument("reply text is not valid UTF-8 at byte " + std::to_string(bad));
  }
  auto valid_id = [](std::string_view id) {
    if (id.empty() || id.size() > 500) return false;
    for (char c : id) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u >= 0x7F || c == '<' || c == '>') return false;
    }
    return true;
  };
  std::string out;
  out.reserve(msg.text.size() + 1024);
  std::string from_line = "From: ";
  if (!from.name.empty()) {
    from_line += EncodeDisplayName(from.name);
    // Fold before the address when the line would pass 78 bytes.
    from_line += from_line.size() + from.address.size() + 3 > 78 ? "\r\n " : " ";
  }
  out += from_line + "<" + from.address + ">\r\n";
  out += "To: <" + msg.to_handle + ">\r\n";
  std::string subject = ReplySubject(msg.subject, !msg.in_reply_to.empty());
  if (!subject.empty()) out += "Subject: " + EncodeHeaderText(subject) + "\r\n";
  out += "Date: " + FormatMailDate(date_ms) + "\r\n";
  out += "Message-ID: <" + std::string(message_id) + ">\r\n";
  std::vector<std::string> refs;
  for (const std::string& r : msg.references) {
    if (valid_id(r) && std::find(refs.begin(), refs.end(), r) == refs.end()) refs.push_back(r);
  }
  if (valid_id(msg.in_reply_to)) {
    out += "In-Reply-To: <" + msg.in_reply_to + ">\r\n";
    auto it = std::find(refs.begin(), refs.end(), msg.in_reply_to);
    if (it != refs.end()) refs.erase(it);
    refs.push_back(msg.in_reply_to);
  }
  if (!refs.empty()) {
    out += "References:";
    for (size_t i = 0; i < refs.size(); ++i) {
      out += (i == 0 ? " <" : "\r\n <") + refs[i] + ">";
    }
    out += "\r\n";
  }
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: quoted-printable\r\n";
  out += "\r\n";
  out += EncodeQuotedPrintable(msg.text);
  return out;
}

}  // namespace leitplanke::channels::email
