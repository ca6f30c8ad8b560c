// The desk's pipeline. The store does the transactional work (threading,
// dedupe, claims); this file holds the decisions around it: what is a valid
// inbound message, what the guard's verdict means for a reply, when an outbox
// item is retried, and which events the live views hear about.
#include "leitplanke/desk/desk.h"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <utility>

#include "leitplanke/base/json_string.h"
#include "leitplanke/base/random_key.h"
#include "leitplanke/base/utf8.h"

#include "leitplanke/desk/kv.h"
#include "leitplanke/desk/routing.h"
#include "leitplanke/guard/policy.h"

namespace leitplanke::desk {

using store::ConversationState;
using store::DeliveryState;
using store::MessageDirection;

struct Desk::Connector {
  std::mutex mu;  // Poll and Send run one at a time per connector
  std::unique_ptr<Channel> channel;
  std::deque<Millis> sends;  // send times within the rate-limit window
  std::string saved_state;   // Channel::state() as last stored
};

namespace {

bool HasCategory(const guard::Verdict& v, std::string_view category) {
  return std::any_of(v.findings.begin(), v.findings.end(),
                     [&](const guard::Finding& f) { return f.category == category; });
}

std::string Ids(std::initializer_list<std::pair<const char*, int64_t>> fields) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : fields) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, k);
    out.push_back(':');
    out.append(std::to_string(v));
  }
  out.push_back('}');
  return out;
}

bool German(const store::User& u) { return u.locale != "en"; }

// The outbox payload: everything Send needs, so sending reads no other row.
std::string EncodePayload(const OutboundMessage& m) {
  KeyValues kv;
  kv["to"] = m.to_handle;
  kv["thread_key"] = m.thread_key;
  kv["in_reply_to"] = m.in_reply_to;
  std::string refs;
  for (const std::string& r : m.references) {
    if (!refs.empty()) refs.push_back(' ');
    refs.append(r);
  }
  kv["references"] = refs;
  kv["subject"] = m.subject;
  kv["text"] = m.text;
  kv["public"] = m.is_public ? "1" : "0";
  if (m.last_inbound_at != 0) kv["last_inbound_at"] = std::to_string(m.last_inbound_at);
  return EncodeKeyValues(kv);
}

// A reply ready for the outbox: its message row (queued) and outbox item.
struct QueuedReply {
  store::Message message;
  store::OutboxItem item;
};

// `wire`: the outbound message with the final wire text and its
// idempotency key.
QueuedReply MakeQueuedReply(int64_t conversation_id, int64_t channel_id,
                            const OutboundMessage& wire, std::string author, int64_t author_user_id,
                            std::string language, std::string verdict, Millis now) {
  QueuedReply q;
  store::Message& m = q.message;
  m.conversation_id = conversation_id;
  m.channel_id = channel_id;
  m.direction = MessageDirection::kOutbound;
  m.in_reply_to = wire.in_reply_to;
  m.author = std::move(author);
  m.author_user_id = author_user_id;
  m.subject = wire.subject;
  m.body = wire.text;
  m.is_public = wire.is_public;
  m.language = std::move(language);
  m.delivery = DeliveryState::kQueued;
  m.verdict = std::move(verdict);
  m.sent_at = now;
  m.created_at = now;
  store::OutboxItem& item = q.item;
  item.channel_id = channel_id;
  item.idempotency_key = wire.idempotency_key;
  item.payload = EncodePayload(wire);
  item.state = store::OutboxState::kPending;
  item.next_attempt_at = now;
  item.created_at = now;
  item.updated_at = now;
  return q;
}

// How a reply is checked: its audience, the channel it leaves on, the
// agent's language for the messages.
guard::CheckOptions ReplyCheckOptions(bool is_public, const std::string& channel_kind, bool de) {
  guard::CheckOptions opts;
  opts.audience = is_public ? guard::Audience::kPublic : guard::Audience::kPrivate;
  opts.channel = channel_kind;
  opts.lang = de ? guard::Lang::kDe : guard::Lang::kEn;
  return opts;
}

// A reply to `conv` threaded to its newest inbound message (in_reply_to,
// to_handle, last_inbound_at) with the chain of earlier messages, in the
// conversation's audience; *last_inbound is that message or nullptr.
OutboundMessage ThreadedReply(const store::Conversation& conv,
                              const std::vector<store::Message>& messages,
                              const store::Message** last_inbound) {
  OutboundMessage msg;
  msg.thread_key = conv.thread_key;
  msg.subject = conv.subject;
  msg.is_public = conv.is_public;
  *last_inbound = nullptr;
  for (const store::Message& m : messages) {
    if (m.direction == MessageDirection::kInbound) *last_inbound = &m;
    if (!m.external_id.empty() && m.direction != MessageDirection::kNote) {
      msg.references.push_back(m.external_id);
    }
  }
  if (msg.references.size() > 20) {
    msg.references.erase(msg.references.begin(), msg.references.end() - 20);
  }
  if (*last_inbound != nullptr) {
    msg.in_reply_to = (*last_inbound)->external_id;
    msg.to_handle = (*last_inbound)->author;
    msg.last_inbound_at = (*last_inbound)->sent_at;
  }
  return msg;
}

Result<OutboundMessage> DecodePayload(const store::OutboxItem& item) {
  Result<KeyValues> kv = DecodeKeyValues(item.payload);
  if (!kv.ok()) return kv.error().WithContext("outbox item " + std::to_string(item.id));
  OutboundMessage m;
  m.idempotency_key = item.idempotency_key;
  m.to_handle = (*kv)["to"];
  m.thread_key = (*kv)["thread_key"];
  m.in_reply_to = (*kv)["in_reply_to"];
  const std::string& refs = (*kv)["references"];
  for (size_t pos = 0; pos < refs.size();) {
    size_t sp = refs.find(' ', pos);
    if (sp == std::string::npos) sp = refs.size();
    if (sp > pos) m.references.push_back(refs.substr(pos, sp - pos));
    pos = sp + 1;
  }
  m.subject = (*kv)["subject"];
  m.text = (*kv)["text"];
  m.is_public = (*kv)["public"] == "1";
  m.last_inbound_at = std::strtoll((*kv)["last_inbound_at"].c_str(), nullptr, 10);
  return m;
}

