// Reading app.bsky.notification.listNotifications answers.
//
// A notification (lexicon app.bsky.notification.listNotifications#notification)
// carries uri, cid, author (a profile view: did, handle, displayName),
// reason, record (for mention/reply/quote an app.bsky.feed.post: text,
// createdAt, langs, reply {root, parent} strong refs), isRead, indexedAt.
// sent_at is indexedAt: the AppView's time, whereas createdAt is whatever
// the author's client claims.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "leitplanke/base/utf8.h"

#include "channels/bluesky/bluesky.h"

namespace leitplanke::channels::bluesky {
namespace {

using nlohmann::json;

const std::string* StringAt(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

bool IsAtUri(std::string_view s) {
  return s.size() > 5 && s.size() <= 8192 && s.rfind("at://", 0) == 0 &&
         s.find_first_of(" \t\r\n") == std::string_view::npos;
}

// A strong ref {uri, cid} at obj[key]; an error text when unreadable.
std::string ReadRef(const json& obj, const char* key, const std::string& where, PostRef* out) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) return where + "/" + key + " is missing";
  const std::string* uri = StringAt(*it, "uri");
  const std::string* cid = StringAt(*it, "cid");
  if (uri == nullptr || !IsAtUri(*uri)) return where + "/" + key + "/uri is not an at:// URI";
  if (cid == nullptr || cid->empty()) return where + "/" + key + "/cid is missing";
  out->uri = *uri;
  out->cid = *cid;
  return "";
}

// Image embeds (app.bsky.embed.images, also as the media of
// app.bsky.embed.recordWithMedia) as attachment metadata; unreadable images
// are left out.
void ReadImages(const json& record, desk::InboundMessage* m) {
  auto embed = record.find("embed");
  if (embed == record.end() || !embed->is_object()) return;
  const json* images_embed = &*embed;
  const std::string* type = StringAt(*embed, "$type");
  if (type != nullptr && *type == "app.bsky.embed.recordWithMedia") {
    auto media = embed->find("media");
    if (media == embed->end() || !media->is_object()) return;
    images_embed = &*media;
    type = StringAt(*media, "$type");
  }
  if (type == nullptr || *type != "app.bsky.embed.images") return;
  auto images = images_embed->find("images");
  if (images == images_embed->end() || !images->is_array()) return;
  for (size_t i = 0; i < images->size() && i < 10; ++i) {
    const json& img = (*images)[i];
    if (!img.is_object()) continue;
    auto blob = img.find("image");
    if (blob == img.end() || !blob->is_object()) continue;
    desk::Attachment a;
    const std::string* alt = StringAt(img, "alt");
    a.name = alt != nullptr && !alt->empty() ? utf8::Sanitize(alt->substr(0, 300))
                                             : "image " + std::to_string(i + 1);
    if (const std::string* mime = StringAt(*blob, "mimeType")) a.mime_type = utf8::Sanitize(*mime);
    if (auto size = blob->find("size"); size != blob->end() && size->is_number_integer()) {
      a.size = std::max<int64_t>(0, size->get<int64_t>());
    }
    m->attachments.push_back(std::move(a));
  }
}

// Fills n->message from the post record; "" or what is wrong.
std::string ReadPost(const json& item, const std::string& where, Notice* n) {
  const json* author = nullptr;
  if (auto it = item.find("author"); it != item.end() && it->is_object()) author = &*it;
  const std::string* handle = author ? StringAt(*author, "handle") : nullptr;
  if (handle == nullptr || handle->empty()) return where + "/author/handle is missing";
  auto rec = item.find("record");
  if (rec == item.end() || !rec->is_object()) return where + "/record is missing";
  const std::string* text = StringAt(*rec, "text");
  if (text == nullptr) return where + "/record/text is missing";
  if (auto type = StringAt(*rec, "$type"); type != nullptr && *type != "app.bsky.feed.post") {
    return where + "/record/$type is '" + utf8::Sanitize(type->substr(0, 64)) +
           "', not app.bsky.feed.post";
  }
  desk::InboundMessage& m = n->message;
  m.external_id = n->uri;
  m.author_handle = "@" + utf8::Sanitize(*handle);
  if (const std::string* name = StringAt(*author, "displayName")) {
    m.author_name = utf8::Sanitize(*name);
  }
  m.text = utf8::Sanitize(*text);
  m.is_public = true;
  m.sent_at = n->indexed_at_us / 1000;
  if (auto langs = rec->find("langs");
      langs != rec->end() && langs->is_array() && !langs->empty() && (*langs)[0].is_string()) {
    std::string lang = (*langs)[0].get<std::string>();
    if (lang.size() <= 35) m.language = utf8::Sanitize(lang);
  }
  ReadImages(*rec, &m);
  if (auto reply = rec->find("reply"); reply != rec->end() && !reply->is_null()) {
    if (!reply->is_object()) return where + "/record/reply is not an object";
    std::string err = ReadRef(*reply, "root", where + "/record/reply", &n->root);
    if (err.empty()) err = ReadRef(*reply, "parent", where + "/record/reply", &n->parent);
    if (!err.empty()) return err;
  } else {
    n->root = {n->uri, n->cid};
    n->parent = {};
  }
  m.thread_key = n->root.uri;
  m.in_reply_to = n->parent.uri;
  if (!n->parent.uri.empty() && n->parent.uri != n->root.uri) m.references = {n->root.uri};
  return "";
}

}  // namespace

