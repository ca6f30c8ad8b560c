// Guard routes: the check endpoint and the policy packs.
#include <nlohmann/json.hpp>

#include "http/json_body.h"
#include "server/app.h"
#include "server/route_util.h"
#include "server/verdict_json.h"

namespace leitplanke::server {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// The check runs inline on the I/O thread (a few tens of microseconds), so
// logins hashing passwords on the workers never delay it.
class CheckRoute {
 public:
  // `personal`: an employee's self-check of a draft for a private account —
  // the text and the verdict are neither stored, audited nor counted, only
  // the active policy is used, and the audience defaults to public.
  explicit CheckRoute(AppContext& ctx, bool personal = false) : ctx_(ctx), personal_(personal) {
    for (guard::Action a : {guard::Action::kAllow, guard::Action::kWarn, guard::Action::kHold,
                            guard::Action::kBlock}) {
      by_action_[static_cast<int>(a)] = &ctx.verdicts->WithLabels({guard::ActionName(a)});
    }
  }

  Response operator()(Request& req) {
    LP_HTTP_ASSIGN_OR_RESPOND(json body, http::ParseJsonBody(req));
    LP_HTTP_ASSIGN_OR_RESPOND(std::string text, http::GetString(body, "/text"));
    LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> channel,
                              http::GetOptionalString(body, "/channel"));
    LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> audience,
                              http::GetOptionalString(body, "/audience"));
    LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> lang,
                              http::GetOptionalString(body, "/lang"));
    LP_HTTP_ASSIGN_OR_RESPOND(std::optional<std::string> policy_name,
                              http::GetOptionalString(body, "/policy"));
    if (personal_ && policy_name) {
      return Response::Error(400, "invalid_argument",
                             "a self-check uses the active guideline; /policy is not accepted",
                             "/policy");
    }
    guard::CheckOptions options;
    if (personal_) options.audience = guard::Audience::kPublic;
    if (channel) options.channel = *channel;
    if (audience) {
      std::optional<guard::Audience> a = guard::ParseAudience(*audience);
      if (!a) {
        return Response::Error(400, "invalid_argument",
                               "/audience must be public, private or internal", "/audience");
      }
      options.audience = *a;
    }
    if (lang) {
      std::optional<guard::Lang> l = guard::ParseLang(*lang);
      if (!l) return Response::Error(400, "invalid_argument", "/lang must be de or en", "/lang");
      options.lang = *l;
    }

    Result<guard::Verdict> verdict = Status::Internal("unset");
    int32_t revision = 0;
    if (!policy_name || policy_name->empty()) {
      verdict = ctx_.policies->Check(text, options);
      revision = ctx_.policies->active().version;
    } else {
      // Another pack or version (the test bench compares two). Loading it
      // reads the store and compiles, which must not happen on this I/O
      // thread: the first request starts the load in the background and is
      // answered 503 with Retry-After.
      Result<std::shared_ptr<const guard::Policy>> policy = ctx_.policies->GetCached(*policy_name);
      if (!policy.ok() && policy.status().code() == StatusCode::kUnavailable) {
        PolicyService* service = ctx_.policies.get();
        ctx_.background->Post([service, name = *policy_name] { (void)service->Get(name); });
        Response r = Response::Error(
            503, "policy_loading",
            "policy '" + *policy_name + "' is being loaded; retry in a moment", "/policy");
        r.headers.Set("Retry-After", "1");
        return r;
      }
      if (!policy.ok()) return StatusResponse(policy.status(), "/policy");
      guard::Checker checker(*policy);
      verdict = checker.Check(text, options);
    }
    if (!verdict.ok()) {
      if (verdict.status().code() == StatusCode::kResourceExhausted) {
        return Response::Error(413, "too_large", verdict.status().message(), "/text");
      }
      return StatusResponse(verdict.status());
    }
    if (!personal_) Record(req, *verdict, options, revision);
    std::string out = VerdictToJson(*verdict, "", false);
    // The stored revision of the pack, beside the pack's own version string.
    out.insert(1, "\"policy_revision\":" + std::to_string(revision) + ",");
    if (personal_) out.insert(1, "\"stored\":false,");
    return Response::Json(200, std::move(out));
  }

 private:
  void Record(const Request& req, const guard::Verdict& v, const guard::CheckOptions& o,
              int32_t revision) {
    by_action_[static_cast<int>(v.action)]->Inc();
    for (const guard::Finding& f : v.findings) {
      ctx_.findings->WithLabels({f.category, guard::ActionName(f.action)}).Inc();
    }
    if (v.action < guard::Action::kHold) return;
    // Hold and block are audited: which rules, never the text.
    json rules = json::array();
    for (const guard::Finding& f : v.findings) rules.push_back(f.rule);
    json detail = {{"action", guard::ActionName(v.action)},
                   {"rules", std::move(rules)},
                   {"channel", o.channel},
                   {"audience", guard::AudienceName(o.audience)},
                   {"policy", v.policy_id},
                   {"policy_revision", revision}};
    ctx_.AuditLater(ActorOf(req), "check_" + std::string(guard::ActionName(v.action)), "",
                    detail.dump(), req.remote_address);
  }

  AppContext& ctx_;
  const bool personal_;
  http::Counter* by_action_[4] = {};
};

