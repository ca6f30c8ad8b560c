// Account routes: sign-in, second factor, sessions, own password, own API
// tokens. Everything here hashes passwords or touches the store, so every
// route runs on the worker pool.
#include <memory>

#include <nlohmann/json.hpp>
#include <qrencode.h>

#include "http/json_body.h"
#include "server/app.h"
#include "server/route_util.h"

namespace leitplanke::server {
namespace {

using http::Request;
using http::Response;
using http::RouteKind;
using nlohmann::json;

std::string SessionCookie(const AppContext& ctx, std::string_view value, Millis max_age_ms) {
  std::string c =
      std::string(kSessionCookie) + "=" + std::string(value) +
      "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_ms / 1000);
  if (ctx.config.tls()) c += "; Secure";
  return c;
}

json PrincipalJson(const trust::Principal& p) {
  json j = UserJson(p.user);
  j["permissions"] = p.permissions.Names();
  j["mfa_passed"] = p.mfa_passed;
  j["mfa_enrolment_required"] = p.mfa_enrolment_required;
  if (!p.csrf_token.empty()) j["csrf_token"] = p.csrf_token;
  return j;
}

std::string CookieOf(const Request& req) { return req.Cookie(kSessionCookie).value_or(""); }

// The otpauth URI as a QR code (8-bit mode, error correction level M, the
// smallest version that holds it) drawn as an SVG: a white square of
// width + 8 modules (the quiet zone is 4 on each side) and one path with a
// "M x y h n v 1 h -n z" run per horizontal stretch of dark modules.
Result<std::string> QrCodeSvg(std::string_view text) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M),
      &QRcode_free);
  if (!qr) {
    return Status::Internal("the QR code for " + std::to_string(text.size()) +
                            " bytes could not be built");
  }
  constexpr int kQuiet = 4;
  const int n = qr->width;
  const std::string side = std::to_string(n + 2 * kQuiet);
  const std::string pixels = std::to_string((n + 2 * kQuiet) * 5);
  std::string svg;
  svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
      .append(side)
      .append(" ")
      .append(side)
      .append("\" width=\"")
      .append(pixels)
      .append("\" height=\"")
      .append(pixels)
      .append("\" shape-rendering=\"crispEdges\">")
      .append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"");
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n;) {
      if ((qr->data[y * n + x] & 1) == 0) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < n && (qr->data[y * n + x + run] & 1) != 0) ++run;
      svg.append("M")
          .append(std::to_string(x + kQuiet))
          .append(" ")
          .append(std::to_string(y + kQuiet))
          .append("h")
          .append(std::to_string(run))
          .append("v1h-")
          .append(std::to_string(run))
          .append("z");
      x += run;
    }
  }
  svg.append("\"/></svg>");
  return svg;
}

}  // namespace