Result<NotificationPage> ParseNotificationPage(std::string_view body, std::string_view own_did,
                                               bool include_quotes) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded())
    return Status::InvalidArgument("listNotifications: the answer is not JSON");
  if (!doc.is_object()) return Status::InvalidArgument("listNotifications: / is not an object");
  auto list = doc.find("notifications");
  if (list == doc.end() || !list->is_array()) {
    return Status::InvalidArgument("listNotifications: /notifications is missing or not an array");
  }
  NotificationPage page;
  if (const std::string* c = StringAt(doc, "cursor")) page.cursor = *c;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    std::string where = "/notifications/" + std::to_string(i);
    if (!item.is_object()) {
      page.rejected.push_back(where + " is not an object");
      continue;
    }
    const std::string* uri = StringAt(item, "uri");
    if (uri == nullptr || !IsAtUri(*uri)) {
      page.rejected.push_back(where + "/uri is not an at:// URI");
      continue;
    }
    const std::string* indexed = StringAt(item, "indexedAt");
    std::optional<int64_t> at = indexed ? ParseRfc3339Micros(*indexed) : std::nullopt;
    if (!at) {
      page.rejected.push_back(where + "/indexedAt is not an RFC 3339 date-time");
      continue;
    }
    Notice n;
    n.uri = *uri;
    n.indexed_at = *indexed;
    n.indexed_at_us = *at;
    if (const std::string* cid = StringAt(item, "cid")) n.cid = *cid;
    if (const std::string* reason = StringAt(item, "reason")) n.reason = *reason;
    if (auto author = item.find("author"); author != item.end() && author->is_object()) {
      if (const std::string* did = StringAt(*author, "did")) n.author_did = *did;
    }
    n.own = !own_did.empty() && n.author_did == own_did;
    bool wanted =
        n.reason == "mention" || n.reason == "reply" || (include_quotes && n.reason == "quote");
    if (wanted && !n.own) {
      if (n.cid.empty()) {
        page.rejected.push_back(where + "/cid is missing");
      } else if (n.author_did.rfind("did:", 0) != 0) {
        page.rejected.push_back(where + "/author/did is not a DID");
      } else if (std::string err = ReadPost(item, where, &n); !err.empty()) {
        page.rejected.push_back(err);
      } else {
        n.is_message = true;
      }
    }
    if (!n.is_message) n.message = {};
    page.notices.push_back(std::move(n));
  }
  return page;
}

}  // namespace leitplanke::channels::bluesky