// The message an approval holds, with its outbox key and exactly the
// approved wire text.
Result<OutboundMessage> ApprovedWire(const store::Approval& a) {
  store::OutboxItem item;
  item.payload = a.payload;
  item.idempotency_key = a.idempotency_key;
  LP_ASSIGN_OR_RETURN(OutboundMessage wire, DecodePayload(item));
  wire.text = a.wire_text;
  return wire;
}

bool Transient(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kResourceExhausted;
}

}  // namespace

std::string_view ReplyDecisionName(ReplyDecision d) {
  switch (d) {
    case ReplyDecision::kQueued:
      return "queued";
    case ReplyDecision::kNeedsConfirmation:
      return "needs_confirmation";
    case ReplyDecision::kHeld:
      return "held";
    case ReplyDecision::kBlocked:
      return "blocked";
    case ReplyDecision::kConflict:
      return "conflict";
  }
  return "blocked";
}

Desk::Desk(store::Store& store, const Clock& clock, GuardCheck check, DeskOptions options)
    : store_(store),
      desk_(store.desk()),
      clock_(clock),
      check_(std::move(check)),
      options_(std::move(options)) {}

Desk::~Desk() = default;

void Desk::RegisterChannelKind(std::string kind, ChannelFactory factory) {
  std::lock_guard<std::mutex> lock(mu_);
  factories_[std::move(kind)] = std::move(factory);
}

std::vector<std::string> Desk::channel_kinds() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, f] : factories_) out.push_back(k);
  return out;
}

void Desk::SetSecretReader(SecretReader reader) { secrets_ = std::move(reader); }
void Desk::SetEventSink(EventSink sink) { events_ = std::move(sink); }
void Desk::SetAuditSink(AuditSink sink) { audit_ = std::move(sink); }

void Desk::Emit(std::string_view type, const std::string& json) const {
  if (events_) events_(type, json);
}

// --- connectors ---------------------------------------------------------------

Result<std::shared_ptr<Desk::Connector>> Desk::GetConnector(int64_t channel_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = connectors_.find(channel_id);
    if (it != connectors_.end()) return it->second;
  }
  LP_ASSIGN_OR_RETURN(store::ChannelRow row, desk_.GetChannel(channel_id));
  ChannelFactory factory;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto f = factories_.find(row.kind);
    if (f == factories_.end()) {
      return Status::FailedPrecondition("channel '" + row.name + "': no connector for kind '" +
                                        row.kind + "'");
    }
    factory = f->second;
  }
  ChannelConfig config;
  config.name = row.name;
  config.kind = row.kind;
  Result<KeyValues> settings = DecodeKeyValues(row.settings);
  if (!settings.ok()) return settings.error().WithContext("settings of channel '" + row.name + "'");
  config.settings = std::move(*settings);
  if (secrets_) {
    Result<std::map<std::string, std::string>> s = secrets_(row.name);
    if (!s.ok()) return s.error().WithContext("secrets of channel '" + row.name + "'");
    config.secrets = std::move(*s);
  }
  Result<std::unique_ptr<Channel>> made = factory(config);
  if (!made.ok()) return made.error().WithContext("channel '" + row.name + "'");
  auto conn = std::make_shared<Connector>();
  conn->channel = std::move(*made);
  LP_ASSIGN_OR_RETURN(conn->saved_state, desk_.GetChannelState(channel_id));
  if (!conn->saved_state.empty()) conn->channel->RestoreState(conn->saved_state);
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = connectors_.emplace(channel_id, std::move(conn));
  return it->second;
}

Result<Channel*> Desk::ConnectorFor(int64_t channel_id) {
  LP_ASSIGN_OR_RETURN(std::shared_ptr<Connector> c, GetConnector(channel_id));
  return c->channel.get();
}

void Desk::ResetConnector(int64_t channel_id) {
  std::lock_guard<std::mutex> lock(mu_);
  connectors_.erase(channel_id);
}

// --- inbound ------------------------------------------------------------------

namespace {

// Why a message cannot be stored, or "" when it can.
std::string Invalid(const InboundMessage& m, const DeskOptions& o) {
  if (m.external_id.empty()) return "missing external id";
  if (m.external_id.size() > 998) return "external id longer than 998 bytes";
  if (m.author_handle.empty()) return "missing author handle";
  if (m.text.size() > o.max_text_bytes) {
    return "text of " + std::to_string(m.text.size()) + " bytes exceeds the limit of " +
           std::to_string(o.max_text_bytes);
  }
  const struct {
    const char* name;
    const std::string* value;
  } fields[] = {{"text", &m.text},
                {"subject", &m.subject},
                {"author_handle", &m.author_handle},
                {"author_name", &m.author_name}};
  for (const auto& f : fields) {
    const size_t bad = utf8::FirstInvalid(*f.value);
    if (bad != std::string_view::npos) {
      return std::string(f.name) + ": invalid UTF-8 at byte " + std::to_string(bad);
    }
  }
  if (m.attachments.size() > o.max_attachments) {
    return std::to_string(m.attachments.size()) + " attachments exceed the limit of " +
           std::to_string(o.max_attachments);
  }
  return "";
}

constexpr char kRawFormat[] = "desk-inbound-1";

// The raw form of a message for the dead-letter table; FromRawMessage reads
// it back for a replay.
std::string RawMessage(const InboundMessage& m) {
  KeyValues kv;
  kv["format"] = kRawFormat;
  kv["external_id"] = m.external_id;
  kv["thread_key"] = m.thread_key;
  kv["in_reply_to"] = m.in_reply_to;
  kv["author_handle"] = m.author_handle;
  kv["author_name"] = m.author_name;
  kv["subject"] = m.subject;
  kv["text"] = m.text;
  kv["public"] = m.is_public ? "1" : "0";
  kv["language"] = m.language;
  kv["sent_at"] = std::to_string(m.sent_at);
  return EncodeKeyValues(kv);
}

InboundMessage FromRawMessage(KeyValues& kv) {
  InboundMessage m;
  m.external_id = kv["external_id"];
  m.thread_key = kv["thread_key"];
  m.in_reply_to = kv["in_reply_to"];
  m.author_handle = kv["author_handle"];
  m.author_name = kv["author_name"];
  m.subject = kv["subject"];
  m.text = kv["text"];
  m.is_public = kv["public"] == "1";
  m.language = kv["language"];
  m.sent_at = std::atoll(kv["sent_at"].c_str());
  return m;
}

}  // namespace

