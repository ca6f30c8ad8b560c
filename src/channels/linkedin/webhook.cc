// Webhook side of the LinkedIn connector: the little-text escaping, the
// challenge and signature, comment URNs and the notification parser.
// Payload shapes follow LinkedIn's "Organization Social Action
// Notifications" page and deliveries as LinkedIn sends them (numeric,
// sometimes negative notificationId; generatedActivity written
// "urn:li:comment:(activity:..,..)" without the inner "urn:li:").
#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "leitplanke/base/utf8.h"

#include "channels/http/encoding.h"
#include "channels/http/hmac.h"
#include "channels/http/json_pointer.h"
#include "channels/linkedin/linkedin.h"

namespace leitplanke::channels::linkedin {
namespace {

using nlohmann::json;

constexpr std::string_view kSocialActionType = "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS";
constexpr std::string_view kCommentUrnPrefix = "urn:li:comment:(";
constexpr std::string_view kSignaturePrefix = "hmacsha256=";

Result<std::string> OptionalString(const json& obj, std::string_view key, const std::string& base) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return WrongTypeAt(JsonPtr(base, key), "a string");
  return utf8::Sanitize(it->get_ref<const std::string&>());
}

Result<const json*> OptionalObject(const json& obj, std::string_view key, const std::string& base) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return static_cast<const json*>(nullptr);
  if (!it->is_object()) return WrongTypeAt(JsonPtr(base, key), "an object");
  return &*it;
}

// Times are ms since the epoch (lastModifiedAt, created.time).
Result<desk::Millis> OptionalMillis(const json& obj, std::string_view key,
                                    const std::string& base) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return desk::Millis{0};
  if (!it->is_number_integer()) return WrongTypeAt(JsonPtr(base, key), "a whole number (ms)");
  if (!it->is_number_unsigned() && it->get<int64_t>() < 0) {
    return Status::InvalidArgument(JsonPtr(base, key) + " is negative");
  }
  uint64_t v = it->get<uint64_t>();
  if (v > 100'000'000'000'000ULL)
    return Status::InvalidArgument(JsonPtr(base, key) + " is too large");
  return static_cast<desk::Millis>(v);
}

// notificationId: a number (LinkedIn sends signed 64-bit values) or a string.
Result<std::string> NotificationId(const json& n, const std::string& base) {
  std::string ptr = JsonPtr(base, "notificationId");
  auto it = n.find("notificationId");
  if (it == n.end() || it->is_null()) return MissingAt(ptr);
  if (it->is_number_unsigned()) return std::to_string(it->get<uint64_t>());
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    if (s.empty() || s.size() > 128 || utf8::FirstInvalid(s) != std::string::npos) {
      return Status::InvalidArgument(ptr + " is not a notification id");
    }
    return s;
  }
  return WrongTypeAt(ptr, "a number or string");
}

bool UrnChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ':' ||
         c == '_' || c == '-' || c == '.';
}

bool IdChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == '-';
}

// A post URN: urn:li:<type>:<id> with plain characters.
bool IsPostUrn(std::string_view s) {
  if (s.size() > 200 || s.rfind("urn:li:", 0) != 0) return false;
  std::string_view rest = s.substr(7);
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= rest.size()) return false;
  return std::all_of(s.begin(), s.end(), UrnChar);
}

Result<CommentUrn> CommentAt(const std::string& value, const std::string& ptr) {
  auto c = ParseCommentUrn(value);
  if (!c.ok()) return Status::InvalidArgument(ptr + " is not a comment URN");
  return *c;
}