json VersionJson(const store::PolicyVersion& v) {
  return {{"id", v.id},
          {"name", v.name},
          {"version", v.version},
          {"sha256", v.sha256},
          {"comment", v.comment},
          {"created_by", v.created_by},
          {"created_at", IsoTime(v.created_at)},
          {"active", v.active}};
}

json ReportJson(const ValidationReport& r) {
  json problems = json::array();
  for (const PolicyProblem& p : r.problems) {
    problems.push_back({{"file", p.file},
                        {"line", p.line},
                        {"column", p.column},
                        {"rule", p.rule},
                        {"message", p.message}});
  }
  return {{"ok", r.ok},
          {"rules", r.rules},
          {"examples_passed", r.examples_passed},
          {"compile_ms", r.compile_us / 1000.0},
          {"problems", std::move(problems)}};
}

// A pack upload: JSON {"files": {"pack.toml": "...", ...}, "comment": "..."}
// or a bare pack.toml as application/toml.
http::JsonResult<std::pair<PackFiles, std::string>> ReadPackUpload(const Request& req) {
  using R = http::JsonResult<std::pair<PackFiles, std::string>>;
  const std::string media = req.MediaType();
  if (media == "application/toml") {
    std::string comment(req.Query("comment").value_or(""));
    return R(std::make_pair(PackFiles{{"pack.toml", req.body}}, comment));
  }
  auto body = http::ParseJsonBody(req);
  if (!body) return tl::unexpected(std::move(body.error()));
  auto files = http::GetObject(*body, "/files");
  if (!files) return tl::unexpected(std::move(files.error()));
  auto comment = http::GetOptionalString(*body, "/comment");
  if (!comment) return tl::unexpected(std::move(comment.error()));
  PackFiles pack;
  for (const auto& [path, content] : (*files)->items()) {
    if (!content.is_string()) {
      return tl::unexpected(Response::Error(
          400, "invalid_argument", "/files/" + path + " must be a string", "/files/" + path));
    }
    pack[path] = content.get<std::string>();
  }
  if (pack.find("pack.toml") == pack.end()) {
    return tl::unexpected(
        Response::Error(400, "invalid_argument", "/files must contain \"pack.toml\"", "/files"));
  }
  return R(std::make_pair(std::move(pack), comment->value_or("")));
}

Result<store::PolicyVersion> FindVersion(AppContext& ctx, const Request& req) {
  std::string name(req.PathParam("name"));
  LP_ASSIGN_OR_RETURN(int64_t number, PathId(req, "version"));
  LP_ASSIGN_OR_RETURN(std::vector<store::PolicyVersion> versions,
                      ctx.store->ListPolicyVersions(name));
  for (store::PolicyVersion& v : versions) {
    if (v.version == number) return std::move(v);
  }
  return Status::NotFound("policy '" + name + "' has no version " + std::to_string(number));
}

void PublishPolicyEvent(AppContext& ctx, const store::PolicyVersion& v) {
  ctx.events->Publish("policy", "policy.activated", VersionJson(v).dump());
}

}  // namespace