Result<ReceiveReport> Desk::Receive(int64_t channel_id, std::vector<InboundMessage> messages,
                                    std::string_view cursor, std::string_view source) {
  LP_ASSIGN_OR_RETURN(store::ChannelRow channel, desk_.GetChannel(channel_id));
  const Millis now = clock_.NowMillis();
  ReceiveReport report;
  std::vector<store::IngestItem> items;
  items.reserve(messages.size());
  for (InboundMessage& m : messages) {
    const std::string why = Invalid(m, options_);
    if (!why.empty()) {
      LP_RETURN_IF_ERROR(DeadLetter(channel_id, source, RawMessage(m), why));
      ++report.rejected;
      continue;
    }
    store::IngestItem item;
    item.channel_id = channel_id;
    item.thread_key = std::move(m.thread_key);
    item.references = std::move(m.references);
    item.author_name = std::move(m.author_name);
    item.received_at = now;
    store::Message& msg = item.message;
    msg.channel_id = channel_id;
    msg.direction = MessageDirection::kInbound;
    msg.external_id = std::move(m.external_id);
    msg.in_reply_to = std::move(m.in_reply_to);
    msg.author = std::move(m.author_handle);
    msg.subject = std::move(m.subject);
    msg.body = std::move(m.text);
    msg.html = std::move(m.html);
    msg.is_public = m.is_public;
    // The channel's hint wins; else a guess from the text (routing by language).
    msg.language = m.language.empty() ? GuessLanguage(msg.body) : std::move(m.language);
    msg.sent_at = m.sent_at > 0 ? m.sent_at : now;
    msg.created_at = now;
    for (Attachment& a : m.attachments) {
      store::StoredAttachment sa{std::move(a.name), std::move(a.mime_type), a.size,
                                 std::move(a.url)};
      // Over the limit: the metadata stays (the agent sees that something was
      // sent), the link to the bytes does not.
      if (sa.size > options_.max_attachment_bytes) sa.url.clear();
      msg.attachments.push_back(std::move(sa));
    }
    items.push_back(std::move(item));
  }
  LP_ASSIGN_OR_RETURN(report.outcomes, desk_.Ingest(channel_id, items, cursor));
  for (const store::IngestOutcome& o : report.outcomes) {
    if (o.duplicate) {
      ++report.duplicates;
      continue;
    }
    ++report.stored;
    std::string ev = Ids({{"conversation_id", o.conversation_id},
                          {"message_id", o.message_id},
                          {"channel_id", channel_id},
                          {"team_id", channel.team_id}});
    ev.pop_back();
    ev.append(",\"created\":").append(o.created ? "true" : "false");
    ev.append(",\"reopened\":").append(o.reopened ? "true" : "false").append("}");
    Emit("desk.message", ev);
  }
  // New (or reopened, possibly unassigned) conversations wait for an agent.
  bool waiting = false;
  for (const store::IngestOutcome& o : report.outcomes) {
    waiting = waiting || (!o.duplicate && (o.created || o.reopened));
  }
  if (waiting && channel.team_id != 0) {
    Result<size_t> routed = Route(channel.team_id, false);
    if (routed.ok()) report.assigned = *routed;
  }
  return report;
}

Status Desk::DeadLetter(int64_t channel_id, std::string_view source, std::string_view payload,
                        std::string_view reason) {
  store::DeadLetter letter;
  letter.channel_id = channel_id;
  letter.source = std::string(source);
  letter.payload = std::string(payload);
  letter.reason = std::string(reason);
  letter.created_at = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(store::DeadLetter stored, desk_.AddDeadLetter(std::move(letter)));
  std::string ev = Ids({{"dead_letter_id", stored.id}, {"channel_id", channel_id}});
  ev.pop_back();
  ev.append(",\"reason\":");
  AppendJsonString(ev, reason);
  ev.push_back('}');
  Emit("desk.dead_letter", ev);
  return Status::Ok();
}

Result<ReceiveReport> Desk::ReplayDeadLetter(int64_t dead_letter_id,
                                             const DeadLetterParser& parser) {
  LP_ASSIGN_OR_RETURN(store::DeadLetter letter, desk_.GetDeadLetter(dead_letter_id));
  if (letter.replayed_at != 0) {
    return Status::FailedPrecondition("dead letter " + std::to_string(dead_letter_id) +
                                      " was already replayed");
  }
  std::vector<InboundMessage> messages;
  Result<KeyValues> kv = DecodeKeyValues(letter.payload);
  if (kv.ok() && kv->count("format") && (*kv)["format"] == kRawFormat) {
    messages.push_back(FromRawMessage(*kv));
  } else if (parser) {
    LP_ASSIGN_OR_RETURN(messages, parser(letter));
  } else {
    return Status::FailedPrecondition("no parser for dead letters from '" + letter.source + "'");
  }
  for (const InboundMessage& m : messages) {
    const std::string why = Invalid(m, options_);
    if (!why.empty()) {
      return Status::InvalidArgument("dead letter " + std::to_string(dead_letter_id) +
                                     " is still invalid: " + why);
    }
  }
  LP_ASSIGN_OR_RETURN(ReceiveReport report,
                      Receive(letter.channel_id, std::move(messages), "", "replay"));
  LP_RETURN_IF_ERROR(desk_.MarkDeadLetterReplayed(dead_letter_id, clock_.NowMillis()));
  return report;
}