// Reads one notification into `out`: its event id always, a comment only
// when it is a member's COMMENT on this organisation's post.
Status ParseOne(const json& n, const std::string& base, std::string_view organization_urn,
                ParsedNotifications* out) {
  if (!n.is_object()) return WrongTypeAt(base, "an object");
  LP_ASSIGN_OR_RETURN(std::string id, NotificationId(n, base));
  out->event_ids.push_back(id);
  auto action_it = n.find("action");
  if (action_it == n.end() || action_it->is_null()) return MissingAt(JsonPtr(base, "action"));
  if (!action_it->is_string()) return WrongTypeAt(JsonPtr(base, "action"), "a string");
  LP_ASSIGN_OR_RETURN(std::string org, OptionalString(n, "organizationalEntity", base));
  if (!org.empty() && org != organization_urn) return Status::Ok();  // another page's
  if (action_it->get_ref<const std::string&>() != "COMMENT") return Status::Ok();

  LP_ASSIGN_OR_RETURN(const json* decorated, OptionalObject(n, "decoratedGeneratedActivity", base));
  std::string dbase = JsonPtr(base, "decoratedGeneratedActivity");
  const json* comment = nullptr;
  if (decorated != nullptr) {
    LP_ASSIGN_OR_RETURN(comment, OptionalObject(*decorated, "comment", dbase));
  }
  std::string cbase = JsonPtr(dbase, "comment");

  // The comment's URN, from the most to the least explicit field.
  CommentUrn urn;
  bool have_urn = false;
  if (comment != nullptr) {
    LP_ASSIGN_OR_RETURN(std::string entity, OptionalString(*comment, "entity", cbase));
    if (!entity.empty()) {
      LP_ASSIGN_OR_RETURN(urn, CommentAt(entity, JsonPtr(cbase, "entity")));
      have_urn = true;
    }
  }
  for (const char* key : {"commentEntity", "generatedActivity"}) {
    if (have_urn) break;
    LP_ASSIGN_OR_RETURN(std::string v, OptionalString(n, key, base));
    if (v.empty()) continue;
    LP_ASSIGN_OR_RETURN(urn, CommentAt(v, JsonPtr(base, key)));
    have_urn = true;
  }
  LP_ASSIGN_OR_RETURN(std::string source_post, OptionalString(n, "sourcePost", base));
  if (!source_post.empty() && !IsPostUrn(source_post)) {
    return Status::InvalidArgument(JsonPtr(base, "sourcePost") + " is not a post URN");
  }
  if (!have_urn) {
    auto cid = n.find("commentId");
    std::string comment_id;
    if (cid != n.end() && cid->is_string()) comment_id = cid->get<std::string>();
    if (cid != n.end() && cid->is_number_unsigned())
      comment_id = std::to_string(cid->get<uint64_t>());
    if (!comment_id.empty() && !source_post.empty() && comment_id.size() <= 64 &&
        std::all_of(comment_id.begin(), comment_id.end(), IdChar)) {
      urn.post_urn = source_post;
      urn.id = comment_id;
      have_urn = true;
    }
  }
  if (!have_urn) return MissingAt(JsonPtr(cbase, "entity"));

  std::string owner;
  std::string text;
  std::string parent;
  desk::Millis created = 0;
  if (comment != nullptr) {
    LP_ASSIGN_OR_RETURN(owner, OptionalString(*comment, "owner", cbase));
    LP_ASSIGN_OR_RETURN(text, OptionalString(*comment, "text", cbase));
    if (text.empty()) {
      LP_ASSIGN_OR_RETURN(const json* message, OptionalObject(*comment, "message", cbase));
      if (message != nullptr) {
        LP_ASSIGN_OR_RETURN(text, OptionalString(*message, "text", JsonPtr(cbase, "message")));
      }
    }
    LP_ASSIGN_OR_RETURN(std::string p, OptionalString(*comment, "parentComment", cbase));
    if (!p.empty()) {
      LP_ASSIGN_OR_RETURN(CommentUrn pu, CommentAt(p, JsonPtr(cbase, "parentComment")));
      parent = pu.Canonical();
    }
    LP_ASSIGN_OR_RETURN(std::string object, OptionalString(*comment, "object", cbase));
    // A nested comment's object is the comment it answers.
    if (parent.empty() && object.rfind("urn:li:comment:", 0) == 0) {
      LP_ASSIGN_OR_RETURN(CommentUrn pu, CommentAt(object, JsonPtr(cbase, "object")));
      parent = pu.Canonical();
    }
    LP_ASSIGN_OR_RETURN(const json* created_obj, OptionalObject(*comment, "created", cbase));
    if (created_obj != nullptr) {
      LP_ASSIGN_OR_RETURN(created, OptionalMillis(*created_obj, "time", JsonPtr(cbase, "created")));
    }
  }
  if (owner.empty()) {
    LP_ASSIGN_OR_RETURN(owner, OptionalString(n, "actor", base));
  }
  if (parent.empty()) {
    LP_ASSIGN_OR_RETURN(std::string p, OptionalString(n, "parentComment", base));
    if (!p.empty()) {
      LP_ASSIGN_OR_RETURN(CommentUrn pu, CommentAt(p, JsonPtr(base, "parentComment")));
      parent = pu.Canonical();
    }
  }
  if (!owner.empty() && owner == organization_urn) return Status::Ok();  // the page's own
  LP_ASSIGN_OR_RETURN(desk::Millis modified, OptionalMillis(n, "lastModifiedAt", base));

  CommentNotification c;
  c.comment = urn;
  c.message.external_id = urn.Canonical();
  c.message.thread_key =
      std::string(kPostThreadPrefix) + (source_post.empty() ? urn.post_urn : source_post);
  c.message.in_reply_to = parent;
  c.message.author_handle = owner;
  c.message.text = text;
  c.message.is_public = true;
  c.message.sent_at = created > 0 ? created : modified;
  c.needs_fetch = text.empty() || owner.empty();
  out->comments.push_back(std::move(c));
  return Status::Ok();
}

}  // namespace

