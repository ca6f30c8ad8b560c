// Parsing of the Mastodon REST payloads the connector reads: a page of
// GET /api/v1/notifications, the created status of POST /api/v1/statuses,
// the instance configuration, the error body and the Link header.
//
// Pure functions, thread-safe. Errors name the JSON pointer of the offending
// value relative to the parsed document ("/3/status/account/acct") or the
// byte offset of a syntax error.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

#include "leitplanke/desk/channel.h"

namespace leitplanke::channels::mastodon {

// A mention notification turned into a desk message.
struct Mention {
  std::string notification_id;
  desk::InboundMessage message;
};

// A notification that could not be used; the rest of its page still is.
struct RejectedNotification {
  std::string notification_id;  // "" if even the id was unreadable
  std::string raw;              // the notification's JSON as received (re-serialized)
  std::string reason;           // "/3/status/account/acct is missing"
};

struct NotificationPage {
  std::vector<Mention> mentions;  // in page order (newest first, as served)
  std::vector<RejectedNotification> rejected;
  std::vector<std::string> ids;  // every readable notification id on the page
  size_t size = 0;               // number of array elements
};

// Parses one page. `local_domain` qualifies handles of local accounts
// ("alice" -> "@alice@social.example"). Fails only when the body is not a
// JSON array; a bad element is rejected alone. Notifications of another type
// than "mention" are skipped (their ids are still listed).
Result<NotificationPage> ParseNotificationPage(std::string_view body,
                                               std::string_view local_domain);

// One notification as the streaming API sends it (the data of an event
// "notification"). The page has one element; pointers start at the
// notification ("/status/account/acct").
Result<NotificationPage> ParseStreamedNotification(std::string_view data,
                                                   std::string_view local_domain);

// An incremental parser of a server-sent event stream (text/event-stream,
// as the WHATWG HTML standard defines it): lines end in LF, CRLF or CR;
// "event" and "data" fields, comments (":thump") ignored; a blank line
// completes an event. A line longer than kMaxLine is dropped with its event.
class SseParser {
 public:
  struct Event {
    std::string type = "message";
    std::string data;
  };
  static constexpr size_t kMaxLine = 1u << 20;

  // The events that `bytes` completes, in order.
  std::vector<Event> Feed(std::string_view bytes);

 private:
  void Line(std::string_view line, std::vector<Event>* out);
  std::string line_;
  Event current_;
  bool has_data_ = false;
  bool broken_ = false;    // the current event lost a line
  bool after_cr_ = false;  // the last byte was CR (a following LF is part of it)
};

// The `id` of a status object (the response of POST /api/v1/statuses).
Result<std::string> ParseStatusId(std::string_view body);

struct InstanceInfo {
  std::string domain;      // "" if absent
  int max_characters = 0;  // 0 if absent
  int url_characters = 0;  // characters_reserved_per_url, 0 if absent
  // Media (0 / empty if absent).
  int max_media_attachments = 0;  // configuration.statuses.max_media_attachments
  int64_t image_size_limit = 0;   // configuration.media_attachments.image_size_limit (bytes)
  int64_t video_size_limit = 0;   // configuration.media_attachments.video_size_limit (bytes)
  int description_limit = 0;      // configuration.media_attachments.description_limit (4.4+)
  std::vector<std::string> supported_mime_types;  // configuration.media_attachments
};

// GET /api/v2/instance: domain, configuration.statuses.{max_characters,
// characters_reserved_per_url, max_media_attachments} and
// configuration.media_attachments.{image_size_limit, video_size_limit,
// description_limit, supported_mime_types}.
Result<InstanceInfo> ParseInstance(std::string_view body);

// A MediaAttachment as POST /api/v2/media and GET /api/v1/media/:id return
// it: its id, and whether the full-size file is processed (`url` is not
// null).
struct UploadedMedia {
  std::string id;
  bool ready = false;
};
Result<UploadedMedia> ParseUploadedMedia(std::string_view body);

// The "error" (and "error_description", if any) of an error body; a short,
// sanitized excerpt of the body when it is not the documented JSON.
std::string ErrorText(std::string_view body);

// rel -> URL of an RFC 8288 Link header ("<url>; rel=\"next\", <url>; rel=\"prev\"").
std::map<std::string, std::string> ParseLinkHeader(std::string_view value);

// The decoded value of query parameter `name` in `url`, "" if absent.
std::string QueryParam(std::string_view url, std::string_view name);

}  // namespace leitplanke::channels::mastodon
