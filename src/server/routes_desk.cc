// Desk routes: channels, the inbox, conversations, replies through the guard,
// notes, presence, canned replies, team routing/SLA settings, dead letters.
// The rules live in desk::Desk and the store; this file maps JSON to calls.
#include <charconv>
#include <chrono>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "leitplanke/desk/calendar.h"
#include "leitplanke/desk/kv.h"

#include "channels/webchat/webchat.h"
#include "http/json_body.h"
#include "server/app.h"
#include "server/desk_setup.h"
#include "server/route_util.h"
#include "server/verdict_json.h"

namespace leitplanke::server {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;
using store::ConversationState;

// A time query parameter: milliseconds since the epoch or a UTC date
// ("2026-11-01" = its midnight); `fallback` when absent.
Result<Millis> TimeParam(const Request& req, std::string_view name, Millis fallback) {
  std::optional<std::string_view> v = req.Query(name);
  if (!v || v->empty()) return fallback;
  Millis ms = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), ms);
  if (ec == std::errc() && p == v->data() + v->size()) return ms;
  Result<desk::CivilDate> d = desk::ParseDate(*v);
  if (!d.ok()) {
    return Status::InvalidArgument(std::string(name) + ": expected a date (2026-11-01) or " +
                                   "milliseconds since 1970, got '" + std::string(*v) + "'");
  }
  const std::chrono::sys_days days{std::chrono::year{d->year} /
                                   std::chrono::month{static_cast<unsigned>(d->month)} /
                                   std::chrono::day{static_cast<unsigned>(d->day)}};
  return static_cast<Millis>(days.time_since_epoch().count()) * 86'400'000;
}

json DurationJson(const desk::DurationStats& d) {
  json buckets = json::array();
  for (size_t i = 0; i < d.buckets.size(); ++i) {
    json b = {{"count", d.buckets[i]}};
    b["le_ms"] =
        i < std::size(desk::kReportBuckets) ? json(desk::kReportBuckets[i]) : json(nullptr);
    buckets.push_back(std::move(b));
  }
  return {{"count", d.count},
          {"p50_ms", d.p50},
          {"p75_ms", d.p75},
          {"p90_ms", d.p90},
          {"p95_ms", d.p95},
          {"max_ms", d.max},
          {"buckets", std::move(buckets)}};
}

json ReportJson(const desk::TeamReport& r) {
  auto share = [](double v) { return v < 0 ? json(nullptr) : json(v); };
  json volume = json::array();
  for (const auto& v : r.volume) {
    volume.push_back({{"channel_id", v.channel_id},
                      {"hour", IsoTime(v.hour)},
                      {"inbound", v.inbound},
                      {"outbound", v.outbound}});
  }
  json out = {{"team_id", r.team_id},
              {"from", IsoTime(r.from)},
              {"to", IsoTime(r.to)},
              {"business_hours", r.business_hours},
              {"conversations", r.conversations},
              {"answered", r.answered},
              {"resolved", r.resolved},
              {"first_response", DurationJson(r.first_response)},
              {"resolution", DurationJson(r.resolution)},
              {"first_response_within_sla", share(r.first_response_within_sla)},
              {"resolution_within_sla", share(r.resolution_within_sla)},
              {"volume", std::move(volume)}};
  if (!r.agents.empty()) {
    json agents = json::array();
    for (const auto& a : r.agents) {
      agents.push_back({{"user_id", a.user_id},
                        {"conversations", a.conversations},
                        {"first_response", DurationJson(a.first_response)}});
    }
    out["agents"] = std::move(agents);
  }
  return out;
}

constexpr const char* kStateNames[] = {"new", "open", "pending_customer", "resolved"};

std::string_view StateName(ConversationState s) { return kStateNames[static_cast<int>(s)]; }

Result<ConversationState> ParseState(std::string_view s) {
  for (int i = 0; i < 4; ++i) {
    if (s == kStateNames[i]) return static_cast<ConversationState>(i);
  }
  return Status::InvalidArgument("unknown state \"" + std::string(s) +
                                 "\" (known: new, open, pending_customer, resolved)");
}

// The verdict report reads at most this many replies and draws at most this
// many buckets (a year of days, a month of hours).
constexpr int64_t kMaxVerdictRows = 200'000;
constexpr int64_t kMaxVerdictBuckets = 800;

constexpr const char* kPriorityNames[] = {"normal", "high", "urgent"};

// "high,urgent" or "1,2": the priorities a list shows.
Result<std::vector<int32_t>> ParsePriorities(std::string_view s) {
  std::vector<int32_t> out;
  std::string_view rest = s;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    int32_t found = -1;
    for (int32_t i = 0; i < 3; ++i) {
      if (item == kPriorityNames[i] || item == std::to_string(i)) found = i;
    }
    if (found < 0) {
      return Status::InvalidArgument("query parameter priority: unknown priority '" +
                                     std::string(item) + "' (known: normal, high, urgent or 0-2)");
    }
    out.push_back(found);
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
  }
  return out;
}

// "overdue" (0) or a number of minutes (1 to 10080): how far ahead of now a
// response may be due to be listed.
Result<Millis> ParseSlaDue(std::string_view s) {
  if (s == "overdue") return Millis{0};
  int64_t minutes = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), minutes);
  if (ec != std::errc() || p != s.data() + s.size() || minutes < 1 || minutes > 10080) {
    return Status::InvalidArgument(
        "query parameter sla_due must be \"overdue\" or minutes from 1 to 10080, got \"" +
        std::string(s) + "\"");
  }
  return minutes * 60'000;
}

// Whether the response target that runs (first or next response, not
// paused) is due at or before `due_before`, through the team's calendar and
// the pauses: the exact answer for the rows the store found by wall time.
Result<bool> ResponseDueBy(desk::Desk& dk, int64_t conversation, Millis due_before) {
  LP_ASSIGN_OR_RETURN(std::string sla, dk.SlaStatusJson(conversation));
  if (sla.empty()) return false;
  const json j = json::parse(sla, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Internal("the SLA status of conversation " + std::to_string(conversation) +
                            " is not JSON");
  }
  for (const char* target : {"first_response", "next_response"}) {
    const auto t = j.find(target);
    if (t == j.end() || !t->is_object()) continue;
    if (!t->value("active", false) || t->value("paused", false)) continue;
    const auto due = t->find("due_at");
    if (due != t->end() && due->is_number_integer() && due->get<Millis>() <= due_before) {
      return true;
    }
  }
  return false;
}

std::string_view DirectionName(store::MessageDirection d) {
  switch (d) {
    case store::MessageDirection::kInbound:
      return "inbound";
    case store::MessageDirection::kOutbound:
      return "outbound";
    case store::MessageDirection::kNote:
      return "note";
  }
  return "inbound";
}

std::string_view DeliveryName(store::DeliveryState d) {
  switch (d) {
    case store::DeliveryState::kNone:
      return "";
    case store::DeliveryState::kQueued:
      return "queued";
    case store::DeliveryState::kSent:
      return "sent";
    case store::DeliveryState::kFailed:
      return "failed";
  }
  return "";
}

constexpr const char* kEventNames[] = {"inbound",     "outbound",  "pending_customer", "open",
                                       "resolved",    "reopened",  "assigned",         "note",
                                       "sla_warning", "sla_breach"};

