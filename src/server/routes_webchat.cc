// Public routes of the website widget. Anyone on the internet can reach them,
// so every request is rate-limited per address (and per widget session),
// browsers are held to the channel's allowed origins, and spam is kept out of
// the inbox (it lands in the dead-letter table, where an admin can look).
//
// Posts are "simple" CORS requests (Content-Type text/plain carrying JSON), so
// browsers need no preflight; the answer carries Access-Control-Allow-Origin
// for allowed origins only.
#include <variant>

#include <nlohmann/json.hpp>

#include "leitplanke/desk/kv.h"

#include "channels/webchat/webchat.h"
#include "server/app.h"
#include "server/rate_window.h"
#include "server/route_util.h"

namespace leitplanke::server {
namespace {

using http::Request;
using http::Response;
using http::RouteKind;
using nlohmann::json;

// Posting is limited per address and per session. Reading (the widget polls
// every 4 s while open) is limited per session, with a much higher cap per
// address: many visitors share one company or carrier NAT address.
struct WebchatState {
  RateWindow per_address{30, 60'000};
  RateWindow per_session{10, 60'000};
  RateWindow sessions_per_address{10, 60'000};
  RateWindow reads_per_address{1200, 60'000};
  RateWindow reads_per_session{40, 60'000};
};

struct WidgetChannel {
  store::ChannelRow row;
  desk::KeyValues settings;
};

// The channel named in the path, if it is a webchat channel that is not
// paused; the response to send otherwise.
std::variant<WidgetChannel, Response> Lookup(AppContext& ctx, const Request& req) {
  Result<store::ChannelRow> row = ctx.store->desk().FindChannel(req.PathParam("channel"));
  if (!row.ok() || row->kind != "webchat") {
    return Response::Error(404, "not_found", "no website widget with this name");
  }
  if (row->paused) return Response::Error(503, "unavailable", "the chat is paused");
  Result<desk::KeyValues> kv = desk::DecodeKeyValues(row->settings);
  return WidgetChannel{*row, kv.ok() ? *kv : desk::KeyValues{}};
}

// Browsers send Origin; it must be allowed. Non-browser clients send none and
// are governed by the rate limits alone.
std::optional<Response> CheckOrigin(const WidgetChannel& ch, const Request& req,
                                    Response* ok_response) {
  auto origin = req.headers.Get("Origin");
  if (!origin) return std::nullopt;
  if (!channels::webchat::OriginAllowed(
          *origin, ch.settings.count("allowed_origins") ? ch.settings.at("allowed_origins") : "")) {
    return Response::Error(403, "forbidden", "this website may not use the chat");
  }
  ok_response->headers.Set("Access-Control-Allow-Origin", std::string(*origin));
  ok_response->headers.Set("Vary", "Origin");
  return std::nullopt;
}

Response WithCors(Response r, const Response& cors) {
  for (const auto& [k, v] : cors.headers.fields()) r.headers.Set(k, v);
  return r;
}

// What every public widget route checks first: the channel (Lookup), the
// page's origin (CheckOrigin) and the caller's rate (`limit` keyed by
// `key`). On success the channel and the CORS headers to answer with.
struct Gate {
  WidgetChannel channel;
  Response cors;
};
std::variant<Gate, Response> Enter(AppContext& ctx, const Request& req, RateWindow& limit,
                                   const std::string& key, const char* too_many) {
  auto ch = Lookup(ctx, req);
  if (auto* r = std::get_if<Response>(&ch)) return *r;
  Gate g{std::move(std::get<WidgetChannel>(ch)), Response{}};
  if (auto bad = CheckOrigin(g.channel, req, &g.cors)) return *bad;
  if (!limit.Allow(key, ctx.clock->NowMillis())) {
    return WithCors(Response::Error(429, "rate_limited", too_many), g.cors);
  }
  return g;
}

}  // namespace

Status AddWebchatRoutes(AppContext& ctx, http::Router& router) {
  if (!ctx.desk) return Status::Ok();
  auto state = std::make_shared<WebchatState>();
  const http::RouteOptions pub = {
      .kind = RouteKind::kBlocking, .permission = "", .summary = "", .tag = "webchat"};

  http::RouteOptions o = pub;
  o.summary = "Start a widget session";
  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/webchat/{channel}/sessions",
      [&ctx, state](Request& req) -> Response {
        auto gate = Enter(ctx, req, state->sessions_per_address, req.remote_address,
                          "too many new chats; wait a minute");
        if (auto* r = std::get_if<Response>(&gate)) return *r;
        const Response& cors = std::get<Gate>(gate).cors;
        const auto& settings = std::get<Gate>(gate).channel.settings;
        json out = {{"session", channels::webchat::NewSessionId()},
                    {"title", settings.count("title") ? settings.at("title") : ""}};
        return WithCors(JsonResponse(201, out), cors);
      },
      o));

  o.summary = "A visitor's message from the widget (text/plain body carrying JSON)";
  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/webchat/{channel}/messages",
      [&ctx, state](Request& req) -> Response {
        auto gate = Enter(ctx, req, state->per_address, req.remote_address,
                          "too many messages; wait a minute");
        if (auto* r = std::get_if<Response>(&gate)) return *r;
        const WidgetChannel& wc = std::get<Gate>(gate).channel;
        const Response& cors = std::get<Gate>(gate).cors;
        const Millis now = ctx.clock->NowMillis();
        Result<channels::webchat::WidgetPost> post = channels::webchat::ParseWidgetPost(req.body);
        if (!post.ok()) {
          // Malformed input is answered and kept for inspection, never lost.
          (void)ctx.desk->DeadLetter(wc.row.id, "webchat", req.body, post.error().message());
          return WithCors(Response::Error(400, "invalid_argument", post.error().message()), cors);
        }
        if (!state->per_session.Allow(post->session, now)) {
          return WithCors(Response::Error(429, "rate_limited", "too many messages; wait a minute"),
                          cors);
        }
        const std::string spam = channels::webchat::SpamReason(*post);
        if (!spam.empty()) {
          (void)ctx.desk->DeadLetter(wc.row.id, "webchat", req.body, "spam: " + spam);
          // Answered like a normal post: a spammer learns nothing.
          return WithCors(JsonResponse(202, json{{"accepted", true}}), cors);
        }
        Result<desk::ReceiveReport> r =
            ctx.desk->Receive(wc.row.id, {channels::webchat::ToInbound(*post, now)}, "", "webchat");
        if (!r.ok()) return WithCors(StatusResponse(r.status()), cors);
        return WithCors(JsonResponse(202, json{{"accepted", true}}), cors);
      },
      o));

