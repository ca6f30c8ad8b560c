// The demo channel: replays a bundled set of German and English customer
// conversations (conversations.jsonl, embedded into the library) so that a
// fresh installation shows a live inbox right after start.
//
// Each scripted conversation has messages at offsets from the replay start,
// and optional follow-ups that the "customer" sends a fixed delay after the
// desk's first reply in that conversation. Time comes from an injectable
// clock, so tests never sleep.
//
// The whole replay state lives in the Poll() cursor (replay start, how far
// the scripted timeline was delivered, the follow-ups scheduled so far), so a
// new instance handed the stored cursor continues where the old one stopped.
//
// Thread-safety: as for every desk::Channel (channel.h): Poll/Send from one
// thread at a time, Render from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

#include "leitplanke/desk/channel.h"

namespace leitplanke::channels::demo {

// Render() and Send() refuse texts longer than this many code points.
inline constexpr size_t kMaxTextChars = 5000;
// The declared send budget: a demo value, not a real channel's limit.
inline constexpr int kSendsPerMinute = 60;
// Soft cap of messages per Poll() (only reached with huge speeds and loop).
inline constexpr size_t kMaxMessagesPerPoll = 500;
// Files per message (media_limits()): up to 4 images or 1 video of the
// common types, demo values.
inline constexpr int32_t kMaxImages = 4;
inline constexpr int32_t kMaxVideos = 1;
inline constexpr int64_t kMaxImageBytes = 20'000'000;
inline constexpr int64_t kMaxVideoBytes = 100'000'000;
inline constexpr int32_t kMaxAltText = 1500;

// One scripted customer message, `at_ms` after the replay start.
struct ScriptedMessage {
  int64_t at_ms = 0;
  std::string text;
  std::vector<desk::Attachment> attachments;
};

// A customer message sent `delay_ms` after the desk's first reply.
struct FollowUp {
  int64_t delay_ms = 0;
  std::string text;
};

struct Conversation {
  std::string id;        // [A-Za-z0-9_]+, unique; the thread key
  std::string flavour;   // "email", "mastodon", "webchat": the shape of handle and subject
  std::string handle;    // the customer's author_handle
  std::string name;      // display name
  std::string language;  // BCP 47
  std::string subject;   // e-mail subject, else empty
  bool is_public = false;
  std::vector<ScriptedMessage> messages;  // at least one, at_ms non-decreasing
  std::vector<FollowUp> after_reply;
};

// Parses conversations in JSON Lines, one conversation per line (blank lines
// allowed). Format, per line:
//   {"id":"de01","channel":"email","language":"de","public":false,
//    "handle":"a@example.de","name":"A","subject":"...",
//    "messages":[{"at_s":2,"text":"...","attachments":[{"name":"x.jpg",
//                 "mime_type":"image/jpeg","size":123,"url":""}]}],
//    "after_reply":[{"delay_s":40,"text":"..."}]}
// "subject", "attachments", "after_reply" and "url" are optional; unknown
// fields are errors. Errors name the line and the JSON pointer (or the byte
// offset of a syntax error).
Result<std::vector<Conversation>> ParseConversations(std::string_view jsonl);

// The bundled conversations.jsonl, as embedded at build time.
std::string_view BundledConversations();

// A file that came with a sent message, as the channel recorded it.
struct SentMedia {
  std::string name;
  std::string mime_type;
  int64_t size = 0;    // bytes received
  std::string sha256;  // as the sender gave it (OutboundMedia::sha256)
  std::string alt_text;
  int32_t width = 0;
  int32_t height = 0;
};

// A reply the desk sent through the channel (see DemoChannel::sent()).
struct SentReply {
  desk::OutboundMessage message;  // media without their bytes (see `media`)
  std::string external_id;
  int64_t sent_at_ms = 0;
  std::vector<SentMedia> media;  // in the order sent
};

// The connector. Settings (ChannelConfig::settings, all optional; other keys
// are ignored):
//   speed           time multiplier, > 0 and <= 1e6 (default 1)
//   start_offset_s  on the first poll, deliver everything scripted up to this
//                   offset at once (default 0), so the inbox is not empty
//   loop            "true": replay again after the end, as new conversations
//                   (thread key "<id>-r<round>") (default false)
//   file            replay this JSON Lines file instead of the bundled one
class DemoChannel final : public desk::Channel {
 public:
  // `now_ms` returns the wall clock in ms since the epoch; empty = the system
  // clock. InvalidArgument for a bad setting or a bad conversations file,
  // NotFound when the setting "file" names a file that cannot be read.
  static Result<std::unique_ptr<DemoChannel>> Create(const desk::ChannelConfig& config,
                                                     std::function<int64_t()> now_ms = nullptr);
  // The same with the given conversations (setting "file" is then ignored).
  static Result<std::unique_ptr<DemoChannel>> Create(const desk::ChannelConfig& config,
                                                     std::vector<Conversation> conversations,
                                                     std::function<int64_t()> now_ms = nullptr);
  ~DemoChannel() override;

  std::string_view kind() const override { return "demo"; }
  // msg.text unchanged; InvalidArgument over kMaxTextChars code points or
  // for files beyond media_limits() (CheckMedia's message).
  Result<std::string> Render(const desk::OutboundMessage& msg) const override;
  // The scripted messages and follow-ups due since `cursor` (empty: start the
  // replay now), oldest first. External ids are "demo-<id>-<n>" (n counts the
  // conversation's messages from 1, follow-ups after the scripted ones;
  // "demo-<id>-r<round>-<n>" in later loop rounds). InvalidArgument for a
  // cursor this connector did not write.
  Result<desk::PollResult> Poll(std::string_view cursor) override;
  // Records the reply (and its files' names, types, sizes, digests and alt
  // texts) and returns "demo-out-<16 hex digits>", derived from
  // the idempotency key (the same key always yields the same id and is
  // recorded once). The first reply in a conversation schedules its
  // follow-ups, relative to now. Follow-ups scheduled here reach the cursor
  // with the next Poll(); a restart before that loses them.
  Result<desk::SendReceipt> Send(const desk::OutboundMessage& msg) override;
  desk::RateLimit rate_limit() const override;
  // Up to kMaxImages images (JPEG, PNG, GIF, WebP) or kMaxVideos MP4 video,
  // not mixed; Send records them (SentReply::media) and keeps no bytes.
  desk::MediaLimits media_limits() const override;
  // True for the scripted public conversations (they imitate Mastodon
  // mentions, which a direct status can answer privately); Send records
  // such a reply with is_public false.
  bool CanReplyPrivately(const desk::OutboundMessage& msg) const override;

  // Every reply recorded by Send(), in order. For tests and the demo UI.
  const std::vector<SentReply>& sent() const;
  const std::vector<Conversation>& conversations() const;

 private:
  struct State;
  explicit DemoChannel(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// The factory for desk::ChannelFactory (kind "demo").
Result<std::unique_ptr<desk::Channel>> MakeDemoChannel(const desk::ChannelConfig& config,
                                                       std::function<int64_t()> now_ms = nullptr);

}  // namespace leitplanke::channels::demo