Result<WebhookOutcome> Desk::HandleWebhook(int64_t channel_id, const WebhookRequest& request) {
  LP_ASSIGN_OR_RETURN(std::shared_ptr<Connector> conn, GetConnector(channel_id));
  WebhookReceiver* receiver = conn->channel->webhook();
  if (receiver == nullptr) {
    return Status::NotFound("channel " + std::to_string(channel_id) + " of kind '" +
                            std::string(conn->channel->kind()) + "' takes no webhooks");
  }
  WebhookOutcome out;
  if (request.method != "POST") {
    Result<WebhookAnswer> answer = receiver->Challenge(request);
    if (!answer.ok()) {
      if (answer.error().code() != StatusCode::kPermissionDenied &&
          answer.error().code() != StatusCode::kInvalidArgument) {
        return answer.error();
      }
      out.kind = WebhookOutcome::Kind::kForged;
      out.reason = answer.error().message();
      return out;
    }
    out.kind = WebhookOutcome::Kind::kAnswered;
    out.answer = std::move(*answer);
    return out;
  }
  const Millis now = clock_.NowMillis();
  Result<WebhookDelivery> delivery = receiver->Receive(request, now);
  if (!delivery.ok()) {
    out.reason = delivery.error().message();
    if (delivery.error().code() == StatusCode::kPermissionDenied) {
      out.kind = WebhookOutcome::Kind::kForged;
      return out;
    }
    if (delivery.error().code() != StatusCode::kInvalidArgument) return delivery.error();
    // Verified but unreadable: kept for an admin, never lost.
    LP_RETURN_IF_ERROR(DeadLetter(channel_id, "webhook", request.body, out.reason));
    out.kind = WebhookOutcome::Kind::kMalformed;
    return out;
  }
  std::vector<std::string>& ids = delivery->event_ids;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (!ids.empty()) {
    LP_ASSIGN_OR_RETURN(size_t seen, desk_.CountSeenWebhookEvents(channel_id, ids));
    if (seen == ids.size()) {
      out.kind = WebhookOutcome::Kind::kReplayed;
      out.reason = std::to_string(seen) + " event id(s) already accepted";
      return out;
    }
  }
  // Receive first, remember after: a delivery that failed to store is
  // accepted again when the network retries it (messages are de-duplicated
  // by external id either way).
  if (!delivery->messages.empty()) {
    LP_ASSIGN_OR_RETURN(out.report,
                        Receive(channel_id, std::move(delivery->messages), "", "webhook"));
  }
  if (!ids.empty()) {
    LP_RETURN_IF_ERROR(
        desk_.RememberWebhookEvents(channel_id, ids, now, now - options_.webhook_replay_window_ms));
  }
  out.kind = WebhookOutcome::Kind::kAccepted;
  return out;
}

Result<ReceiveReport> Desk::PollChannel(int64_t channel_id) {
  LP_ASSIGN_OR_RETURN(store::ChannelRow row, desk_.GetChannel(channel_id));
  const Millis now = clock_.NowMillis();
  Result<std::shared_ptr<Connector>> conn = GetConnector(channel_id);
  if (!conn.ok()) {
    (void)desk_.RecordChannelHealth(channel_id, now, false, conn.error().message());
    return conn.error();
  }
  Result<PollResult> polled = [&]() -> Result<PollResult> {
    std::lock_guard<std::mutex> lock((*conn)->mu);
    Result<PollResult> r = (*conn)->channel->Poll(row.cursor);
    PersistState(**conn, channel_id, now);
    return r;
  }();
  if (!polled.ok()) {
    (void)desk_.RecordChannelHealth(channel_id, now, false, polled.error().message());
    return polled.error();
  }
  Result<ReceiveReport> received =
      Receive(channel_id, std::move(polled->messages), polled->cursor, "poll");
  (void)desk_.RecordChannelHealth(channel_id, now, received.ok(),
                                  received.ok() ? "" : received.error().message());
  return received;
}

Result<size_t> Desk::PollChannels(bool force) {
  LP_ASSIGN_OR_RETURN(std::vector<store::ChannelRow> channels, desk_.ListChannels());
  const Millis now = clock_.NowMillis();
  size_t stored = 0;
  for (const store::ChannelRow& c : channels) {
    if (c.paused) continue;
    if (!force && c.last_poll_at != 0 && now - c.last_poll_at < options_.poll_interval_ms) continue;
    Result<ReceiveReport> r = PollChannel(c.id);
    if (r.ok()) stored += r->stored;  // errors are recorded as the channel's health
  }
  return stored;
}

// --- outbound -----------------------------------------------------------------

Result<bool> Desk::CanReplyPrivately(int64_t conversation_id) {
  LP_ASSIGN_OR_RETURN(store::Conversation conv, desk_.GetConversation(conversation_id));
  if (!conv.is_public) return true;
  LP_ASSIGN_OR_RETURN(std::vector<store::Message> messages, desk_.ListMessages(conv.id));
  const store::Message* last_inbound = nullptr;
  OutboundMessage msg = ThreadedReply(conv, messages, &last_inbound);
  LP_ASSIGN_OR_RETURN(std::shared_ptr<Connector> conn, GetConnector(conv.channel_id));
  return conn->channel->CanReplyPrivately(msg);
}

