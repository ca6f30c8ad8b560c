// Operations routes: health, readiness, the OpenAPI document, live events.
// (/metrics is built into the HTTP server.)
#include <nlohmann/json.hpp>

#include "server/app.h"
#include "server/route_util.h"

namespace leitplanke::server {

using http::Request;
using http::Response;
using http::RouteKind;
using nlohmann::json;

Status AddOperationsRoutes(AppContext& ctx, http::Router& router) {
  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/healthz", [](Request&) { return Response::Json(200, R"({"status":"ok"})"); },
      {.kind = RouteKind::kInline,
       .summary = "Liveness: the process serves requests",
       .tag = "operations"}));

  LP_RETURN_IF_ERROR(
      router.Handle("GET", "/readyz",
                    [&ctx](Request&) -> Response {
                      Status db = ctx.store->Ping();
                      PolicyService::Active policy = ctx.policies->active();
                      const bool ready = db.ok() && policy.generation > 0;
                      json j = {{"status", ready ? "ready" : "not_ready"},
                                {"database",
                                 {{"backend", ctx.store->backend()},
                                  {"schema_version", ctx.store->schema_version()},
                                  {"ok", db.ok()},
                                  {"error", db.ok() ? "" : db.message()}}},
                                {"policy", {{"name", policy.name}, {"version", policy.version}}}};
                      return JsonResponse(ready ? 200 : 503, j);
                    },
                    {.kind = RouteKind::kBlocking,
                     .summary = "Readiness: database reachable, policy loaded",
                     .tag = "operations"}));

  LP_RETURN_IF_ERROR(router.HandleSse("/api/v1/events",
                                      [&ctx](Request& req) -> http::SseReply {
                                        std::vector<std::string> topics = {"policy"};
                                        if (auto p = PrincipalOf(req)) {
                                          topics.push_back("user:" + std::to_string(p->user.id));
                                          if (p->permissions.Has(trust::Permission::kDeskRead))
                                            topics.push_back("desk");
                                          if (p->permissions.Has(trust::Permission::kPostsRead))
                                            topics.push_back("publish");
                                        }
                                        return http::SseReply::Subscribe(*ctx.events,
                                                                         std::move(topics));
                                      },
                                      {.permission = "account",
                                       .summary = "Live updates (Server-Sent Events)",
                                       .tag = "operations"}));
  return Status::Ok();
}

}  // namespace leitplanke::server