json ParseOrString(const std::string& text) {
  if (text.empty()) return nullptr;
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(text) : j;
}

// `conn`: the channel's connector when it could be built (credential expiry
// and warnings come from it).
// A retired channel keeps its row (its conversations point to it) with this
// setting and paused; its credentials are gone from the vault.
constexpr const char* kRetiredAt = desk::kRetiredAtSetting;

int64_t RetiredAt(const store::ChannelRow& c) { return desk::RetiredAt(c.settings); }

json ChannelJson(const store::ChannelRow& c, const desk::Channel* conn = nullptr) {
  json settings = json::object();
  if (Result<desk::KeyValues> kv = desk::DecodeKeyValues(c.settings); kv.ok()) {
    for (const auto& [k, v] : *kv) {
      if (k != kRetiredAt) settings[k] = v;
    }
  }
  const int64_t retired = RetiredAt(c);
  return {{"id", c.id},
          {"name", c.name},
          {"kind", c.kind},
          {"team_id", c.team_id},
          {"settings", std::move(settings)},
          {"paused", c.paused},
          {"retired", retired != 0},
          {"retired_at", IsoTime(retired)},
          {"health",
           {{"last_poll_at", IsoTime(c.last_poll_at)},
            {"last_ok_at", IsoTime(c.last_ok_at)},
            {"last_error", c.last_error},
            {"last_error_at", IsoTime(c.last_error_at)},
            {"ok", store::ChannelHealthy(c)},
            {"credentials_expire_at", IsoTime(conn ? conn->credentials_expire_at() : 0)},
            {"warning", conn ? conn->health_warning() : ""}}},
          {"created_at", IsoTime(c.created_at)}};
}

json ConversationJson(const store::Conversation& c) {
  return {{"id", c.id},
          {"channel_id", c.channel_id},
          {"contact_id", c.contact_id},
          {"team_id", c.team_id},
          {"subject", c.subject},
          {"state", StateName(c.state)},
          {"priority", c.priority},
          {"language", c.language},
          {"public", c.is_public},
          {"assignee_id", c.assignee_id},
          {"waiting_since", IsoTime(c.waiting_since)},
          {"first_response_at", IsoTime(c.first_response_at)},
          {"last_message_at", IsoTime(c.last_message_at)},
          {"last_message_ms", c.last_message_at},
          {"preview", c.last_preview},
          {"version", c.version},
          {"tags", c.tags},
          {"created_at", IsoTime(c.created_at)},
          {"purged_at", IsoTime(c.purged_at)}};
}

json MessageJson(const store::Message& m) {
  json atts = json::array();
  for (const auto& a : m.attachments) {
    atts.push_back(
        {{"name", a.name}, {"mime_type", a.mime_type}, {"size", a.size}, {"url", a.url}});
  }
  return {{"id", m.id},
          {"direction", DirectionName(m.direction)},
          {"external_id", m.external_id},
          {"in_reply_to", m.in_reply_to},
          {"author", m.author},
          {"subject", m.subject},
          {"body", m.body},
          {"public", m.is_public},
          {"language", m.language},
          {"delivery", DeliveryName(m.delivery)},
          {"verdict", ParseOrString(m.verdict)},
          {"attachments", std::move(atts)},
          {"sent_at", IsoTime(m.sent_at)}};
}

// Presence per conversation: who is viewing or typing, kept in memory for
// 30 s after the last heartbeat (collision detection in the UI).
// A viewer counts while their heartbeats keep coming (the UI sends one every
// few seconds); presence lives in the database, so every instance sees it.
constexpr Millis kPresenceTtlMs = 30'000;

Result<json> ViewersJson(store::DeskStore& ds, int64_t conversation, Millis now) {
  LP_ASSIGN_OR_RETURN(std::vector<store::Viewer> viewers,
                      ds.ListPresence(conversation, now - kPresenceTtlMs));
  json out = json::array();
  for (const store::Viewer& v : viewers) {
    out.push_back({{"user_id", v.user_id}, {"username", v.username}, {"typing", v.typing}});
  }
  return out;
}

template <class F>
http::Handler JsonHandler(int ok_status, F body) {
  return [ok_status, body](Request& req) -> Response {
    Result<json> r = body(req);
    if (!r.ok()) return StatusResponse(r.status());
    if (r->is_null()) return Response::NoContent();
    return JsonResponse(ok_status, *r);
  };
}

http::RouteOptions Blocking(std::string permission, std::string summary) {
  return BlockingRoute("desk", std::move(permission), std::move(summary));
}

Result<desk::KeyValues> StringMap(const json& body, const char* pointer) {
  desk::KeyValues out;
  const json::json_pointer ptr(pointer);
  if (!body.contains(ptr)) return out;
  const json& obj = body.at(ptr);
  if (!obj.is_object()) return Status::InvalidArgument(std::string(pointer) + " must be an object");
  for (const auto& [k, v] : obj.items()) {
    if (!v.is_string()) {
      return Status::InvalidArgument(std::string(pointer) + "/" + k + " must be a string");
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

const char* ApprovalStateName(store::ApprovalState s) {
  switch (s) {
    case store::ApprovalState::kPending:
      return "pending";
    case store::ApprovalState::kApproved:
      return "approved";
    case store::ApprovalState::kRejected:
      return "rejected";
    case store::ApprovalState::kChangesRequested:
      return "changes_requested";
    case store::ApprovalState::kExpired:
      return "expired";
    case store::ApprovalState::kSuperseded:
      return "superseded";
    case store::ApprovalState::kBlocked:
      return "blocked";
  }
  return "unknown";
}

json ApprovalJson(const store::Approval& a) {
  return {{"id", a.id},
          {"kind", a.kind},
          {"conversation_id", a.conversation_id},
          {"post_id", a.post_id},  // kind "post": the post (GET /api/v1/posts/{id})
          {"channel_id", a.channel_id},
          {"requested_by", a.requested_by_name},
          {"text", a.text},
          {"wire_text", a.wire_text},
          {"verdict", ParseOrString(a.verdict)},
          {"language", a.language},
          {"state", ApprovalStateName(a.state)},
          {"steps", a.steps},
          {"approvals", a.step},
          {"queued", a.queued},
          {"created_at", IsoTime(a.created_at)},
          {"updated_at", IsoTime(a.updated_at)},
          {"expires_at", IsoTime(a.expires_at)}};
}

json EstimateJson(const desk::SendEstimate& e) {
  json j = {{"length", e.length}, {"limit", e.limit}, {"unit", e.unit}};
  if (e.limit > 0) j["remaining"] = e.limit - e.length;
  if (!e.currency.empty()) {
    j["cost"] = e.cost;
    j["currency"] = e.currency;
  }
  if (!e.warning.empty()) j["warning"] = e.warning;
  return j;
}

// POST .../replies and .../replies/preview: the same request, the preview
// only reports what would happen.
Response ReplyRoute(desk::Desk& dk, Request& req, bool preview) {
  Result<int64_t> id = PathId(req, "id");
  if (!id.ok()) return StatusResponse(id.status());
  LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
  desk::ReplyRequest r;
  r.conversation_id = *id;
  r.agent = CurrentUser(req);
  LP_HTTP_ASSIGN_OR_RESPOND(r.text, http::GetString(body, "/text"));
  LP_HTTP_ASSIGN_OR_RESPOND(std::optional<int64_t> version, http::GetOptionalInt(body, "/version"));
  r.expected_version = version.value_or(-1);
  LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> next,
                            http::GetOptionalString(body, "/next_state"));
  if (next) {
    Result<ConversationState> st = ParseState(*next);
    if (!st.ok() || *st == ConversationState::kNew) {
      return Response::Error(400, "invalid_argument",
                             "/next_state must be open, pending_customer or resolved",
                             "/next_state");
    }
    r.next_state = *st;
  }
  LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> reason,
                            http::GetOptionalString(body, "/confirm_reason"));
  r.confirm_warnings = reason.has_value();
  r.confirm_reason = reason.value_or("");
  LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> key,
                            http::GetOptionalString(body, "/idempotency_key"));
  r.idempotency_key = key.value_or("");
  LP_HTTP_ASSIGN_OR_RESPOND(std::optional<bool> priv, http::GetOptionalBool(body, "/private"));
  r.private_reply = priv.value_or(false);
  r.preview = preview;
  Result<desk::ReplyOutcome> out = dk.Reply(r);
  if (!out.ok()) {
    // A private reply the channel cannot send is the caller's choice, not the text's.
    const bool refused_private = r.private_reply &&
                                 out.status().code() == StatusCode::kInvalidArgument &&
                                 !dk.CanReplyPrivately(r.conversation_id).value_or(true);
    return StatusResponse(out.status(), refused_private ? "/private" : "/text");
  }
  json j = {{"decision", desk::ReplyDecisionName(out->decision)},
            {"message", out->message},
            {"wire_text", out->wire_text},
            {"verdict", json::parse(VerdictToJson(out->verdict, "", false))},
            {"suggest_private", out->suggest_private},
            {"private", !out->is_public},
            {"version", out->current_version},
            {"estimate", EstimateJson(out->estimate)}};
  if (out->decision == desk::ReplyDecision::kConflict) {
    json nm = json::array();
    for (const auto& m : out->new_messages) nm.push_back(MessageJson(m));
    j["new_messages"] = std::move(nm);
  }
  if (preview) return JsonResponse(200, j);
  int status = 422;
  switch (out->decision) {
    case desk::ReplyDecision::kQueued:
      status = 202;
      j["outbox_id"] = out->outbox.id;
      j["message_id"] = out->outbox.message_id;
      break;
    case desk::ReplyDecision::kHeld:
      status = 202;  // accepted for approval
      j["approval_id"] = out->approval.id;
      break;
    case desk::ReplyDecision::kConflict:
      status = 409;
      break;
    default:
      break;
  }
  return JsonResponse(status, j);
}

}  // namespace