std::string EscapeLittleText(std::string_view text) {
  static constexpr std::string_view kReserved = "|{}@[]()<>#\\*_~";
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    // Every reserved character is ASCII, so bytes of multi-byte UTF-8
    // sequences (all >= 0x80) never match.
    if (kReserved.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string HmacSha256Hex(std::string_view client_secret, std::string_view message) {
  return channels::HmacSha256Hex(client_secret, message);
}

std::string ChallengeAnswer(std::string_view client_secret, std::string_view challenge_code) {
  json body = {{"challengeCode", std::string(challenge_code)},
               {"challengeResponse", HmacSha256Hex(client_secret, challenge_code)}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool SignatureValid(std::string_view client_secret, std::string_view raw_body,
                    std::string_view header_value) {
  if (client_secret.empty() || header_value.empty()) return false;
  std::string value(header_value);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  size_t start = value.find_first_not_of(" \t");
  if (start == std::string::npos) return false;
  value.erase(0, start);
  std::string lower = value;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.rfind(kSignaturePrefix, 0) == 0) lower.erase(0, kSignaturePrefix.size());
  if (lower.size() != 64 || !std::all_of(lower.begin(), lower.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    return false;
  }
  std::string prefixed(kSignaturePrefix);
  prefixed.append(raw_body);
  // Both candidates are always computed so that timing does not tell which
  // form matched.
  bool plain = ConstantTimeEqual(lower, HmacSha256Hex(client_secret, raw_body));
  bool literal = ConstantTimeEqual(lower, HmacSha256Hex(client_secret, prefixed));
  return plain || literal;
}

std::string CommentUrn::Canonical() const {
  std::string out(kCommentUrnPrefix);
  out += post_urn;
  out += ',';
  out += id;
  out += ')';
  return out;
}

Result<CommentUrn> ParseCommentUrn(std::string_view urn) {
  auto bad = [&] { return Status::InvalidArgument("not a LinkedIn comment URN"); };
  if (urn.size() > 300 || urn.rfind(kCommentUrnPrefix, 0) != 0 || urn.back() != ')') return bad();
  std::string_view inner = urn.substr(kCommentUrnPrefix.size());
  inner.remove_suffix(1);
  size_t comma = inner.rfind(',');
  if (comma == std::string_view::npos) return bad();
  CommentUrn out;
  std::string post(inner.substr(0, comma));
  out.id = std::string(inner.substr(comma + 1));
  if (post.rfind("urn:li:", 0) != 0) post = "urn:li:" + post;
  if (!IsPostUrn(post) || out.id.empty() || out.id.size() > 64 ||
      !std::all_of(out.id.begin(), out.id.end(), IdChar)) {
    return bad();
  }
  out.post_urn = std::move(post);
  return out;
}

std::string UrlEncode(std::string_view s) { return PercentEncode(s); }

Result<ParsedNotifications> ParseNotifications(std::string_view raw_body,
                                               std::string_view organization_urn) {
  json doc = json::parse(raw_body.begin(), raw_body.end(), nullptr, false);
  if (doc.is_discarded()) return Status::InvalidArgument("/ is not JSON");
  if (!doc.is_object()) return WrongTypeAt("", "an object");
  ParsedNotifications out;
  try {
    auto type = doc.find("type");
    if (type != doc.end() && !type->is_null()) {
      if (!type->is_string()) return WrongTypeAt("/type", "a string");
      if (type->get_ref<const std::string&>() != kSocialActionType) return out;  // not ours
    }
    auto list = doc.find("notifications");
    if (list == doc.end() || list->is_null()) {
      // A single notification without the envelope.
      if (doc.contains("notificationId")) {
        LP_RETURN_IF_ERROR(ParseOne(doc, "", organization_urn, &out));
        return out;
      }
      return MissingAt("/notifications");
    }
    if (!list->is_array()) return WrongTypeAt("/notifications", "an array");
    for (size_t i = 0; i < list->size(); ++i) {
      LP_RETURN_IF_ERROR(
          ParseOne((*list)[i], JsonPtr("/notifications", i), organization_urn, &out));
    }
  } catch (const json::exception& e) {
    // Not expected (every access is checked); kept so that no exception
    // leaves the module.
    return Status::InvalidArgument(std::string("unreadable notification: ") + e.what());
  }
  return out;
}

}  // namespace leitplanke::channels::linkedin