Result<ReplyOutcome> Desk::Reply(const ReplyRequest& req) {
  const bool de = German(req.agent);
  if (req.text.empty()) {
    return Status::InvalidArgument(de ? "Die Antwort ist leer." : "The reply is empty.");
  }
  if (req.text.size() > options_.max_text_bytes) {
    return Status::InvalidArgument("reply of " + std::to_string(req.text.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(options_.max_text_bytes));
  }
  if (utf8::FirstInvalid(req.text) != std::string_view::npos) {
    return Status::InvalidArgument("reply: invalid UTF-8 at byte " +
                                   std::to_string(utf8::FirstInvalid(req.text)));
  }
  if (req.confirm_warnings && req.confirm_reason.empty() && !req.preview) {
    return Status::InvalidArgument(de ? "Bitte einen Grund für das Senden trotz Warnung angeben."
                                      : "Give a reason for sending despite the warnings.");
  }
  LP_ASSIGN_OR_RETURN(store::Conversation conv, desk_.GetConversation(req.conversation_id));
  LP_ASSIGN_OR_RETURN(store::ChannelRow channel, desk_.GetChannel(conv.channel_id));
  if (RetiredAt(channel.settings) != 0) {
    return Status::FailedPrecondition(
        de ? "Der Kanal '" + channel.name + "' ist stillgelegt und sendet nichts mehr."
           : "The channel '" + channel.name + "' is retired and sends nothing any more.");
  }
  LP_ASSIGN_OR_RETURN(std::vector<store::Message> messages, desk_.ListMessages(conv.id));

  ReplyOutcome out;
  out.current_version = conv.version;
  out.is_public = conv.is_public;
  auto conflict = [&]() {
    out.decision = ReplyDecision::kConflict;
    // What arrived since the last reply: the part the agent has to read.
    size_t from = messages.size();
    while (from > 0 && messages[from - 1].direction != MessageDirection::kOutbound) --from;
    out.new_messages.assign(messages.begin() + static_cast<std::ptrdiff_t>(from), messages.end());
    out.message =
        de ? "Die Unterhaltung hat sich geändert. Bitte zuerst die neuen Nachrichten lesen."
           : "The conversation has changed. Read the new messages first.";
    return out;
  };
  if (req.expected_version >= 0 && req.expected_version != conv.version) return conflict();

  // Threading: answer the newest inbound message; e-mail wants the chain.
  const store::Message* last_inbound = nullptr;
  OutboundMessage msg = ThreadedReply(conv, messages, &last_inbound);
  msg.idempotency_key = req.idempotency_key.empty() ? "reply-" + RandomKey() : req.idempotency_key;
  msg.text = req.text;
  if (msg.to_handle.empty()) {
    LP_ASSIGN_OR_RETURN(std::vector<store::ContactHandle> handles,
                        desk_.ListContactHandles(conv.contact_id));
    for (const store::ContactHandle& h : handles) {
      if (h.channel_id == conv.channel_id) msg.to_handle = h.handle;
    }
  }

  LP_ASSIGN_OR_RETURN(std::shared_ptr<Connector> conn, GetConnector(conv.channel_id));
  if (req.private_reply && conv.is_public) {
    // The move to a direct message: only where the connector can deliver
    // it to the customer alone.
    if (!conn->channel->CanReplyPrivately(msg)) {
      return Status::InvalidArgument(
          de ? "Der Kanal '" + channel.name + "' (Art " + channel.kind +
                   ") kann nicht privat antworten; die Antwort wäre öffentlich."
             : "channel '" + channel.name + "' (kind " + channel.kind +
                   ") cannot reply privately; the reply would be public");
    }
    msg.is_public = false;
  }
  out.is_public = msg.is_public;
  Result<std::string> rendered = conn->channel->Render(msg);
  if (!rendered.ok()) {
    if (!req.preview || rendered.error().code() != StatusCode::kInvalidArgument) {
      return rendered.error();
    }
    out.decision = ReplyDecision::kBlocked;
    out.message = rendered.error().message();
    out.estimate = conn->channel->Estimate(msg);
    return out;
  }
  out.wire_text = std::move(*rendered);
  // The message as it will leave: what the outbox or an approval keeps.
  OutboundMessage wire = msg;
  wire.text = out.wire_text;
  out.estimate = conn->channel->Estimate(wire);

  // The audience is the reply's: a private reply to a public conversation
  // is checked as private.
  const guard::CheckOptions opts = ReplyCheckOptions(msg.is_public, channel.kind, de);
  LP_ASSIGN_OR_RETURN(out.verdict, check_(out.wire_text, opts));

  if (msg.is_public) {
    bool pii = HasCategory(out.verdict, "pii");
    if (!pii && last_inbound != nullptr) {
      Result<guard::Verdict> in = check_(last_inbound->body, opts);
      pii = in.ok() && HasCategory(*in, "pii");
    }
    out.suggest_private = pii;
  }

  switch (out.verdict.action) {
    case guard::Action::kBlock:
      out.decision = ReplyDecision::kBlocked;
      out.message = de ? "Die Antwort verstößt gegen die Richtlinie und wird nicht gesendet."
                       : "The reply breaks the guideline and is not sent.";
      break;
    case guard::Action::kHold:
      // Four eyes: stored as an approval; sent once every step approved it.
      out.decision = ReplyDecision::kHeld;
      out.message = de ? "Die Antwort braucht eine Freigabe durch eine zweite Person; gesendet "
                         "wird genau dieser Text, sobald sie erteilt ist."
                       : "The reply needs approval by a second person; exactly this text is sent "
                         "once it is given.";
      break;
    case guard::Action::kWarn:
      if (!req.confirm_warnings) {
        out.decision = ReplyDecision::kNeedsConfirmation;
        out.message = de ? "Die Richtlinie warnt. Trotzdem senden? Bitte einen Grund angeben."
                         : "The guideline warns. Send anyway? Give a reason.";
      } else {
        out.decision = ReplyDecision::kQueued;
      }
      break;
    case guard::Action::kAllow:
      out.decision = ReplyDecision::kQueued;
      break;
  }
  // The agent's reason for sending despite warnings, recorded with the verdict.
  const std::string_view reason =
      out.decision == ReplyDecision::kQueued && out.verdict.action == guard::Action::kWarn
          ? std::string_view(req.confirm_reason)
          : std::string_view();
  // A public conversation answered privately: the verdict records it (the
  // message row, the approval, the archive and the audit log say why personal
  // data that is refused in public could leave).
  const bool moved_private = conv.is_public && !msg.is_public;
  auto record = [moved_private](std::string json) {
    if (moved_private) json.insert(json.size() - 1, ",\"private_reply\":true");
    return json;
  };
  const std::string summary = record(guard::VerdictSummaryJson(out.verdict, reason));
  if (req.preview) return out;
  const std::string actor = "user:" + req.agent.username;
  const std::string target = "conversation:" + std::to_string(conv.id);
  if (out.decision == ReplyDecision::kHeld) {
    const Millis now = clock_.NowMillis();
    store::Approval a;
    a.conversation_id = conv.id;
    a.channel_id = conv.channel_id;
    a.requested_by = req.agent.id;
    a.text = req.text;
    a.wire_text = out.wire_text;
    a.payload = EncodePayload(wire);
    a.verdict = record(guard::VerdictRecordJson(out.verdict, ""));
    a.language = de ? "de" : "en";
    a.idempotency_key = msg.idempotency_key;
    a.next_state = static_cast<int32_t>(req.next_state);
    const ApprovalPolicy policy = approval_policy();
    a.steps = static_cast<int32_t>(std::max<size_t>(1, policy.steps.size()));
    a.created_at = now;
    a.expires_at = policy.expire_after_ms > 0 ? now + policy.expire_after_ms : 0;
    LP_ASSIGN_OR_RETURN(out.approval, desk_.CreateApproval(std::move(a)));
    if (audit_) audit_(actor, "desk.approval_requested", target, summary);
    Emit("desk.approval", Ids({{"approval_id", out.approval.id}, {"conversation_id", conv.id}}));
    return out;
  }
  if (out.decision != ReplyDecision::kQueued) {
    if (audit_ && out.decision != ReplyDecision::kNeedsConfirmation) {
      audit_(actor, "desk.reply_refused", target, summary);
    }
    return out;
  }

  QueuedReply q =
      MakeQueuedReply(conv.id, conv.channel_id, wire, actor, req.agent.id, de ? "de" : "en",
                      record(guard::VerdictRecordJson(out.verdict, reason)), clock_.NowMillis());
  Result<store::OutboxItem> queued = desk_.EnqueueReply(
      conv.id, std::move(q.message), std::move(q.item),
      req.expected_version >= 0 ? req.expected_version : conv.version, req.next_state);
  if (!queued.ok()) {
    if (queued.error().code() == StatusCode::kFailedPrecondition) {
      LP_ASSIGN_OR_RETURN(conv, desk_.GetConversation(req.conversation_id));
      LP_ASSIGN_OR_RETURN(messages, desk_.ListMessages(conv.id));
      out.current_version = conv.version;
      return conflict();
    }
    if (queued.error().code() == StatusCode::kAlreadyExists) {
      out.message =
          de ? "Diese Antwort wurde bereits angenommen." : "This reply was already accepted.";
      return out;  // the same request again: accepted once, nothing more to do
    }
    return queued.error();
  }
  out.outbox = std::move(*queued);
  out.current_version = conv.version + 1;
  if (audit_) audit_(actor, "desk.reply", target, summary);
  Emit("desk.reply", Ids({{"conversation_id", conv.id},
                          {"outbox_id", out.outbox.id},
                          {"message_id", out.outbox.message_id}}));
  return out;
}

// --- connector state and the archive -------------------------------------------------

void Desk::PersistState(Connector& c, int64_t channel_id, Millis now) {
  std::string state = c.channel->state();
  if (state == c.saved_state) return;
  Status s = desk_.SaveChannelState(channel_id, state, now);
  // Not fatal: the state is saved again with the next change.
  if (s.ok()) c.saved_state = std::move(state);
}

void Desk::SetArchiveSealer(store::ArchiveSealer seal) {
  std::lock_guard<std::mutex> lock(mu_);
  archive_ = std::move(seal);
}

// --- approvals ------------------------------------------------------------------------

void Desk::SetApprovalPolicy(ApprovalPolicy policy) {
  std::lock_guard<std::mutex> lock(mu_);
  approvals_ = std::move(policy);
}

ApprovalPolicy Desk::approval_policy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return approvals_;
}

