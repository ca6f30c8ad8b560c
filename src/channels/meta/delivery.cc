// Webhook side of the Meta connector: verification, signatures and the
// delivery parser. Payload shapes follow Meta's Messenger Platform webhook
// reference (messages, message_echoes), the Page "feed" field and the
// Instagram "comments" and messaging webhooks.
#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "leitplanke/base/utf8.h"

#include "channels/http/hmac.h"
#include "channels/http/json_pointer.h"
#include "channels/meta/meta.h"

namespace leitplanke::channels::meta {
namespace {

using nlohmann::json;

// An id: Meta sends ids as strings, a few older payloads as numbers.
Result<std::string> Id(const json& obj, std::string_view key, const std::string& base) {
  std::string ptr = JsonPtr(base, key);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return MissingAt(ptr);
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    if (s.empty()) return Status::InvalidArgument(ptr + " is empty");
    if (s.size() > 256 || std::any_of(s.begin(), s.end(), [](char c) {
          return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == ':';
        })) {
      return Status::InvalidArgument(ptr + " is not a Meta id");
    }
    return s;
  }
  if (it->is_number_unsigned()) return std::to_string(it->get<uint64_t>());
  return WrongTypeAt(ptr, "a string id");
}

Result<std::string> OptionalId(const json& obj, std::string_view key, const std::string& base) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  return Id(obj, key, base);
}

Result<std::string> OptionalString(const json& obj, std::string_view key, const std::string& base) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return WrongTypeAt(JsonPtr(base, key), "a string");
  return utf8::Sanitize(it->get_ref<const std::string&>());
}

Result<const json*> Object(const json& obj, std::string_view key, const std::string& base) {
  std::string ptr = JsonPtr(base, key);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return MissingAt(ptr);
  if (!it->is_object()) return WrongTypeAt(ptr, "an object");
  return &*it;
}

Result<bool> OptionalBool(const json& obj, std::string_view key, const std::string& base) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return false;
  if (!it->is_boolean()) return WrongTypeAt(JsonPtr(base, key), "true or false");
  return it->get<bool>();
}

// Timestamps: Messenger events carry ms, feed changes and Instagram entry
// times seconds; numbers below 10^11 are taken as seconds.
Result<desk::Millis> OptionalTime(const json& obj, std::string_view key, const std::string& base) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return desk::Millis{0};
  if (!it->is_number() || it->is_number_float()) {
    return WrongTypeAt(JsonPtr(base, key), "a whole number (Unix time)");
  }
  if (it->is_number_integer() && !it->is_number_unsigned() && it->get<int64_t>() < 0) {
    return Status::InvalidArgument(JsonPtr(base, key) + " is negative");
  }
  uint64_t v = it->get<uint64_t>();
  if (v > 100'000'000'000'000ULL)
    return Status::InvalidArgument(JsonPtr(base, key) + " is too large");
  if (v < 100'000'000'000ULL) v *= 1000;
  return static_cast<desk::Millis>(v);
}

Result<std::vector<desk::Attachment>> Attachments(const json& message, const std::string& base) {
  std::vector<desk::Attachment> out;
  auto it = message.find("attachments");
  if (it == message.end() || it->is_null()) return out;
  std::string ptr = JsonPtr(base, "attachments");
  if (!it->is_array()) return WrongTypeAt(ptr, "an array");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& a = (*it)[i];
    std::string ap = JsonPtr(ptr, i);
    if (!a.is_object()) return WrongTypeAt(ap, "an object");
    LP_ASSIGN_OR_RETURN(std::string type, OptionalString(a, "type", ap));
    desk::Attachment att;
    att.name = type.empty() ? "attachment" : type;
    if (type == "image" || type == "video" || type == "audio") {
      att.mime_type = type + "/*";
    } else if (type == "file") {
      att.mime_type = "application/octet-stream";
    }
    if (auto p = a.find("payload"); p != a.end() && !p->is_null()) {
      if (!p->is_object()) return WrongTypeAt(JsonPtr(ap, "payload"), "an object");
      LP_ASSIGN_OR_RETURN(att.url, OptionalString(*p, "url", JsonPtr(ap, "payload")));
      LP_ASSIGN_OR_RETURN(std::string title, OptionalString(*p, "title", JsonPtr(ap, "payload")));
      if (!title.empty()) att.name = title;
    }
    out.push_back(std::move(att));
  }
  return out;
}

