// A fake Mastodon server on loopback for the connector tests, on the shared
// loopback server (fake/loopback_server.h: one connection at a time,
// Connection: close, in a thread of the test process), serving the
// documented endpoints the connector uses from canned payloads:
//
//   GET  /api/v2/instance        domain + configuration.statuses
//   GET  /api/v1/notifications   types[], min_id, since_id, max_id, limit
//                                (default 40, max 80), Link next/prev
//   POST /api/v1/statuses        recorded; Idempotency-Key honoured;
//                                media_ids must name finished uploads
//   POST /api/v2/media           multipart (file, description), parsed
//                                and recorded; 200, or 202 while the
//                                file is "processing" (SetMediaProcessing)
//   GET  /api/v1/media/:id       206 while processing, then 200 with url
//   GET  /api/v1/streaming/user/notification   the scripted event stream
//
// Every request must carry "Authorization: Bearer <token>" (401 otherwise).
// Failure modes switch what the next requests get.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "fake/loopback_server.h"
#include "fake/multipart.h"

namespace leitplanke::channels::mastodon::testing {

class FakeMastodon {
 public:
  enum class Mode {
    kNormal,
    kServerError,    // 500 with an HTML body
    kRateLimited,    // 429 with X-RateLimit-Reset 270 s after Date
    kRetryAfter,     // 429 with only Retry-After: 120
    kUnauthorized,   // 401 {"error": "The access token is invalid"}
    kMalformedJson,  // 200 with a truncated JSON body
    kUnprocessable,  // 422 {"error": "Validation failed: ..."}
  };

  using Request = channels::testing::LoopbackServer::Request;
  using Response = channels::testing::LoopbackServer::Response;

  explicit FakeMastodon(std::string token = "test-token");

  std::string base_url() const { return server_.base_url(); }  // http://127.0.0.1:<port>
  static constexpr const char* kDomain = "social.example";
  // The Date header every response carries.
  static constexpr const char* kDate = "Sat, 28 Nov 2026 10:00:00 GMT";

  // A notification with numeric `id` and `type` whose full JSON is `json`.
  // `filtered`: held back by the account's notification policy, served only
  // with include_filtered=true (Mastodon 4.3).
  void AddNotification(uint64_t id, std::string type, std::string json, bool filtered = false);

  void SetMode(Mode mode);
  // After `ok_requests` more successful notification requests, switch to `mode`.
  void FailNotificationsAfter(int ok_requests, Mode mode);
  void SetMaxCharacters(int n);
  void SetInstanceStatus(int http_status);  // e.g. 404: a server without /api/v2/instance
  void SetLinkHeaders(bool on);             // off: pages carry no Link header

  // The media part of /api/v2/instance: without a call the instance
  // announces no media configuration at all.
  struct MediaConfig {
    int max_media_attachments = 4;
    int64_t image_size_limit = 16 * 1024 * 1024;
    int64_t video_size_limit = 99 * 1024 * 1024;
    int description_limit = 0;  // 0: not announced (before Mastodon 4.4)
    std::vector<std::string> supported_mime_types = {"image/jpeg", "image/png", "image/gif",
                                                     "image/webp", "video/mp4"};
  };
  void SetMediaConfig(MediaConfig config);
  // Each upload from now on answers 202 and needs `polls` GETs of
  // /api/v1/media/:id answering 206 before one answers 200 with its url.
  void SetMediaProcessing(int polls);
  // The next uploads (POST /api/v2/media) fail: the n-th upload of the
  // following ones (0 = the next) gets `status` with `body`.
  void FailUpload(int nth, int status, std::string body);

  // One part of a multipart/form-data body as the fake parsed it.
  using Part = channels::testing::FormPart;
  struct Upload {
    std::string id;            // the media id the fake answered
    std::vector<Part> parts;   // in body order
    std::string content_type;  // the request's Content-Type header
  };
  // Every accepted upload, in order.
  std::vector<Upload> uploads() const;
  // The JSON bodies of the created statuses, in order.
  std::vector<std::string> posted_statuses() const;

  // What the streaming endpoint sends: each chunk written separately after
  // the headers; then the connection is closed, or (hold_open) kept until
  // the client goes away.
  void SetStream(std::vector<std::string> chunks, bool hold_open);

  std::vector<Request> requests() const;
  std::vector<Request> requests_to(const std::string& path_prefix) const;

 private:
  struct Notification {
    std::string type;
    std::string json;
    bool filtered = false;
  };
  Response Respond(const Request& req);
  Response Notifications(const Request& req);
  Response PostStatus(const Request& req);
  Response PostMedia(const Request& req);
  Response GetMedia(const std::string& id);

  const std::string token_;

  mutable std::mutex mu_;
  std::map<uint64_t, Notification> notifications_;
  Mode mode_ = Mode::kNormal;
  int fail_after_ = -1;
  Mode fail_mode_ = Mode::kNormal;
  int max_characters_ = 500;
  int instance_status_ = 200;
  bool link_headers_ = true;
  std::vector<std::string> stream_chunks_;
  bool stream_hold_open_ = false;
  std::map<std::string, std::string> idempotency_;  // key -> response body
  bool media_config_set_ = false;
  MediaConfig media_config_;
  int processing_polls_ = 0;
  int fail_upload_nth_ = -1;
  int fail_upload_status_ = 0;
  std::string fail_upload_body_;
  std::vector<Upload> uploads_;
  std::map<std::string, int> pending_polls_;  // media id -> 206 answers left
  std::vector<std::string> posted_;
  uint64_t next_media_id_ = 22000000000000001ULL;
  uint64_t next_status_id_ = 110000000000000001ULL;
  channels::testing::LoopbackServer server_;  // last: stops before the state goes
};

}  // namespace leitplanke::channels::mastodon::testing
