// Payload shapes follow the Mastodon API documentation (entities
// Notification, Status, Account, MediaAttachment, Instance). Every value is
// checked for its type before use: a server, a proxy or a remote instance's
// data can be anything, and one bad notification must not cost the others.
#include "channels/mastodon/notifications.h"

#include <cctype>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "leitplanke/base/utf8.h"

#include "channels/mastodon/text.h"

namespace leitplanke::channels::mastodon {
namespace {

using nlohmann::json;

std::string Ptr(const std::string& base, std::string_view key) {
  return base + "/" + std::string(key);
}

// A required string (ids may also come as integers from other servers).
Result<std::string> RequiredString(const json& obj, std::string_view key, const std::string& base) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return Status::InvalidArgument(Ptr(base, key) + " is missing");
  }
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return it->dump();
  return Status::InvalidArgument(Ptr(base, key) + " must be a string");
}

// An optional string: absent or null is "".
Result<std::string> OptionalString(const json& obj, std::string_view key, const std::string& base) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return it->dump();
  return Status::InvalidArgument(Ptr(base, key) + " must be a string or null");
}

Result<const json*> RequiredObject(const json& obj, std::string_view key, const std::string& base) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return Status::InvalidArgument(Ptr(base, key) + " is missing");
  }
  if (!it->is_object()) return Status::InvalidArgument(Ptr(base, key) + " must be an object");
  return &*it;
}

std::string LowerAscii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// The MIME type of a media attachment: from the file extension where it is
// unambiguous, else from the attachment type (Mastodon converts GIFs to
// MP4 "gifv" and stores images as JPEG, PNG or WebP).
std::string GuessMime(const std::string& type, const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
    std::string ext = LowerAscii(path.substr(dot + 1));
    static const std::map<std::string, std::string> kByExt = {
        {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"png", "image/png"},
        {"gif", "image/gif"},  {"webp", "image/webp"}, {"avif", "image/avif"},
        {"mp4", "video/mp4"},  {"webm", "video/webm"}, {"mov", "video/quicktime"},
        {"mp3", "audio/mpeg"}, {"ogg", "audio/ogg"},   {"oga", "audio/ogg"},
        {"m4a", "audio/mp4"},  {"wav", "audio/wav"},   {"flac", "audio/flac"}};
    if (auto it = kByExt.find(ext); it != kByExt.end()) return it->second;
  }
  if (type == "image") return "image/jpeg";
  if (type == "gifv" || type == "video") return "video/mp4";
  if (type == "audio") return "audio/mpeg";
  return "application/octet-stream";
}