void Desk::RegisterApprovalSubject(std::string kind, ApprovalSubject subject) {
  std::lock_guard<std::mutex> lock(mu_);
  subjects_[std::move(kind)] = std::move(subject);
}

Result<const ApprovalSubject*> Desk::SubjectOf(const store::Approval& a) const {
  if (a.kind == "reply") return static_cast<const ApprovalSubject*>(nullptr);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subjects_.find(a.kind);
  if (it == subjects_.end()) {
    return Status::FailedPrecondition("approval " + std::to_string(a.id) + " of kind '" + a.kind +
                                      "' has no handler in this server");
  }
  return &it->second;  // entries are never removed
}

void Desk::EmitApproval(const store::Approval& a) const {
  if (a.post_id != 0) {
    Emit("desk.approval", Ids({{"approval_id", a.id}, {"post_id", a.post_id}}));
  } else {
    Emit("desk.approval", Ids({{"approval_id", a.id}, {"conversation_id", a.conversation_id}}));
  }
}

Result<store::Approval> Desk::DecideApproval(int64_t approval_id, const store::User& approver,
                                             ApprovalVerb verb, std::string_view comment) {
  const bool de = German(approver);
  LP_ASSIGN_OR_RETURN(store::Approval a, desk_.GetApproval(approval_id));
  LP_ASSIGN_OR_RETURN(const ApprovalSubject* subject, SubjectOf(a));
  if (a.state != store::ApprovalState::kPending) {
    return Status::FailedPrecondition(de ? "Über diese Freigabe ist schon entschieden."
                                         : "This approval was already decided.");
  }
  if (approver.id == a.requested_by) {
    return Status::PermissionDenied(de ? "Die eigene Antwort kann niemand selbst freigeben."
                                       : "Nobody may approve their own reply.");
  }
  const ApprovalPolicy policy = approval_policy();
  if (!policy.steps.empty()) {
    const size_t idx = std::min<size_t>(static_cast<size_t>(a.step), policy.steps.size() - 1);
    const std::vector<std::string>& allowed = policy.steps[idx];
    bool ok = false;
    for (const std::string& r : approver.roles) {
      ok |= std::find(allowed.begin(), allowed.end(), r) != allowed.end();
    }
    if (!ok) {
      std::string roles;
      for (const std::string& r : allowed) roles += (roles.empty() ? "" : ", ") + r;
      return Status::PermissionDenied(
          (de ? "Schritt " : "Step ") + std::to_string(a.step + 1) +
          (de ? " braucht eine dieser Rollen: " : " needs one of these roles: ") + roles);
    }
  }
  if (verb != ApprovalVerb::kApprove && comment.empty()) {
    return Status::InvalidArgument(de ? "Bitte kurz begründen." : "Give a short reason.");
  }
  const Millis now = clock_.NowMillis();
  const bool last = a.step + 1 >= a.steps;
  if (verb == ApprovalVerb::kApprove && last) {
    // The guideline may have changed since the reply was held: check again
    // on exactly the text that would leave.
    guard::Verdict verdict;
    if (subject != nullptr) {
      LP_ASSIGN_OR_RETURN(verdict, subject->recheck(a));
    } else {
      LP_ASSIGN_OR_RETURN(store::ChannelRow channel, desk_.GetChannel(a.channel_id));
      LP_ASSIGN_OR_RETURN(OutboundMessage wire, ApprovedWire(a));
      LP_ASSIGN_OR_RETURN(verdict, check_(wire.text, ReplyCheckOptions(wire.is_public, channel.kind,
                                                                       a.language == "de")));
    }
    if (verdict.action == guard::Action::kBlock) {
      LP_RETURN_IF_ERROR(desk_.SetApprovalState(a.id, store::ApprovalState::kBlocked, now));
      if (audit_) {
        audit_("user:" + approver.username, "desk.approval_blocked",
               "approval:" + std::to_string(a.id), guard::VerdictSummaryJson(verdict, ""));
      }
      LP_ASSIGN_OR_RETURN(store::Approval blocked, desk_.GetApproval(a.id));
      if (subject != nullptr) LP_RETURN_IF_ERROR(subject->changed(blocked));
      EmitApproval(blocked);
      return blocked;
    }
  }
  store::ApprovalDecision d;
  d.approval_id = a.id;
  d.step = a.step;
  d.user_id = approver.id;
  d.username = approver.username;
  d.comment = std::string(comment);
  store::ApprovalState next = store::ApprovalState::kPending;
  switch (verb) {
    case ApprovalVerb::kApprove:
      d.decision = "approve";
      next = last ? store::ApprovalState::kApproved : store::ApprovalState::kPending;
      break;
    case ApprovalVerb::kReject:
      d.decision = "reject";
      next = store::ApprovalState::kRejected;
      break;
    case ApprovalVerb::kRequestChanges:
      d.decision = "request_changes";
      next = store::ApprovalState::kChangesRequested;
      break;
  }
  LP_ASSIGN_OR_RETURN(store::Approval decided, desk_.DecideApproval(d, next, now));
  if (audit_) {
    std::string detail = "{\"decision\":";
    AppendJsonString(detail, d.decision);
    detail += ",\"step\":" + std::to_string(d.step + 1) + ",\"comment\":";
    AppendJsonString(detail, d.comment);
    detail += "}";
    audit_("user:" + approver.username, "desk.approval_decided", "approval:" + std::to_string(a.id),
           detail);
  }
  EmitApproval(decided);
  if (decided.state == store::ApprovalState::kApproved) {
    LP_RETURN_IF_ERROR(QueueApproved(decided));
    decided.queued = true;
  } else if (subject != nullptr && decided.state != store::ApprovalState::kPending) {
    LP_RETURN_IF_ERROR(subject->changed(decided));
  }
  return decided;
}

