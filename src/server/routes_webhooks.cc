// Public webhook endpoint of the networks that push (Meta, X, LinkedIn):
//
//   GET  /api/v1/webhooks/{channel}   the network's subscription / CRC check
//   POST /api/v1/webhooks/{channel}   a delivery, verified by the connector
//
// No account is involved: the connector's signature check (HMAC of the raw
// body with the app's secret) is the authentication. Every outcome is
// counted in leitplanke_webhook_requests_total{channel,outcome}; forged and
// replayed deliveries are refused and logged, unparsable ones are kept as
// dead letters and answered 200 so that the network does not retry them
// forever (an admin replays them after a fix). Store failures answer 503, so
// the network delivers again later.
#include <nlohmann/json.hpp>

#include "http/log.h"
#include "server/app.h"
#include "server/rate_window.h"
#include "server/route_util.h"

namespace leitplanke::server {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// Requests per address and minute; networks deliver in bursts, so this only
// stops floods of forged requests.
constexpr size_t kPerAddressPerMinute = 3000;

void Warn(std::string_view msg, const std::string& channel, const std::string& address,
          const std::string& detail) {
  http::LogWithFields(http::LogLevel::kWarn, msg,
                      {{"channel", channel}, {"address", address}, {"detail", detail}});
}

const char* OutcomeName(desk::WebhookOutcome::Kind kind) {
  switch (kind) {
    case desk::WebhookOutcome::Kind::kAnswered:
      return "challenge";
    case desk::WebhookOutcome::Kind::kAccepted:
      return "accepted";
    case desk::WebhookOutcome::Kind::kReplayed:
      return "replayed";
    case desk::WebhookOutcome::Kind::kForged:
      return "forged";
    case desk::WebhookOutcome::Kind::kMalformed:
      return "malformed";
  }
  return "unknown";
}

desk::WebhookRequest ToWebhookRequest(const Request& req) {
  desk::WebhookRequest w;
  w.method = req.method;
  for (const auto& [k, v] : req.query_params) w.query.emplace(k, v);  // first one wins
  for (const auto& [k, v] : req.headers.fields()) {
    std::string name = k;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    w.headers.emplace(std::move(name), v);
  }
  w.body = req.body;
  return w;
}

}  // namespace

Status AddWebhookRoutes(AppContext& ctx, http::Router& router) {
  if (!ctx.desk) return Status::Ok();
  auto window = std::make_shared<RateWindow>(kPerAddressPerMinute, 60'000);
  http::CounterFamily* counted = &ctx.metrics->AddCounter(
      "leitplanke_webhook_requests_total",
      "Webhook requests by channel and outcome (challenge, accepted, replayed, forged, "
      "malformed, refused)",
      {"channel", "outcome"});
  auto handler = [&ctx, window, counted](Request& req) -> Response {
    const std::string name(req.PathParam("channel"));
    Result<store::ChannelRow> row = ctx.store->desk().FindChannel(name);
    if (!row.ok()) {
      if (row.status().code() == StatusCode::kNotFound) {
        return Response::Error(404, "not_found", "no channel with this name");
      }
      return Response::Error(503, "unavailable", "try again later");
    }
    if (!window->Allow(req.remote_address, ctx.clock->NowMillis())) {
      counted->WithLabels({row->name, "refused"}).Inc();
      return Response::Error(429, "rate_limited", "too many requests");
    }
    if (row->paused) {
      // The network keeps the delivery and tries again later.
      counted->WithLabels({row->name, "refused"}).Inc();
      return Response::Error(503, "unavailable", "the channel is paused");
    }
    Result<desk::WebhookOutcome> outcome = ctx.desk->HandleWebhook(row->id, ToWebhookRequest(req));
    if (!outcome.ok()) {
      counted->WithLabels({row->name, "refused"}).Inc();
      if (outcome.status().code() == StatusCode::kNotFound) {
        return Response::Error(404, "not_found", outcome.status().message());
      }
      Warn("webhook failed", row->name, req.remote_address, outcome.status().ToString());
      return Response::Error(503, "unavailable", "try again later");
    }
    counted->WithLabels({row->name, OutcomeName(outcome->kind)}).Inc();
    switch (outcome->kind) {
      case desk::WebhookOutcome::Kind::kAnswered: {
        Response r;
        r.status = outcome->answer.status;
        r.content_type = outcome->answer.content_type;
        r.body = std::move(outcome->answer.body);
        return r;
      }
      case desk::WebhookOutcome::Kind::kForged:
        Warn("webhook forged", row->name, req.remote_address, outcome->reason);
        return Response::Error(403, "forbidden", "signature or token does not match");
      case desk::WebhookOutcome::Kind::kReplayed:
        Warn("webhook replayed", row->name, req.remote_address, outcome->reason);
        return Response::Error(409, "replayed", "this delivery was accepted before");
      case desk::WebhookOutcome::Kind::kMalformed:
        Warn("webhook dead-lettered", row->name, req.remote_address, outcome->reason);
        return JsonResponse(200, json{{"accepted", false}, {"reason", outcome->reason}});
      case desk::WebhookOutcome::Kind::kAccepted:
        break;
    }
    return JsonResponse(200, json{{"accepted", true},
                                  {"stored", outcome->report.stored},
                                  {"duplicates", outcome->report.duplicates}});
  };
  http::RouteOptions o = {.kind = http::RouteKind::kBlocking,
                          .permission = "",
                          .summary =
                              "Subscription check of a pushing network (Meta hub "
                              "challenge, X CRC, LinkedIn challengeCode)",
                          .tag = "webhooks"};
  LP_RETURN_IF_ERROR(router.Handle("GET", "/api/v1/webhooks/{channel}", handler, o));
  o.summary = "A signed delivery from a pushing network";
  return router.Handle("POST", "/api/v1/webhooks/{channel}", handler, o);
}

}  // namespace leitplanke::server
