// Desk: the business rules of the shared customer inbox over store::DeskStore.
//
//   inbound   connector Poll / webhook ─▶ Receive(): validate (bad payloads go
//             to the dead-letter table), ingest (threading, dedupe, reopen),
//             route the team's unassigned work, announce events.
//   outbound  Reply(): render the channel's wire text ─▶ guard check on exactly
//             that text ─▶ allow: queued in the outbox; warn: needs the agent's
//             confirmation with a reason; hold/block: refused with findings.
//             RunOutbox(): sends due items through the connector with an
//             idempotency key, retries transient errors with back-off and
//             respects each channel's rate limit.
//
// Threading: Receive/Reply/queries may run on any thread. PollChannels and
// RunOutbox are meant for one background worker per instance; a connector
// instance is used by one thread at a time (a mutex per connector).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"

#include "leitplanke/desk/calendar.h"
#include "leitplanke/desk/channel.h"
#include "leitplanke/desk/routing.h"
#include "leitplanke/guard/types.h"
#include "leitplanke/store/store.h"

namespace leitplanke::guard {
struct CheckOptions;
}

namespace leitplanke::desk {

using ChannelFactory = std::function<Result<std::unique_ptr<Channel>>(const ChannelConfig&)>;
// Checks a text against the active guideline (the server's PolicyService).
using GuardCheck =
    std::function<Result<guard::Verdict>(std::string_view text, const guard::CheckOptions&)>;
// Reads a channel's secrets from the vault: key → value.
using SecretReader =
    std::function<Result<std::map<std::string, std::string>>(std::string_view channel_name)>;
// Receives desk events for live views: type ("desk.message", "desk.assigned",
// "desk.sla", ...) and a JSON object.
using EventSink = std::function<void(std::string_view type, const std::string& json)>;
// Records an audit entry (actor, action, target, detail JSON).
using AuditSink = std::function<void(std::string_view actor, std::string_view action,
                                     std::string_view target, const std::string& detail_json)>;

struct DeskOptions {
  std::string instance_id = "desk";  // outbox claimer name; unique per process
  size_t max_text_bytes = 64 * 1024;
  size_t max_attachments = 20;
  int64_t max_attachment_bytes = 25 * 1024 * 1024;
  Millis outbox_lease_ms = 60'000;  // a sender that dies frees its items after this
  Millis retry_base_ms = 2'000;     // first retry; doubles up to retry_max_ms
  Millis retry_max_ms = 10 * 60'000;
  Millis give_up_after_ms = 24 * 3600'000;  // transient errors for this long: failed
  Millis poll_interval_ms = 30'000;         // per channel
  int32_t route_batch = 100;
  Millis webhook_replay_window_ms = 7LL * 24 * 3600'000;  // event ids remembered this long
};

struct ReceiveReport {
  size_t stored = 0;
  size_t duplicates = 0;
  size_t rejected = 0;  // went to the dead-letter table
  size_t assigned = 0;
  std::vector<store::IngestOutcome> outcomes;  // one per accepted message, in order
};

struct WebhookOutcome {
  enum class Kind {
    kAnswered,   // a challenge: send `answer`
    kAccepted,   // stored (see `report`); events the desk ignores count here too
    kReplayed,   // every event id was accepted before: nothing stored
    kForged,     // signature, token or timestamp wrong: nothing stored
    kMalformed,  // unparsable: kept as a dead letter
  };
  Kind kind = Kind::kAccepted;
  WebhookAnswer answer;
  ReceiveReport report;
  std::string reason;  // forged / malformed: why
};

struct ReplyRequest {
  int64_t conversation_id = 0;
  store::User agent;
  std::string text;
  int64_t expected_version = -1;  // the conversation version the agent saw
  store::ConversationState next_state = store::ConversationState::kOpen;
  bool confirm_warnings = false;  // the agent saw the warnings and sends anyway
  std::string confirm_reason;     // required with confirm_warnings
  std::string idempotency_key;    // from the client; generated when empty
  // Only check: render, run the guard and report the decision Reply would
  // take (kQueued: it would be sent), with length and cost; nothing is
  // stored, queued or audited. A text the channel cannot send at all (too
  // long) is kBlocked with the channel's reason instead of an error.
  bool preview = false;
  // Answer a public conversation privately (the move to a direct message):
  // rendered and sent with is_public = false, checked with audience private,
  // stored as a private message. InvalidArgument naming the channel kind when
  // its connector cannot reply privately (Channel::CanReplyPrivately). No
  // effect on a private conversation.
  bool private_reply = false;
};

enum class ReplyDecision {
  kQueued,             // in the outbox
  kNeedsConfirmation,  // warnings: resend with confirm_warnings and a reason
  kHeld,               // waits for approval (ReplyOutcome::approval)
  kBlocked,            // refused with the findings
  kConflict,           // the conversation changed: read the new messages first
};
std::string_view ReplyDecisionName(ReplyDecision d);

// Four-eyes approval of held replies: the roles that may decide each step,
// in order (a user decides at most one step of an approval, never their own
// reply), and when an undecided approval expires.
struct ApprovalPolicy {
  std::vector<std::vector<std::string>> steps = {{"approver", "compliance", "admin"}};
  Millis expire_after_ms = 72LL * 3600'000;  // 0 = never
};

enum class ApprovalVerb { kApprove, kReject, kRequestChanges };

// Approvals of subjects other than desk replies share the queue, the steps,
// the four-eyes rules and the expiry; what happens to the subject is up to
// its owner (kind "post": the publish pillar, wired by the server).
struct ApprovalSubject {
  // The strictest verdict on the subject's texts now, before the last
  // approval (the guideline may have changed): a block ends the approval as
  // kBlocked.
  std::function<Result<guard::Verdict>(const store::Approval&)> recheck;
  // After every change of an approval of this kind (decided, expired,
  // blocked). For kApproved it hands the subject on; it must be idempotent:
  // it runs again after a crash until the approval is marked queued.
  std::function<Status(const store::Approval&)> changed;
};

// A channel's wire text for a message and what sending it costs.
struct RenderedMessage {
  std::string wire_text;
  SendEstimate estimate;
};

struct ReplyOutcome {
  ReplyDecision decision = ReplyDecision::kBlocked;
  store::Approval approval;  // kHeld: the approval it waits for
  std::string wire_text;     // what the guard checked (and the channel will send)
  SendEstimate estimate;     // length, limit and cost of the wire text on its channel
  guard::Verdict verdict;
  store::OutboxItem outbox;                  // kQueued
  std::vector<store::Message> new_messages;  // kConflict: what the agent has not seen
  int64_t current_version = 0;
  // The conversation is public and the customer's message or the reply
  // contains personal data: propose moving to a private channel (R01/R02).
  bool suggest_private = false;
  bool is_public = false;  // the audience of the reply (false for a private reply)
  std::string message;     // human-readable explanation in the agent's language
};

// A team's business-hours setting (TeamDeskSettings::calendar), fields
// separated by ';':
//   "<IANA time zone>;<German state code or empty>;<days> <ranges>[;...]"
//   with optional "closed <date>[,<date>...]" fields, e.g.
//   "Europe/Berlin;NW;mon-fri 08:00-18:00;sat 09:00-13:00;closed 2026-12-24,2026-12-31".
// Days: mon..sun (or German mo, di, mi, do, fr, sa, so), ranges "mon-fri"
// and lists "mon,wed"; several time ranges separated by spaces. An empty
// spec means no business calendar: SLA targets count wall-clock time.
// Errors name the field and its byte offset in the spec.
Result<CalendarConfig> ParseCalendarSpec(std::string_view spec);
// ParseCalendarSpec plus the calendar's own checks (time zone, state).
Status ValidateCalendarSpec(std::string_view spec);

// A distribution of durations (business time when the team has a calendar).
struct DurationStats {
  int64_t count = 0;
  Millis p50 = 0, p75 = 0, p90 = 0, p95 = 0, max = 0;
  // Counts per bucket with upper bounds kReportBuckets (last: everything above).
  std::vector<int64_t> buckets;
};
// Upper bounds of the report's histogram buckets: 15 min, 1 h, 4 h, 8 h, 24 h, 3 days.
inline constexpr Millis kReportBuckets[] = {15 * 60'000,   60 * 60'000,    4 * 3'600'000,
                                            8 * 3'600'000, 24 * 3'600'000, 72 * 3'600'000};

struct TeamReport {
  int64_t team_id = 0;
  Millis from = 0, to = 0;  // conversations whose first inbound message is in [from, to)
  bool business_hours = false;
  int64_t conversations = 0;
  int64_t answered = 0;  // with a first response
  int64_t resolved = 0;
  DurationStats first_response;  // of answered conversations
  DurationStats resolution;      // of resolved conversations
  // Share of conversations whose clock ended (or is still running) within
  // the team's target; -1 when the team has no such target.
  double first_response_within_sla = -1;
  double resolution_within_sla = -1;
  std::vector<store::DeskStore::VolumeRow> volume;  // messages per channel and hour
  struct Agent {
    int64_t user_id = 0;
    int64_t conversations = 0;
    DurationStats first_response;
  };
  std::vector<Agent> agents;  // only when asked for per-agent figures
};

// At most this many days and conversations per report.
inline constexpr int kReportMaxDays = 92;
inline constexpr int64_t kReportMaxConversations = 50'000;

class Desk {
 public:
  Desk(store::Store& store, const Clock& clock, GuardCheck check, DeskOptions options = {});
  ~Desk();
  Desk(const Desk&) = delete;
  Desk& operator=(const Desk&) = delete;

