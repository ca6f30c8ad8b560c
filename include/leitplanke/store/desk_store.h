// DeskStore: persistent state of the shared customer inbox. Reached through
// Store::desk(); shares the store's connection pool and guarantees (every
// method is one transaction, thread-safe, blocking, same contract on SQLite
// and PostgreSQL).
//
// The store holds no business rules: threading, routing and SLA decisions are
// made in `desk`, which passes them in (e.g. the routing decision runs as a
// callback inside the claiming transaction).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

#include "leitplanke/store/desk_model.h"

namespace leitplanke::store {

struct Assignment {
  int64_t conversation_id = 0;
  int64_t user_id = 0;
};

// Decides assignments for a team inside the claiming transaction: gets the
// team's settings, its agents (with open_load) and the claimed unassigned
// conversations (oldest waiting first); returns who gets which. Conversations
// it leaves out stay unassigned.
using RoutingDecision = std::function<std::vector<Assignment>(
    const TeamDeskSettings&, const std::vector<AgentDeskState>&, const std::vector<Conversation>&)>;

class DeskStore {
 public:
  virtual ~DeskStore() = default;

  // --- channels ------------------------------------------------------------
  virtual Result<ChannelRow> CreateChannel(ChannelRow channel) = 0;   // AlreadyExists
  virtual Result<ChannelRow> GetChannel(int64_t id) = 0;              // NotFound
  virtual Result<ChannelRow> FindChannel(std::string_view name) = 0;  // NotFound
  virtual Result<std::vector<ChannelRow>> ListChannels() = 0;         // by id
  // Updates name-independent fields: kind stays, cursor and health stay.
  virtual Status UpdateChannel(int64_t id, int64_t team_id, std::string_view settings,
                               bool paused) = 0;
  virtual Status DeleteChannel(int64_t id) = 0;  // FailedPrecondition while it has conversations
  // Health after a poll or send: ok clears last_error.
  virtual Status RecordChannelHealth(int64_t id, Millis at, bool ok, std::string_view error) = 0;

  // --- inbound -------------------------------------------------------------
  // Stores `items` in order, in one transaction, and then sets the channel's
  // cursor to `cursor` (when not empty): a crash leaves either all of it or
  // none, so the next poll re-delivers instead of losing messages.
  // Per item: a message whose (channel, external_id) exists is a duplicate
  // and changes nothing; otherwise the contact is found by (channel, handle)
  // or created; the conversation is the one holding the in_reply_to or a
  // referenced message, else the newest one with the same non-empty
  // thread_key on the channel, else a new one on the channel's team. A new
  // inbound message moves pending-customer or resolved (reopened) to open,
  // sets waiting_since if unset and bumps the version.
  virtual Result<std::vector<IngestOutcome>> Ingest(int64_t channel_id,
                                                    const std::vector<IngestItem>& items,
                                                    std::string_view cursor) = 0;

  // --- conversations ---------------------------------------------------------
  virtual Result<Conversation> GetConversation(int64_t id) = 0;  // NotFound
  virtual Result<std::vector<InboxRow>> ListInbox(const InboxQuery& query) = 0;
  // The newest conversation on the channel with this thread key (the
  // website widget's session); NotFound when there is none.
  virtual Result<Conversation> FindConversationByThread(int64_t channel_id,
                                                        std::string_view thread_key) = 0;
  // Messages oldest first, with attachments.
  virtual Result<std::vector<Message>> ListMessages(int64_t conversation_id) = 0;
  virtual Result<std::vector<ConversationEvent>> ListEvents(int64_t conversation_id) = 0;
  virtual Result<Contact> GetContact(int64_t id) = 0;
  virtual Result<std::vector<ContactHandle>> ListContactHandles(int64_t contact_id) = 0;

  // Changes the state and records the event. `expected_version` (when >= 0)
  // must match, else FailedPrecondition ("conversation changed").
  virtual Result<Conversation> SetState(int64_t conversation_id, ConversationState state,
                                        std::string_view actor, Millis at,
                                        int64_t expected_version) = 0;
  // Assigns (user_id 0: unassigns) and records the event.
  virtual Result<Conversation> Assign(int64_t conversation_id, int64_t user_id,
                                      std::string_view actor, Millis at) = 0;
  virtual Result<Conversation> SetPriority(int64_t conversation_id, int32_t priority) = 0;
  virtual Result<Conversation> SetTags(int64_t conversation_id,
                                       const std::vector<std::string>& tags) = 0;
  // Internal note: a message with direction kNote; bumps the version but
  // does not touch SLA fields.
  virtual Result<Message> AddNote(int64_t conversation_id, Message note) = 0;

