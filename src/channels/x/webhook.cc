// Account Activity deliveries: CRC answer, signature check and parsing.
//
// Tweets in these deliveries are API v1.1 objects (id_str, user.screen_name,
// extended_tweet.full_text for long posts, timestamp_ms); direct messages
// are message_create events with a users map. Both carry t.co links, which
// are replaced by their expanded_url so agents see where a link goes.
#include <nlohmann/json.hpp>

#include "leitplanke/base/utf8.h"

#include "channels/http/hmac.h"
#include "channels/x/internal.h"
#include "channels/x/x.h"

namespace leitplanke::channels::x {
namespace {

using nlohmann::json;

Status Missing(const std::string& ptr) { return Status::InvalidArgument(ptr + " is missing"); }

Status NotA(const std::string& ptr, std::string_view what) {
  return Status::InvalidArgument(ptr + " is not " + std::string(what));
}

const json* Find(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::string> RequiredString(const json& obj, const std::string& ptr, const char* key) {
  const json* v = Find(obj, key);
  std::string p = ptr + "/" + key;
  if (v == nullptr) return Missing(p);
  if (!v->is_string()) return NotA(p, "a string");
  return v->get<std::string>();
}

Result<std::string> OptionalString(const json& obj, const std::string& ptr, const char* key) {
  const json* v = Find(obj, key);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return NotA(ptr + "/" + key, "a string");
  return v->get<std::string>();
}

Result<std::string> RequiredId(const json& obj, const std::string& ptr, const char* key) {
  LP_ASSIGN_OR_RETURN(std::string id, RequiredString(obj, ptr, key));
  if (!internal::IsId(id)) return NotA(ptr + "/" + key, "a numeric X id");
  return id;
}

Result<std::string> OptionalId(const json& obj, const std::string& ptr, const char* key) {
  LP_ASSIGN_OR_RETURN(std::string id, OptionalString(obj, ptr, key));
  if (!id.empty() && !internal::IsId(id)) return NotA(ptr + "/" + key, "a numeric X id");
  return id;
}

// Replaces each entities.urls[].url (t.co) by its expanded_url.
std::string ExpandUrls(std::string text, const json* entities) {
  const json* urls = entities == nullptr ? nullptr : Find(*entities, "urls");
  if (urls == nullptr || !urls->is_array()) return text;
  for (const json& u : *urls) {
    const json* from = Find(u, "url");
    const json* to = Find(u, "expanded_url");
    if (from == nullptr || to == nullptr || !from->is_string() || !to->is_string()) continue;
    const std::string& f = from->get_ref<const std::string&>();
    const std::string& t = to->get_ref<const std::string&>();
    if (f.empty()) continue;
    size_t pos = text.find(f);
    if (pos != std::string::npos) text.replace(pos, f.size(), t);
  }
  return text;
}

void AddMedia(const json* media_list, std::vector<desk::Attachment>* out) {
  if (media_list == nullptr || !media_list->is_array()) return;
  for (const json& m : *media_list) {
    const json* url = Find(m, "media_url_https");
    if (url == nullptr || !url->is_string()) continue;
    desk::Attachment a;
    a.url = url->get<std::string>();
    const json* type = Find(m, "type");
    std::string t = type != nullptr && type->is_string() ? type->get<std::string>() : "";
    a.mime_type = t == "photo" ? "image/jpeg" : (t == "video" ? "video/mp4" : "");
    a.name = a.url.substr(a.url.rfind('/') + 1);
    out->push_back(std::move(a));
  }
}

desk::Millis TimeOf(const json& obj, const char* ms_key, const char* legacy_key) {
  if (const json* v = Find(obj, ms_key)) {
    if (v->is_string()) {
      return std::max<desk::Millis>(0, internal::ParseMillis(v->get<std::string>()));
    }
    if (v->is_number_unsigned()) return static_cast<desk::Millis>(v->get<uint64_t>());
  }
  if (legacy_key != nullptr) {
    if (const json* v = Find(obj, legacy_key); v != nullptr && v->is_string()) {
      return std::max<desk::Millis>(0, internal::ParseLegacyTime(v->get<std::string>()));
    }
  }
  return 0;
}

Status ParseTweet(const json& t, const std::string& ptr, std::string_view account_id,
                  desk::WebhookDelivery* out) {
  if (!t.is_object()) return NotA(ptr, "an object");
  LP_ASSIGN_OR_RETURN(std::string id, RequiredId(t, ptr, "id_str"));
  out->event_ids.push_back(id);
  const json* user = Find(t, "user");
  if (user == nullptr) return Missing(ptr + "/user");
  if (!user->is_object()) return NotA(ptr + "/user", "an object");
  LP_ASSIGN_OR_RETURN(std::string user_id, RequiredId(*user, ptr + "/user", "id_str"));
  if (user_id == account_id) return Status::Ok();  // the account's own post
  if (Find(t, "retweeted_status") != nullptr) return Status::Ok();
  desk::InboundMessage m;
  m.external_id = id;
  const json* ext = Find(t, "extended_tweet");
  const json* entities = Find(t, "entities");
  const json* ext_entities = Find(t, "extended_entities");
  if (ext != nullptr && ext->is_object() && Find(*ext, "full_text") != nullptr) {
    LP_ASSIGN_OR_RETURN(m.text, RequiredString(*ext, ptr + "/extended_tweet", "full_text"));
    entities = Find(*ext, "entities");
    if (const json* e = Find(*ext, "extended_entities")) ext_entities = e;
  } else if (Find(t, "full_text") != nullptr) {
    LP_ASSIGN_OR_RETURN(m.text, RequiredString(t, ptr, "full_text"));
  } else {
    LP_ASSIGN_OR_RETURN(m.text, RequiredString(t, ptr, "text"));
  }
  m.text = utf8::Sanitize(internal::UnescapeText(ExpandUrls(std::move(m.text), entities)));
  if (ext_entities != nullptr) AddMedia(Find(*ext_entities, "media"), &m.attachments);
  LP_ASSIGN_OR_RETURN(m.in_reply_to, OptionalId(t, ptr, "in_reply_to_status_id_str"));
  std::string conversation;
  if (const json* c = Find(t, "conversation_id_str"); c != nullptr && c->is_string()) {
    conversation = c->get<std::string>();
  } else if (const json* c2 = Find(t, "conversation_id"); c2 != nullptr && c2->is_string()) {
    conversation = c2->get<std::string>();
  }
  if (!internal::IsId(conversation)) conversation = m.in_reply_to.empty() ? id : m.in_reply_to;
  m.thread_key = "tweet:" + conversation;
  LP_ASSIGN_OR_RETURN(std::string screen_name, OptionalString(*user, ptr + "/user", "screen_name"));
  m.author_handle = screen_name.empty() ? user_id : "@" + utf8::Sanitize(screen_name);
  LP_ASSIGN_OR_RETURN(std::string name, OptionalString(*user, ptr + "/user", "name"));
  m.author_name = utf8::Sanitize(name);
  LP_ASSIGN_OR_RETURN(std::string lang, OptionalString(t, ptr, "lang"));
  if (lang != "und" && lang.size() <= 16) m.language = utf8::Sanitize(lang);
  m.is_public = true;
  m.sent_at = TimeOf(t, "timestamp_ms", "created_at");
  out->messages.push_back(std::move(m));
  return Status::Ok();
}

Status ParseDirectMessage(const json& e, const std::string& ptr, std::string_view account_id,
                          const json* users, desk::WebhookDelivery* out) {
  if (!e.is_object()) return NotA(ptr, "an object");
  LP_ASSIGN_OR_RETURN(std::string id, RequiredId(e, ptr, "id"));
  out->event_ids.push_back(id);
  LP_ASSIGN_OR_RETURN(std::string type, RequiredString(e, ptr, "type"));
  if (type != "message_create") return Status::Ok();
  const json* mc = Find(e, "message_create");
  std::string mptr = ptr + "/message_create";
  if (mc == nullptr) return Missing(mptr);
  if (!mc->is_object()) return NotA(mptr, "an object");
  LP_ASSIGN_OR_RETURN(std::string sender, RequiredId(*mc, mptr, "sender_id"));
  const json* data = Find(*mc, "message_data");
  if (data == nullptr) return Missing(mptr + "/message_data");
  if (!data->is_object()) return NotA(mptr + "/message_data", "an object");
  if (sender == account_id) return Status::Ok();  // sent by the account
  desk::InboundMessage m;
  m.external_id = id;
  LP_ASSIGN_OR_RETURN(m.text, RequiredString(*data, mptr + "/message_data", "text"));
  m.text = utf8::Sanitize(
      internal::UnescapeText(ExpandUrls(std::move(m.text), Find(*data, "entities"))));
  if (const json* att = Find(*data, "attachment")) {
    if (const json* media = Find(*att, "media")) {
      json list = json::array({*media});
      AddMedia(&list, &m.attachments);
    }
  }
  m.thread_key = "dm:" + sender;
  m.author_handle = sender;
  if (users != nullptr && users->is_object()) {
    if (const json* u = Find(*users, sender.c_str()); u != nullptr && u->is_object()) {
      const json* sn = Find(*u, "screen_name");
      if (sn != nullptr && sn->is_string() && !sn->get_ref<const std::string&>().empty()) {
        m.author_handle = "@" + utf8::Sanitize(sn->get<std::string>());
      }
      const json* name = Find(*u, "name");
      if (name != nullptr && name->is_string()) {
        m.author_name = utf8::Sanitize(name->get<std::string>());
      }
    }
  }
  m.is_public = false;
  m.sent_at = TimeOf(e, "created_timestamp", nullptr);
  out->messages.push_back(std::move(m));
  return Status::Ok();
}

}  // namespace

std::string Sha256Signature(std::string_view consumer_secret, std::string_view message) {
  return "sha256=" + HmacSha256Base64(consumer_secret, message);
}

bool SignatureValid(std::string_view consumer_secret, std::string_view raw_body,
                    std::string_view header_value) {
  if (consumer_secret.empty() || header_value.empty()) return false;
  return ConstantTimeEqual(Sha256Signature(consumer_secret, raw_body), header_value);
}

Result<desk::WebhookDelivery> ParseDelivery(std::string_view raw_body,
                                            std::string_view account_id) {
  json doc = json::parse(raw_body.begin(), raw_body.end(), nullptr, false);
  if (doc.is_discarded()) return Status::InvalidArgument("the delivery is not JSON");
  if (!doc.is_object()) return Status::InvalidArgument("the delivery (/) is not a JSON object");
  desk::WebhookDelivery out;
  try {
    LP_ASSIGN_OR_RETURN(std::string for_user, RequiredId(doc, "", "for_user_id"));
    if (for_user != account_id) return out;  // another account subscribed to the same app
    // user_has_blocked (mentions only): the account blocked the author.
    // Their posts are not worth an agent's time; the ids still count.
    const json* blocked = Find(doc, "user_has_blocked");
    bool author_blocked = blocked != nullptr && ((blocked->is_string() && *blocked == "true") ||
                                                 (blocked->is_boolean() && blocked->get<bool>()));
    if (const json* tweets = Find(doc, "tweet_create_events")) {
      if (!tweets->is_array()) return NotA("/tweet_create_events", "an array");
      size_t before = out.messages.size();
      for (size_t i = 0; i < tweets->size(); ++i) {
        LP_RETURN_IF_ERROR(ParseTweet((*tweets)[i], "/tweet_create_events/" + std::to_string(i),
                                      account_id, &out));
      }
      if (author_blocked) out.messages.resize(before);
    }
    if (const json* dms = Find(doc, "direct_message_events")) {
      if (!dms->is_array()) return NotA("/direct_message_events", "an array");
      const json* users = Find(doc, "users");
      for (size_t i = 0; i < dms->size(); ++i) {
        LP_RETURN_IF_ERROR(ParseDirectMessage(
            (*dms)[i], "/direct_message_events/" + std::to_string(i), account_id, users, &out));
      }
    }
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("the delivery could not be read: ") + e.what());
  }
  return out;
}

}  // namespace leitplanke::channels::x