  void RegisterChannelKind(std::string kind, ChannelFactory factory);
  std::vector<std::string> channel_kinds() const;
  void SetSecretReader(SecretReader reader);
  void SetEventSink(EventSink sink);
  void SetAuditSink(AuditSink sink);
  // Archives every sent message (wire text, verdict, approval chain) in the
  // hash chain, in the transaction that records the send.
  void SetArchiveSealer(store::ArchiveSealer seal);

  // --- inbound -------------------------------------------------------------
  // Validates and stores messages that arrived on `channel_id`, then routes.
  // Invalid messages go to the dead-letter table with the reason; the rest are
  // stored, and `cursor` (if not empty) with them.
  Result<ReceiveReport> Receive(int64_t channel_id, std::vector<InboundMessage> messages,
                                std::string_view cursor, std::string_view source);
  // Stores a payload that could not even be parsed.
  Status DeadLetter(int64_t channel_id, std::string_view source, std::string_view payload,
                    std::string_view reason);
  // Parses a dead letter's raw payload of a channel-specific format.
  using DeadLetterParser =
      std::function<Result<std::vector<InboundMessage>>(const store::DeadLetter& letter)>;
  // Feeds a dead letter through Receive() again (after a fix or a raised
  // limit). Payloads the desk itself rejected are parsed here; others need
  // `parser`. Still-invalid messages are refused with the reason and nothing
  // is stored; on success the letter is marked replayed.
  Result<ReceiveReport> ReplayDeadLetter(int64_t dead_letter_id, const DeadLetterParser& parser);
  // Polls every channel that is not paused and whose interval elapsed (or
  // all, with force); records health. Returns messages stored.
  Result<size_t> PollChannels(bool force = false);
  Result<ReceiveReport> PollChannel(int64_t channel_id);