Status AddGuardRoutes(AppContext& ctx, http::Router& router) {
  using http::RouteKind;
  LP_RETURN_IF_ERROR(router.Handle("POST", "/api/v1/check", CheckRoute(ctx),
                                   {.kind = RouteKind::kInline,
                                    .permission = "check",
                                    .summary = "Check a text against the guideline",
                                    .tag = "guard"}));
  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/self-check", CheckRoute(ctx, /*personal=*/true),
      {.kind = RouteKind::kInline,
       .permission = "check",
       .summary = "An employee's own draft for a private account: checked against the active "
                  "guideline; neither the text nor the verdict is stored, audited or counted",
       .tag = "guard"}));

  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/v1/policies",
      [&ctx](Request&) -> Response {
        PolicyService::Active a = ctx.policies->active();
        Result<std::vector<store::PolicyVersion>> versions = ctx.store->ListPolicyVersions(a.name);
        if (!versions.ok()) return StatusResponse(versions.status());
        json list = json::array();
        for (const auto& v : *versions) list.push_back(VersionJson(v));
        return JsonResponse(200, {{"active", {{"name", a.name}, {"version", a.version}}},
                                  {"versions", std::move(list)}});
      },
      {.kind = RouteKind::kBlocking,
       .permission = "policy:read",
       .summary = "The active policy pack and its versions",
       .tag = "policies"}));

  LP_RETURN_IF_ERROR(router.Handle("GET", "/api/v1/policies/{name}/versions",
                                   [&ctx](Request& req) -> Response {
                                     Result<std::vector<store::PolicyVersion>> versions =
                                         ctx.store->ListPolicyVersions(req.PathParam("name"));
                                     if (!versions.ok()) return StatusResponse(versions.status());
                                     json list = json::array();
                                     for (const auto& v : *versions) list.push_back(VersionJson(v));
                                     return JsonResponse(200, {{"versions", std::move(list)}});
                                   },
                                   {.kind = RouteKind::kBlocking,
                                    .permission = "policy:read",
                                    .summary = "Versions of a policy pack",
                                    .tag = "policies"}));

  LP_RETURN_IF_ERROR(router.Handle("GET", "/api/v1/policies/{name}/versions/{version}",
                                   [&ctx](Request& req) -> Response {
                                     Result<store::PolicyVersion> v = FindVersion(ctx, req);
                                     if (!v.ok()) return StatusResponse(v.status());
                                     Result<PackFiles> files = PolicyService::DecodeFiles(v->files);
                                     if (!files.ok()) return StatusResponse(files.status());
                                     json j = VersionJson(*v);
                                     j["files"] = *files;
                                     return JsonResponse(200, j);
                                   },
                                   {.kind = RouteKind::kBlocking,
                                    .permission = "policy:read",
                                    .summary = "One version of a policy pack with its files",
                                    .tag = "policies"}));

  LP_RETURN_IF_ERROR(
      router.Handle("POST", "/api/v1/policies/{name}/validate",
                    [&ctx](Request& req) -> Response {
                      LP_HTTP_ASSIGN_OR_RESPOND(auto upload, ReadPackUpload(req));
                      ValidationReport report = ctx.policies->Validate(upload.first);
                      return JsonResponse(200, ReportJson(report));
                    },
                    {.kind = RouteKind::kBlocking,
                     .permission = "policy:read",
                     .summary = "Validate a pack (lint errors with line and column, rule examples)",
                     .tag = "policies"}));

  LP_RETURN_IF_ERROR(router.Handle(
      "POST", "/api/v1/policies/{name}/versions",
      [&ctx](Request& req) -> Response {
        LP_HTTP_ASSIGN_OR_RESPOND(auto upload, ReadPackUpload(req));
        ValidationReport report;
        const std::string name(req.PathParam("name"));
        Result<store::PolicyVersion> v =
            ctx.policies->Upload(name, upload.first, upload.second, ActorOf(req), &report);
        if (!v.ok()) {
          if (!report.ok && !report.problems.empty()) {
            json j = {{"error", {{"code", "policy_invalid"}, {"message", v.status().message()}}},
                      {"report", ReportJson(report)}};
            return JsonResponse(422, j);
          }
          return StatusResponse(v.status());
        }
        ctx.Audit(ActorOf(req), "policy_upload", name + "@" + std::to_string(v->version),
                  json{{"sha256", v->sha256}, {"comment", v->comment}}.dump(), req.remote_address);
        json j = VersionJson(*v);
        j["report"] = ReportJson(report);
        return JsonResponse(201, j);
      },
      {.kind = RouteKind::kBlocking,
       .permission = "policy:write",
       .summary = "Upload a new version of a pack (validated, not yet active)",
       .tag = "policies"}));

  LP_RETURN_IF_ERROR(
      router.Handle("POST", "/api/v1/policies/{name}/versions/{version}/activate",
                    [&ctx](Request& req) -> Response {
                      Result<store::PolicyVersion> v = FindVersion(ctx, req);
                      if (!v.ok()) return StatusResponse(v.status());
                      Result<store::PolicyVersion> active = ctx.policies->Activate(v->id);
                      if (!active.ok()) return StatusResponse(active.status());
                      ctx.Audit(ActorOf(req), "policy_activate",
                                active->name + "@" + std::to_string(active->version),
                                json{{"sha256", active->sha256}}.dump(), req.remote_address);
                      PublishPolicyEvent(ctx, *active);
                      return JsonResponse(200, VersionJson(*active));
                    },
                    {.kind = RouteKind::kBlocking,
                     .permission = "policy:write",
                     .summary = "Activate a version (hot reload, no request dropped)",
                     .tag = "policies"}));

  LP_RETURN_IF_ERROR(router.Handle("POST", "/api/v1/policies/{name}/rollback",
                                   [&ctx](Request& req) -> Response {
                                     Result<store::PolicyVersion> active =
                                         ctx.policies->Rollback(std::string(req.PathParam("name")));
                                     if (!active.ok()) return StatusResponse(active.status());
                                     ctx.Audit(ActorOf(req), "policy_rollback",
                                               active->name + "@" + std::to_string(active->version),
                                               json{{"sha256", active->sha256}}.dump(),
                                               req.remote_address);
                                     PublishPolicyEvent(ctx, *active);
                                     return JsonResponse(200, VersionJson(*active));
                                   },
                                   {.kind = RouteKind::kBlocking,
                                    .permission = "policy:write",
                                    .summary = "Activate the version before the active one",
                                    .tag = "policies"}));
  return Status::Ok();
}

}  // namespace leitplanke::server
