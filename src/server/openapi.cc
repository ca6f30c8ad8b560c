#include "server/openapi.h"

#include <algorithm>
#include <iterator>

#include <nlohmann/json.hpp>

#include "leitplanke/guard/types.h"

namespace leitplanke::server {
namespace {

using nlohmann::json;

json Str() { return {{"type", "string"}}; }
json StrArray() { return {{"type", "array"}, {"items", Str()}}; }
json Obj(json properties, std::vector<std::string> required) {
  return {{"type", "object"}, {"properties", std::move(properties)}, {"required", required}};
}

json Int() { return {{"type", "integer"}}; }

// A post as the editor sends it (PUT also names the version it saw).
json PostBody(bool with_version, bool title_required = true) {
  json props = {{"title", Str()},
                {"body", Str()},
                {"link", Str()},
                {"team_id", Int()},
                {"flags", {{"type", "array"}, {"items", {{"enum", {"emotional", "risky"}}}}}},
                {"variants",
                 {{"type", "array"},
                  {"items", Obj({{"channel_id", Int()},
                                 {"text", Str()},
                                 {"asset_ids", {{"type", "array"}, {"items", Int()}}}},
                                {"channel_id"})}}}};
  std::vector<std::string> required = {"variants"};
  if (title_required) required.insert(required.begin(), "title");
  if (with_version) {
    props["version"] = Int();
    required.push_back("version");
  }
  return Obj(std::move(props), std::move(required));
}

json PackUpload() {
  return Obj({{"files",
               {{"type", "object"},
                {"additionalProperties", Str()},
                {"description", "path → content; must contain pack.toml"}}},
              {"comment", Str()}},
             {"files"});
}

// A desk reply (and its preview); "private": answer a public conversation
// privately where the channel can (else 400 naming the channel kind).
json ReplyBody() {
  return Obj(
      {{"text", Str()},
       {"version", Int()},
       {"next_state", {{"type", "string"}, {"enum", {"open", "pending_customer", "resolved"}}}},
       {"confirm_reason", Str()},
       {"idempotency_key", Str()},
       {"private", {{"type", "boolean"}}}},
      {"text"});
}

std::map<std::string, json> Bodies() {
  return {
      {"POST /api/v1/check",
       Obj({{"text", Str()},
            {"channel", {{"type", "string"}, {"examples", {"x", "linkedin", "mastodon"}}}},
            {"audience", {{"type", "string"}, {"enum", {"public", "private", "internal"}}}},
            {"lang", {{"type", "string"}, {"enum", {"de", "en"}}}},
            {"policy", {{"type", "string"}, {"description", "pack name or name@version"}}}},
           {"text"})},
      {"POST /api/v1/auth/login",
       Obj({{"username", Str()}, {"password", Str()}}, {"username", "password"})},
      {"POST /api/v1/auth/mfa", Obj({{"code", Str()}}, {"code"})},
      {"POST /api/v1/auth/password",
       Obj({{"old_password", Str()}, {"new_password", Str()}}, {"old_password", "new_password"})},
      {"POST /api/v1/auth/totp/confirm", Obj({{"code", Str()}}, {"code"})},
      {"POST /api/v1/auth/tokens",
       Obj({{"name", Str()},
            {"scopes", StrArray()},
            {"expires_in_days", {{"type", "integer"}, {"minimum", 1}, {"maximum", 3650}}}},
           {"name", "scopes"})},
      {"POST /api/v1/users", Obj({{"username", Str()},
                                  {"password", Str()},
                                  {"roles", StrArray()},
                                  {"display_name", Str()},
                                  {"email", Str()},
                                  {"must_change_password", {{"type", "boolean"}}}},
                                 {"username", "password", "roles"})},
      {"PATCH /api/v1/users/{id}", Obj({{"roles", StrArray()},
                                        {"disabled", {{"type", "boolean"}}},
                                        {"display_name", Str()},
                                        {"email", Str()},
                                        {"locale", {{"type", "string"}, {"enum", {"de", "en"}}}}},
                                       {})},
      {"POST /api/v1/users/{id}/password", Obj({{"password", Str()}}, {"password"})},
      {"POST /api/v1/teams", Obj({{"name", Str()}}, {"name"})},
      {"PATCH /api/v1/teams/{id}", Obj({{"name", Str()}}, {"name"})},
      {"PUT /api/v1/teams/{id}/members/{user_id}", Obj({{"lead", {{"type", "boolean"}}}}, {})},
      {"PUT /api/v1/vault/secrets/{name}", Obj({{"value", Str()}}, {"value"})},
      {"POST /api/v1/policies/{name}/validate", PackUpload()},
      {"POST /api/v1/policies/{name}/versions", PackUpload()},
      {"POST /api/v1/posts", PostBody(false)},
      {"POST /api/v1/posts/check", PostBody(false, /*title_required=*/false)},
      {"PUT /api/v1/posts/{id}", PostBody(true)},
      {"POST /api/v1/posts/{id}/submit", Obj({{"version", Int()}}, {})},
      {"POST /api/v1/posts/{id}/schedule",
       Obj({{"scheduled_at",
             {{"type", "string"},
              {"description",
               "2026-12-01T09:30 (company time zone), an RFC 3339 time, or \"now\""}}},
            {"version", Int()}},
           {"scheduled_at"})},
      {"POST /api/v1/posts/{id}/unschedule", Obj({{"version", Int()}}, {})},
      {"POST /api/v1/posts/{id}/cancel", Obj({{"version", Int()}}, {})},
      {"PUT /api/v1/posts/{id}/shareable",
       Obj({{"shareable", {{"type", "boolean"}}}}, {"shareable"})},
      {"POST /api/v1/assets",
       Obj({{"name", Str()},
            {"url", {{"type", "string"}, {"description", "http(s) URL where the file lives"}}},
            {"mime_type", Str()},
            {"alt_text", Str()},
            {"licence", Str()},
            {"consent", {{"type", "string"}, {"enum", {"not_needed", "given", "missing"}}}}},
           {"name", "url"})},
      {"PATCH /api/v1/assets/{id}",
       Obj({{"name", Str()},
            {"alt_text", Str()},
            {"licence", Str()},
            {"consent", {{"type", "string"}, {"enum", {"not_needed", "given", "missing"}}}}},
           {})},
      {"POST /api/v1/desk/conversations/{id}/replies", ReplyBody()},
      {"POST /api/v1/desk/conversations/{id}/replies/preview", ReplyBody()},
      {"POST /api/v1/advocacy/posts/{id}/share",
       Obj({{"own_words", Str()},
            {"network", {{"type", "string"}, {"examples", {"linkedin", "x", "instagram"}}}},
            {"add_disclosure", {{"type", "boolean"}}},
            {"preview", {{"type", "boolean"}}}},
           {"network"})},
  };
}

// Routes whose request body is a raw file (not JSON), with their query
// parameters.
struct RawUpload {
  std::vector<std::pair<std::string, json>> query;  // name, schema
  std::vector<std::string> required;
};
std::map<std::string, RawUpload> RawUploads() {
  return {{"POST /api/v1/assets/files",
           {{{"name", Str()},
             {"alt_text", Str()},
             {"licence", Str()},
             {"consent", {{"type", "string"}, {"enum", {"not_needed", "given", "missing"}}}}},
            {"name"}}}};
}

// Routes that answer with a file instead of JSON.
const char* const kFileResponses[] = {"GET /api/v1/assets/{id}/file"};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string OperationId(const http::RouteInfo& r) {
  std::string id = Lower(r.method);
  bool upper = true;
  for (char c : r.pattern) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      id += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    } else {
      upper = true;
    }
  }
  return id;
}

}  // namespace