  // --- outbound ------------------------------------------------------------
  Result<ReplyOutcome> Reply(const ReplyRequest& request);
  // Whether a reply to the conversation can be private: true for a private
  // conversation, else what its connector's CanReplyPrivately says about the
  // reply to the newest inbound message. NotFound; errors creating the
  // connector as they are.
  Result<bool> CanReplyPrivately(int64_t conversation_id);
  // Sends due outbox items (at most `limit`); returns how many were sent.
  Result<size_t> RunOutbox(int32_t limit = 50);

  // --- approvals -------------------------------------------------------------
  void SetApprovalPolicy(ApprovalPolicy policy);
  // A decision on the current step of a pending approval. PermissionDenied
  // for the author, or a role the step does not allow; InvalidArgument
  // without a comment for reject / request changes; FailedPrecondition when
  // it was decided meanwhile; AlreadyExists when this user decided an
  // earlier step. The last approval checks the text with the guard again
  // (the guideline may have changed): a block ends the approval as
  // kBlocked; otherwise the reply is queued in the outbox, exactly as held.
  Result<store::Approval> DecideApproval(int64_t approval_id, const store::User& approver,
                                         ApprovalVerb verb, std::string_view comment);
  // Approvals whose kind is not "reply" go to the subject registered for
  // their kind (FailedPrecondition when none is).
  void RegisterApprovalSubject(std::string kind, ApprovalSubject subject);
  // Expires approvals past their time and queues approved replies whose
  // queueing a crash interrupted. Returns how many it handled.
  Result<size_t> SweepApprovals();

  // --- routing and SLAs ------------------------------------------------------
  // Routes unassigned conversations of every team with automatic routing and
  // releases conversations of agents away longer than the grace period.
  Result<size_t> RouteAll();
  Result<size_t> RouteTeam(int64_t team_id);
  // Evaluates SLA clocks of open conversations and records/announces
  // warnings and breaches once each. Returns alerts raised.
  Result<size_t> SweepSla();