Status Desk::QueueApproved(const store::Approval& a) {
  LP_ASSIGN_OR_RETURN(const ApprovalSubject* subject, SubjectOf(a));
  if (subject != nullptr) {
    LP_RETURN_IF_ERROR(subject->changed(a));
    return desk_.MarkApprovalQueued(a.id, clock_.NowMillis());
  }
  LP_ASSIGN_OR_RETURN(OutboundMessage wire, ApprovedWire(a));
  const Millis now = clock_.NowMillis();
  QueuedReply q =
      MakeQueuedReply(a.conversation_id, a.channel_id, wire, "user:" + a.requested_by_name,
                      a.requested_by, a.language, a.verdict, now);
  Result<store::OutboxItem> queued =
      desk_.EnqueueReply(a.conversation_id, std::move(q.message), std::move(q.item), -1,
                         static_cast<store::ConversationState>(a.next_state));
  // AlreadyExists: queued before a crash, only the mark is missing.
  if (!queued.ok() && queued.error().code() != StatusCode::kAlreadyExists) return queued.error();
  if (queued.ok()) {
    Emit("desk.reply", Ids({{"conversation_id", a.conversation_id},
                            {"outbox_id", queued->id},
                            {"message_id", queued->message_id}}));
  }
  return desk_.MarkApprovalQueued(a.id, now);
}

Result<size_t> Desk::SweepApprovals() {
  const Millis now = clock_.NowMillis();
  size_t n = 0;
  LP_ASSIGN_OR_RETURN(std::vector<store::Approval> expired, desk_.ExpireApprovals(now));
  for (const store::Approval& a : expired) {
    if (audit_) audit_("system", "desk.approval_expired", "approval:" + std::to_string(a.id), "{}");
    EmitApproval(a);
    Result<const ApprovalSubject*> subject = SubjectOf(a);
    if (subject.ok() && *subject != nullptr) LP_RETURN_IF_ERROR((*subject)->changed(a));
    ++n;
  }
  LP_ASSIGN_OR_RETURN(std::vector<store::Approval> approved, desk_.ListApprovalsToQueue(100));
  for (const store::Approval& a : approved) {
    Status s = QueueApproved(a);
    // An approval of a kind this server cannot handle stays for one that can.
    if (!s.ok() && s.code() != StatusCode::kFailedPrecondition) return s;
    ++n;
  }
  return n;
}

Result<size_t> Desk::RunOutbox(int32_t limit) {
  const Millis now = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(
      std::vector<store::OutboxItem> items,
      desk_.ClaimOutbox(options_.instance_id, now, options_.outbox_lease_ms, limit));
  size_t sent = 0;
  for (const store::OutboxItem& item : items) {
    Status s = SendOne(item);
    if (s.ok()) ++sent;
  }
  return sent;
}