std::string FileName(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<desk::Attachment> ParseAttachment(const json& a, const std::string& ptr) {
  if (!a.is_object()) return Status::InvalidArgument(ptr + " must be an object");
  desk::Attachment out;
  LP_ASSIGN_OR_RETURN(std::string type, OptionalString(a, "type", ptr));
  LP_ASSIGN_OR_RETURN(out.url, OptionalString(a, "url", ptr));
  if (out.url.empty()) {
    // Media of remote servers that this instance has not cached.
    LP_ASSIGN_OR_RETURN(out.url, OptionalString(a, "remote_url", ptr));
  }
  if (out.url.empty()) return Status::InvalidArgument(ptr + "/url is missing");
  out.mime_type = GuessMime(type, out.url);
  out.name = FileName(out.url);
  out.size = 0;  // the API does not say
  return out;
}

Result<Mention> ParseMention(const json& n, const std::string& base, const std::string& id,
                             std::string_view local_domain) {
  Mention m;
  m.notification_id = id;
  LP_ASSIGN_OR_RETURN(const json* status, RequiredObject(n, "status", base));
  const std::string sp = base + "/status";
  desk::InboundMessage& msg = m.message;
  LP_ASSIGN_OR_RETURN(msg.external_id, RequiredString(*status, "id", sp));
  LP_ASSIGN_OR_RETURN(std::string created_at, RequiredString(*status, "created_at", sp));
  auto sent = ParseIso8601Millis(created_at);
  if (!sent.ok()) return sent.status().WithContext(sp + "/created_at");
  msg.sent_at = *sent;
  LP_ASSIGN_OR_RETURN(msg.html, RequiredString(*status, "content", sp));
  LP_ASSIGN_OR_RETURN(std::string visibility, RequiredString(*status, "visibility", sp));
  msg.is_public = visibility == "public" || visibility == "unlisted";
  LP_ASSIGN_OR_RETURN(msg.in_reply_to, OptionalString(*status, "in_reply_to_id", sp));
  LP_ASSIGN_OR_RETURN(msg.language, OptionalString(*status, "language", sp));
  LP_ASSIGN_OR_RETURN(std::string spoiler, OptionalString(*status, "spoiler_text", sp));

  LP_ASSIGN_OR_RETURN(const json* account, RequiredObject(*status, "account", sp));
  const std::string ap = sp + "/account";
  LP_ASSIGN_OR_RETURN(std::string acct, RequiredString(*account, "acct", ap));
  if (acct.empty() || acct.find_first_of(" \t\r\n") != std::string::npos) {
    return Status::InvalidArgument(ap + "/acct is not an account name");
  }
  msg.author_handle = "@" + acct;
  if (acct.find('@') == std::string::npos && !local_domain.empty()) {
    msg.author_handle += "@" + std::string(local_domain);
  }
  LP_ASSIGN_OR_RETURN(msg.author_name, OptionalString(*account, "display_name", ap));

  if (auto it = status->find("media_attachments"); it != status->end() && !it->is_null()) {
    if (!it->is_array()) {
      return Status::InvalidArgument(sp + "/media_attachments must be an array");
    }
    for (size_t i = 0; i < it->size(); ++i) {
      LP_ASSIGN_OR_RETURN(desk::Attachment a, ParseAttachment((*it)[i], sp + "/media_attachments/" +
                                                                            std::to_string(i)));
      msg.attachments.push_back(std::move(a));
    }
  }

  msg.text = HtmlToText(msg.html);
  // A content warning is part of what the customer wrote; it comes first.
  if (!spoiler.empty()) msg.text = spoiler + (msg.text.empty() ? "" : "\n\n" + msg.text);
  return m;
}

Result<json> ParseJson(std::string_view body, std::string_view what) {
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    return Status::InvalidArgument("malformed JSON in " + std::string(what) + " at byte " +
                                   std::to_string(e.byte));
  }
}

}  // namespace

namespace {

// One element of a notifications array (or a streamed notification) into
// `page`: a mention, a rejection, or (another type) only its id.
void ParseElement(const json& n, const std::string& base, std::string_view local_domain,
                  NotificationPage* page) {
  auto reject = [&](std::string id, const Status& why) {
    page->rejected.push_back(
        {std::move(id), n.dump(-1, ' ', false, json::error_handler_t::replace), why.message()});
  };
  if (!n.is_object()) {
    reject("", Status::InvalidArgument((base.empty() ? "the notification" : base) +
                                       " must be an object"));
    return;
  }
  auto id = RequiredString(n, "id", base);
  if (!id.ok()) {
    reject("", id.status());
    return;
  }
  page->ids.push_back(*id);
  auto type = RequiredString(n, "type", base);
  if (!type.ok()) {
    reject(*id, type.status());
    return;
  }
  if (*type != "mention") return;
  auto mention = ParseMention(n, base, *id, local_domain);
  if (!mention.ok()) {
    reject(*id, mention.status());
    return;
  }
  page->mentions.push_back(std::move(*mention));
}

}  // namespace