  // Team-level figures for [from, to). Per-agent figures only with
  // `per_agent` (the server allows that only with a recorded works-council
  // agreement). InvalidArgument for a bad range, OutOfRange when too large.
  Result<TeamReport> Report(int64_t team_id, Millis from, Millis to, bool per_agent);

  // --- helpers for the UI ----------------------------------------------------
  // The SLA state of one conversation now, for the conversation view.
  // NotFound; an empty result when the team has no SLA targets.
  Result<std::string> SlaStatusJson(int64_t conversation_id);

  // Fills {{contact.name}}, {{contact.first_name}}, {{agent.name}},
  // {{agent.signature}}, {{conversation.subject}}; unknown variables are an
  // error naming them (so a typo never reaches a customer).
  Result<std::string> FillTemplate(std::string_view body, const store::Conversation& conversation,
                                   const store::User& agent) const;

  // --- webhooks -----------------------------------------------------------------
  // Hands a request from /api/v1/channels/{name}/webhook to the channel's
  // WebhookReceiver. GET: the challenge answer. POST: verified and parsed by
  // the connector, then a delivery whose event ids were all accepted before
  // is refused as a replay; the rest goes through Receive() and its ids are
  // remembered for `webhook_replay_window_ms`. Unparsable deliveries are kept
  // as dead letters. NotFound when the channel does not take webhooks;
  // store errors as they are (the server answers 5xx, so the network retries).
  Result<WebhookOutcome> HandleWebhook(int64_t channel_id, const WebhookRequest& request);

  // The connector of a channel (created on first use). NotFound / errors of
  // the factory. The pointer is valid until ResetConnector(channel_id).
  Result<Channel*> ConnectorFor(int64_t channel_id);
  // Forgets a cached connector (after its settings or secrets changed).
  void ResetConnector(int64_t channel_id);

  // --- for other pillars (publish) ---------------------------------------------
  // The wire text of `msg` on the channel with its length, limit and cost.
  // InvalidArgument when the channel cannot send it (too long).
  Result<RenderedMessage> RenderFor(int64_t channel_id, const OutboundMessage& msg);
  // Sends `wire` (its text is already the wire text, its idempotency key
  // set) through the channel's connector under the same lock and rate limit
  // as the outbox; records the channel's health and connector state. Errors
  // as Channel::Send; ResourceExhausted (rate limit) sets *retry_after_ms.
  Result<SendReceipt> SendNow(int64_t channel_id, const OutboundMessage& wire,
                              Millis* retry_after_ms);

 private:
  struct Connector;
  Result<std::shared_ptr<Connector>> GetConnector(int64_t channel_id);
  void Emit(std::string_view type, const std::string& json) const;
  Status SendOne(const store::OutboxItem& item);
  Status QueueApproved(const store::Approval& approval);
  // The registered subject of a non-reply approval, or nullptr for replies.
  Result<const ApprovalSubject*> SubjectOf(const store::Approval& approval) const;
  void EmitApproval(const store::Approval& approval) const;
  ApprovalPolicy approval_policy() const;  // a snapshot
  // Stores the connector's state when it changed (caller holds c.mu).
  void PersistState(Connector& c, int64_t channel_id, Millis now);
  // Routing: `release` also frees the work of agents away past the grace
  // period (the worker's rounds); Receive only assigns what is waiting.
  Result<size_t> Route(int64_t team_id, bool release);
  Status ReleaseAway(int64_t team_id, const RoutingPolicy& policy, Millis now);
  Result<size_t> AssignWaiting(int64_t team_id, const RoutingPolicy& policy, Millis now);
  // The team's calendar (cached by spec; building one takes about 1 ms).
  Result<BusinessCalendar> CalendarFor(const std::string& spec);

  store::Store& store_;
  store::DeskStore& desk_;
  const Clock& clock_;
  GuardCheck check_;
  DeskOptions options_;
  SecretReader secrets_;
  EventSink events_;
  AuditSink audit_;

  mutable std::mutex mu_;
  std::map<std::string, ChannelFactory> factories_;
  // Shared: a request still using a connector keeps it alive across a
  // ResetConnector.
  std::map<int64_t, std::shared_ptr<Connector>> connectors_;
  std::map<std::string, BusinessCalendar> calendars_;
  ApprovalPolicy approvals_;
  std::map<std::string, ApprovalSubject> subjects_;  // by approval kind
  store::ArchiveSealer archive_;
};

}  // namespace leitplanke::desk
