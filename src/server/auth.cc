// Authentication and authorisation of every request, before its handler.
//
// Credentials: `Authorization: Bearer lpt_…` (API token) or the session
// cookie, resolved through the PrincipalCache.
#include "server/app.h"
#include "server/principal_cache.h"
#include "server/route_util.h"

namespace leitplanke::server {
namespace {

bool IsUnsafe(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

}  // namespace

http::PreHandler MakeAuthPreHandler(AppContext& ctx) {
  PrincipalCache* cache = ctx.principal_cache.get();
  return [&ctx, cache](http::Request& req,
                       const http::Route& route) -> std::optional<http::Response> {
    const std::string& permission = route.options.permission;
    if (permission.empty()) return std::nullopt;
    if (permission == kPermissionMetrics && ctx.config.metrics_public) return std::nullopt;

    // Authenticate.
    std::string credential;
    bool bearer = false;
    if (auto auth = req.headers.Get("Authorization")) {
      constexpr std::string_view kBearer = "Bearer ";
      if (auth->size() <= kBearer.size() ||
          !http::EqualsIgnoreCase(auth->substr(0, kBearer.size()), kBearer)) {
        return http::Response::Unauthorized("the Authorization header must be 'Bearer <token>'");
      }
      credential = std::string(auth->substr(kBearer.size()));
      bearer = true;
    } else if (std::optional<std::string> cookie = req.Cookie(kSessionCookie)) {
      credential = std::move(*cookie);
    } else {
      return http::Response::Unauthorized();
    }
    const Millis now = ctx.clock->NowMillis();
    const std::string key =
        bearer ? PrincipalCache::TokenKey(credential) : PrincipalCache::SessionKey(credential);
    std::shared_ptr<const trust::Principal> principal = cache->Get(key, now);
    if (principal == nullptr) {
      Result<trust::Principal> resolved = bearer ? ctx.accounts->ResolveApiToken(credential)
                                                 : ctx.accounts->ResolveSession(credential);
      if (!resolved.ok()) {
        if (resolved.status().code() == StatusCode::kPermissionDenied) {
          return http::Response::Unauthorized(resolved.status().message());
        }
        return StatusResponse(resolved.status());
      }
      principal = std::make_shared<const trust::Principal>(std::move(*resolved));
      cache->Put(key, principal, now);
    }
    // Cookie sessions need the CSRF token on every state-changing request;
    // bearer tokens are not sent by browsers on their own.
    if (!bearer && IsUnsafe(req.method)) {
      std::optional<std::string_view> csrf = req.headers.Get(kCsrfHeader);
      if (!csrf || !trust::AccountService::CheckCsrf(*principal, *csrf)) {
        return http::Response::Error(403, "csrf_failed",
                                     "missing or wrong X-CSRF-Token header for this session");
      }
    }
    req.principal = principal;
    if (permission == kPermissionSession) return std::nullopt;

    if (!principal->mfa_passed) {
      return http::Response::Error(403, "mfa_required",
                                   principal->mfa_enrolment_required
                                       ? "set up two-factor authentication first"
                                       : "complete the second factor first");
    }
    if (principal->must_change_password) {
      return http::Response::Error(403, "password_change_required",
                                   "change the one-time password first");
    }
    trust::Permission needed = trust::Permission::kAuditRead;
    if (permission != kPermissionMetrics) {
      Result<trust::Permission> parsed = trust::ParsePermission(permission);
      if (!parsed.ok()) {
        return http::Response::Error(500, "internal",
                                     "route declares an unknown permission '" + permission + "'");
      }
      needed = *parsed;
    }
    if (!principal->Can(needed)) {
      return http::Response::Error(
          403, "forbidden", "this needs the permission '" + permission + "', which you lack");
    }
    return std::nullopt;
  };
}

std::shared_ptr<const trust::Principal> PrincipalCache::Get(const std::string& key, Millis now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  if (it->second.expires <= now) {
    entries_.erase(it);
    return nullptr;
  }
  return it->second.principal;
}

void PrincipalCache::Put(const std::string& key, std::shared_ptr<const trust::Principal> p,
                         Millis now) {
  std::lock_guard lock(mu_);
  if (entries_.size() >= kMaxEntries) entries_.clear();  // crude, but bounded
  entries_[key] = {std::move(p), now + kTtl};
}

void PrincipalCache::Evict(const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

void PrincipalCache::Clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

}  // namespace leitplanke::server
