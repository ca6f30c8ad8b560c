// Administration routes: users, teams, the audit log, the vault. All touch
// the store and run on the worker pool.
#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "http/json_body.h"
#include "server/app.h"
#include "server/route_util.h"

namespace leitplanke::server {
namespace {

using http::Request;
using http::Response;
using http::RouteKind;
using nlohmann::json;

json TeamJson(const store::Team& t) {
  return {{"id", t.id}, {"name", t.name}, {"created_at", IsoTime(t.created_at)}};
}

json AuditJson(const store::AuditEntry& e) {
  json detail = json::parse(e.detail, nullptr, /*allow_exceptions=*/false);
  if (detail.is_discarded()) detail = e.detail;
  return {{"seq", e.seq},         {"at", IsoTime(e.at)}, {"actor", e.actor},
          {"action", e.action},   {"target", e.target},  {"detail", std::move(detail)},
          {"address", e.address}, {"hash", e.hash}};
}

// Wraps a handler body that returns Result<json> into a route handler.
template <class F>
http::Handler JsonHandler(int ok_status, F body) {
  return [ok_status, body](Request& req) -> Response {
    Result<json> r = body(req);
    if (!r.ok()) return StatusResponse(r.status());
    if (r->is_null()) return Response::NoContent();
    return JsonResponse(ok_status, *r);
  };
}

http::RouteOptions Blocking(std::string permission, std::string summary, std::string tag) {
  return BlockingRoute(std::move(tag), std::move(permission), std::move(summary));
}

// GET /api/v1/audit: a page of the log, oldest first from `from` (default 1)
// or newest first below `before` (order=desc, default: the end of the log),
// keeping the entries whose actor and action contain the given substrings
// and whose time lies in [since, until] (epoch milliseconds).
struct AuditQuery {
  bool descending = false;
  int64_t from = 1;
  int64_t before = 0;  // 0: after the last entry
  int64_t limit = 100;
  std::string actor;
  std::string action;
  int64_t since = 0;
  int64_t until = 0;  // 0: no upper bound
};

struct AuditPage {
  std::vector<store::AuditEntry> entries;
  int64_t next = 0;  // cursor of the next page, 0 at the end
};

// At most this many entries are read per request, matching or not, so a
// filter that matches rarely cannot make one request read the whole log;
// the page then ends early with a cursor to continue.
constexpr int64_t kAuditScanBudget = 20'000;
constexpr int64_t kAuditBatch = 500;

Result<AuditQuery> ParseAuditQuery(const Request& req) {
  AuditQuery q;
  for (auto [name, target] :
       {std::pair{"from", &q.from}, std::pair{"before", &q.before}, std::pair{"limit", &q.limit},
        std::pair{"since", &q.since}, std::pair{"until", &q.until}}) {
    if (auto v = req.Query(name)) {
      try {
        size_t used = 0;
        *target = std::stoll(std::string(*v), &used);
        if (used != v->size()) throw std::invalid_argument("trailing characters");
      } catch (const std::exception&) {
        return Status::InvalidArgument(std::string("query parameter '") + name +
                                       "' must be an integer");
      }
    }
  }
  if (auto o = req.Query("order")) {
    if (*o != "asc" && *o != "desc") {
      return Status::InvalidArgument("query parameter 'order' must be asc or desc");
    }
    q.descending = *o == "desc";
  }
  if (q.from < 1 || q.before < 0 || q.limit < 1 || q.limit > 1000) {
    return Status::InvalidArgument("from must be >= 1, before >= 0 and limit 1 to 1000");
  }
  if (q.since < 0 || q.until < 0 || (q.until != 0 && q.until < q.since)) {
    return Status::InvalidArgument("since and until must be >= 0 and until not before since");
  }
  q.actor = std::string(req.Query("actor").value_or(""));
  q.action = std::string(req.Query("action").value_or(""));
  return q;
}

bool Matches(const AuditQuery& q, const store::AuditEntry& e) {
  if (!q.actor.empty() && e.actor.find(q.actor) == std::string::npos) return false;
  if (!q.action.empty() && e.action.find(q.action) == std::string::npos) return false;
  if (q.since != 0 && e.at < q.since) return false;
  if (q.until != 0 && e.at > q.until) return false;
  return true;
}

// The highest sequence number (0 for an empty log): seq is dense from 1, so
// an exponential then a binary search finds it with O(log n) point reads.
Result<int64_t> LastAuditSeq(store::Store& st) {
  auto exists = [&st](int64_t seq) -> Result<bool> {
    LP_ASSIGN_OR_RETURN(std::vector<store::AuditEntry> one, st.ListAudit(seq, 1));
    return !one.empty() && one.front().seq == seq;
  };
  LP_ASSIGN_OR_RETURN(bool any, exists(1));
  if (!any) return int64_t{0};
  int64_t lo = 1, hi = 2;  // lo exists; hi is probed
  while (true) {
    LP_ASSIGN_OR_RETURN(bool there, exists(hi));
    if (!there) break;
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {  // lo exists, hi does not
    const int64_t mid = lo + (hi - lo) / 2;
    LP_ASSIGN_OR_RETURN(bool there, exists(mid));
    (there ? lo : hi) = mid;
  }
  return lo;
}

Result<AuditPage> ReadAudit(store::Store& st, const AuditQuery& q) {
  AuditPage page;
  int64_t scanned = 0;
  if (!q.descending) {
    int64_t cursor = q.from;
    while (true) {
      LP_ASSIGN_OR_RETURN(std::vector<store::AuditEntry> batch, st.ListAudit(cursor, kAuditBatch));
      for (store::AuditEntry& e : batch) {
        cursor = e.seq + 1;
        ++scanned;
        if (Matches(q, e)) page.entries.push_back(std::move(e));
        if (static_cast<int64_t>(page.entries.size()) == q.limit || scanned >= kAuditScanBudget) {
          // More may follow; the client finds out with the next request.
          page.next = cursor;
          return page;
        }
      }
      if (static_cast<int64_t>(batch.size()) < kAuditBatch) return page;  // end of the log
    }
  }
  int64_t end = q.before;  // entries with seq < end
  if (end == 0) {
    LP_ASSIGN_OR_RETURN(int64_t last, LastAuditSeq(st));
    end = last + 1;
  }
  while (end > 1) {
    const int64_t start = std::max<int64_t>(1, end - kAuditBatch);
    LP_ASSIGN_OR_RETURN(std::vector<store::AuditEntry> batch, st.ListAudit(start, end - start));
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      if (it->seq >= end) continue;
      end = it->seq;
      ++scanned;
      if (Matches(q, *it)) page.entries.push_back(std::move(*it));
      if (static_cast<int64_t>(page.entries.size()) == q.limit || scanned >= kAuditScanBudget) {
        page.next = end > 1 ? end : 0;
        return page;
      }
    }
    if (batch.empty()) break;
    end = start;
  }
  return page;
}

}  // namespace

Status AddAdminRoutes(AppContext& ctx, http::Router& router) {
  // --- users ---------------------------------------------------------------
  LP_RETURN_IF_ERROR(router.Handle("GET", "/api/v1/users",
                                   JsonHandler(200,
                                               [&ctx](Request&) -> Result<json> {
                                                 LP_ASSIGN_OR_RETURN(std::vector<store::User> users,
                                                                     ctx.store->ListUsers());
                                                 json list = json::array();
                                                 for (const auto& u : users)
                                                   list.push_back(UserJson(u));
                                                 return json{{"users", std::move(list)}};
                                               }),
                                   Blocking("users:read", "All users", "users")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/users",
      [&ctx](Request& req) -> Response {
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string username, http::GetString(body, "/username"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string password, http::GetString(body, "/password"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::vector<std::string> roles,
                                  http::GetStringArray(body, "/roles"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> display,
                                  http::GetOptionalString(body, "/display_name"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> email,
                                  http::GetOptionalString(body, "/email"));
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<bool> one_time,
                                  http::GetOptionalBool(body, "/must_change_password"));
        Result<store::User> u =
            ctx.accounts->CreateUser(ActorOf(req), username, display.value_or(username),
                                     email.value_or(""), roles, password);
        if (!u.ok()) return StatusResponse(u.status());
        if (one_time.value_or(false)) {
          // A one-time password: the user must choose their own at the first sign-in.
          u->must_change_password = true;
          if (Status s = ctx.store->UpdateUser(*u); !s.ok()) return StatusResponse(s);
        }
        return JsonResponse(201, UserJson(*u));
      },
      Blocking("users:write", "Create a user", "users")));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/users/{id}",
      JsonHandler(200,
                  [&ctx](Request& req) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                    LP_ASSIGN_OR_RETURN(store::User u, ctx.store->GetUser(id));
                    json j = UserJson(u);
                    LP_ASSIGN_OR_RETURN(int codes, ctx.store->CountUnusedRecoveryCodes(id));
                    j["recovery_codes_left"] = codes;
                    return j;
                  }),
      Blocking("users:read", "One user", "users")));