Status Desk::SendOne(const store::OutboxItem& item) {
  const Millis now = clock_.NowMillis();
  auto fail = [&](const Status& why, Millis retry_after) -> Status {
    Millis retry_at = 0;
    if (Transient(why) && now - item.created_at < options_.give_up_after_ms) {
      Millis backoff = options_.retry_base_ms;
      // attempts counts this one (ClaimOutbox increments it): 2 s, 4 s, 8 s...
      for (int i = 1; i < item.attempts && backoff < options_.retry_max_ms; ++i) backoff *= 2;
      backoff = std::min(backoff, options_.retry_max_ms);
      retry_at = now + std::max(backoff, retry_after);
    }
    LP_RETURN_IF_ERROR(desk_.FailOutbox(item.id, why.message(), retry_at, now));
    if (retry_at == 0) {
      Emit("desk.send_failed", Ids({{"outbox_id", item.id}, {"message_id", item.message_id}}));
    }
    return why;
  };
  Result<OutboundMessage> msg = DecodePayload(item);
  if (!msg.ok()) return fail(Status::DataLoss(msg.error().message()), 0);
  Result<std::shared_ptr<Connector>> conn = GetConnector(item.channel_id);
  if (!conn.ok()) return fail(conn.error(), 0);
  Connector& c = **conn;
  std::lock_guard<std::mutex> lock(c.mu);
  const RateLimit limit = c.channel->rate_limit();
  if (limit.max_sends > 0 && limit.window_ms > 0) {
    while (!c.sends.empty() && c.sends.front() <= now - limit.window_ms) c.sends.pop_front();
    if (static_cast<int>(c.sends.size()) >= limit.max_sends) {
      // Not an error of the message: wait for the window without using up
      // the give-up budget faster than time passes.
      return fail(Status::ResourceExhausted("channel rate limit reached"),
                  c.sends.front() + limit.window_ms - now);
    }
  }
  Result<SendReceipt> receipt = c.channel->Send(*msg);
  if (!receipt.ok()) {
    (void)desk_.RecordChannelHealth(item.channel_id, now, false, receipt.error().message());
    return fail(receipt.error(), receipt.error().code() == StatusCode::kResourceExhausted
                                     ? c.channel->retry_after_ms()
                                     : 0);
  }
  c.sends.push_back(now);
  PersistState(c, item.channel_id, now);
  store::ArchiveSealer seal;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seal = archive_;
  }
  LP_RETURN_IF_ERROR(desk_.CompleteOutbox(item.id, receipt->external_id, now, seal));
  Emit("desk.sent", Ids({{"outbox_id", item.id}, {"message_id", item.message_id}}));
  return Status::Ok();
}

// --- for other pillars ------------------------------------------------------------

Result<RenderedMessage> Desk::RenderFor(int64_t channel_id, const OutboundMessage& msg) {
  LP_ASSIGN_OR_RETURN(std::shared_ptr<Connector> conn, GetConnector(channel_id));
  RenderedMessage out;
  LP_ASSIGN_OR_RETURN(out.wire_text, conn->channel->Render(msg));
  OutboundMessage wire = msg;
  wire.text = out.wire_text;
  out.estimate = conn->channel->Estimate(wire);
  return out;
}

Result<SendReceipt> Desk::SendNow(int64_t channel_id, const OutboundMessage& wire,
                                  Millis* retry_after_ms) {
  const Millis now = clock_.NowMillis();
  if (retry_after_ms != nullptr) *retry_after_ms = 0;
  LP_ASSIGN_OR_RETURN(std::shared_ptr<Connector> conn, GetConnector(channel_id));
  Connector& c = *conn;
  std::lock_guard<std::mutex> lock(c.mu);
  const RateLimit limit = c.channel->rate_limit();
  if (limit.max_sends > 0 && limit.window_ms > 0) {
    while (!c.sends.empty() && c.sends.front() <= now - limit.window_ms) c.sends.pop_front();
    if (static_cast<int>(c.sends.size()) >= limit.max_sends) {
      if (retry_after_ms != nullptr) *retry_after_ms = c.sends.front() + limit.window_ms - now;
      return Status::ResourceExhausted("channel rate limit reached");
    }
  }
  Result<SendReceipt> receipt = c.channel->Send(wire);
  if (!receipt.ok()) {
    (void)desk_.RecordChannelHealth(channel_id, now, false, receipt.error().message());
    if (retry_after_ms != nullptr && receipt.error().code() == StatusCode::kResourceExhausted) {
      *retry_after_ms = c.channel->retry_after_ms();
    }
    return receipt.error();
  }
  c.sends.push_back(now);
  PersistState(c, channel_id, now);
  (void)desk_.RecordChannelHealth(channel_id, now, true, "");
  return receipt;
}

// --- templates ------------------------------------------------------------------

Result<std::string> Desk::FillTemplate(std::string_view body,
                                       const store::Conversation& conversation,
                                       const store::User& agent) const {
  std::string contact_name;
  if (conversation.contact_id != 0) {
    Result<store::Contact> c = desk_.GetContact(conversation.contact_id);
    if (c.ok()) contact_name = c->display_name;
  }
  std::string signature;
  Result<std::vector<store::AgentDeskState>> agents = desk_.ListTeamAgents(conversation.team_id);
  if (agents.ok()) {
    for (const store::AgentDeskState& a : *agents) {
      if (a.user_id == agent.id) signature = a.signature;
    }
  }
  const std::string agent_name = agent.display_name.empty() ? agent.username : agent.display_name;
  if (signature.empty()) signature = agent_name;
  const std::string first_name = contact_name.substr(0, contact_name.find(' '));
  const std::map<std::string_view, std::string_view> vars = {
      {"contact.name", contact_name},
      {"contact.first_name", first_name},
      {"agent.name", agent_name},
      {"agent.signature", signature},
      {"conversation.subject", conversation.subject}};
  std::string out;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t open = body.find("{{", pos);
    if (open == std::string_view::npos) break;
    const size_t close = body.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("template: '{{' at byte " + std::to_string(open) +
                                     " is not closed");
    }
    std::string_view name = body.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    auto it = vars.find(name);
    if (it == vars.end()) {
      return Status::InvalidArgument("template: unknown variable '" + std::string(name) +
                                     "' at byte " + std::to_string(open));
    }
    out.append(body.substr(pos, open - pos));
    out.append(it->second);
    pos = close + 2;
  }
  out.append(body.substr(pos));
  return out;
}

}  // namespace leitplanke::desk