  // --- outbound ------------------------------------------------------------
  // Stores the outbound `message` and its outbox item in one transaction,
  // if the conversation's version still equals `expected_version`
  // (FailedPrecondition otherwise: the agent must read the new messages
  // first). Sets first_response_at if unset, clears waiting_since, moves the
  // state to `next_state` (kOpen, kPendingCustomer or kResolved), records
  // the event. AlreadyExists if the idempotency key was used: the reply was
  // already accepted.
  virtual Result<OutboxItem> EnqueueReply(int64_t conversation_id, Message message, OutboxItem item,
                                          int64_t expected_version,
                                          ConversationState next_state) = 0;
  // Claims up to `limit` items that are due (pending with next_attempt_at <=
  // now, or sending whose claim expired: its sender died) for `claimer`
  // until now + lease_ms, oldest first. Concurrent claimers never get the
  // same item (PostgreSQL: FOR UPDATE SKIP LOCKED). Each claim counts as an
  // attempt (attempts + 1).
  virtual Result<std::vector<OutboxItem>> ClaimOutbox(std::string_view claimer, Millis now,
                                                      Millis lease_ms, int32_t limit) = 0;
  // The channel confirmed the send: item and message become sent. With a
  // sealer, the sent message (wire text, verdict, approval chain) is
  // appended to the archive in the same transaction.
  virtual Status CompleteOutbox(int64_t item_id, std::string_view external_id, Millis at,
                                const ArchiveSealer& seal = nullptr) = 0;
  // A failed attempt: retry at `retry_at`, or when retry_at is 0 give up
  // (item and message become failed).
  virtual Status FailOutbox(int64_t item_id, std::string_view error, Millis retry_at,
                            Millis at) = 0;
  virtual Result<std::vector<OutboxItem>> ListOutbox(int64_t message_id) = 0;

  // --- routing -------------------------------------------------------------
  virtual Status PutTeamDeskSettings(const TeamDeskSettings& settings) = 0;
  // Defaults (manual routing, no SLA) when none were stored.
  virtual Result<TeamDeskSettings> GetTeamDeskSettings(int64_t team_id) = 0;
  virtual Status PutAgentDeskState(const AgentDeskState& state) = 0;
  // Members of the team with their desk state (defaults when none stored)
  // and open_load filled in.
  virtual Result<std::vector<AgentDeskState>> ListTeamAgents(int64_t team_id) = 0;
  // Claims up to `limit` unassigned, not resolved conversations of the team
  // (oldest waiting first, locked so that another instance skips them), runs
  // `decide` and stores its assignments, all in one transaction. Returns the
  // assignments made.
  virtual Result<std::vector<Assignment>> RouteTeam(int64_t team_id, Millis now, int32_t limit,
                                                    const RoutingDecision& decide) = 0;

  // --- SLA -----------------------------------------------------------------
  // Open (not resolved) conversations of the team (0 = every team) with
  // sla_checked_at < `checked_before`, least recently checked first:
  // candidates for the SLA sweep.
  virtual Result<std::vector<Conversation>> ListSlaCandidates(int64_t team_id,
                                                              Millis checked_before,
                                                              int32_t limit) = 0;
  // Records alert events (kSlaWarning / kSlaBreach) and sets sla_checked_at.
  virtual Status RecordSlaCheck(int64_t conversation_id, Millis checked_at,
                                const std::vector<ConversationEvent>& alerts) = 0;

  // --- presence ---------------------------------------------------------------
  // Who has a conversation open, shared by every instance on the database.
  // Records a heartbeat of `user_id` viewing (typing in) the conversation at
  // `now` and drops that user's heartbeats older than `stale_before` on other
  // conversations. NotFound for an unknown conversation or user.
  virtual Status TouchPresence(int64_t conversation_id, int64_t user_id, bool typing, Millis now,
                               Millis stale_before) = 0;
  // Viewers whose last heartbeat is at or after `since`, by user id.
  virtual Result<std::vector<Viewer>> ListPresence(int64_t conversation_id, Millis since) = 0;

  // --- connector state ---------------------------------------------------------
  // A connector's opaque state across restarts (Channel::state); "" when none.
  virtual Result<std::string> GetChannelState(int64_t channel_id) = 0;
  virtual Status SaveChannelState(int64_t channel_id, std::string_view state, Millis now) = 0;

  // --- webhook events --------------------------------------------------------
  // Event ids of webhook deliveries already accepted on a channel, shared by
  // every instance: how many of `event_ids` were recorded before.
  virtual Result<size_t> CountSeenWebhookEvents(int64_t channel_id,
                                                const std::vector<std::string>& event_ids) = 0;
  // Records `event_ids` as accepted at `now` (ids already recorded are kept)
  // and forgets every channel's ids received before `forget_before`.
  virtual Status RememberWebhookEvents(int64_t channel_id,
                                       const std::vector<std::string>& event_ids, Millis now,
                                       Millis forget_before) = 0;