Status AddDeskRoutes(AppContext& ctx, http::Router& router) {
  if (!ctx.desk) return Status::Ok();
  desk::Desk& dk = *ctx.desk;
  store::DeskStore& ds = ctx.store->desk();

  // --- channels ------------------------------------------------------------------
  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/desk/channels",
      JsonHandler(200,
                  [&ds, &dk](Request&) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(std::vector<store::ChannelRow> rows, ds.ListChannels());
                    json list = json::array();
                    for (const auto& c : rows) {
                      Result<desk::Channel*> conn = dk.ConnectorFor(c.id);
                      list.push_back(ChannelJson(c, conn.ok() ? *conn : nullptr));
                    }
                    return json{{"channels", std::move(list)}};
                  }),
      Blocking("desk:read", "Channels with their health")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/desk/channels",
      [&ctx, &ds, &dk](Request& req) -> Response {
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string name, http::GetString(body, "/name"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string kind, http::GetString(body, "/kind"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<int64_t> team,
                                  http::GetOptionalInt(body, "/team_id"));
        Result<desk::KeyValues> settings = StringMap(body, "/settings");
        if (!settings.ok()) return StatusResponse(settings.status(), "/settings");
        Result<desk::KeyValues> secrets = StringMap(body, "/secrets");
        if (!secrets.ok()) return StatusResponse(secrets.status(), "/secrets");
        const std::vector<std::string> kinds = dk.channel_kinds();
        if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
          std::string known;
          for (const auto& k : kinds) known += (known.empty() ? "" : ", ") + k;
          return Response::Error(400, "invalid_argument",
                                 "unknown channel kind \"" + kind + "\" (known: " + known + ")",
                                 "/kind");
        }
        if (name.empty() || name.size() > 64 || name.find('/') != std::string::npos) {
          return Response::Error(400, "invalid_argument",
                                 "/name must be 1 to 64 characters without '/'", "/name");
        }
        for (const auto& [k, v] : *secrets) {
          Status s = ctx.vault->Put("channel/" + name + "/" + k, v);
          if (!s.ok()) return StatusResponse(s, "/secrets");
        }
        store::ChannelRow row;
        row.name = name;
        row.kind = kind;
        row.team_id = team.value_or(0);
        row.settings = desk::EncodeKeyValues(*settings);
        row.created_at = row.updated_at = ctx.clock->NowMillis();
        Result<store::ChannelRow> created = ds.CreateChannel(row);
        if (!created.ok()) return StatusResponse(created.status(), "/name");
        // The connector is built now, so bad settings show up at once.
        Result<desk::Channel*> conn = dk.ConnectorFor(created->id);
        json out = ChannelJson(*created);
        if (!conn.ok()) out["connector_error"] = conn.status().message();
        ctx.Audit(ActorOf(req), "desk.channel_create", "channel:" + name,
                  json{{"kind", kind}}.dump(), req.remote_address);
        return JsonResponse(201, out);
      },
      Blocking("desk:admin", "Configure a channel (secrets go to the vault)")));

  LP_RETURN_IF_ERROR(router.Handle(
      "PATCH", "/api/v1/desk/channels/{id}",
      [&ctx, &ds, &dk](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        Result<store::ChannelRow> row = ds.GetChannel(*id);
        if (!row.ok()) return StatusResponse(row.status());
        if (RetiredAt(*row) != 0) {
          return Response::Error(409, "failed_precondition",
                                 "channel '" + row->name + "' is retired");
        }
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<int64_t> team,
                                  http::GetOptionalInt(body, "/team_id"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<bool> paused,
                                  http::GetOptionalBool(body, "/paused"));
        std::string settings = row->settings;
        if (body.contains("settings")) {
          Result<desk::KeyValues> kv = StringMap(body, "/settings");
          if (!kv.ok()) return StatusResponse(kv.status(), "/settings");
          settings = desk::EncodeKeyValues(*kv);
        }
        Result<desk::KeyValues> secrets = StringMap(body, "/secrets");
        if (!secrets.ok()) return StatusResponse(secrets.status(), "/secrets");
        for (const auto& [k, v] : *secrets) {
          Status s = ctx.vault->Put("channel/" + row->name + "/" + k, v);
          if (!s.ok()) return StatusResponse(s, "/secrets");
        }
        Status s = ds.UpdateChannel(*id, team.value_or(row->team_id), settings,
                                    paused.value_or(row->paused));
        if (!s.ok()) return StatusResponse(s);
        dk.ResetConnector(*id);
        ctx.Audit(ActorOf(req), "desk.channel_update", "channel:" + row->name,
                  json{{"paused", paused.value_or(row->paused)}}.dump(), req.remote_address);
        Result<store::ChannelRow> now = ds.GetChannel(*id);
        if (!now.ok()) return StatusResponse(now.status());
        return JsonResponse(200, ChannelJson(*now));
      },
      Blocking("desk:admin", "Change, pause or resume a channel")));

  LP_RETURN_IF_ERROR(router.Handle(
      "DELETE", "/api/v1/desk/channels/{id}",
      [&ctx, &ds, &dk](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        Result<store::ChannelRow> row = ds.GetChannel(*id);
        if (!row.ok()) return StatusResponse(row.status());
        // The credentials go first: a retired channel never signs in again.
        const std::string prefix = "channel/" + row->name + "/";
        Result<std::vector<trust::VaultSecretInfo>> all = ctx.vault->List();
        if (!all.ok()) return StatusResponse(all.status());
        int deleted_secrets = 0;
        for (const trust::VaultSecretInfo& sec : *all) {
          if (sec.name.rfind(prefix, 0) != 0) continue;
          Status s = ctx.vault->Delete(sec.name);
          if (!s.ok()) return StatusResponse(s);
          ++deleted_secrets;
        }
        dk.ResetConnector(*id);
        // Without conversations the row goes; with them (or posts that name
        // it) it stays, retired (paused, marked), so conversations, messages
        // and posts keep their channel.
        bool retired = false;
        Status gone = ds.DeleteChannel(*id);
        if (!gone.ok() && ds.GetChannel(*id).ok()) {
          Result<desk::KeyValues> kv = desk::DecodeKeyValues(row->settings);
          desk::KeyValues settings = kv.ok() ? *kv : desk::KeyValues{};
          const int64_t now = ctx.clock->NowMillis();
          if (RetiredAt(*row) == 0) settings[kRetiredAt] = std::to_string(now);
          gone = ds.UpdateChannel(*id, row->team_id, desk::EncodeKeyValues(settings), true);
          retired = true;
        }
        if (!gone.ok()) return StatusResponse(gone);
        dk.ResetConnector(*id);
        ctx.Audit(ActorOf(req), retired ? "desk.channel_retire" : "desk.channel_delete",
                  "channel:" + row->name,
                  json{{"kind", row->kind}, {"deleted_secrets", deleted_secrets}}.dump(),
                  req.remote_address);
        json out = {{"id", *id},
                    {"name", row->name},
                    {"deleted", !retired},
                    {"retired", retired},
                    {"deleted_secrets", deleted_secrets}};
        return JsonResponse(200, out);
      },
      Blocking("desk:admin",
               "Delete a channel, or retire it while it has conversations (kept; paused; its "
               "vault secrets deleted)")));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/desk/channel-kinds",
      JsonHandler(
          200,
          [&dk](Request&) -> Result<json> {
            std::map<std::string, ChannelKindInfo> infos;
            for (ChannelKindInfo& k : ChannelKindInfos()) infos[k.kind] = std::move(k);
            auto fields = [](const std::vector<ChannelFieldInfo>& in) {
              json a = json::array();
              for (const ChannelFieldInfo& f : in) {
                a.push_back(
                    {{"key", f.key}, {"required", f.required}, {"description", f.description}});
              }
              return a;
            };
            json list = json::array();
            for (const std::string& kind : dk.channel_kinds()) {
              auto it = infos.find(kind);
              json k = {{"kind", kind},
                        {"webhook", kind == "meta" || kind == "x" || kind == "linkedin"}};
              k["settings"] = it == infos.end() ? json::array() : fields(it->second.settings);
              k["secrets"] = it == infos.end() ? json::array() : fields(it->second.secrets);
              k["documented"] = it != infos.end();
              list.push_back(std::move(k));
            }
            return json{{"kinds", std::move(list)}};
          }),
      Blocking("desk:admin", "Channel kinds with their settings and secret names")));

  LP_RETURN_IF_ERROR(router.Handle("POST", "/api/v1/desk/channels/{id}/poll",
                                   JsonHandler(200,
                                               [&dk](Request& req) -> Result<json> {
                                                 LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                                                 LP_ASSIGN_OR_RETURN(desk::ReceiveReport r,
                                                                     dk.PollChannel(id));
                                                 return json{{"stored", r.stored},
                                                             {"duplicates", r.duplicates},
                                                             {"rejected", r.rejected},
                                                             {"assigned", r.assigned}};
                                               }),
                                   Blocking("desk:admin", "Poll a channel now")));

  // --- inbox -----------------------------------------------------------------------
  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/desk/conversations",
      JsonHandler(200,
                  [&ctx, &ds, &dk](Request& req) -> Result<json> {
                    store::InboxQuery q;
                    auto num = [&](const char* name, int64_t* out) -> Status {
                      if (auto v = req.Query(name)) {
                        try {
                          size_t used = 0;
                          *out = std::stoll(std::string(*v), &used);
                          if (used != v->size()) throw std::invalid_argument("trailing");
                        } catch (const std::exception&) {
                          return Status::InvalidArgument("query parameter " + std::string(name) +
                                                         " must be a number");
                        }
                      }
                      return Status::Ok();
                    };
                    LP_RETURN_IF_ERROR(num("team", &q.team_id));
                    LP_RETURN_IF_ERROR(num("channel", &q.channel_id));
                    int64_t limit = 50;
                    LP_RETURN_IF_ERROR(num("limit", &limit));
                    q.limit = static_cast<int32_t>(std::clamp<int64_t>(limit, 1, 200));
                    if (auto a = req.Query("assignee")) {
                      if (*a == "me") {
                        q.assignee_id = CurrentUser(req).id;
                      } else if (*a == "none") {
                        q.assignee_id = 0;
                      } else {
                        LP_RETURN_IF_ERROR(num("assignee", &q.assignee_id));
                      }
                    }
                    if (auto s = req.Query("state")) {
                      std::string_view rest = *s;
                      while (!rest.empty()) {
                        size_t comma = rest.find(',');
                        LP_ASSIGN_OR_RETURN(ConversationState st,
                                            ParseState(rest.substr(0, comma)));
                        q.states.push_back(st);
                        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
                      }
                    }
                    if (auto t = req.Query("tag")) q.tag = std::string(*t);
                    if (auto p = req.Query("priority")) {
                      LP_ASSIGN_OR_RETURN(q.priorities, ParsePriorities(*p));
                    }
                    if (auto d = req.Query("sla_due")) {
                      LP_ASSIGN_OR_RETURN(Millis within, ParseSlaDue(*d));
                      q.response_due_before = ctx.clock->NowMillis() + within;
                    }
                    if (auto b = req.Query("before")) {
                      // "<last_message_ms>:<id>" from the previous page's next cursor.
                      const size_t colon = b->find(':');
                      try {
                        q.before_last_message_at = std::stoll(std::string(b->substr(0, colon)));
                        q.before_id = colon == std::string_view::npos
                                          ? 0
                                          : std::stoll(std::string(b->substr(colon + 1)));
                      } catch (const std::exception&) {
                        return Status::InvalidArgument("query parameter before must be <ms>:<id>");
                      }
                    }
                    LP_ASSIGN_OR_RETURN(std::vector<store::InboxRow> rows, ds.ListInbox(q));
                    // The next page starts after the last row the store read,
                    // also when the SLA check below drops rows of this one.
                    std::string next;
                    if (static_cast<int32_t>(rows.size()) == q.limit) {
                      const auto& last = rows.back().conversation;
                      next = std::to_string(last.last_message_at) + ":" + std::to_string(last.id);
                    }
                    json list = json::array();
                    for (const auto& r : rows) {
                      if (q.response_due_before != 0) {
                        // The store compared wall time (a superset); the SLA
                        // clock knows business hours and pauses.
                        LP_ASSIGN_OR_RETURN(
                            bool due, ResponseDueBy(dk, r.conversation.id, q.response_due_before));
                        if (!due) continue;
                      }
                      json c = ConversationJson(r.conversation);
                      c["contact_name"] = r.contact_name;
                      c["channel_kind"] = r.channel_kind;
                      list.push_back(std::move(c));
                    }
                    json out = {{"conversations", std::move(list)}};
                    if (!next.empty()) out["next"] = std::move(next);
                    return out;
                  }),
      Blocking("desk:read",
               "The inbox: conversations, newest activity first, keyset paging; filters state, "
               "assignee, channel, team, tag, priority, sla_due (overdue or minutes)")));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/desk/conversations/{id}",
      JsonHandler(
          200,
          [&ctx, &ds](Request& req) -> Result<json> {
            LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
            LP_ASSIGN_OR_RETURN(store::Conversation c, ds.GetConversation(id));
            LP_ASSIGN_OR_RETURN(std::vector<store::Message> msgs, ds.ListMessages(id));
            LP_ASSIGN_OR_RETURN(std::vector<store::ConversationEvent> evs, ds.ListEvents(id));
            json out = ConversationJson(c);
            // Whether the composer may move the answer to a private reply
            // (a connector that cannot be created answers no).
            Result<bool> can_private = ctx.desk->CanReplyPrivately(id);
            out["can_reply_privately"] = can_private.ok() && *can_private;
            json ml = json::array();
            for (const auto& m : msgs) ml.push_back(MessageJson(m));
            out["messages"] = std::move(ml);
            json el = json::array();
            for (const auto& e : evs) {
              el.push_back({{"kind", kEventNames[static_cast<int>(e.kind)]},
                            {"at", IsoTime(e.at)},
                            {"actor", e.actor},
                            {"detail", ParseOrString(e.detail)}});
            }
            out["events"] = std::move(el);
            if (c.contact_id != 0) {
              LP_ASSIGN_OR_RETURN(store::Contact contact, ds.GetContact(c.contact_id));
              LP_ASSIGN_OR_RETURN(std::vector<store::ContactHandle> handles,
                                  ds.ListContactHandles(c.contact_id));
              json hl = json::array();
              for (const auto& h : handles)
                hl.push_back({{"channel_id", h.channel_id}, {"handle", h.handle}});
              out["contact"] = {{"id", contact.id},
                                {"name", contact.display_name},
                                {"language", contact.language},
                                {"handles", std::move(hl)}};
            }
            LP_ASSIGN_OR_RETURN(out["viewers"], ViewersJson(ds, id, ctx.clock->NowMillis()));
            LP_ASSIGN_OR_RETURN(std::string sla, ctx.desk->SlaStatusJson(id));
            out["sla"] = sla.empty() ? json(nullptr) : json::parse(sla);
            return out;
          }),
      Blocking("desk:read", "One conversation with messages, history, contact and viewers")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/desk/conversations/{id}/presence",
      [&ctx, &ds](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<bool> typing,
                                  http::GetOptionalBool(body, "/typing"));
        const Millis now = ctx.clock->NowMillis();
        Status touched = ds.TouchPresence(*id, CurrentUser(req).id, typing.value_or(false), now,
                                          now - 2 * kPresenceTtlMs);
        if (!touched.ok()) return StatusResponse(touched);
        Result<json> viewers = ViewersJson(ds, *id, now);
        if (!viewers.ok()) return StatusResponse(viewers.status());
        ctx.events->Publish("desk", "desk.presence",
                            json{{"conversation_id", *id}, {"viewers", *viewers}}.dump());
        return JsonResponse(200, json{{"viewers", std::move(*viewers)}});
      },
      Blocking("desk:read", "I am viewing or typing in this conversation (heartbeat, 30 s)")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/desk/conversations/{id}/replies",
      [&dk](Request& req) -> Response { return ReplyRoute(dk, req, false); },
      Blocking("desk:reply", "Reply: rendered, checked by the guard, queued or refused")));
  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/desk/conversations/{id}/replies/preview",
      [&dk](Request& req) -> Response { return ReplyRoute(dk, req, true); },
      Blocking("desk:reply",
               "What a reply would do: wire text, verdict, decision, length, limit and cost; "
               "nothing is stored")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/desk/conversations/{id}/notes",
      [&ctx, &ds](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string text, http::GetString(body, "/text"));
        if (text.empty() || text.size() > 64 * 1024) {
          return Response::Error(400, "invalid_argument", "/text must be 1 to 65536 bytes",
                                 "/text");
        }
        store::Message note;
        note.direction = store::MessageDirection::kNote;
        note.author = "user:" + CurrentUser(req).username;
        note.author_user_id = CurrentUser(req).id;
        note.body = text;
        note.created_at = note.sent_at = ctx.clock->NowMillis();
        Result<store::Message> stored = ds.AddNote(*id, note);
        if (!stored.ok()) return StatusResponse(stored.status());
        // @mentions notify the named colleagues on their own event stream.
        for (size_t at = text.find('@'); at != std::string::npos; at = text.find('@', at + 1)) {
          if (at > 0 && std::isalnum(static_cast<unsigned char>(text[at - 1]))) continue;
          size_t end = at + 1;
          while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) ||
                                       text[end] == '.' || text[end] == '_' || text[end] == '-'))
            ++end;
          if (end == at + 1) continue;
          Result<store::User> u = ctx.store->FindUser(text.substr(at + 1, end - at - 1));
          if (!u.ok()) continue;
          ctx.events->Publish("user:" + std::to_string(u->id), "desk.mention",
                              json{{"conversation_id", *id},
                                   {"message_id", stored->id},
                                   {"by", CurrentUser(req).username}}
                                  .dump());
        }
        ctx.events->Publish("desk", "desk.note",
                            json{{"conversation_id", *id}, {"message_id", stored->id}}.dump());
        return JsonResponse(201, MessageJson(*stored));
      },
      Blocking("desk:reply", "Internal note with @mentions")));

  LP_RETURN_IF_ERROR(router.Handle(
      "PATCH", "/api/v1/desk/conversations/{id}",
      [&ctx, &ds](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        const std::string actor = ActorOf(req);
        const Millis now = ctx.clock->NowMillis();
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<int64_t> version,
                                  http::GetOptionalInt(body, "/version"));
        if (body.contains("state")) {
          LP_HTTP_ASSIGN_OR_RESPOND(std::string s, http::GetString(body, "/state"));
          Result<ConversationState> st = ParseState(s);
          if (!st.ok()) return StatusResponse(st.status(), "/state");
          Result<store::Conversation> c = ds.SetState(*id, *st, actor, now, version.value_or(-1));
          if (!c.ok()) {
            if (c.status().code() == StatusCode::kFailedPrecondition) {
              return Response::Error(409, "conflict", c.status().message(), "/version");
            }
            return StatusResponse(c.status(), "/state");
          }
        }
        if (body.contains("assignee_id")) {
          LP_HTTP_ASSIGN_OR_RESPOND(int64_t who, http::GetInt(body, "/assignee_id"));
          Result<store::Conversation> c = ds.Assign(*id, who, actor, now);
          if (!c.ok()) return StatusResponse(c.status(), "/assignee_id");
          if (who != 0) {
            ctx.events->Publish("user:" + std::to_string(who), "desk.assigned",
                                json{{"conversation_id", *id}}.dump());
          }
        }
        if (body.contains("priority")) {
          LP_HTTP_ASSIGN_OR_RESPOND(int64_t p, http::GetInt(body, "/priority"));
          if (p < 0 || p > 2) {
            return Response::Error(400, "invalid_argument", "/priority must be 0, 1 or 2",
                                   "/priority");
          }
          Result<store::Conversation> c = ds.SetPriority(*id, static_cast<int32_t>(p));
          if (!c.ok()) return StatusResponse(c.status(), "/priority");
        }
        if (body.contains("tags")) {
          LP_HTTP_ASSIGN_OR_RESPOND(std::vector<std::string> tags,
                                    http::GetStringArray(body, "/tags"));
          Result<store::Conversation> c = ds.SetTags(*id, tags);
          if (!c.ok()) return StatusResponse(c.status(), "/tags");
        }
        Result<store::Conversation> c = ds.GetConversation(*id);
        if (!c.ok()) return StatusResponse(c.status());
        ctx.events->Publish("desk", "desk.conversation",
                            json{{"conversation_id", *id}, {"version", c->version}}.dump());
        return JsonResponse(200, ConversationJson(*c));
      },
      Blocking("desk:reply", "Change state, assignee, priority or tags")));

  // --- agents, teams --------------------------------------------------------------------
  LP_RETURN_IF_ERROR(router.Handle(
      "PUT", "/api/v1/desk/me",
      [&ctx, &ds](Request& req) -> Response {
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        store::AgentDeskState st;
        st.user_id = CurrentUser(req).id;
        LP_HTTP_ASSIGN_OR_RESPOND(st.available, http::GetBool(body, "/available"));
        if (!st.available) st.away_since = ctx.clock->NowMillis();
        if (body.contains("languages")) {
          LP_HTTP_ASSIGN_OR_RESPOND(st.languages, http::GetStringArray(body, "/languages"));
        }
        if (body.contains("skills")) {
          LP_HTTP_ASSIGN_OR_RESPOND(st.skills, http::GetStringArray(body, "/skills"));
        }
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> sig,
                                  http::GetOptionalString(body, "/signature"));
        st.signature = sig.value_or("");
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<int64_t> cap,
                                  http::GetOptionalInt(body, "/capacity"));
        st.capacity = static_cast<int32_t>(std::clamp<int64_t>(cap.value_or(0), 0, 1000));
        Status s = ds.PutAgentDeskState(st);
        if (!s.ok()) return StatusResponse(s);
        return JsonResponse(200, json{{"user_id", st.user_id},
                                      {"available", st.available},
                                      {"languages", st.languages},
                                      {"skills", st.skills},
                                      {"capacity", st.capacity}});
      },
      Blocking("desk:reply", "My availability, languages, skills and signature")));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/desk/teams/{id}/settings",
      JsonHandler(200,
                  [&ds](Request& req) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                    LP_ASSIGN_OR_RETURN(store::TeamDeskSettings s, ds.GetTeamDeskSettings(id));
                    return json{{"team_id", s.team_id},
                                {"routing_mode", s.routing_mode},
                                {"default_capacity", s.default_capacity},
                                {"match_language", s.match_language},
                                {"language_fallback", s.language_fallback},
                                {"away_grace_s", s.away_grace_ms / 1000},
                                {"sla_first_response_min", s.sla_first_response_ms / 60000},
                                {"sla_next_response_min", s.sla_next_response_ms / 60000},
                                {"sla_resolution_min", s.sla_resolution_ms / 60000},
                                {"calendar", s.calendar}};
                  }),
      Blocking("desk:read", "Routing and SLA settings of a team")));

  LP_RETURN_IF_ERROR(router.Handle(
      "PUT", "/api/v1/desk/teams/{id}/settings",
      [&ctx, &ds](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        Result<store::TeamDeskSettings> cur = ds.GetTeamDeskSettings(*id);
        if (!cur.ok()) return StatusResponse(cur.status());
        store::TeamDeskSettings s = *cur;
        s.team_id = *id;
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> mode,
                                  http::GetOptionalString(body, "/routing_mode"));
        if (mode) {
          if (*mode != "manual" && *mode != "round_robin" && *mode != "least_loaded") {
            return Response::Error(400, "invalid_argument",
                                   "/routing_mode must be manual, round_robin or least_loaded",
                                   "/routing_mode");
          }
          s.routing_mode = *mode;
        }
        auto opt_int = [&](const char* ptr, int64_t scale, auto* field) -> std::optional<Response> {
          auto v = http::GetOptionalInt(body, ptr);
          if (!v) return v.error();
          if (*v) {
            if (**v < 0) {
              return Response::Error(400, "invalid_argument", std::string(ptr) + " must be >= 0",
                                     ptr);
            }
            *field = static_cast<std::remove_pointer_t<decltype(field)>>(**v * scale);
          }
          return std::nullopt;
        };
        if (auto e = opt_int("/default_capacity", 1, &s.default_capacity)) return *e;
        if (auto e = opt_int("/away_grace_s", 1000, &s.away_grace_ms)) return *e;
        if (auto e = opt_int("/sla_first_response_min", 60000, &s.sla_first_response_ms)) return *e;
        if (auto e = opt_int("/sla_next_response_min", 60000, &s.sla_next_response_ms)) return *e;
        if (auto e = opt_int("/sla_resolution_min", 60000, &s.sla_resolution_ms)) return *e;
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<bool> ml,
                                  http::GetOptionalBool(body, "/match_language"));
        if (ml) s.match_language = *ml;
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<bool> lf,
                                  http::GetOptionalBool(body, "/language_fallback"));
        if (lf) s.language_fallback = *lf;
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> cal,
                                  http::GetOptionalString(body, "/calendar"));
        if (cal) {
          Status valid = desk::ValidateCalendarSpec(*cal);
          if (!valid.ok()) return StatusResponse(valid, "/calendar");
          s.calendar = *cal;
        }
        s.updated_at = ctx.clock->NowMillis();
        Status put = ds.PutTeamDeskSettings(s);
        if (!put.ok()) return StatusResponse(put);
        ctx.Audit(ActorOf(req), "desk.team_settings", "team:" + std::to_string(*id),
                  json{{"routing_mode", s.routing_mode}}.dump(), req.remote_address);
        return Response::NoContent();
      },
      Blocking("desk:admin", "Change routing and SLA settings of a team")));

  // --- canned replies --------------------------------------------------------------------
  LP_RETURN_IF_ERROR(
      router.Handle("GET", "/api/v1/desk/canned-replies",
                    JsonHandler(200,
                                [&ds](Request& req) -> Result<json> {
                                  int64_t team = 0;
                                  if (auto t = req.Query("team"))
                                    team = std::atoll(std::string(*t).c_str());
                                  LP_ASSIGN_OR_RETURN(std::vector<store::CannedReply> list,
                                                      ds.ListCannedReplies(team));
                                  json out = json::array();
                                  for (const auto& c : list) {
                                    out.push_back({{"id", c.id},
                                                   {"team_id", c.team_id},
                                                   {"name", c.name},
                                                   {"language", c.language},
                                                   {"body", c.body}});
                                  }
                                  return json{{"canned_replies", std::move(out)}};
                                }),
                    Blocking("desk:read", "Canned replies of a team (and those for every team)")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/desk/canned-replies",
      [&ctx, &ds](Request& req) -> Response {
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        store::CannedReply c;
        LP_HTTP_ASSIGN_OR_RESPOND(c.name, http::GetString(body, "/name"));
        LP_HTTP_ASSIGN_OR_RESPOND(c.language, http::GetString(body, "/language"));
        LP_HTTP_ASSIGN_OR_RESPOND(c.body, http::GetString(body, "/body"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<int64_t> team,
                                  http::GetOptionalInt(body, "/team_id"));
        if (c.language != "de" && c.language != "en") {
          return Response::Error(400, "invalid_argument", "/language must be de or en",
                                 "/language");
        }
        c.team_id = team.value_or(0);
        c.created_at = c.updated_at = ctx.clock->NowMillis();
        Result<store::CannedReply> stored = ds.PutCannedReply(c);
        if (!stored.ok()) return StatusResponse(stored.status(), "/name");
        return JsonResponse(201, json{{"id", stored->id}});
      },
      Blocking("desk:admin", "Add a canned reply")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/desk/conversations/{id}/canned-replies/{reply}",
      JsonHandler(200,
                  [&ds, &dk](Request& req) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                    LP_ASSIGN_OR_RETURN(int64_t reply, PathId(req, "reply"));
                    LP_ASSIGN_OR_RETURN(store::Conversation c, ds.GetConversation(id));
                    LP_ASSIGN_OR_RETURN(std::vector<store::CannedReply> list,
                                        ds.ListCannedReplies(c.team_id));
                    for (const auto& r : list) {
                      if (r.id != reply) continue;
                      LP_ASSIGN_OR_RETURN(std::string text,
                                          dk.FillTemplate(r.body, c, CurrentUser(req)));
                      return json{{"text", text}};
                    }
                    return Status::NotFound("canned reply " + std::to_string(reply) +
                                            " not found for this conversation's team");
                  }),
      Blocking("desk:read", "A canned reply filled in for a conversation")));

  // --- dead letters ---------------------------------------------------------------------
  LP_RETURN_IF_ERROR(
      router.Handle("GET", "/api/v1/desk/dead-letters",
                    JsonHandler(200,
                                [&ds](Request& req) -> Result<json> {
                                  const bool all = req.Query("all").has_value();
                                  LP_ASSIGN_OR_RETURN(std::vector<store::DeadLetter> list,
                                                      ds.ListDeadLetters(all, 200));
                                  json out = json::array();
                                  for (const auto& d : list) {
                                    out.push_back({{"id", d.id},
                                                   {"channel_id", d.channel_id},
                                                   {"source", d.source},
                                                   {"reason", d.reason},
                                                   {"payload", d.payload},
                                                   {"created_at", IsoTime(d.created_at)},
                                                   {"replayed_at", IsoTime(d.replayed_at)}});
                                  }
                                  return json{{"dead_letters", std::move(out)}};
                                }),
                    Blocking("desk:admin", "Inbound payloads that could not be stored")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/desk/dead-letters/{id}/replay",
      [&ctx](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        // Payloads of the website chat are parsed again here (a spam
        // decision is overridden by replaying), verified webhook bodies by
        // their connector; the desk parses its own.
        auto parser =
            [&ctx](const store::DeadLetter& d) -> Result<std::vector<desk::InboundMessage>> {
          if (d.source == "webhook") {
            LP_ASSIGN_OR_RETURN(desk::Channel * channel, ctx.desk->ConnectorFor(d.channel_id));
            desk::WebhookReceiver* receiver = channel->webhook();
            if (receiver == nullptr) {
              return Status::FailedPrecondition("the channel no longer takes webhooks");
            }
            return receiver->ParseVerified(d.payload);
          }
          if (d.source != "webchat") {
            return Status::FailedPrecondition("dead letters from '" + d.source +
                                              "' cannot be replayed");
          }
          LP_ASSIGN_OR_RETURN(channels::webchat::WidgetPost post,
                              channels::webchat::ParseWidgetPost(d.payload));
          return std::vector<desk::InboundMessage>{
              channels::webchat::ToInbound(post, d.created_at)};
        };
        Result<desk::ReceiveReport> r = ctx.desk->ReplayDeadLetter(*id, parser);
        if (!r.ok()) return StatusResponse(r.status());
        ctx.Audit(ActorOf(req), "desk.dead_letter_replay", "dead_letter:" + std::to_string(*id),
                  json{{"stored", r->stored}}.dump(), req.remote_address);
        json convs = json::array();
        for (const auto& o : r->outcomes) convs.push_back(o.conversation_id);
        return JsonResponse(200, json{{"stored", r->stored},
                                      {"duplicates", r->duplicates},
                                      {"conversations", std::move(convs)}});
      },
      Blocking("desk:admin", "Feed a dead letter through the inbox again")));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/desk/teams/{id}/report",
      [&ctx](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        const Millis now = ctx.clock->NowMillis();
        Result<Millis> to = TimeParam(req, "to", now);
        if (!to.ok()) return StatusResponse(to.status(), "to");
        Result<Millis> from = TimeParam(req, "from", *to - 7 * 86'400'000LL);
        if (!from.ok()) return StatusResponse(from.status(), "from");
        const bool per_agent = req.Query("per_agent").has_value();
        const std::string& agreement = ctx.config.desk_per_agent_agreement;
        if (per_agent && agreement.empty()) {
          return Response::Error(
              403, "per_agent_reports_off",
              "per-agent figures are off; an administrator enables them by setting [desk] "
              "per_agent_agreement to the reference of the works-council agreement that "
              "allows them",
              "per_agent");
        }
        Result<desk::TeamReport> r = ctx.desk->Report(*id, *from, *to, per_agent);
        if (!r.ok()) return StatusResponse(r.status());
        json out = ReportJson(*r);
        if (per_agent) {
          out["per_agent_agreement"] = agreement;
          ctx.Audit(
              ActorOf(req), "desk.per_agent_report", "team:" + std::to_string(*id),
              json{{"agreement", agreement}, {"from", IsoTime(*from)}, {"to", IsoTime(*to)}}.dump(),
              req.remote_address);
        }
        return JsonResponse(200, out);
      },
      Blocking("desk:reports",
               "Team figures: response and resolution times, share within SLA, volume per "
               "channel and hour (per agent only with a works-council agreement)")));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/reports/verdicts",
      [&ctx, &ds](Request& req) -> Response {
        const Millis now = ctx.clock->NowMillis();
        const std::string_view bucket_name = req.Query("bucket").value_or("day");
        Millis bucket = 0;
        if (bucket_name == "day") bucket = 86'400'000;
        if (bucket_name == "hour") bucket = 3'600'000;
        if (bucket == 0) {
          return Response::Error(400, "invalid_argument", "bucket must be day or hour", "bucket");
        }
        Result<Millis> to = TimeParam(req, "to", now);
        if (!to.ok()) return StatusResponse(to.status(), "to");
        Result<Millis> from = TimeParam(req, "from", *to - 30 * 86'400'000LL);
        if (!from.ok()) return StatusResponse(from.status(), "from");
        int64_t team = 0;
        if (auto t = req.Query("team")) {
          auto [p, ec] = std::from_chars(t->data(), t->data() + t->size(), team);
          if (ec != std::errc() || p != t->data() + t->size() || team < 0) {
            return Response::Error(400, "invalid_argument", "team must be a team id", "team");
          }
        }
        if (*from < 0 || *to <= *from) {
          return Response::Error(400, "invalid_argument", "from must lie before to", "from");
        }
        const Millis first = *from / bucket * bucket;
        const int64_t count = (*to - first + bucket - 1) / bucket;
        if (count > kMaxVerdictBuckets) {
          return Response::Error(400, "invalid_argument",
                                 "at most " + std::to_string(kMaxVerdictBuckets) +
                                     " buckets; choose a shorter range or bucket=day",
                                 "from");
        }
        struct Bucket {
          int64_t replies = 0;
          std::map<std::string, int64_t> actions;
          std::map<std::string, int64_t> categories;
        };
        std::vector<Bucket> buckets(static_cast<size_t>(count));
        std::set<std::string> categories;
        int64_t after = 0;
        int64_t read = 0;
        int64_t unreadable = 0;
        bool truncated = false;
        for (;;) {
          Result<std::vector<store::DeskStore::ReplyVerdictRow>> rows =
              ds.ListReplyVerdicts(team, *from, *to, after, 1000);
          if (!rows.ok()) return StatusResponse(rows.status());
          for (const auto& row : *rows) {
            Bucket& b = buckets[static_cast<size_t>((row.at - first) / bucket)];
            const json v = json::parse(row.verdict, nullptr, /*allow_exceptions=*/false);
            if (v.is_discarded() || !v.is_object()) {
              ++unreadable;
              continue;
            }
            ++b.replies;
            const json* action = v.contains("action") ? &v["action"] : nullptr;
            ++b.actions[action && action->is_string() ? action->get<std::string>() : "allow"];
            std::set<std::string> seen;  // a reply counts once per category
            if (v.contains("findings") && v["findings"].is_array()) {
              for (const json& f : v["findings"]) {
                if (f.is_object() && f.contains("category") && f["category"].is_string()) {
                  seen.insert(f["category"].get<std::string>());
                }
              }
            }
            for (const std::string& c : seen) {
              ++b.categories[c];
              categories.insert(c);
            }
          }
          read += static_cast<int64_t>(rows->size());
          if (rows->size() < 1000) break;
          after = rows->back().message_id;
          if (read >= kMaxVerdictRows) {
            truncated = true;
            break;
          }
        }
        json list = json::array();
        for (size_t i = 0; i < buckets.size(); ++i) {
          const Millis start = first + static_cast<Millis>(i) * bucket;
          list.push_back({{"start", IsoTime(start)},
                          {"start_ms", start},
                          {"replies", buckets[i].replies},
                          {"actions", buckets[i].actions},
                          {"categories", buckets[i].categories}});
        }
        return JsonResponse(200, {{"team_id", team},
                                  {"from", IsoTime(*from)},
                                  {"to", IsoTime(*to)},
                                  {"bucket", bucket_name},
                                  {"categories", categories},
                                  {"buckets", std::move(list)},
                                  {"replies", read - unreadable},
                                  {"truncated", truncated}});
      },
      Blocking("desk:reports",
               "Verdicts of the replies sent, per category and action over time (team or "
               "every team; no per-person figures)")));

  // --- approvals (four-eyes) ------------------------------------------------------
  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/approvals",
      JsonHandler(200,
                  [&ds](Request& req) -> Result<json> {
                    int state = static_cast<int>(store::ApprovalState::kPending);
                    if (auto s = req.Query("state")) {
                      state = -2;
                      if (*s == "all") state = -1;
                      for (int i = 0; i <= static_cast<int>(store::ApprovalState::kBlocked); ++i) {
                        if (*s == ApprovalStateName(static_cast<store::ApprovalState>(i)))
                          state = i;
                      }
                      if (state == -2) {
                        return Status::InvalidArgument(
                            "state must be pending, approved, rejected, changes_requested, "
                            "expired, superseded, blocked or all");
                      }
                    }
                    int64_t limit = 200;
                    int64_t before = 0;
                    for (auto [name, out] : {std::pair{"limit", &limit}, {"before", &before}}) {
                      std::optional<std::string_view> v = req.Query(name);
                      if (!v) continue;
                      auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), *out);
                      if (ec != std::errc() || p != v->data() + v->size() || *out < 1) {
                        return Status::InvalidArgument(std::string("query parameter ") + name +
                                                       " must be a positive number");
                      }
                    }
                    limit = std::min<int64_t>(limit, 200);
                    LP_ASSIGN_OR_RETURN(
                        std::vector<store::Approval> list,
                        ds.ListApprovals(state, static_cast<int32_t>(limit), before));
                    json out = json::array();
                    for (const store::Approval& a : list) out.push_back(ApprovalJson(a));
                    json page = {{"approvals", std::move(out)}};
                    if (static_cast<int64_t>(list.size()) == limit) {
                      page["next"] = std::to_string(list.back().id);
                    }
                    return page;
                  }),
      Blocking("approvals",
               "Held replies waiting for (or decided by) a second person, newest first; limit "
               "(at most 200) and the cursor before=<next of the previous page>")));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/approvals/{id}",
      JsonHandler(200,
                  [&ds](Request& req) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                    LP_ASSIGN_OR_RETURN(store::Approval a, ds.GetApproval(id));
                    LP_ASSIGN_OR_RETURN(std::vector<store::ApprovalDecision> decisions,
                                        ds.ListApprovalDecisions(id));
                    json out = ApprovalJson(a);
                    json dl = json::array();
                    for (const auto& d : decisions) {
                      dl.push_back({{"step", d.step + 1},
                                    {"by", d.username},
                                    {"decision", d.decision},
                                    {"comment", d.comment},
                                    {"at", IsoTime(d.at)}});
                    }
                    out["decisions"] = std::move(dl);
                    return out;
                  }),
      Blocking("approvals",
               "One approval: exactly the wire text that will be sent, its findings and the "
               "decisions so far")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/approvals/{id}/decision",
      [&dk](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string decision, http::GetString(body, "/decision"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> comment,
                                  http::GetOptionalString(body, "/comment"));
        desk::ApprovalVerb verb;
        if (decision == "approve") {
          verb = desk::ApprovalVerb::kApprove;
        } else if (decision == "reject") {
          verb = desk::ApprovalVerb::kReject;
        } else if (decision == "request_changes") {
          verb = desk::ApprovalVerb::kRequestChanges;
        } else {
          return Response::Error(400, "invalid_argument",
                                 "/decision must be approve, reject or request_changes",
                                 "/decision");
        }
        Result<store::Approval> a =
            dk.DecideApproval(*id, CurrentUser(req), verb, comment.value_or(""));
        if (!a.ok()) {
          return StatusResponse(
              a.status(), a.status().code() == StatusCode::kInvalidArgument ? "/comment" : "");
        }
        return JsonResponse(200, ApprovalJson(*a));
      },
      Blocking("approvals",
               "Approve, reject or request changes on the current step (never one's own reply)")));

  return Status::Ok();
}

}  // namespace leitplanke::server
