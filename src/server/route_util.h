// Small helpers shared by the route files (routes_*.cc). Include only from
// those; it forward-declares nlohmann::json so it stays cheap.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "leitplanke/base/result.h"

#include "leitplanke/store/model.h"
#include "leitplanke/trust/accounts.h"

#include "http/message.h"
#include "http/router.h"

namespace leitplanke::server {

// The principal the pre-handler attached; null on public routes.
std::shared_ptr<const trust::Principal> PrincipalOf(const http::Request& request);
// The signed-in user of a route that requires a permission (never null there).
const store::User& CurrentUser(const http::Request& request);
// "user:<name>" / "token:<id>", or "anonymous".
std::string ActorOf(const http::Request& request);

http::Response JsonResponse(int status, const nlohmann::json& body);
// A non-OK status as the error shape; ResourceExhausted becomes 429.
http::Response StatusResponse(const Status& status, std::string_view field = {});

// Options of a blocking route (run on the worker pool) that requires
// `permission`, documented under `tag`.
http::RouteOptions BlockingRoute(std::string tag, std::string permission, std::string summary);

// A decimal id from a path parameter; 400 naming the parameter otherwise.
Result<int64_t> PathId(const http::Request& request, std::string_view name);

// Public views: never a hash, a seed or a secret.
nlohmann::json UserJson(const store::User& user);
nlohmann::json TokenJson(const store::ApiToken& token);
// RFC 3339 UTC ("2026-11-28T03:14:15.926Z"); "" for 0.
std::string IsoTime(int64_t millis);

}  // namespace leitplanke::server
