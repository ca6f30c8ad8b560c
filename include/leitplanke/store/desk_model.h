// Plain model types of the desk (the shared customer inbox) as stored. No
// behaviour, no third-party headers. Times are ms since the Unix epoch (UTC).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "leitplanke/store/model.h"

namespace leitplanke::store {

// A configured channel instance. Credentials live in the vault under
// "channel/<name>/<key>", never here.
struct ChannelRow {
  int64_t id = 0;
  std::string name;      // unique, e.g. "support-mail"
  std::string kind;      // "demo", "webchat", "email", "mastodon", ...
  int64_t team_id = 0;   // team whose inbox receives it; 0 = none yet
  std::string settings;  // non-secret settings (opaque here; the desk writes key=value lines)
  bool paused = false;
  std::string cursor;  // the connector's poll position
  Millis last_poll_at = 0;
  Millis last_ok_at = 0;
  std::string last_error;
  Millis last_error_at = 0;
  Millis created_at = 0;
  Millis updated_at = 0;
};

// No error since the last success (a channel that never ran counts as healthy).
inline bool ChannelHealthy(const ChannelRow& c) { return c.last_error_at <= c.last_ok_at; }

struct Contact {
  int64_t id = 0;
  std::string display_name;
  std::string language;  // last seen, "de"/"en"/""
  Millis created_at = 0;
  Millis updated_at = 0;
};

struct ContactHandle {
  int64_t contact_id = 0;
  int64_t channel_id = 0;
  std::string handle;  // e.g. "alice@example.com", "@alice@social.example"
};

enum class ConversationState : int { kNew = 0, kOpen = 1, kPendingCustomer = 2, kResolved = 3 };

struct Conversation {
  int64_t id = 0;
  int64_t channel_id = 0;
  int64_t contact_id = 0;
  int64_t team_id = 0;
  std::string thread_key;  // the channel's thread id, may be empty
  std::string subject;
  ConversationState state = ConversationState::kNew;
  int32_t priority = 0;  // 0 normal, 1 high, 2 urgent
  std::string language;
  bool is_public = false;   // the customer wrote in public
  int64_t assignee_id = 0;  // 0 = unassigned
  Millis assigned_at = 0;
  Millis waiting_since = 0;  // oldest unanswered inbound message, 0 if none
  Millis first_inbound_at = 0;
  Millis first_response_at = 0;
  Millis resolved_at = 0;
  Millis last_message_at = 0;
  std::string last_preview;  // start of the newest message, for inbox lists
  int64_t version = 0;       // +1 on every change; replies name the version they saw
  std::vector<std::string> tags;
  Millis sla_checked_at = 0;  // SLA alerts up to this instant have been emitted
  Millis created_at = 0;
  Millis updated_at = 0;
  // When retention last removed the content (0 = never). Stays set after a
  // reopen: the messages from before it are still empty.
  Millis purged_at = 0;
};

enum class MessageDirection : int { kInbound = 0, kOutbound = 1, kNote = 2 };
enum class DeliveryState : int { kNone = 0, kQueued = 1, kSent = 2, kFailed = 3 };

struct StoredAttachment {
  std::string name;
  std::string mime_type;
  int64_t size = 0;
  std::string url;
};

struct Message {
  int64_t id = 0;
  int64_t conversation_id = 0;
  int64_t channel_id = 0;
  MessageDirection direction = MessageDirection::kInbound;
  std::string external_id;  // channel id; unique per channel when not empty
  std::string in_reply_to;  // external id of the parent
  std::string author;       // inbound: the customer's handle; else "user:<name>"
  int64_t author_user_id = 0;
  std::string subject;
  std::string body;  // plain text (outbound: the exact wire text)
  std::string html;
  bool is_public = false;
  std::string language;
  DeliveryState delivery = DeliveryState::kNone;
  std::string verdict;  // outbound: the guard's verdict as JSON (opaque here)
  std::vector<StoredAttachment> attachments;
  Millis sent_at = 0;  // channel timestamp (inbound) or send time (outbound)
  Millis created_at = 0;
};

// What happened to a conversation, in order: the SLA clock and the history
// view read it.
enum class ConversationEventKind : int {
  kInbound = 0,
  kOutbound = 1,
  kPendingCustomer = 2,
  kOpen = 3,
  kResolved = 4,
  kReopened = 5,
  kAssigned = 6,
  kNote = 7,
  kSlaWarning = 8,
  kSlaBreach = 9,
};

struct ConversationEvent {
  int64_t id = 0;
  int64_t conversation_id = 0;
  ConversationEventKind kind = ConversationEventKind::kInbound;
  Millis at = 0;
  std::string actor;   // "user:<name>", "customer", "system"
  std::string detail;  // free text or JSON (opaque here)
};

// One inbound message to store, with what the desk decided about it.
struct IngestItem {
  int64_t channel_id = 0;
  Message message;  // direction kInbound; conversation_id is ignored
  std::string thread_key;
  std::vector<std::string> references;  // ancestors' external ids, oldest first
  std::string author_name;
  Millis received_at = 0;
};

struct IngestOutcome {
  int64_t conversation_id = 0;
  int64_t message_id = 0;
  bool duplicate = false;  // external id already stored: nothing changed
  bool created = false;    // a new conversation
  bool reopened = false;   // a resolved conversation came back
};

enum class OutboxState : int { kPending = 0, kSending = 1, kSent = 2, kFailed = 3 };

struct OutboxItem {
  int64_t id = 0;
  int64_t message_id = 0;
  int64_t channel_id = 0;
  std::string idempotency_key;  // unique
  std::string payload;          // the outbound message for the connector, JSON (opaque here)
  OutboxState state = OutboxState::kPending;
  int32_t attempts = 0;  // claims so far (ClaimOutbox counts them)
  Millis next_attempt_at = 0;
  std::string last_error;
  std::string external_id;
  std::string claimed_by;  // instance id while sending
  Millis claimed_until = 0;
  Millis created_at = 0;
  Millis updated_at = 0;
};

// A raw inbound payload that could not be parsed or stored.
struct DeadLetter {
  int64_t id = 0;
  int64_t channel_id = 0;  // 0 when the channel is unknown
  std::string source;      // "webchat", "email poll", ...
  std::string payload;     // the raw bytes
  std::string reason;
  Millis created_at = 0;
  Millis replayed_at = 0;
};

struct CannedReply {
  int64_t id = 0;
  int64_t team_id = 0;  // 0 = every team
  std::string name;
  std::string language;  // "de" or "en"
  std::string body;      // may contain {{contact.name}}, {{agent.name}}, {{agent.signature}}
  Millis created_at = 0;
  Millis updated_at = 0;
};

// Per-agent desk state, the input of routing.
struct AgentDeskState {
  int64_t user_id = 0;
  bool available = false;
  Millis away_since = 0;
  int32_t capacity = 0;  // 0 = team default
  std::vector<std::string> languages;
  std::vector<std::string> skills;
  std::string signature;
  Millis last_assigned_at = 0;
  int32_t open_load = 0;  // computed by the store: open conversations assigned to the agent
};

// Desk settings of a team: routing and SLA targets.
struct TeamDeskSettings {
  int64_t team_id = 0;
  std::string routing_mode = "manual";  // "manual", "round_robin", "least_loaded"
  int32_t default_capacity = 0;
  bool match_language = true;
  bool language_fallback = true;
  Millis away_grace_ms = 15 * 60 * 1000;
  Millis sla_first_response_ms = 0;  // 0 = no target
  Millis sla_next_response_ms = 0;
  Millis sla_resolution_ms = 0;
  std::string calendar;  // business hours, e.g. "Europe/Berlin;NW;mon-fri 08:00-18:00"
  Millis updated_at = 0;
};

// Inbox list filter. Results are ordered newest activity first
// (last_message_at DESC, id DESC) and paged by keyset: pass the last row's
// (last_message_at, id) as `before_*`.
struct InboxQuery {
  int64_t team_id = 0;                    // 0 = every team
  std::vector<ConversationState> states;  // empty = every state
  int64_t assignee_id = -1;               // -1 any, 0 unassigned, else that user
  int64_t channel_id = 0;                 // 0 = any
  std::string tag;                        // empty = any
  std::vector<int32_t> priorities;        // empty = any (0 normal, 1 high, 2 urgent)
  // Response due: new or open conversations waiting for a reply whose team's
  // response target (first response before the first reply, next response
  // after it), counted in wall time from waiting_since, is due at or before
  // this instant; teams without that target never match. Business hours and
  // pauses are not applied here (both only move a due time later, so this
  // finds every conversation the SLA clock calls due, and maybe a few more).
  // 0 = no condition.
  Millis response_due_before = 0;
  Millis before_last_message_at = 0;  // 0 = from the newest
  int64_t before_id = 0;
  int32_t limit = 50;
};

// Someone who has a conversation open (collision detection), as the last
// heartbeat of their view said.
struct Viewer {
  int64_t user_id = 0;
  std::string username;
  bool typing = false;
  Millis seen_at = 0;
};

struct InboxRow {
  Conversation conversation;
  std::string contact_name;
  std::string channel_kind;
};

// --- archive --------------------------------------------------------------------

// What one run of message retention (DeskStore::PurgeConversations) did.
struct DeskPurged {
  int64_t conversations = 0;        // resolved conversations whose content was removed
  int64_t messages = 0;             // messages (inbound, outbound, notes) emptied
  int64_t attachments = 0;          // attachment rows deleted
  int64_t decision_comments = 0;    // approval decisions whose comment was emptied
  int64_t event_details = 0;        // conversation events whose detail was emptied
  int64_t contacts_anonymised = 0;  // name emptied, handles deleted: no live conversation left
  int64_t contacts_deleted = 0;     // contacts without any conversation
  int64_t dead_letters = 0;         // dead letters (raw payloads) created before the limit
  int64_t webhook_events = 0;       // webhook event ids received before the limit
};

// One sent message in the append-only archive. The chain hash covers seq,
// at, the content hash and the previous entry's hash; the content hash
// covers everything else. Retention may remove the content (purged_at), and
// the chain still verifies from the kept content hash.
struct ArchiveEntry {
  int64_t seq = 0;
  Millis at = 0;  // when the channel confirmed the send
  std::string kind = "reply";
  int64_t channel_id = 0;
  std::string channel;  // channel name and kind at the time, "support-mail (email)"
  int64_t conversation_id = 0;
  int64_t message_id = 0;
  std::string external_id;  // the channel's id of the message
  std::string author;       // "user:<name>"
  std::string subject;
  std::string wire_text;  // exactly what was sent
  std::string verdict;    // the guard's verdict summary (action, rules, policy version), JSON
  std::string approvals;  // the approval chain, JSON array (empty array when none)
  std::string content_hash;
  std::string prev_hash;
  std::string hash;
  Millis purged_at = 0;
};

// Seals an entry whose seq and prev_hash are set: fills content_hash and
// hash (the trust module's ArchiveSeal).
using ArchiveSealer = std::function<void(ArchiveEntry*)>;

// --- approvals (four-eyes) ----------------------------------------------------

enum class ApprovalState : int {
  kPending = 0,
  kApproved = 1,  // every step approved; handed to the outbox (see `queued`)
  kRejected = 2,
  kChangesRequested = 3,
  kExpired = 4,
  kSuperseded = 5,  // the author submitted a new version
  kBlocked = 6,     // the guideline blocked the text when it was approved
};

// A held reply (kind "reply") or post (kind "post", see publish_store.h)
// waiting for approval. Everything needed to send it later is kept, so what
// is approved is exactly what is sent.
struct Approval {
  int64_t id = 0;
  std::string kind = "reply";
  int64_t conversation_id = 0;  // kind "reply"; 0 otherwise
  int64_t post_id = 0;          // kind "post"; 0 otherwise
  int64_t channel_id = 0;
  int64_t requested_by = 0;  // user id of the author
  std::string requested_by_name;
  std::string text;             // what the author wrote
  std::string wire_text;        // exactly what will be sent
  std::string payload;          // the outbound message for the connector (opaque here)
  std::string verdict;          // the guard's verdict summary at submission (JSON)
  std::string language;         // "de" / "en"
  std::string idempotency_key;  // the outbox key once approved (unique)
  int32_t next_state = 1;       // ConversationState after the send
  int32_t steps = 1;            // approvals needed
  int32_t step = 0;             // approvals given so far
  ApprovalState state = ApprovalState::kPending;
  bool queued = false;  // the approved reply is in the outbox
  Millis created_at = 0;
  Millis updated_at = 0;
  Millis expires_at = 0;
};

struct ApprovalDecision {
  int64_t approval_id = 0;
  int32_t step = 0;  // the step decided (0-based)
  int64_t user_id = 0;
  std::string username;
  std::string decision;  // "approve", "reject", "request_changes"
  std::string comment;
  Millis at = 0;
};

}  // namespace leitplanke::store