Status AddAccountRoutes(AppContext& ctx, http::Router& router) {
  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/auth/login",
      [&ctx](Request& req) -> Response {
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string username, http::GetString(body, "/username"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string password, http::GetString(body, "/password"));
        std::string agent(req.headers.Get("User-Agent").value_or(""));
        Result<trust::LoginResult> r =
            ctx.accounts->Login(username, password, req.remote_address, agent);
        if (!r.ok()) {
          if (r.status().code() == StatusCode::kPermissionDenied) {
            return Response::Error(401, "invalid_credentials", r.status().message());
          }
          Response resp = StatusResponse(r.status());
          if (r.status().code() == StatusCode::kResourceExhausted) {
            resp.headers.Set("Retry-After", "30");
          }
          return resp;
        }
        Response resp = JsonResponse(200, {{"csrf_token", r->csrf_token},
                                           {"mfa_required", r->mfa_required},
                                           {"mfa_enrolment_required", r->mfa_enrolment_required},
                                           {"must_change_password", r->must_change_password},
                                           {"expires_at", IsoTime(r->expires_at)}});
        resp.headers.Add("Set-Cookie", SessionCookie(ctx, r->session_cookie,
                                                     r->expires_at - ctx.clock->NowMillis()));
        return resp;
      },
      {.kind = RouteKind::kBlocking,
       .permission = "",
       .summary = "Sign in with username and password; sets the session cookie",
       .tag = "auth"}));

  LP_RETURN_IF_ERROR(
      router.Handle("POST", "/api/v1/auth/mfa",
                    [&ctx](Request& req) -> Response {
                      LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
                      LP_HTTP_ASSIGN_OR_RESPOND(std::string code, http::GetString(body, "/code"));
                      const std::string cookie = CookieOf(req);
                      if (cookie.empty())
                        return Response::Unauthorized("the second factor needs a session");
                      Status s = ctx.accounts->CompleteMfa(cookie, code, req.remote_address);
                      if (!s.ok()) {
                        if (s.code() == StatusCode::kPermissionDenied) {
                          return Response::Error(401, "invalid_code", s.message(), "/code");
                        }
                        return StatusResponse(s, "/code");
                      }
                      ctx.principal_cache->Evict(PrincipalCache::SessionKey(cookie));
                      return JsonResponse(200, {{"mfa_passed", true}});
                    },
                    {.kind = RouteKind::kBlocking,
                     .permission = kPermissionSession,
                     .summary = "Second factor: a TOTP code or a recovery code",
                     .tag = "auth"}));

  LP_RETURN_IF_ERROR(router.Handle("POST", "/api/v1/auth/logout",
                                   [&ctx](Request& req) -> Response {
                                     const std::string cookie = CookieOf(req);
                                     if (!cookie.empty()) {
                                       (void)ctx.accounts->Logout(cookie);
                                       ctx.principal_cache->Evict(
                                           PrincipalCache::SessionKey(cookie));
                                     }
                                     Response resp = Response::NoContent();
                                     resp.headers.Add("Set-Cookie", SessionCookie(ctx, "", 0));
                                     return resp;
                                   },
                                   {.kind = RouteKind::kBlocking,
                                    .permission = kPermissionSession,
                                    .summary = "Sign out (revokes the session)",
                                    .tag = "auth"}));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/auth/me",
      [](Request& req) -> Response { return JsonResponse(200, PrincipalJson(*PrincipalOf(req))); },
      {.kind = RouteKind::kInline,
       .permission = kPermissionSession,
       .summary = "The signed-in user, roles, permissions and 2FA state",
       .tag = "auth"}));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/auth/password",
      [&ctx](Request& req) -> Response {
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string old_password, http::GetString(body, "/old_password"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string new_password, http::GetString(body, "/new_password"));
        auto p = PrincipalOf(req);
        const std::string cookie = CookieOf(req);
        Status s = ctx.accounts->ChangePassword(p->user.id, old_password, new_password, cookie);
        if (!s.ok()) {
          return StatusResponse(
              s, s.code() == StatusCode::kInvalidArgument ? "/new_password" : "/old_password");
        }
        ctx.principal_cache->Clear();  // other sessions of this user were revoked
        return Response::NoContent();
      },
      {.kind = RouteKind::kBlocking,
       .permission = kPermissionSession,
       .summary = "Change the own password (revokes the other sessions)",
       .tag = "auth"}));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/auth/totp/start",
      [&ctx](Request& req) -> Response {
        auto p = PrincipalOf(req);
        // A session still owing its second factor may only enrol when the
        // user has no 2FA yet (the service refuses otherwise).
        Result<trust::TotpEnrolment> e = ctx.accounts->StartTotpEnrolment(p->user.id);
        if (!e.ok()) return StatusResponse(e.status());
        Result<std::string> svg = QrCodeSvg(e->otpauth_uri);
        if (!svg.ok()) return StatusResponse(svg.status());
        return JsonResponse(
            200, {{"secret", e->secret_base32}, {"otpauth_uri", e->otpauth_uri}, {"qr_svg", *svg}});
      },
      {.kind = RouteKind::kBlocking,
       .permission = kPermissionSession,
       .summary =
           "Begin TOTP enrolment: a new secret, its otpauth URI and that URI as a QR code (SVG)",
       .tag = "auth"}));

  LP_RETURN_IF_ERROR(
      router.Handle("POST", "/api/v1/auth/totp/confirm",
                    [&ctx](Request& req) -> Response {
                      LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
                      LP_HTTP_ASSIGN_OR_RESPOND(std::string code, http::GetString(body, "/code"));
                      auto p = PrincipalOf(req);
                      const std::string cookie = CookieOf(req);
                      Result<std::vector<std::string>> codes =
                          ctx.accounts->ConfirmTotpEnrolment(p->user.id, code, cookie);
                      if (!codes.ok()) return StatusResponse(codes.status(), "/code");
                      if (!cookie.empty())
                        ctx.principal_cache->Evict(PrincipalCache::SessionKey(cookie));
                      return JsonResponse(200, {{"recovery_codes", *codes}});
                    },
                    {.kind = RouteKind::kBlocking,
                     .permission = kPermissionSession,
                     .summary = "Finish TOTP enrolment; returns the recovery codes once",
                     .tag = "auth"}));

  LP_RETURN_IF_ERROR(router.Handle("POST", "/api/v1/auth/recovery-codes",
                                   [&ctx](Request& req) -> Response {
                                     auto p = PrincipalOf(req);
                                     Result<std::vector<std::string>> codes =
                                         ctx.accounts->RegenerateRecoveryCodes(p->ActorName(),
                                                                               p->user.id);
                                     if (!codes.ok()) return StatusResponse(codes.status());
                                     return JsonResponse(200, {{"recovery_codes", *codes}});
                                   },
                                   {.kind = RouteKind::kBlocking,
                                    .permission = "account",
                                    .summary = "New recovery codes (the old ones stop working)",
                                    .tag = "auth"}));

  LP_RETURN_IF_ERROR(router.Handle("GET", "/api/v1/auth/tokens",
                                   [&ctx](Request& req) -> Response {
                                     Result<std::vector<store::ApiToken>> tokens =
                                         ctx.accounts->ListApiTokens(PrincipalOf(req)->user.id);
                                     if (!tokens.ok()) return StatusResponse(tokens.status());
                                     json list = json::array();
                                     for (const auto& t : *tokens) list.push_back(TokenJson(t));
                                     return JsonResponse(200, {{"tokens", std::move(list)}});
                                   },
                                   {.kind = RouteKind::kBlocking,
                                    .permission = "account",
                                    .summary = "The own API tokens (never their secrets)",
                                    .tag = "auth"}));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/auth/tokens",
      [&ctx](Request& req) -> Response {
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string name, http::GetString(body, "/name"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::vector<std::string> scopes,
                                  http::GetStringArray(body, "/scopes"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<int64_t> days,
                                  http::GetOptionalInt(body, "/expires_in_days"));
        if (days && (*days < 1 || *days > 3650)) {
          return Response::Error(400, "invalid_argument", "/expires_in_days must be 1 to 3650",
                                 "/expires_in_days");
        }
        Millis expires = days ? ctx.clock->NowMillis() + *days * 86'400'000 : 0;
        Result<trust::CreatedApiToken> t =
            ctx.accounts->CreateApiToken(PrincipalOf(req)->user.id, name, scopes, expires);
        if (!t.ok()) return StatusResponse(t.status(), "/scopes");
        json j = TokenJson(t->record);
        j["token"] = t->token;
        return JsonResponse(201, j);
      },
      {.kind = RouteKind::kBlocking,
       .permission = "account",
       .summary = "Create an API token; its secret is returned once",
       .tag = "auth"}));

  LP_RETURN_IF_ERROR(router.Handle("DELETE", "/api/v1/auth/tokens/{id}",
                                   [&ctx](Request& req) -> Response {
                                     Result<int64_t> id = PathId(req, "id");
                                     if (!id.ok()) return StatusResponse(id.status());
                                     auto p = PrincipalOf(req);
                                     Status s = ctx.accounts->RevokeApiToken(p->ActorName(),
                                                                             p->user.id, *id);
                                     if (!s.ok()) return StatusResponse(s);
                                     ctx.principal_cache->Clear();
                                     return Response::NoContent();
                                   },
                                   {.kind = RouteKind::kBlocking,
                                    .permission = "account",
                                    .summary = "Revoke an own API token",
                                    .tag = "auth"}));
  return Status::Ok();
}

}  // namespace leitplanke::server