// One messaging event (Messenger or Instagram direct). Appends a message or
// nothing for the events the desk does not take.
Status MessagingEvent(const json& ev, const std::string& ptr, bool instagram,
                      std::vector<desk::InboundMessage>* out) {
  if (!ev.is_object()) return WrongTypeAt(ptr, "an object");
  auto msg_it = ev.find("message");
  if (msg_it == ev.end() || msg_it->is_null()) {
    // delivery, read, reaction, postback, referral, optin, ...: not a
    // customer's text for the desk.
    static constexpr const char* kOther[] = {
        "delivery",        "read",         "reaction",          "postback", "referral", "optin",
        "account_linking", "message_edit", "policy_enforcement"};
    for (const char* k : kOther) {
      if (ev.contains(k)) return Status::Ok();
    }
    return Status::InvalidArgument(ptr + " is neither a message nor a known event");
  }
  std::string mp = JsonPtr(ptr, "message");
  if (!msg_it->is_object()) return WrongTypeAt(mp, "an object");
  const json& m = *msg_it;
  LP_ASSIGN_OR_RETURN(bool echo, OptionalBool(m, "is_echo", mp));
  if (echo) return Status::Ok();
  LP_ASSIGN_OR_RETURN(bool deleted, OptionalBool(m, "is_deleted", mp));
  LP_ASSIGN_OR_RETURN(bool unsupported, OptionalBool(m, "is_unsupported", mp));
  if (deleted || unsupported) return Status::Ok();

  LP_ASSIGN_OR_RETURN(const json* sender, Object(ev, "sender", ptr));
  desk::InboundMessage in;
  LP_ASSIGN_OR_RETURN(in.author_handle, Id(*sender, "id", JsonPtr(ptr, "sender")));
  LP_ASSIGN_OR_RETURN(in.external_id, Id(m, "mid", mp));
  LP_ASSIGN_OR_RETURN(in.text, OptionalString(m, "text", mp));
  LP_ASSIGN_OR_RETURN(in.attachments, Attachments(m, mp));
  if (auto r = m.find("reply_to"); r != m.end() && !r->is_null()) {
    if (!r->is_object()) return WrongTypeAt(JsonPtr(mp, "reply_to"), "an object");
    LP_ASSIGN_OR_RETURN(in.in_reply_to, OptionalId(*r, "mid", JsonPtr(mp, "reply_to")));
  }
  LP_ASSIGN_OR_RETURN(in.sent_at, OptionalTime(ev, "timestamp", ptr));
  in.thread_key = (instagram ? "ig:" : "fb:") + in.author_handle;
  in.is_public = false;
  out->push_back(std::move(in));
  return Status::Ok();
}

// A Page "feed" change: a comment or a visitor's post.
Status FeedChange(const json& value, const std::string& ptr, const std::string& page_id,
                  desk::Millis entry_time, std::vector<desk::InboundMessage>* out) {
  LP_ASSIGN_OR_RETURN(std::string item, OptionalString(value, "item", ptr));
  LP_ASSIGN_OR_RETURN(std::string verb, OptionalString(value, "verb", ptr));
  if (item.empty()) return MissingAt(JsonPtr(ptr, "item"));
  bool comment = item == "comment";
  bool post = item == "post" || item == "status" || item == "photo" || item == "video";
  if (!comment && !post) return Status::Ok();  // reaction, like, share, event, ...
  if (verb != "add") return Status::Ok();      // edited, remove, hide, unhide
  desk::InboundMessage in;
  LP_ASSIGN_OR_RETURN(const json* from, Object(value, "from", ptr));
  LP_ASSIGN_OR_RETURN(in.author_handle, Id(*from, "id", JsonPtr(ptr, "from")));
  if (in.author_handle == page_id) return Status::Ok();  // the page's own
  LP_ASSIGN_OR_RETURN(in.author_name, OptionalString(*from, "name", JsonPtr(ptr, "from")));
  LP_ASSIGN_OR_RETURN(std::string post_id, Id(value, "post_id", ptr));
  if (comment) {
    LP_ASSIGN_OR_RETURN(in.external_id, Id(value, "comment_id", ptr));
    LP_ASSIGN_OR_RETURN(std::string parent, OptionalId(value, "parent_id", ptr));
    // A top-level comment's parent is the post itself.
    in.in_reply_to = parent == post_id ? std::string() : parent;
  } else {
    in.external_id = post_id;
  }
  LP_ASSIGN_OR_RETURN(in.text, OptionalString(value, "message", ptr));
  LP_ASSIGN_OR_RETURN(std::string photo, OptionalString(value, "photo", ptr));
  if (!photo.empty()) in.attachments.push_back({"photo", "image/*", 0, photo});
  LP_ASSIGN_OR_RETURN(std::string video, OptionalString(value, "video", ptr));
  if (!video.empty()) in.attachments.push_back({"video", "video/*", 0, video});
  LP_ASSIGN_OR_RETURN(in.sent_at, OptionalTime(value, "created_time", ptr));
  if (in.sent_at == 0) in.sent_at = entry_time;
  in.thread_key = "fb-post:" + post_id;
  in.is_public = true;
  out->push_back(std::move(in));
  return Status::Ok();
}