Result<NotificationPage> ParseNotificationPage(std::string_view body,
                                               std::string_view local_domain) {
  LP_ASSIGN_OR_RETURN(json doc, ParseJson(body, "the notifications"));
  if (!doc.is_array()) return Status::InvalidArgument("the notifications must be a JSON array");
  NotificationPage page;
  page.size = doc.size();
  for (size_t i = 0; i < doc.size(); ++i) {
    std::string base(1, '/');
    base += std::to_string(i);
    ParseElement(doc[i], base, local_domain, &page);
  }
  return page;
}

Result<NotificationPage> ParseStreamedNotification(std::string_view data,
                                                   std::string_view local_domain) {
  LP_ASSIGN_OR_RETURN(json doc, ParseJson(data, "the streamed notification"));
  NotificationPage page;
  page.size = 1;
  ParseElement(doc, "", local_domain, &page);
  return page;
}

std::vector<SseParser::Event> SseParser::Feed(std::string_view bytes) {
  std::vector<Event> out;
  for (char c : bytes) {
    if (after_cr_ && c == '\n') {
      after_cr_ = false;
      continue;  // the LF of a CRLF
    }
    after_cr_ = false;
    if (c == '\n' || c == '\r') {
      after_cr_ = c == '\r';
      Line(line_, &out);
      line_.clear();
      continue;
    }
    if (line_.size() >= kMaxLine) {
      broken_ = true;  // keep reading to the end of the line, dropping it
      continue;
    }
    line_ += c;
  }
  return out;
}

void SseParser::Line(std::string_view line, std::vector<Event>* out) {
  if (line.empty()) {
    if (has_data_ && !broken_) {
      if (!current_.data.empty() && current_.data.back() == '\n') current_.data.pop_back();
      out->push_back(std::move(current_));
    }
    current_ = Event();
    has_data_ = false;
    broken_ = false;
    return;
  }
  if (line[0] == ':') return;  // a comment, e.g. the heartbeat
  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value =
      colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
  if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  if (field == "event") {
    current_.type = std::string(value);
  } else if (field == "data") {
    current_.data.append(value);
    current_.data += '\n';
    has_data_ = true;
  }
}

Result<std::string> ParseStatusId(std::string_view body) {
  LP_ASSIGN_OR_RETURN(json doc, ParseJson(body, "the created status"));
  if (!doc.is_object()) return Status::InvalidArgument("the created status must be a JSON object");
  return RequiredString(doc, "id", "");
}