  LP_RETURN_IF_ERROR(router.Handle(
      "PATCH", "/api/v1/users/{id}",
      [&ctx](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        LP_HTTP_ASSIGN_OR_RESPOND(std::optional<bool> disabled,
                                  http::GetOptionalBool(body, "/disabled"));
        const std::string actor = ActorOf(req);
        if (body.contains("roles")) {
          LP_HTTP_ASSIGN_OR_RESPOND(std::vector<std::string> roles,
                                    http::GetStringArray(body, "/roles"));
          Status s = ctx.accounts->SetRoles(actor, *id, roles);
          if (!s.ok()) return StatusResponse(s, "/roles");
        }
        if (disabled) {
          Status s = *disabled ? ctx.accounts->DisableUser(actor, *id)
                               : ctx.accounts->EnableUser(actor, *id);
          if (!s.ok()) return StatusResponse(s, "/disabled");
        }
        Result<store::User> u = ctx.store->GetUser(*id);
        if (!u.ok()) return StatusResponse(u.status());
        if (body.contains("display_name") || body.contains("email") || body.contains("locale")) {
          LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> display,
                                    http::GetOptionalString(body, "/display_name"));
          LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> email,
                                    http::GetOptionalString(body, "/email"));
          LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> locale,
                                    http::GetOptionalString(body, "/locale"));
          if (locale && *locale != "de" && *locale != "en") {
            return Response::Error(400, "invalid_argument", "/locale must be de or en", "/locale");
          }
          if (display) u->display_name = *display;
          if (email) u->email = *email;
          if (locale) u->locale = *locale;
          u->updated_at = ctx.clock->NowMillis();
          if (Status s = ctx.store->UpdateUser(*u); !s.ok()) return StatusResponse(s);
        }
        ctx.principal_cache->Clear();
        return JsonResponse(200, UserJson(*u));
      },
      Blocking("users:write", "Change roles, state or profile of a user", "users")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/users/{id}/password",
      [&ctx](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string password, http::GetString(body, "/password"));
        Status s = ctx.accounts->SetPassword(ActorOf(req), *id, password, true);
        if (!s.ok()) return StatusResponse(s, "/password");
        ctx.principal_cache->Clear();
        return Response::NoContent();
      },
      Blocking("users:write", "Set a one-time password (revokes the user's sessions)", "users")));

  LP_RETURN_IF_ERROR(
      router.Handle("POST", "/api/v1/users/{id}/reset-2fa",
                    JsonHandler(200,
                                [&ctx](Request& req) -> Result<json> {
                                  LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                                  LP_RETURN_IF_ERROR(ctx.accounts->ResetTotp(ActorOf(req), id));
                                  ctx.principal_cache->Clear();
                                  return json();
                                }),
                    Blocking("users:write", "Turn off a user's 2FA so they enrol again", "users")));

  LP_RETURN_IF_ERROR(router.Handle("DELETE", "/api/v1/users/{id}/sessions",
                                   JsonHandler(200,
                                               [&ctx](Request& req) -> Result<json> {
                                                 LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                                                 LP_RETURN_IF_ERROR(ctx.accounts->RevokeAllSessions(
                                                     ActorOf(req), id));
                                                 ctx.principal_cache->Clear();
                                                 return json();
                                               }),
                                   Blocking("users:write", "Sign a user out everywhere", "users")));

  // --- teams ---------------------------------------------------------------
  LP_RETURN_IF_ERROR(router.Handle("GET", "/api/v1/teams",
                                   JsonHandler(200,
                                               [&ctx](Request&) -> Result<json> {
                                                 LP_ASSIGN_OR_RETURN(std::vector<store::Team> teams,
                                                                     ctx.store->ListTeams());
                                                 json list = json::array();
                                                 for (const auto& t : teams)
                                                   list.push_back(TeamJson(t));
                                                 return json{{"teams", std::move(list)}};
                                               }),
                                   Blocking("teams:read", "All teams", "teams")));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/teams",
      [&ctx](Request& req) -> Response {
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string name, http::GetString(body, "/name"));
        if (name.empty() || name.size() > 100) {
          return Response::Error(400, "invalid_argument", "/name must have 1 to 100 bytes",
                                 "/name");
        }
        store::Team team;
        team.name = name;
        team.created_at = ctx.clock->NowMillis();
        Result<store::Team> t = ctx.store->CreateTeam(team);
        if (!t.ok()) return StatusResponse(t.status(), "/name");
        ctx.Audit(ActorOf(req), "team_create", t->name, "{}", req.remote_address);
        return JsonResponse(201, TeamJson(*t));
      },
      Blocking("teams:write", "Create a team", "teams")));

  LP_RETURN_IF_ERROR(router.Handle(
      "PATCH", "/api/v1/teams/{id}",
      [&ctx](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string name, http::GetString(body, "/name"));
        if (name.empty() || name.size() > 100) {
          return Response::Error(400, "invalid_argument", "/name must have 1 to 100 bytes",
                                 "/name");
        }
        Result<store::Team> renamed = ctx.store->RenameTeam(*id, name);
        if (!renamed.ok()) {
          const Status& s = renamed.status();
          return StatusResponse(s, s.code() == StatusCode::kNotFound ? "" : "/name");
        }
        ctx.Audit(ActorOf(req), "team_rename", std::to_string(*id), json{{"name", name}}.dump(),
                  req.remote_address);
        return JsonResponse(200, TeamJson(*renamed));
      },
      Blocking("teams:write", "Rename a team", "teams")));

  LP_RETURN_IF_ERROR(router.Handle("DELETE", "/api/v1/teams/{id}",
                                   JsonHandler(200,
                                               [&ctx](Request& req) -> Result<json> {
                                                 LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                                                 LP_RETURN_IF_ERROR(ctx.store->DeleteTeam(id));
                                                 ctx.Audit(ActorOf(req), "team_delete",
                                                           std::to_string(id), "{}",
                                                           req.remote_address);
                                                 return json();
                                               }),
                                   Blocking("teams:write", "Delete a team", "teams")));

  LP_RETURN_IF_ERROR(
      router.Handle("GET", "/api/v1/teams/{id}/members",
                    JsonHandler(200,
                                [&ctx](Request& req) -> Result<json> {
                                  LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                                  LP_ASSIGN_OR_RETURN(std::vector<store::TeamMember> members,
                                                      ctx.store->ListTeamMembers(id));
                                  json list = json::array();
                                  for (const auto& m : members)
                                    list.push_back({{"user_id", m.user_id}, {"lead", m.lead}});
                                  return json{{"members", std::move(list)}};
                                }),
                    Blocking("teams:read", "Members of a team", "teams")));

  LP_RETURN_IF_ERROR(router.Handle(
      "PUT", "/api/v1/teams/{id}/members/{user_id}",
      [&ctx](Request& req) -> Response {
        Result<int64_t> id = PathId(req, "id");
        if (!id.ok()) return StatusResponse(id.status());
        Result<int64_t> user = PathId(req, "user_id");
        if (!user.ok()) return StatusResponse(user.status());
        bool lead = false;
        if (!req.body.empty()) {
          LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
          LP_HTTP_ASSIGN_OR_RESPOND(std::optional<bool> l, http::GetOptionalBool(body, "/lead"));
          lead = l.value_or(false);
        }
        if (Status s = ctx.store->SetTeamMember({*id, *user, lead}); !s.ok()) {
          return StatusResponse(s);
        }
        ctx.Audit(ActorOf(req), "team_member_set", std::to_string(*id),
                  json{{"user_id", *user}, {"lead", lead}}.dump(), req.remote_address);
        return Response::NoContent();
      },
      Blocking("teams:write", "Add a user to a team or change their lead flag", "teams")));

  LP_RETURN_IF_ERROR(
      router.Handle("DELETE", "/api/v1/teams/{id}/members/{user_id}",
                    JsonHandler(200,
                                [&ctx](Request& req) -> Result<json> {
                                  LP_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
                                  LP_ASSIGN_OR_RETURN(int64_t user, PathId(req, "user_id"));
                                  LP_RETURN_IF_ERROR(ctx.store->RemoveTeamMember(id, user));
                                  ctx.Audit(ActorOf(req), "team_member_remove", std::to_string(id),
                                            json{{"user_id", user}}.dump(), req.remote_address);
                                  return json();
                                }),
                    Blocking("teams:write", "Remove a user from a team", "teams")));

  // --- audit log -------------------------------------------------------------
  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/audit",
      JsonHandler(200,
                  [&ctx](Request& req) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(AuditQuery q, ParseAuditQuery(req));
                    LP_ASSIGN_OR_RETURN(AuditPage page, ReadAudit(*ctx.store, q));
                    json list = json::array();
                    for (const auto& e : page.entries) list.push_back(AuditJson(e));
                    json out = {{"entries", std::move(list)}};
                    // Where the next page starts; null at the end of the log.
                    const char* key = q.descending ? "next_before" : "next_from";
                    out[key] = page.next ? json(page.next) : json(nullptr);
                    return out;
                  }),
      Blocking("audit:read",
               "Audit log entries by sequence number (from=, or order=desc with before=), "
               "filtered by actor, action (substrings) and since/until (epoch milliseconds)",
               "audit")));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/audit/verify",
      JsonHandler(200,
                  [&ctx](Request&) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(trust::AuditVerifyReport r, ctx.audit->Verify());
                    return json{{"ok", r.ok},
                                {"entries_checked", r.entries_checked},
                                {"first_bad_seq", r.first_bad_seq},
                                {"kind", trust::AuditTamperKindName(r.kind)},
                                {"message", r.message},
                                {"last_seq", r.last_seq},
                                {"last_hash", r.last_hash},
                                {"purged", r.purged},
                                {"purged_first_seq", r.purged_first_seq},
                                {"purged_last_seq", r.purged_last_seq}};
                  }),
      Blocking("audit:read", "Verify the hash chain of the audit log", "audit")));

  // --- vault -------------------------------------------------------------------
  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/vault/secrets",
      JsonHandler(200,
                  [&ctx](Request&) -> Result<json> {
                    LP_ASSIGN_OR_RETURN(std::vector<trust::VaultSecretInfo> infos,
                                        ctx.vault->List());
                    json list = json::array();
                    for (const auto& i : infos) {
                      list.push_back({{"name", i.name},
                                      {"key_id", i.key_id},
                                      {"created_at", IsoTime(i.created_at)},
                                      {"updated_at", IsoTime(i.updated_at)}});
                    }
                    return json{{"secrets", std::move(list)}};
                  }),
      Blocking("vault:write", "Names of vaulted secrets (never their values)", "vault")));

  LP_RETURN_IF_ERROR(router.Handle(
      "PUT", "/api/v1/vault/secrets/{name}",
      [&ctx](Request& req) -> Response {
        LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
        LP_HTTP_ASSIGN_OR_RESPOND(std::string value, http::GetString(body, "/value"));
        const std::string name(req.PathParam("name"));
        if (Status s = ctx.vault->Put(name, value); !s.ok()) return StatusResponse(s, "/value");
        ctx.Audit(ActorOf(req), "vault_put", name, "{}", req.remote_address);
        return Response::NoContent();
      },
      Blocking("vault:write", "Store a secret (write-only)", "vault")));

  LP_RETURN_IF_ERROR(router.Handle("DELETE", "/api/v1/vault/secrets/{name}",
                                   JsonHandler(200,
                                               [&ctx](Request& req) -> Result<json> {
                                                 const std::string name(req.PathParam("name"));
                                                 LP_RETURN_IF_ERROR(ctx.vault->Delete(name));
                                                 ctx.Audit(ActorOf(req), "vault_delete", name, "{}",
                                                           req.remote_address);
                                                 return json();
                                               }),
                                   Blocking("vault:write", "Delete a secret", "vault")));
  return Status::Ok();
}

}  // namespace leitplanke::server