// An Instagram "comments" change.
Status InstagramComment(const json& value, const std::string& ptr, const std::string& account_id,
                        desk::Millis entry_time, std::vector<desk::InboundMessage>* out) {
  desk::InboundMessage in;
  LP_ASSIGN_OR_RETURN(const json* from, Object(value, "from", ptr));
  LP_ASSIGN_OR_RETURN(in.author_handle, Id(*from, "id", JsonPtr(ptr, "from")));
  if (in.author_handle == account_id) return Status::Ok();  // the account's own
  LP_ASSIGN_OR_RETURN(in.author_name, OptionalString(*from, "username", JsonPtr(ptr, "from")));
  LP_ASSIGN_OR_RETURN(const json* media, Object(value, "media", ptr));
  LP_ASSIGN_OR_RETURN(std::string media_id, Id(*media, "id", JsonPtr(ptr, "media")));
  LP_ASSIGN_OR_RETURN(in.external_id, Id(value, "id", ptr));
  LP_ASSIGN_OR_RETURN(in.in_reply_to, OptionalId(value, "parent_id", ptr));
  LP_ASSIGN_OR_RETURN(in.text, OptionalString(value, "text", ptr));
  LP_ASSIGN_OR_RETURN(in.sent_at, OptionalTime(value, "timestamp", ptr));
  if (in.sent_at == 0) in.sent_at = entry_time;
  in.thread_key = "ig-media:" + media_id;
  in.is_public = true;
  out->push_back(std::move(in));
  return Status::Ok();
}

Status Entry(const json& entry, const std::string& ptr, bool instagram,
             std::vector<desk::InboundMessage>* out) {
  if (!entry.is_object()) return WrongTypeAt(ptr, "an object");
  LP_ASSIGN_OR_RETURN(std::string own_id, Id(entry, "id", ptr));
  LP_ASSIGN_OR_RETURN(desk::Millis time, OptionalTime(entry, "time", ptr));
  bool any = false;
  for (const char* key : {"messaging", "standby"}) {
    auto it = entry.find(key);
    if (it == entry.end() || it->is_null()) continue;
    any = true;
    // Standby events belong to another app that holds the conversation
    // (handover protocol); the desk does not answer those.
    if (std::strcmp(key, "standby") == 0) continue;
    std::string mp = JsonPtr(ptr, key);
    if (!it->is_array()) return WrongTypeAt(mp, "an array");
    for (size_t i = 0; i < it->size(); ++i) {
      LP_RETURN_IF_ERROR(MessagingEvent((*it)[i], JsonPtr(mp, i), instagram, out));
    }
  }
  if (auto it = entry.find("changes"); it != entry.end() && !it->is_null()) {
    any = true;
    std::string cp = JsonPtr(ptr, "changes");
    if (!it->is_array()) return WrongTypeAt(cp, "an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& change = (*it)[i];
      std::string p = JsonPtr(cp, i);
      if (!change.is_object()) return WrongTypeAt(p, "an object");
      LP_ASSIGN_OR_RETURN(std::string field, OptionalString(change, "field", p));
      if (field.empty()) return MissingAt(JsonPtr(p, "field"));
      LP_ASSIGN_OR_RETURN(const json* value, Object(change, "value", p));
      std::string vp = JsonPtr(p, "value");
      if (!instagram && field == "feed") {
        LP_RETURN_IF_ERROR(FeedChange(*value, vp, own_id, time, out));
      } else if (instagram && (field == "comments" || field == "live_comments")) {
        LP_RETURN_IF_ERROR(InstagramComment(*value, vp, own_id, time, out));
      } else if (instagram && field == "messages") {
        LP_RETURN_IF_ERROR(MessagingEvent(*value, vp, true, out));
      } else if (instagram && (field == "mentions" || field == "story_insights" ||
                               field == "message_reactions" || field == "messaging_seen")) {
        continue;  // subscribed but nothing for the desk
      } else {
        return Status::InvalidArgument(JsonPtr(p, "field") + " '" + field.substr(0, 64) +
                                       "' is not a field this connector reads");
      }
    }
  }
  if (!any) return Status::InvalidArgument(ptr + " has neither messaging nor changes");
  return Status::Ok();
}

}  // namespace