const std::map<std::string, std::string>& DocumentedRequestBodies() {
  static const auto* bodies = [] {
    auto* m = new std::map<std::string, std::string>();
    for (const auto& [k, v] : Bodies()) (*m)[k] = v.dump();
    return m;
  }();
  return *bodies;
}

std::string OpenApiDocument(const std::vector<http::RouteInfo>& routes) {
  const std::map<std::string, json> bodies = Bodies();
  const std::map<std::string, RawUpload> uploads = RawUploads();
  json paths = json::object();
  for (const http::RouteInfo& r : routes) {
    json op = {{"operationId", OperationId(r)},
               {"summary", r.summary},
               {"tags", {r.tag.empty() ? "other" : r.tag}},
               {"x-permission", r.permission.empty() ? "public" : r.permission},
               {"x-execution", http::RouteKindName(r.kind)}};
    if (r.permission.empty() || r.permission == "metrics") {
      op["security"] = json::array();
    }
    json params = json::array();
    for (size_t open = r.pattern.find('{'); open != std::string::npos;
         open = r.pattern.find('{', open + 1)) {
      size_t close = r.pattern.find('}', open);
      params.push_back({{"name", r.pattern.substr(open + 1, close - open - 1)},
                        {"in", "path"},
                        {"required", true},
                        {"schema", Str()}});
    }
    const std::string key = r.method + " " + r.pattern;
    const auto upload = uploads.find(key);
    if (upload != uploads.end()) {
      for (const auto& [name, schema] : upload->second.query) {
        const bool required =
            std::find(upload->second.required.begin(), upload->second.required.end(), name) !=
            upload->second.required.end();
        params.push_back(
            {{"name", name}, {"in", "query"}, {"required", required}, {"schema", schema}});
      }
      op["requestBody"] = {
          {"required", true},
          {"description",
           "The file's bytes (JPEG, PNG, GIF, WebP, MP4, MOV; the type is sniffed from them). "
           "A Content-Type other than application/octet-stream must match (415 otherwise)."},
          {"content",
           {{"application/octet-stream",
             {{"schema", {{"type", "string"}, {"contentEncoding", "binary"}}}}}}}};
    }
    if (!params.empty()) op["parameters"] = std::move(params);
    if (auto b = bodies.find(key); b != bodies.end()) {
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", b->second}}}}}};
    }
    const bool sse = r.kind == http::RouteKind::kSse;
    const bool file = std::find(std::begin(kFileResponses), std::end(kFileResponses), key) !=
                      std::end(kFileResponses);
    op["responses"] = {
        {"2XX",
         {{"description", "Success"},
          {"content",
           {{sse    ? "text/event-stream"
             : file ? "*/*"
                    : "application/json",
             {{"schema", file ? json{{"type", "string"}, {"contentEncoding", "binary"}}
                              : json::object()}}}}}}},
        {"default",
         {{"description", "Error"},
          {"content",
           {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}};
    paths[r.pattern][Lower(r.method)] = std::move(op);
  }
  json doc = {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Leitplanke API"},
        {"version", "1"},
        {"description",
         "Checks outgoing texts against the company's social media guideline; accounts, "
         "policy packs, audit log."}}},
      {"paths", std::move(paths)},
      {"security", {{{"cookieAuth", json::array()}}, {{"bearerAuth", json::array()}}}},
      {"components",
       {{"securitySchemes",
         {{"cookieAuth", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "lp_session"}}},
          {"bearerAuth", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas",
         {{"Error", Obj({{"error", Obj({{"code", Str()},
                                        {"message", Str()},
                                        {"field",
                                         {{"type", "string"},
                                          {"description", "JSON pointer into the request"}}}},
                                       {"code", "message"})}},
                        {"error"})}}}}}};
  return doc.dump(2);
}

}  // namespace leitplanke::server
