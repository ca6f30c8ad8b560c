// SqlDeskStore: the one implementation of store::DeskStore, over the same
// SQL layer, pool and transaction helpers as SqlStore (which owns it and
// hands it out as Store::desk()).
#pragma once

#include <string>
#include <vector>

#include "leitplanke/store/desk_store.h"

#include "store/sql/connection.h"

namespace leitplanke::store {

class SqlStore;

class SqlDeskStore final : public DeskStore {
 public:
  // `store` outlives this object (it owns it).
  SqlDeskStore(SqlStore& store, sql::Dialect dialect) : store_(store), dialect_(dialect) {}

  Result<ChannelRow> CreateChannel(ChannelRow channel) override;
  Result<ChannelRow> GetChannel(int64_t id) override;
  Result<ChannelRow> FindChannel(std::string_view name) override;
  Result<std::vector<ChannelRow>> ListChannels() override;
  Status UpdateChannel(int64_t id, int64_t team_id, std::string_view settings,
                       bool paused) override;
  Status DeleteChannel(int64_t id) override;
  Status RecordChannelHealth(int64_t id, Millis at, bool ok, std::string_view error) override;

  Result<std::vector<IngestOutcome>> Ingest(int64_t channel_id,
                                            const std::vector<IngestItem>& items,
                                            std::string_view cursor) override;

  Result<Conversation> GetConversation(int64_t id) override;
  Result<std::vector<InboxRow>> ListInbox(const InboxQuery& query) override;
  Result<Conversation> FindConversationByThread(int64_t channel_id,
                                                std::string_view thread_key) override;
  Result<std::vector<Message>> ListMessages(int64_t conversation_id) override;
  Result<std::vector<ConversationEvent>> ListEvents(int64_t conversation_id) override;
  Result<Contact> GetContact(int64_t id) override;
  Result<std::vector<ContactHandle>> ListContactHandles(int64_t contact_id) override;
  Result<Conversation> SetState(int64_t conversation_id, ConversationState state,
                                std::string_view actor, Millis at,
                                int64_t expected_version) override;
  Result<Conversation> Assign(int64_t conversation_id, int64_t user_id, std::string_view actor,
                              Millis at) override;
  Result<Conversation> SetPriority(int64_t conversation_id, int32_t priority) override;
  Result<Conversation> SetTags(int64_t conversation_id,
                               const std::vector<std::string>& tags) override;
  Result<Message> AddNote(int64_t conversation_id, Message note) override;

  Result<OutboxItem> EnqueueReply(int64_t conversation_id, Message message, OutboxItem item,
                                  int64_t expected_version, ConversationState next_state) override;
  Result<std::vector<OutboxItem>> ClaimOutbox(std::string_view claimer, Millis now, Millis lease_ms,
                                              int32_t limit) override;
  Status CompleteOutbox(int64_t item_id, std::string_view external_id, Millis at,
                        const ArchiveSealer& seal = nullptr) override;
  Result<std::vector<ArchiveEntry>> ListArchive(int64_t from_seq, int32_t limit) override;
  Result<int64_t> PurgeArchive(Millis before, Millis now) override;
  Result<DeskPurged> PurgeConversations(Millis before, Millis now) override;
  Status FailOutbox(int64_t item_id, std::string_view error, Millis retry_at, Millis at) override;
  Result<std::vector<OutboxItem>> ListOutbox(int64_t message_id) override;

  Status PutTeamDeskSettings(const TeamDeskSettings& settings) override;
  Result<TeamDeskSettings> GetTeamDeskSettings(int64_t team_id) override;
  Status PutAgentDeskState(const AgentDeskState& state) override;
  Result<std::vector<AgentDeskState>> ListTeamAgents(int64_t team_id) override;
  Result<std::vector<Assignment>> RouteTeam(int64_t team_id, Millis now, int32_t limit,
                                            const RoutingDecision& decide) override;

  Result<std::vector<Conversation>> ListSlaCandidates(int64_t team_id, Millis checked_before,
                                                      int32_t limit) override;
  Status RecordSlaCheck(int64_t conversation_id, Millis checked_at,
                        const std::vector<ConversationEvent>& alerts) override;

  Result<DeadLetter> AddDeadLetter(DeadLetter letter) override;
  Result<std::vector<DeadLetter>> ListDeadLetters(bool include_replayed, int32_t limit) override;
  Status TouchPresence(int64_t conversation_id, int64_t user_id, bool typing, Millis now,
                       Millis stale_before) override;
  Result<std::vector<Viewer>> ListPresence(int64_t conversation_id, Millis since) override;
  Result<Approval> CreateApproval(Approval approval) override;
  Result<Approval> GetApproval(int64_t id) override;
  Result<std::vector<Approval>> ListApprovals(int state, int32_t limit,
                                              int64_t before_id = 0) override;
  Result<std::vector<ApprovalDecision>> ListApprovalDecisions(int64_t approval_id) override;
  Result<Approval> DecideApproval(ApprovalDecision decision, ApprovalState new_state,
                                  Millis now) override;
  Result<std::vector<Approval>> ListApprovalsToQueue(int32_t limit) override;
  Status MarkApprovalQueued(int64_t id, Millis now) override;
  Status SetApprovalState(int64_t id, ApprovalState state, Millis now) override;
  Result<std::vector<Approval>> ExpireApprovals(Millis now) override;
  Result<std::string> GetChannelState(int64_t channel_id) override;
  Status SaveChannelState(int64_t channel_id, std::string_view state, Millis now) override;
  Result<size_t> CountSeenWebhookEvents(int64_t channel_id,
                                        const std::vector<std::string>& event_ids) override;
  Status RememberWebhookEvents(int64_t channel_id, const std::vector<std::string>& event_ids,
                               Millis now, Millis forget_before) override;
  Result<DeadLetter> GetDeadLetter(int64_t id) override;
  Status MarkDeadLetterReplayed(int64_t id, Millis at) override;

  Result<std::vector<Conversation>> ListConversationsBetween(int64_t team_id, Millis from,
                                                             Millis to) override;
  Result<std::vector<VolumeRow>> MessageVolume(int64_t team_id, Millis from, Millis to) override;
  Result<std::vector<ReplyVerdictRow>> ListReplyVerdicts(int64_t team_id, Millis from, Millis to,
                                                         int64_t after_id, int32_t limit) override;

  Result<CannedReply> PutCannedReply(CannedReply reply) override;
  Result<std::vector<CannedReply>> ListCannedReplies(int64_t team_id) override;
  Status DeleteCannedReply(int64_t id) override;

 private:
  // Appends the sent message of outbox item `item_id` to the archive chain
  // (inside CompleteOutbox's transaction, which holds the archive lock).
  Status AppendArchive(sql::Connection& conn, int64_t item_id, int64_t message_id,
                       std::string_view external_id, Millis at, const ArchiveSealer& seal);
  // " FOR UPDATE" on PostgreSQL (row locks for read-modify-write), "" on
  // SQLite, whose write transactions are serialised already.
  const char* ForUpdate() const;
  // " FOR UPDATE SKIP LOCKED" on PostgreSQL, "" on SQLite.
  const char* SkipLocked() const;
  // A statement that hands out `n` ids of `table` inside a write
  // transaction, and the ids from its result (ascending).
  sql::Statement IdStatement(const char* table, size_t n) const;
  std::vector<int64_t> IdsFrom(const sql::ResultSet& rs, size_t n) const;

  SqlStore& store_;
  const sql::Dialect dialect_;
};

}  // namespace leitplanke::store