std::string Signature(std::string_view app_secret, std::string_view raw_body) {
  std::string out("sha256=");
  out += HmacSha256Hex(app_secret, raw_body);
  return out;
}

bool SignatureValid(std::string_view app_secret, std::string_view raw_body,
                    std::string_view header_value) {
  constexpr std::string_view kPrefix = "sha256=";
  if (app_secret.empty()) return false;
  if (header_value.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string given(header_value.substr(kPrefix.size()));
  if (given.size() != 64) return false;
  for (char& c : given) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return ConstantTimeEqual(HmacSha256Hex(app_secret, raw_body), given);
}

Result<std::string> AnswerVerification(std::string_view mode, std::string_view token,
                                       std::string_view challenge,
                                       std::string_view expected_token) {
  if (expected_token.empty()) {
    return Status::FailedPrecondition("no verify_token is configured for this channel");
  }
  if (mode != "subscribe") {
    std::string msg("hub.mode must be 'subscribe', got '");
    msg += utf8::Sanitize(mode.substr(0, 32));
    msg += "'";
    return Status::PermissionDenied(msg);
  }
  if (!ConstantTimeEqual(token, expected_token)) {
    return Status::PermissionDenied("hub.verify_token does not match the configured verify_token");
  }
  if (challenge.empty()) return Status::InvalidArgument("hub.challenge is missing");
  if (challenge.size() > 512) return Status::InvalidArgument("hub.challenge is too long");
  return std::string(challenge);
}

Result<std::vector<desk::InboundMessage>> ParseDelivery(std::string_view raw_body) {
  json doc;
  try {
    doc = json::parse(raw_body.begin(), raw_body.end());
  } catch (const json::exception& e) {
    std::string msg("the delivery is not JSON: ");
    msg += e.what();
    return Status::InvalidArgument(msg);
  }
  try {
    if (!doc.is_object()) return WrongTypeAt("", "an object");
    LP_ASSIGN_OR_RETURN(std::string object, OptionalString(doc, "object", ""));
    if (object.empty()) return MissingAt("/object");
    bool instagram = object == "instagram";
    if (!instagram && object != "page") {
      return Status::InvalidArgument("/object '" + object.substr(0, 64) +
                                     "' is neither 'page' nor 'instagram'");
    }
    auto entries = doc.find("entry");
    if (entries == doc.end() || entries->is_null()) return MissingAt("/entry");
    if (!entries->is_array()) return WrongTypeAt("/entry", "an array");
    std::vector<desk::InboundMessage> out;
    for (size_t i = 0; i < entries->size(); ++i) {
      LP_RETURN_IF_ERROR(Entry((*entries)[i], JsonPtr("/entry", i), instagram, &out));
    }
    return out;
  } catch (const json::exception& e) {
    // Not expected (every access is checked), but no exception leaves here.
    std::string msg("the delivery could not be read: ");
    msg += e.what();
    return Status::InvalidArgument(msg);
  }
}

Window ReplyWindow(desk::Millis last_inbound_ms, desk::Millis now_ms) {
  desk::Millis age = now_ms - last_inbound_ms;
  if (age <= kStandardWindowMs) return Window::kStandard;
  if (age <= kHumanAgentWindowMs) return Window::kHumanAgent;
  return Window::kClosed;
}

Result<Thread> ParseThreadKey(std::string_view thread_key) {
  struct Prefix {
    std::string_view text;
    Thread::Kind kind;
  };
  static constexpr Prefix kPrefixes[] = {{"fb:", Thread::Kind::kMessenger},
                                         {"ig:", Thread::Kind::kInstagramDirect},
                                         {"fb-post:", Thread::Kind::kFacebookPost},
                                         {"ig-media:", Thread::Kind::kInstagramMedia}};
  for (const Prefix& p : kPrefixes) {
    if (thread_key.substr(0, p.text.size()) != p.text) continue;
    std::string_view id = thread_key.substr(p.text.size());
    if (id.empty() || id.size() > 256 || std::any_of(id.begin(), id.end(), [](char c) {
          return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   c == '_' || c == '-' || c == '.');
        })) {
      break;
    }
    return Thread{p.kind, std::string(id)};
  }
  std::string msg("thread key '");
  msg += utf8::Sanitize(thread_key.substr(0, 64));
  msg += "' is not a Meta thread (fb:, ig:, fb-post:, ig-media:)";
  return Status::InvalidArgument(msg);
}

}  // namespace leitplanke::channels::meta