  o.kind = RouteKind::kBlocking;
  o.summary = "Messages of a widget session (the visitor's and the replies sent)";
  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/webchat/{channel}/messages",
      [&ctx, state](Request& req) -> Response {
        auto gate =
            Enter(ctx, req, state->reads_per_address, req.remote_address, "polling too often");
        if (auto* r = std::get_if<Response>(&gate)) return *r;
        const WidgetChannel& wc = std::get<Gate>(gate).channel;
        const Response& cors = std::get<Gate>(gate).cors;
        auto session = req.Query("session");
        if (!session || session->size() != 32) {
          return WithCors(
              Response::Error(400, "invalid_argument", "session is required", "session"), cors);
        }
        if (!state->reads_per_session.Allow(std::string(*session), ctx.clock->NowMillis())) {
          return WithCors(Response::Error(429, "rate_limited", "polling too often"), cors);
        }
        int64_t after = 0;
        if (auto a = req.Query("after")) after = std::atoll(std::string(*a).c_str());
        json list = json::array();
        Result<store::Conversation> conv =
            ctx.store->desk().FindConversationByThread(wc.row.id, *session);
        if (conv.ok()) {
          Result<std::vector<store::Message>> msgs = ctx.store->desk().ListMessages(conv->id);
          if (!msgs.ok()) return WithCors(StatusResponse(msgs.status()), cors);
          for (const store::Message& m : *msgs) {
            if (m.id <= after || m.direction == store::MessageDirection::kNote) continue;
            // A reply shows once the outbox has delivered it.
            if (m.direction == store::MessageDirection::kOutbound &&
                m.delivery != store::DeliveryState::kSent)
              continue;
            list.push_back(
                {{"id", m.id},
                 {"from", m.direction == store::MessageDirection::kInbound ? "visitor" : "agent"},
                 {"text", m.body},
                 {"at", IsoTime(m.sent_at)}});
          }
        } else if (conv.status().code() != StatusCode::kNotFound) {
          return WithCors(StatusResponse(conv.status()), cors);
        }
        return WithCors(JsonResponse(200, json{{"messages", std::move(list)}}), cors);
      },
      o));
  return Status::Ok();
}

}  // namespace leitplanke::server