Result<InstanceInfo> ParseInstance(std::string_view body) {
  LP_ASSIGN_OR_RETURN(json doc, ParseJson(body, "the instance"));
  if (!doc.is_object()) return Status::InvalidArgument("the instance must be a JSON object");
  InstanceInfo info;
  LP_ASSIGN_OR_RETURN(info.domain, OptionalString(doc, "domain", ""));
  auto config = doc.find("configuration");
  if (config == doc.end() || !config->is_object()) return info;
  // A positive integer up to `max` at /configuration/<section>/<key>, or
  // nothing when absent or null.
  auto read_int = [&](const char* section, const char* key, int64_t max, auto* out) -> Status {
    auto sec = config->find(section);
    if (sec == config->end() || !sec->is_object()) return Status::Ok();
    auto it = sec->find(key);
    if (it == sec->end() || it->is_null()) return Status::Ok();
    if (!it->is_number_integer() || it->get<int64_t>() <= 0 || it->get<int64_t>() > max) {
      return Status::InvalidArgument(std::string("/configuration/") + section + "/" + key +
                                     " must be a positive integer");
    }
    *out = static_cast<std::remove_pointer_t<decltype(out)>>(it->get<int64_t>());
    return Status::Ok();
  };
  LP_RETURN_IF_ERROR(read_int("statuses", "max_characters", 1'000'000, &info.max_characters));
  LP_RETURN_IF_ERROR(
      read_int("statuses", "characters_reserved_per_url", 1'000'000, &info.url_characters));
  // The media fields are optional extras (other servers fill them
  // loosely): an unusable value leaves the default instead of failing the
  // whole answer, which also carries the text limits.
  constexpr int64_t kMaxBytes = int64_t{1} << 40;
  (void)read_int("statuses", "max_media_attachments", 1'000, &info.max_media_attachments);
  (void)read_int("media_attachments", "image_size_limit", kMaxBytes, &info.image_size_limit);
  (void)read_int("media_attachments", "video_size_limit", kMaxBytes, &info.video_size_limit);
  (void)read_int("media_attachments", "description_limit", 1'000'000, &info.description_limit);
  auto media = config->find("media_attachments");
  if (media != config->end() && media->is_object()) {
    auto types = media->find("supported_mime_types");
    if (types != media->end() && types->is_array()) {
      for (const json& t : *types) {
        if (t.is_string() && !t.get<std::string>().empty() && t.get<std::string>().size() < 128) {
          info.supported_mime_types.push_back(t.get<std::string>());
        }
      }
    }
  }
  return info;
}

Result<UploadedMedia> ParseUploadedMedia(std::string_view body) {
  LP_ASSIGN_OR_RETURN(json doc, ParseJson(body, "the media attachment"));
  if (!doc.is_object()) {
    return Status::InvalidArgument("the media attachment must be a JSON object");
  }
  UploadedMedia out;
  LP_ASSIGN_OR_RETURN(out.id, RequiredString(doc, "id", ""));
  LP_ASSIGN_OR_RETURN(std::string url, OptionalString(doc, "url", ""));
  out.ready = !url.empty();
  return out;
}

std::string ErrorText(std::string_view body) {
  try {
    json doc = json::parse(body);
    if (doc.is_object()) {
      auto it = doc.find("error");
      if (it != doc.end() && it->is_string()) {
        std::string text = it->get<std::string>();
        auto desc = doc.find("error_description");
        if (desc != doc.end() && desc->is_string()) text += ": " + desc->get<std::string>();
        return utf8::Sanitize(text.substr(0, 500));
      }
    }
  } catch (const json::exception&) {
    // Not the documented error body (a proxy's HTML page): use an excerpt.
  }
  std::string excerpt(body.substr(0, 200));
  for (char& c : excerpt) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return utf8::Sanitize(excerpt);
}

std::map<std::string, std::string> ParseLinkHeader(std::string_view value) {
  std::map<std::string, std::string> links;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t open = value.find('<', pos);
    if (open == std::string_view::npos) break;
    size_t close = value.find('>', open);
    if (close == std::string_view::npos) break;
    std::string url(value.substr(open + 1, close - open - 1));
    size_t next = value.find('<', close);
    std::string_view params =
        value.substr(close + 1, (next == std::string_view::npos ? value.size() : next) - close - 1);
    size_t rel = params.find("rel=");
    if (rel != std::string_view::npos) {
      std::string_view r = params.substr(rel + 4);
      if (!r.empty() && r[0] == '"') {
        r.remove_prefix(1);
        r = r.substr(0, r.find('"'));
      } else {
        r = r.substr(0, r.find_first_of(";, "));
      }
      links[std::string(r)] = url;
    }
    pos = close + 1;
  }
  return links;
}

std::string QueryParam(std::string_view url, std::string_view name) {
  size_t q = url.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = url.substr(q + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      std::string out;
      std::string_view v = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size()) {
          int hi = std::isxdigit(static_cast<unsigned char>(v[i + 1])) ? 1 : 0;
          int lo = std::isxdigit(static_cast<unsigned char>(v[i + 2])) ? 1 : 0;
          if (hi != 0 && lo != 0) {
            out += static_cast<char>(std::stoi(std::string(v.substr(i + 1, 2)), nullptr, 16));
            i += 2;
            continue;
          }
        }
        out += v[i] == '+' ? ' ' : v[i];
      }
      return out;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace leitplanke::channels::mastodon
