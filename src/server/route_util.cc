#include "server/route_util.h"

#include <charconv>
#include <ctime>

#include <nlohmann/json.hpp>

namespace leitplanke::server {

std::shared_ptr<const trust::Principal> PrincipalOf(const http::Request& request) {
  if (const auto* p = std::any_cast<std::shared_ptr<const trust::Principal>>(&request.principal)) {
    return *p;
  }
  return nullptr;
}

const store::User& CurrentUser(const http::Request& request) { return PrincipalOf(request)->user; }

http::RouteOptions BlockingRoute(std::string tag, std::string permission, std::string summary) {
  return {.kind = http::RouteKind::kBlocking,
          .permission = std::move(permission),
          .summary = std::move(summary),
          .tag = std::move(tag)};
}

std::string ActorOf(const http::Request& request) {
  auto p = PrincipalOf(request);
  return p ? p->ActorName() : "anonymous";
}

http::Response JsonResponse(int status, const nlohmann::json& body) {
  return http::Response::Json(status,
                              body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

http::Response StatusResponse(const Status& status, std::string_view field) {
  return http::Response::FromStatus(status, field);
}

Result<int64_t> PathId(const http::Request& request, std::string_view name) {
  std::string_view v = request.PathParam(name);
  int64_t id = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), id);
  if (ec != std::errc() || p != v.data() + v.size() || id <= 0) {
    return Status::InvalidArgument("path parameter '" + std::string(name) +
                                   "' must be a positive integer, not '" + std::string(v) + "'");
  }
  return id;
}

std::string IsoTime(int64_t millis) {
  if (millis == 0) return "";
  std::time_t secs = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis % 1000));
  return buf;
}

nlohmann::json UserJson(const store::User& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name},
          {"email", u.email},
          {"roles", u.roles},
          {"locale", u.locale},
          {"disabled", u.disabled},
          {"must_change_password", u.must_change_password},
          {"totp_enabled", u.totp_enabled},
          {"created_at", IsoTime(u.created_at)},
          {"updated_at", IsoTime(u.updated_at)}};
}

nlohmann::json TokenJson(const store::ApiToken& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"prefix", t.prefix},
          {"scopes", t.scopes},
          {"created_at", IsoTime(t.created_at)},
          {"expires_at", IsoTime(t.expires_at)},
          {"last_used_at", IsoTime(t.last_used_at)},
          {"revoked", t.revoked}};
}

}  // namespace leitplanke::server