  // --- approvals ---------------------------------------------------------------
  // Stores a new pending approval; pending approvals of the same author on
  // the same conversation become kSuperseded (an edit replaces them).
  virtual Result<Approval> CreateApproval(Approval approval) = 0;
  virtual Result<Approval> GetApproval(int64_t id) = 0;
  // Newest first; `state` < 0: every state. `before_id` > 0: only those with
  // a smaller id (the next page after the last one seen).
  virtual Result<std::vector<Approval>> ListApprovals(int state, int32_t limit,
                                                      int64_t before_id = 0) = 0;
  virtual Result<std::vector<ApprovalDecision>> ListApprovalDecisions(int64_t approval_id) = 0;
  // Records `decision` on a pending approval whose `step` is `decision.step`
  // and sets it to `new_state` with step + 1 for an approval. In one
  // transaction, so two approvers never decide the same step twice:
  // FailedPrecondition when the approval is no longer pending or another
  // decision took the step first; AlreadyExists when this user decided on
  // this approval before.
  virtual Result<Approval> DecideApproval(ApprovalDecision decision, ApprovalState new_state,
                                          Millis now) = 0;
  // Approved ones not yet handed to the outbox (after a crash in between).
  virtual Result<std::vector<Approval>> ListApprovalsToQueue(int32_t limit) = 0;
  virtual Status MarkApprovalQueued(int64_t id, Millis now) = 0;
  // Sets a pending approval to `state` without a decision (kBlocked).
  virtual Status SetApprovalState(int64_t id, ApprovalState state, Millis now) = 0;
  // Pending approvals whose expires_at lies before `now` become kExpired;
  // returns them.
  virtual Result<std::vector<Approval>> ExpireApprovals(Millis now) = 0;

  // --- archive ---------------------------------------------------------------
  // Entries with seq >= from_seq in seq order, at most `limit`.
  virtual Result<std::vector<ArchiveEntry>> ListArchive(int64_t from_seq, int32_t limit) = 0;
  // Retention: removes the content (texts, verdict, approvals, author) of
  // entries sent before `before`; seq, times and hashes stay, so the chain
  // still verifies. Returns how many entries were purged.
  virtual Result<int64_t> PurgeArchive(Millis before, Millis now) = 0;

  // --- message retention -----------------------------------------------------
  // For conversations resolved before `before` (and not purged since they
  // were last resolved): empties the messages' author, subject, body, HTML
  // and verdict text, deletes their attachment rows, empties the payloads
  // and errors of their finished outbox items, the texts and verdicts of
  // their decided approvals and the comments of those approvals' decisions,
  // every event detail except the machine values the store writes itself
  // (message ids, the assignee's user id, SLA alerts), and the
  // conversation's subject and preview, and sets its purged_at to `now`.
  // Rows stay with what reports read: times, direction, channel, team,
  // assignee, state, language, delivery and tags. A conversation reopened
  // after the purge keeps its new messages until it is resolved and old
  // enough again. Then contacts without a live conversation (every one
  // purged and still resolved) lose their name and handles, and contacts
  // created before `before` without any conversation are deleted. Last,
  // dead letters created and webhook event ids received before `before`
  // are deleted.
  virtual Result<DeskPurged> PurgeConversations(Millis before, Millis now) = 0;

  // --- dead letters ----------------------------------------------------------
  virtual Result<DeadLetter> AddDeadLetter(DeadLetter letter) = 0;
  // Newest first.
  virtual Result<std::vector<DeadLetter>> ListDeadLetters(bool include_replayed, int32_t limit) = 0;
  virtual Result<DeadLetter> GetDeadLetter(int64_t id) = 0;
  virtual Status MarkDeadLetterReplayed(int64_t id, Millis at) = 0;

  // --- reports --------------------------------------------------------------
  // Conversations of the team (0 = every team) whose first inbound message
  // falls in [from, to), oldest first.
  virtual Result<std::vector<Conversation>> ListConversationsBetween(int64_t team_id, Millis from,
                                                                     Millis to) = 0;
  struct VolumeRow {
    int64_t channel_id = 0;
    Millis hour = 0;  // start of the UTC hour
    int64_t inbound = 0;
    int64_t outbound = 0;
  };
  // Messages per channel and UTC hour in [from, to) for the team's
  // conversations, ordered by channel and hour.
  virtual Result<std::vector<VolumeRow>> MessageVolume(int64_t team_id, Millis from, Millis to) = 0;
  struct ReplyVerdictRow {
    int64_t message_id = 0;
    int64_t channel_id = 0;
    Millis at = 0;        // created_at of the reply
    std::string verdict;  // the guard's verdict record as stored (opaque here)
  };
  // The verdict records of outbound replies in [from, to) of the team's
  // conversations (0 = every team), by id, at most `limit` rows with an id
  // above `after_id` (the next page). No author, no text.
  virtual Result<std::vector<ReplyVerdictRow>> ListReplyVerdicts(int64_t team_id, Millis from,
                                                                 Millis to, int64_t after_id,
                                                                 int32_t limit) = 0;

  // --- canned replies ------------------------------------------------------------
  virtual Result<CannedReply> PutCannedReply(CannedReply reply) = 0;  // id 0: insert
  // The team's replies and those for every team (team_id 0), by name;
  // team_id 0 lists all of them.
  virtual Result<std::vector<CannedReply>> ListCannedReplies(int64_t team_id) = 0;
  virtual Status DeleteCannedReply(int64_t id) = 0;
};

}  // namespace leitplanke::store
