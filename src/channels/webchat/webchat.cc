// Widget posts are untrusted input from anyone on the internet: every field
// has a size limit, and the spam signs are cheap enough to run on each post.
#include "channels/webchat/webchat.h"

#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "leitplanke/base/utf8.h"

#include "leitplanke/desk/media.h"

namespace leitplanke::channels::webchat {
namespace {

using nlohmann::json;

Result<std::string> Field(const json& doc, const char* name, size_t max, bool required) {
  auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) {
    if (required) return Status::InvalidArgument(std::string("/") + name + " is required");
    return std::string();
  }
  if (!it->is_string())
    return Status::InvalidArgument(std::string("/") + name + " must be a string");
  std::string v = it->get<std::string>();
  if (v.size() > max) {
    return Status::InvalidArgument(std::string("/") + name + " is longer than " +
                                   std::to_string(max) + " bytes");
  }
  return v;
}

class WebchatChannel final : public desk::Channel {
 public:
  std::string_view kind() const override { return "webchat"; }
  // The widget shows text only: a message with files is refused (the
  // default media_limits()) instead of going out without them.
  Result<std::string> Render(const desk::OutboundMessage& msg) const override {
    LP_RETURN_IF_ERROR(desk::CheckMedia(media_limits(), kind(), msg.media));
    if (msg.text.size() > kMaxTextBytes) {
      return Status::InvalidArgument("the widget shows at most " + std::to_string(kMaxTextBytes) +
                                     " bytes per message; this reply has " +
                                     std::to_string(msg.text.size()));
    }
    return msg.text;
  }
  Result<desk::PollResult> Poll(std::string_view cursor) override {
    return desk::PollResult{{}, std::string(cursor)};
  }
  Result<desk::SendReceipt> Send(const desk::OutboundMessage& msg) override {
    // Nothing leaves the server: the widget fetches the reply. The id is
    // derived from the idempotency key, so a retried send is the same one.
    return desk::SendReceipt{"wc-out-" + msg.idempotency_key};
  }
};

}  // namespace

Result<WidgetPost> ParseWidgetPost(std::string_view body) {
  json doc;
  try {
    doc = json::parse(body);
  } catch (const json::parse_error& e) {
    return Status::InvalidArgument("malformed JSON at byte " + std::to_string(e.byte));
  }
  if (!doc.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  WidgetPost p;
  LP_ASSIGN_OR_RETURN(p.session, Field(doc, "session", 64, true));
  LP_ASSIGN_OR_RETURN(p.client_id, Field(doc, "client_id", 64, false));
  LP_ASSIGN_OR_RETURN(p.name, Field(doc, "name", 100, false));
  LP_ASSIGN_OR_RETURN(p.email, Field(doc, "email", 200, false));
  LP_ASSIGN_OR_RETURN(p.text, Field(doc, "text", kMaxTextBytes, true));
  LP_ASSIGN_OR_RETURN(p.honeypot, Field(doc, "website", 500, false));
  if (auto it = doc.find("opened_ms"); it != doc.end()) {
    if (!it->is_number_integer()) return Status::InvalidArgument("/opened_ms must be an integer");
    p.opened_ms = it->get<int64_t>();
  }
  if (p.session.size() < 16) return Status::InvalidArgument("/session is not a widget session");
  for (char c : p.session) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return Status::InvalidArgument("/session is not a widget session");
    }
  }
  for (char c : p.client_id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return Status::InvalidArgument("/client_id may hold only letters, digits, '-' and '_'");
    }
  }
  const struct {
    const char* name;
    const std::string* value;
  } texts[] = {{"/name", &p.name}, {"/email", &p.email}, {"/text", &p.text}};
  for (const auto& t : texts) {
    const size_t bad = utf8::FirstInvalid(*t.value);
    if (bad != std::string_view::npos) {
      return Status::InvalidArgument(std::string(t.name) + ": invalid UTF-8 at byte " +
                                     std::to_string(bad));
    }
  }
  size_t first = p.text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return Status::InvalidArgument("/text is empty");
  return p;
}

std::string SpamReason(const WidgetPost& post) {
  if (!post.honeypot.empty()) return "hidden field filled in";
  // A person needs more than a second to open the widget and type.
  if (post.opened_ms > 0 && post.opened_ms < 1500) return "sent too fast after opening";
  size_t links = 0;
  for (size_t pos = post.text.find("http"); pos != std::string::npos;
       pos = post.text.find("http", pos + 4)) {
    ++links;
  }
  if (links > 3) return "more than 3 links";
  return "";
}

desk::InboundMessage ToInbound(const WidgetPost& post, int64_t now_ms) {
  desk::InboundMessage m;
  m.external_id = "wc-" + post.session + "-" +
                  (post.client_id.empty() ? std::to_string(now_ms) : post.client_id);
  m.thread_key = post.session;
  m.author_handle = post.email.empty() ? "webchat:" + post.session.substr(0, 12) : post.email;
  m.author_name = post.name;
  m.text = post.text;
  m.is_public = false;
  m.sent_at = now_ms;
  return m;
}

bool OriginAllowed(std::string_view origin, std::string_view allowed) {
  while (!allowed.empty()) {
    size_t comma = allowed.find(',');
    std::string_view one = allowed.substr(0, comma);
    while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
    while (!one.empty() && (one.back() == ' ' || one.back() == '/')) one.remove_suffix(1);
    if (one == "*" || (!one.empty() && one == origin)) return true;
    if (comma == std::string_view::npos) break;
    allowed.remove_prefix(comma + 1);
  }
  return false;
}

std::string NewSessionId() {
  unsigned char bytes[16];
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  if (!urandom.read(reinterpret_cast<char*>(bytes), sizeof bytes)) {
    std::random_device rd;  // /dev/urandom missing: the library's own source
    for (unsigned char& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

Result<std::unique_ptr<desk::Channel>> MakeWebchatChannel(const desk::ChannelConfig&) {
  return std::unique_ptr<desk::Channel>(std::make_unique<WebchatChannel>());
}

}  // namespace leitplanke::channels::webchat
