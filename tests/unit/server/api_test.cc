// The HTTP API end to end: a real App and Server on an ephemeral port with a
// temporary SQLite database, driven over sockets.
#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include "leitplanke/trust/permissions.h"
#include "leitplanke/trust/totp.h"

#include "channels/meta/meta.h"
#include "channels/x/x.h"
#include "http/server.h"
#include "server/app.h"
#include "server/desk_setup.h"
#include "server/desk_worker.h"
#include "server/openapi.h"
#include "server_test_base.h"
#include "test_client.h"
#include "unit/store/test_support.h"

namespace leitplanke::server {
namespace {

using nlohmann::json;
using testing::HttpReply;
using testing::Send;
using testing::Session;

std::string TempDir() {
  static int n = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("lp_api_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
  std::filesystem::remove_all(dir);
  return dir.string();
}

// "/api/v1/users/{id}" → "/api/v1/users/<value>".
std::string FillParams(const std::string& pattern, const std::string& value) {
  std::string out;
  bool in_param = false;
  for (char c : pattern) {
    if (c == '{') {
      in_param = true;
      out += value;
    } else if (c == '}') {
      in_param = false;
    } else if (!in_param) {
      out += c;
    }
  }
  return out;
}

class ApiTest : public testing::ServerTestBase {
 protected:
  // `mfa_roles`: roles that must use 2FA (empty for most tests).
  void Start(std::vector<std::string> mfa_roles = {}) {
    dir_ = TempDir();
    config_.body_limit = 64 * 1024;
    config_.require_2fa_roles = std::move(mfa_roles);
    StartServer();
  }

  // Creates a team by `admin`; its id, or 0 (and a failure).
  int64_t CreateTeam(const Session& admin, const std::string& name) {
    HttpReply r = admin.Call("POST", "/api/v1/teams", json{{"name", name}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? json::parse(r.body)["id"].get<int64_t>() : 0;
  }

  // Creates the X channel "x-support" of `team` (account 3001, an API that
  // does not answer) with `secret` as its consumer secret and `extra`
  // settings.
  HttpReply CreateXChannel(const Session& admin, int64_t team, const std::string& secret,
                           const json& extra = json::object()) {
    json settings = {{"account_id", "3001"}, {"api_url", "http://127.0.0.1:9"}};
    settings.update(extra);
    return admin.Call("POST", "/api/v1/desk/channels",
                      json{{"name", "x-support"},
                           {"kind", "x"},
                           {"team_id", team},
                           {"settings", settings},
                           {"secrets",
                            {{"consumer_secret", secret},
                             {"consumer_key", "ck"},
                             {"access_token", "at"},
                             {"access_token_secret", "ats"}}}}
                          .dump());
  }
};

TEST_F(ApiTest, FirstRunAdminMustChangeThePasswordFirst) {
  Start();
  Session s = Login("admin", admin_password_);
  json login = json::parse(Send(port_, "POST", "/api/v1/auth/login",
                                json{{"username", "admin"}, {"password", admin_password_}}.dump())
                               .body);
  EXPECT_TRUE(login["must_change_password"].get<bool>());
  HttpReply r = s.Call("GET", "/api/v1/users");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "password_change_required");
  // The own profile is reachable in that state.
  EXPECT_EQ(s.Call("GET", "/api/v1/auth/me").status, 200);
  Session admin = Admin();
  r = admin.Call("GET", "/api/v1/users");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["users"][0]["username"], "admin");
  // Never a hash or a seed in a user document.
  EXPECT_EQ(r.body.find("argon2"), std::string::npos);
}

TEST_F(ApiTest, LoginFailuresLookTheSameAndAreThrottled) {
  Start();
  HttpReply unknown = Send(port_, "POST", "/api/v1/auth/login",
                           json{{"username", "nobody"}, {"password", "whatever123456"}}.dump());
  HttpReply wrong = Send(port_, "POST", "/api/v1/auth/login",
                         json{{"username", "admin"}, {"password", "whatever123456"}}.dump());
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(json::parse(unknown.body)["error"], json::parse(wrong.body)["error"]);
  int last = 0;
  for (int i = 0; i < 6; ++i) {
    last = Send(port_, "POST", "/api/v1/auth/login",
                json{{"username", "admin"}, {"password", "whatever123456"}}.dump())
               .status;
  }
  EXPECT_EQ(last, 429);
  // Locked even with the right password.
  EXPECT_EQ(Send(port_, "POST", "/api/v1/auth/login",
                 json{{"username", "admin"}, {"password", admin_password_}}.dump())
                .status,
            429);
}

TEST_F(ApiTest, CheckReturnsTheVerdictAndCountsIt) {
  Start();
  Session admin = Admin();
  HttpReply r = admin.Call(
      "POST", "/api/v1/check",
      json{{"text", "Ihre IBAN DE89 3704 0044 0532 0130 00 ist notiert."}, {"channel", "x"}}
          .dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json v = json::parse(r.body);
  EXPECT_EQ(v["action"], "block");
  EXPECT_EQ(v["findings"][0]["category"], "pii");
  EXPECT_EQ(v["policy_revision"], 0);  // the built-in pack
  r = admin.Call("POST", "/api/v1/check", json{{"text", "Danke für Ihre Geduld!"}}.dump());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["action"], "allow");

  HttpReply metrics = Send(port_, "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("leitplanke_verdicts_total{action=\"block\"} 1"), std::string::npos)
      << metrics.body.substr(0, 2000);
  EXPECT_NE(metrics.body.find("http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.body.find("leitplanke_db_pool_open"), std::string::npos);
  EXPECT_NE(metrics.body.find("leitplanke_findings_total{category=\"pii\",action=\"block\"} 1"),
            std::string::npos);

  // Block verdicts are audited, without the text.
  app_->context().audit_batch->Flush();
  HttpReply audit = admin.Call("GET", "/api/v1/audit?from=1&limit=100");
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("check_block"), std::string::npos);
  EXPECT_EQ(audit.body.find("DE89"), std::string::npos);
}

TEST_F(ApiTest, SelfCheckOfAPrivateDraftIsNeitherStoredNorAuditedNorCounted) {
  Start();
  Session admin = Admin();
  Session advocate = CreateAndLogin(admin, "mara", "advocate");
  app_->context().audit_batch->Flush();
  const std::string before = admin.Call("GET", "/api/v1/audit?from=1&limit=1000").body;
  HttpReply r = advocate.Call(
      "POST", "/api/v1/self-check",
      json{{"text", "Mein Kollege Projekt Falke: IBAN DE89 3704 0044 0532 0130 00"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json v = json::parse(r.body);
  EXPECT_EQ(v["stored"], false);
  EXPECT_EQ(v["action"], "block");
  EXPECT_FALSE(v["findings"].empty());
  EXPECT_EQ(
      advocate
          .Call("POST", "/api/v1/self-check", json{{"text", "Hallo"}, {"policy", "default"}}.dump())
          .status,
      400);
  app_->context().audit_batch->Flush();
  EXPECT_EQ(admin.Call("GET", "/api/v1/audit?from=1&limit=1000").body, before);
  HttpReply metrics = Send(port_, "GET", "/metrics");
  EXPECT_NE(metrics.body.find("leitplanke_verdicts_total{action=\"block\"} 0"), std::string::npos);
  EXPECT_EQ(metrics.body.find("leitplanke_findings_total{category=\"pii\""), std::string::npos);
}

TEST_F(ApiTest, BadRequestsGetPreciseErrors) {
  Start();
  Session admin = Admin();
  HttpReply r = admin.Call("POST", "/api/v1/check", "{\"text\": \"a\",}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("byte"), std::string::npos) << r.body;
  r = admin.Call("POST", "/api/v1/check", json{{"channel", "x"}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["field"], "/text");
  r = admin.Call("POST", "/api/v1/check", json{{"text", "x"}, {"audience", "everyone"}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["field"], "/audience");
  r = Send(port_, "POST", "/api/v1/check", "text=hello",
           {{"Cookie", admin.cookie},
            {"X-CSRF-Token", admin.csrf},
            {"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 415);
  r = admin.Call("POST", "/api/v1/check", json{{"text", std::string(70 * 1024, 'a')}}.dump());
  EXPECT_EQ(r.status, 413);
  r = admin.Call("GET", "/api/v1/nothing-here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "not_found");
  // A cookie session without the CSRF header cannot change anything.
  r = Send(port_, "POST", "/api/v1/check", json{{"text", "x"}}.dump(), {{"Cookie", admin.cookie}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "csrf_failed");
  EXPECT_EQ(Send(port_, "POST", "/api/v1/check", json{{"text", "x"}}.dump()).status, 401);
}

TEST_F(ApiTest, ApiTokensGrantTheirScopesWithinTheRoles) {
  Start();
  Session admin = Admin();
  HttpReply r =
      admin.Call("POST", "/api/v1/auth/tokens", json{{"name", "ci"}, {"scopes", {"check"}}}.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  Session token;
  token.port = port_;
  token.bearer = json::parse(r.body)["token"];
  EXPECT_EQ(token.Call("POST", "/api/v1/check", json{{"text", "Hallo"}}.dump()).status, 200);
  EXPECT_EQ(token.Call("GET", "/api/v1/users").status, 403);  // admin, but not in scope
  const int64_t id = json::parse(r.body)["id"];
  r = admin.Call("GET", "/api/v1/auth/tokens");
  EXPECT_EQ(r.body.find(token.bearer), std::string::npos);  // the secret is shown once
  EXPECT_EQ(admin.Call("DELETE", "/api/v1/auth/tokens/" + std::to_string(id)).status, 204);
  EXPECT_EQ(token.Call("POST", "/api/v1/check", json{{"text", "Hallo"}}.dump()).status, 401);
}

TEST_F(ApiTest, EveryRouteRefusesEveryRoleThatLacksItsPermission) {
  Start();
  Session admin = Admin();
  std::map<std::string, Session> by_role;
  for (trust::Role role : trust::AllRoles()) {
    const std::string name(trust::RoleName(role));
    by_role[name] = CreateAndLogin(admin, "u-" + name, name);
    ASSERT_FALSE(by_role[name].cookie.empty()) << name;
  }
  size_t checked = 0;
  for (const http::RouteInfo& route : routes_) {
    if (route.kind == http::RouteKind::kSse) continue;  // streams stay open; see below
    std::string target = FillParams(route.pattern, "999999");
    for (trust::Role role : trust::AllRoles()) {
      const std::string name(trust::RoleName(role));
      bool allowed = route.permission.empty() || route.permission == kPermissionSession ||
                     route.permission == kPermissionMetrics;
      if (!allowed) {
        auto p = trust::ParsePermission(route.permission);
        ASSERT_TRUE(p.ok()) << route.pattern << " declares " << route.permission;
        allowed = trust::HasPermission({role}, *p);
      }
      if (route.pattern == "/api/v1/auth/logout") continue;  // would end the session
      HttpReply r = by_role[name].Call(route.method, target, "{}");
      if (allowed) {
        EXPECT_NE(r.status, 403) << route.method << " " << route.pattern << " as " << name << ": "
                                 << r.body;
        EXPECT_NE(r.status, 401) << route.method << " " << route.pattern << " as " << name;
      } else {
        EXPECT_EQ(r.status, 403) << route.method << " " << route.pattern << " as " << name << ": "
                                 << r.body;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 6u * 25);
  // Without any credentials, only public routes answer.
  for (const http::RouteInfo& route : routes_) {
    if (!route.permission.empty() && route.permission != kPermissionMetrics) {
      std::string target = FillParams(route.pattern, "1");
      EXPECT_EQ(Send(port_, route.method, target, "{}").status, 401)
          << route.method << " " << route.pattern;
    }
  }
}

TEST_F(ApiTest, SecondFactorIsEnforcedForAdmins) {
  Start({"admin"});
  Session s = Admin();
  HttpReply r = s.Call("GET", "/api/v1/users");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "mfa_required");
  r = s.Call("POST", "/api/v1/auth/totp/start");
  ASSERT_EQ(r.status, 200) << r.body;
  auto seed = trust::Base32Decode(json::parse(r.body)["secret"].get<std::string>());
  ASSERT_TRUE(seed.ok());
  const std::string code = trust::TotpCode(*seed, SystemClock::Default().NowMillis());
  r = s.Call("POST", "/api/v1/auth/totp/confirm", json{{"code", code}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> recovery = json::parse(r.body)["recovery_codes"];
  EXPECT_EQ(recovery.size(), 10u);
  EXPECT_EQ(s.Call("GET", "/api/v1/users").status, 200);

  // A new sign-in owes the second factor; a recovery code works once.
  Session again = Login("admin", admin_password_);
  EXPECT_EQ(again.Call("GET", "/api/v1/users").status, 403);
  EXPECT_EQ(again.Call("POST", "/api/v1/auth/mfa", json{{"code", recovery[0]}}.dump()).status, 200);
  EXPECT_EQ(again.Call("GET", "/api/v1/users").status, 200);
  Session third = Login("admin", admin_password_);
  EXPECT_EQ(third.Call("POST", "/api/v1/auth/mfa", json{{"code", recovery[0]}}.dump()).status, 401);
}

// The dark modules of a QR code SVG as drawn by /auth/totp/start: one
// "M x y h n v1 h-n z" run per stretch; fails on anything else in the path.
std::set<std::pair<int, int>> QrModules(const std::string& svg, int* side) {
  std::set<std::pair<int, int>> dark;
  int w = 0, h = 0;
  const std::string view_box = "viewBox=\"0 0 ";
  size_t vb = svg.find(view_box);
  EXPECT_NE(vb, std::string::npos) << svg;
  if (vb == std::string::npos) return dark;
  std::istringstream(svg.substr(vb + view_box.size())) >> w >> h;
  EXPECT_EQ(w, h) << "not square";
  *side = w;
  size_t d = svg.find(" d=\"");
  EXPECT_NE(d, std::string::npos);
  if (d == std::string::npos) return dark;
  const std::string path = svg.substr(d + 4, svg.find('"', d + 4) - d - 4);
  std::istringstream in(path);
  while (in.peek() != EOF) {
    int x = 0, y = 0, n = 0, back = 0;
    char m = 0, hh = 0, v = 0, one = 0, h2 = 0, z = 0;
    in >> m >> x >> y >> hh >> n >> v >> one >> h2 >> back >> z;
    EXPECT_TRUE(m == 'M' && hh == 'h' && v == 'v' && one == '1' && h2 == 'h' && back == -n &&
                z == 'z' && n > 0)
        << "unexpected path command near " << x << "," << y;
    if (in.fail()) break;
    for (int i = 0; i < n; ++i) dark.insert({x + i, y});
  }
  return dark;
}

// Smallest QR version whose byte-mode capacity at error correction level M
// holds `bytes` (ISO/IEC 18004 table 7, versions 1 to 15).
int QrVersionFor(size_t bytes) {
  const int capacity[] = {14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412};
  for (int v = 1; v <= 15; ++v) {
    if (bytes <= static_cast<size_t>(capacity[v - 1])) return v;
  }
  return 0;
}

TEST_F(ApiTest, TotpEnrolmentShowsTheUriAsAQrCodeOfTheRightVersion) {
  Start();
  Session admin = Admin();
  Session longer = CreateAndLogin(admin, std::string(48, 'q') + ".name", "agent");
  std::set<int> versions;
  for (const Session* s : {&admin, &longer}) {
    HttpReply r = s->Call("POST", "/api/v1/auth/totp/start");
    ASSERT_EQ(r.status, 200) << r.body;
    json j = json::parse(r.body);
    const std::string uri = j["otpauth_uri"];
    const std::string svg = j["qr_svg"];
    ASSERT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")) << svg;
    int side = 0;
    std::set<std::pair<int, int>> dark = QrModules(svg, &side);
    const int version = QrVersionFor(uri.size());
    ASSERT_GT(version, 0) << uri.size();
    versions.insert(version);
    const int n = 17 + 4 * version;
    ASSERT_EQ(side, n + 8) << uri.size() << " bytes: version " << version;
    for (const auto& [x, y] : dark) {
      ASSERT_TRUE(x >= 4 && y >= 4 && x < n + 4 && y < n + 4) << x << "," << y;
    }
    // Three finder patterns: a dark 7x7 ring around a dark 3x3 centre, with a
    // light separator beside them.
    for (auto [ox, oy] : {std::pair{0, 0}, std::pair{n - 7, 0}, std::pair{0, n - 7}}) {
      for (int i = 0; i < 7; ++i) {
        for (int k = 0; k < 7; ++k) {
          const bool want =
              i == 0 || i == 6 || k == 0 || k == 6 || (i >= 2 && i <= 4 && k >= 2 && k <= 4);
          EXPECT_EQ(dark.count({4 + ox + i, 4 + oy + k}) == 1, want)
              << "finder at " << ox << "," << oy << " module " << i << "," << k;
        }
      }
    }
    EXPECT_EQ(dark.count({4 + 7, 4 + 3}), 0u);  // separator right of the top-left finder
  }
  EXPECT_EQ(versions.size(), 2u) << "the longer URI needs a larger version";
}

TEST_F(ApiTest, TeamsAreRenamedWithUniqueNamesAndAudited) {
  Start();
  Session admin = Admin();
  const int64_t care = CreateTeam(admin, "Care");
  ASSERT_NE(care, 0);
  ASSERT_NE(CreateTeam(admin, "Social"), 0);
  const std::string id = std::to_string(care);

  HttpReply r = admin.Call("PATCH", "/api/v1/teams/" + id, json{{"name", "Kundenservice"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["name"], "Kundenservice");
  EXPECT_EQ(json::parse(admin.Call("GET", "/api/v1/teams").body)["teams"][0]["name"],
            "Kundenservice");
  r = admin.Call("PATCH", "/api/v1/teams/" + id, json{{"name", "Social"}}.dump());
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["field"], "/name") << r.body;
  EXPECT_EQ(admin.Call("PATCH", "/api/v1/teams/" + id, json{{"name", ""}}.dump()).status, 400);
  EXPECT_EQ(admin.Call("PATCH", "/api/v1/teams/9999", json{{"name", "X"}}.dump()).status, 404);
  r = admin.Call("GET", "/api/v1/audit?action=team_rename");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["entries"].size(), 1u) << r.body;
}

TEST_F(ApiTest, AuditLogFiltersByActorActionAndTimeAndPagesBothWays) {
  Start();
  Session admin = Admin();
  for (const char* name : {"Team A", "Team B", "Team C"}) {
    ASSERT_EQ(admin.Call("POST", "/api/v1/teams", json{{"name", name}}.dump()).status, 201);
  }
  auto page = [&](const std::string& query) {
    HttpReply r = admin.Call("GET", "/api/v1/audit?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  };
  json all = page("limit=1000");
  ASSERT_GE(all["entries"].size(), 4u);
  EXPECT_TRUE(all["next_from"].is_null());
  const int64_t last = all["entries"].back()["seq"];

  json teams = page("action=team_create");
  ASSERT_EQ(teams["entries"].size(), 3u);
  EXPECT_EQ(teams["entries"][0]["target"], "Team A");
  for (const json& e : teams["entries"]) EXPECT_EQ(e["actor"], "user:admin");
  EXPECT_EQ(page("action=team_create&actor=nobody")["entries"].size(), 0u);

  // Oldest first, two at a time.
  json first = page("action=team_create&limit=2");
  ASSERT_EQ(first["entries"].size(), 2u);
  ASSERT_TRUE(first["next_from"].is_number());
  json second = page("action=team_create&limit=2&from=" + first["next_from"].dump());
  ASSERT_EQ(second["entries"].size(), 1u);
  EXPECT_EQ(second["entries"][0]["target"], "Team C");
  // Newest first, two at a time.
  json newest = page("order=desc&limit=2");
  ASSERT_EQ(newest["entries"].size(), 2u);
  EXPECT_EQ(newest["entries"][0]["seq"], last);
  EXPECT_EQ(newest["entries"][1]["seq"], last - 1);
  EXPECT_EQ(newest["next_before"], last - 1);
  json older = page("order=desc&action=team_create&limit=2&before=" + newest["next_before"].dump());
  ASSERT_FALSE(older["entries"].empty());
  EXPECT_LT(older["entries"][0]["seq"].get<int64_t>(), last - 1);

  // Time range: everything lies in [0, now]; nothing before 1970-01-01T00:00:01.
  EXPECT_EQ(page("until=1000")["entries"].size(), 0u);
  EXPECT_EQ(page("since=1&until=99999999999999&limit=1000")["entries"].size(),
            all["entries"].size());

  for (const char* bad : {"limit=0", "from=x", "order=up", "since=5&until=4", "before=-1"}) {
    EXPECT_EQ(admin.Call("GET", std::string("/api/v1/audit?") + bad).status, 400) << bad;
  }
}

TEST_F(ApiTest, AUserCreatedWithAOneTimePasswordMustChangeIt) {
  Start();
  Session admin = Admin();
  for (bool one_time : {true, false}) {
    const std::string name = one_time ? "ida" : "ole";
    HttpReply r = admin.Call("POST", "/api/v1/users",
                             json{{"username", name},
                                  {"password", "a long enough password 1"},
                                  {"roles", {"agent"}},
                                  {"must_change_password", one_time}}
                                 .dump());
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(json::parse(r.body)["must_change_password"], one_time);
    r = Send(port_, "POST", "/api/v1/auth/login",
             json{{"username", name}, {"password", "a long enough password 1"}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["must_change_password"], one_time) << name;
  }
  EXPECT_EQ(admin
                .Call("POST", "/api/v1/users",
                      json{{"username", "uwe"},
                           {"password", "a long enough password 1"},
                           {"roles", {"agent"}},
                           {"must_change_password", "yes"}}
                          .dump())
                .status,
            400);
}

TEST_F(ApiTest, PolicyPacksUploadActivateAndRollBack) {
  Start();
  Session admin = Admin();
  // A broken pack: the error names file, line and column.
  HttpReply r = admin.Call("POST", "/api/v1/policies/default/versions",
                           json{{"files", {{"pack.toml", "id = \"x\"\n[[rule]\n"}}}}.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  json problem = json::parse(r.body)["report"]["problems"][0];
  EXPECT_EQ(problem["file"], "pack.toml");
  EXPECT_EQ(problem["line"], 2);
  EXPECT_GT(problem["column"].get<int>(), 0);

  // The default pack plus one confidential term, as version 1.
  auto pack = guard::ReadEmbeddedFile("default/pack.toml");
  ASSERT_TRUE(pack.ok());
  r = admin.Call("POST", "/api/v1/policies/default/versions",
                 json{{"files", {{"pack.toml", *pack}}}, {"comment", "as shipped"}}.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["version"], 1);
  auto shipped_terms = guard::ReadEmbeddedFile("default/company/terms.txt");
  ASSERT_TRUE(shipped_terms.ok());
  std::string terms = *shipped_terms + "Projekt Zander\n";
  r = admin.Call("POST", "/api/v1/policies/default/versions",
                 json{{"files", {{"pack.toml", *pack}, {"company/terms.txt", terms}}}}.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["version"], 2);
  // Each version carries the SHA-256 of what was uploaded: same files, same sum.
  const std::string sum2 = json::parse(r.body)["sha256"].get<std::string>();
  EXPECT_EQ(sum2.size(), 64u) << r.body;
  r = admin.Call("GET", "/api/v1/policies/default/versions");
  ASSERT_EQ(r.status, 200) << r.body;
  const json versions = json::parse(r.body)["versions"];
  ASSERT_EQ(versions.size(), 2u) << r.body;
  EXPECT_EQ(versions[0]["sha256"].get<std::string>().size(), 64u);
  EXPECT_NE(versions[0]["sha256"], versions[1]["sha256"]);

  const std::string text = json{{"text", "Bald kommt Projekt Zander!"}}.dump();
  EXPECT_EQ(json::parse(admin.Call("POST", "/api/v1/check", text).body)["action"], "allow");
  ASSERT_EQ(admin.Call("POST", "/api/v1/policies/default/versions/1/activate").status, 200);
  ASSERT_EQ(admin.Call("POST", "/api/v1/policies/default/versions/2/activate").status, 200);
  json v = json::parse(admin.Call("POST", "/api/v1/check", text).body);
  EXPECT_NE(v["action"], "allow") << v.dump();
  EXPECT_EQ(v["policy_revision"], 2);
  r = admin.Call("POST", "/api/v1/policies/default/rollback");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["version"], 1);
  EXPECT_EQ(json::parse(admin.Call("POST", "/api/v1/check", text).body)["action"], "allow");
  // A named version is loaded in the background; the first ask says so.
  r = admin.Call("POST", "/api/v1/check",
                 json{{"text", "Bald kommt Projekt Zander!"}, {"policy", "default@2"}}.dump());
  if (r.status == 503) {
    EXPECT_EQ(r.headers["retry-after"], "1");
    app_->context().background->Drain();
    r = admin.Call("POST", "/api/v1/check",
                   json{{"text", "Bald kommt Projekt Zander!"}, {"policy", "default@2"}}.dump());
  }
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(json::parse(r.body)["action"], "allow");
  r = admin.Call("POST", "/api/v1/check", json{{"text", "x"}, {"policy", "default@9"}}.dump());
  app_->context().background->Drain();
  r = admin.Call("POST", "/api/v1/check", json{{"text", "x"}, {"policy", "default@9"}}.dump());
  EXPECT_EQ(r.status, 404) << r.body;

  app_->context().audit_batch->Flush();
  r = admin.Call("GET", "/api/v1/audit/verify");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(json::parse(r.body)["ok"].get<bool>()) << r.body;
  r = admin.Call("GET", "/api/v1/audit?limit=1000");
  EXPECT_NE(r.body.find("policy_activate"), std::string::npos);
  EXPECT_NE(r.body.find("policy_rollback"), std::string::npos);
}

TEST_F(ApiTest, ActivationUnderLoadDropsNoRequest) {
  Start();
  Session admin = Admin();
  auto pack = guard::ReadEmbeddedFile("default/pack.toml");
  auto shipped_terms = guard::ReadEmbeddedFile("default/company/terms.txt");
  ASSERT_TRUE(pack.ok() && shipped_terms.ok());
  ASSERT_EQ(admin
                .Call("POST", "/api/v1/policies/default/versions",
                      json{{"files", {{"pack.toml", *pack}}}}.dump())
                .status,
            201);
  ASSERT_EQ(admin
                .Call("POST", "/api/v1/policies/default/versions",
                      json{{"files",
                            {{"pack.toml", *pack},
                             {"company/terms.txt", *shipped_terms + "Projekt Zander\n"}}}}
                          .dump())
                .status,
            201);
  HttpReply t = admin.Call("POST", "/api/v1/auth/tokens",
                           json{{"name", "load"}, {"scopes", {"check"}}}.dump());
  ASSERT_EQ(t.status, 201);
  Session token;
  token.port = port_;
  token.bearer = json::parse(t.body)["token"];

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      const std::string body = json{{"text", "Bald kommt Projekt Zander!"}}.dump();
      while (!stop.load()) {
        HttpReply r = token.Call("POST", "/api/v1/check", body);
        (r.status == 200 ? ok : bad)++;
      }
    });
  }
  for (int i = 0; i < 10; ++i) {
    const std::string v = std::to_string(1 + i % 2);
    EXPECT_EQ(admin.Call("POST", "/api/v1/policies/default/versions/" + v + "/activate").status,
              200);
  }
  stop = true;
  for (std::thread& c : clients) c.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(ok.load(), 20);
  // The last activation (version 2) is what checks use now.
  json v = json::parse(
      token.Call("POST", "/api/v1/check", json{{"text", "Bald kommt Projekt Zander!"}}.dump())
          .body);
  EXPECT_EQ(v["policy_revision"], 2);
  EXPECT_NE(v["action"], "allow");
}

// Several instances on one PostgreSQL database (scripts/with-postgres sets
// LP_TEST_POSTGRES_URL; skipped without it).
// A temporary directory with a master key that several instances share;
// "" if the key could not be made.
std::string SharedKeyDir() {
  const std::string dir = TempDir();
  std::filesystem::create_directories(dir);
  auto key = trust::GenerateMasterKeyFile(dir + "/shared.key");
  EXPECT_TRUE(key.ok()) << key.status();
  return key.ok() ? dir : "";
}

// One instance of several on the database `url`, with its own data
// directory under `dir` and the shared master key.
ServerConfig InstanceConfig(const std::string& dir, const std::string& url,
                            const std::string& name) {
  ServerConfig c;
  c.data_dir = dir + "/" + name;
  c.database = url;
  c.master_key_file = dir + "/shared.key";
  c.listen = "127.0.0.1:0";
  c.access_log = false;
  c.require_2fa_roles = {};
  return c;
}

TEST(ApiPostgresTest, TwoInstancesShareUsersPoliciesAndTheAuditChain) {
  store::testing::PgTestDatabase db;
  if (!db.available()) GTEST_SKIP() << "LP_TEST_POSTGRES_URL not set";
  ASSERT_TRUE(db.error().empty()) << db.error();
  const std::string dir = SharedKeyDir();
  ASSERT_FALSE(dir.empty());
  auto config_for = [&](const std::string& name) { return InstanceConfig(dir, db.url(), name); };
  std::ostringstream first_out, second_out;
  auto first = App::Open(config_for("a"), SystemClock::Default(), &first_out);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = App::Open(config_for("b"), SystemClock::Default(), &second_out);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(first_out.str().find("password:"), std::string::npos);
  EXPECT_EQ(second_out.str(), "");  // the admin exists once
  EXPECT_EQ((*second)->context().store->backend(), "postgres");

  // A version uploaded and activated through the first instance reaches the
  // second on its next refresh.
  AppContext& a = (*first)->context();
  AppContext& b = (*second)->context();
  auto pack = guard::ReadEmbeddedFile("default/pack.toml");
  auto terms = guard::ReadEmbeddedFile("default/company/terms.txt");
  ASSERT_TRUE(pack.ok() && terms.ok());
  auto v = a.policies->Upload(
      "default", {{"pack.toml", *pack}, {"company/terms.txt", *terms + "Projekt Zander\n"}}, "",
      "test", nullptr);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(a.policies->Activate(v->id).ok());
  auto swapped = b.policies->Refresh();
  ASSERT_TRUE(swapped.ok()) << swapped.status();
  EXPECT_TRUE(*swapped);
  auto verdict = b.policies->Check("Bald kommt Projekt Zander!", {});
  ASSERT_TRUE(verdict.ok());
  EXPECT_NE(verdict->action, guard::Action::kAllow);

  // Both append to one chain.
  ASSERT_TRUE(a.audit->Append("test", "from_a", "").ok());
  ASSERT_TRUE(b.audit->Append("test", "from_b", "").ok());
  auto report = b.audit->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->message;
  EXPECT_GE(report->entries_checked, 2);
  first->reset();
  second->reset();
  std::filesystem::remove_all(dir);
}

// Counts sends across instances; a key seen twice would be a double send.
struct SendLog {
  std::mutex mu;
  std::map<std::string, int> by_key;
};

class CountingChannel final : public desk::Channel {
 public:
  explicit CountingChannel(SendLog* log) : log_(log) {}
  std::string_view kind() const override { return "count"; }
  Result<std::string> Render(const desk::OutboundMessage& m) const override { return m.text; }
  Result<desk::PollResult> Poll(std::string_view) override { return desk::PollResult{}; }
  Result<desk::SendReceipt> Send(const desk::OutboundMessage& m) override {
    std::lock_guard<std::mutex> lock(log_->mu);
    int n = ++log_->by_key[m.idempotency_key];
    return desk::SendReceipt{"sent-" + m.idempotency_key + "-" + std::to_string(n)};
  }

 private:
  SendLog* log_;
};

// Two servers on one PostgreSQL database receive, route and send at the same
// time: every conversation is assigned once and every reply sent once.
TEST(ApiPostgresTest, TwoInstancesRouteAndSendEachConversationOnce) {
  store::testing::PgTestDatabase db;
  if (!db.available()) GTEST_SKIP() << "LP_TEST_POSTGRES_URL not set";
  ASSERT_TRUE(db.error().empty()) << db.error();
  const std::string dir = SharedKeyDir();
  ASSERT_FALSE(dir.empty());
  auto config_for = [&](const std::string& name) { return InstanceConfig(dir, db.url(), name); };
  std::ostringstream out_a, out_b;
  auto first = App::Open(config_for("a"), SystemClock::Default(), &out_a);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = App::Open(config_for("b"), SystemClock::Default(), &out_b);
  ASSERT_TRUE(second.ok()) << second.status();
  std::vector<AppContext*> apps = {&(*first)->context(), &(*second)->context()};
  SendLog log;
  for (AppContext* c : apps) {
    c->desk->RegisterChannelKind("count", [&log](const desk::ChannelConfig&) {
      return Result<std::unique_ptr<desk::Channel>>(std::make_unique<CountingChannel>(&log));
    });
  }
  store::Store& st = *apps[0]->store;
  auto team = st.CreateTeam({0, "care", 0});
  ASSERT_TRUE(team.ok());
  std::vector<store::User> agents;
  for (const char* name : {"ann", "ben", "cem"}) {
    store::User u;
    u.username = name;
    u.display_name = name;
    u.password_hash = "x";
    u.roles = {"agent"};
    u.locale = "de";
    auto made = st.CreateUser(u);
    ASSERT_TRUE(made.ok()) << made.error();
    agents.push_back(*made);
    ASSERT_TRUE(st.SetTeamMember({team->id, made->id, false}).ok());
    store::AgentDeskState a{.user_id = made->id, .available = true, .languages = {"de", "en"}};
    ASSERT_TRUE(st.desk().PutAgentDeskState(a).ok());
  }
  store::TeamDeskSettings settings;
  settings.team_id = team->id;
  settings.routing_mode = "round_robin";
  ASSERT_TRUE(st.desk().PutTeamDeskSettings(settings).ok());
  store::ChannelRow ch;
  ch.name = "counted";
  ch.kind = "count";
  ch.team_id = team->id;
  auto channel = st.desk().CreateChannel(ch);
  ASSERT_TRUE(channel.ok()) << channel.error();

  constexpr int kPerInstance = 60;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < apps.size(); ++i) {
    threads.emplace_back([&, i] {
      desk::Desk& d = *apps[i]->desk;
      for (int n = 0; n < kPerInstance; ++n) {
        desk::InboundMessage m;
        m.external_id = "m-" + std::to_string(i) + "-" + std::to_string(n);
        m.author_handle = "kunde" + std::to_string(n) + "-" + std::to_string(i) + "@example.org";
        m.text = "Guten Tag, wo bleibt meine Lieferung Nummer " + std::to_string(n) + "?";
        if (!d.Receive(channel->id, {m}, "", "test").ok()) ++errors;
        if (n % 7 == 0) DeskWorker::Round(d, false);
      }
      DeskWorker::Round(d, true);
    });
  }
  for (auto& t : threads) t.join();
  threads.clear();
  EXPECT_EQ(errors.load(), 0);

  store::InboxQuery q;
  q.limit = 500;
  auto rows = st.desk().ListInbox(q);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u * kPerInstance);
  std::map<int64_t, int> per_agent;
  for (const store::InboxRow& r : *rows) {
    auto events = st.desk().ListEvents(r.conversation.id);
    ASSERT_TRUE(events.ok());
    int assigned = 0;
    for (const auto& e : *events) assigned += e.kind == store::ConversationEventKind::kAssigned;
    EXPECT_EQ(assigned, 1) << r.conversation.id;
    EXPECT_NE(r.conversation.assignee_id, 0);
    ++per_agent[r.conversation.assignee_id];
  }
  // Round-robin spreads the work over all three agents.
  EXPECT_EQ(per_agent.size(), 3u);

  // Replies queued on either instance, both sending at once.
  for (size_t k = 0; k < rows->size(); ++k) {
    const store::Conversation& c = (*rows)[k].conversation;
    desk::ReplyRequest req;
    req.conversation_id = c.id;
    req.agent = agents[static_cast<size_t>(k) % agents.size()];
    req.text = "Danke, wir kümmern uns darum.";
    req.expected_version = c.version;
    auto r = apps[k % 2]->desk->Reply(req);
    ASSERT_TRUE(r.ok()) << r.error();
    ASSERT_EQ(r->decision, desk::ReplyDecision::kQueued) << r->message;
  }
  std::atomic<int> sent{0};
  for (size_t i = 0; i < apps.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < 200; ++round) {
        auto n = apps[i]->desk->RunOutbox(5);
        if (!n.ok()) {
          ++errors;
          continue;
        }
        sent += static_cast<int>(*n);
        if (*n == 0 && sent.load() >= 2 * kPerInstance) break;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(sent.load(), 2 * kPerInstance);
  EXPECT_EQ(log.by_key.size(), 2u * kPerInstance);
  for (const auto& [key, n] : log.by_key) EXPECT_EQ(n, 1) << key;
  first->reset();
  second->reset();
  std::filesystem::remove_all(dir);
}

TEST_F(ApiTest, LiveEventsAnnounceAPolicyActivation) {
  Start();
  Session admin = Admin();
  auto pack = guard::ReadEmbeddedFile("default/pack.toml");
  ASSERT_TRUE(pack.ok());
  ASSERT_EQ(admin
                .Call("POST", "/api/v1/policies/default/versions",
                      json{{"files", {{"pack.toml", *pack}}}}.dump())
                .status,
            201);
  // Subscribe over a raw socket: the stream stays open.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const std::string req = "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nCookie: " + admin.cookie +
                          "\r\nAccept: text/event-stream\r\n\r\n";
  ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  std::string seen;
  char buf[4096];
  auto read_until = [&](const std::string& needle) {
    while (seen.find(needle) == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      seen.append(buf, static_cast<size_t>(n));
    }
    return true;
  };
  ASSERT_TRUE(read_until("\r\n\r\n")) << seen;
  EXPECT_NE(seen.find("text/event-stream"), std::string::npos) << seen;
  EXPECT_EQ(admin.Call("POST", "/api/v1/policies/default/versions/1/activate").status, 200);
  EXPECT_TRUE(read_until("\"version\":1")) << seen;
  EXPECT_NE(seen.find("event: policy.activated"), std::string::npos) << seen;
  ::close(fd);
}

TEST_F(ApiTest, OpenApiDocumentMatchesTheServedRoutes) {
  Start();
  HttpReply r = Send(port_, "GET", "/api/openapi.json");
  ASSERT_EQ(r.status, 200);
  json doc = json::parse(r.body);
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::set<std::string> documented, served;
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      std::string m = method;
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(m + " " + path);
    }
  }
  for (const http::RouteInfo& route : routes_) served.insert(route.method + " " + route.pattern);
  served.insert("GET /api/openapi.json");
  served.insert("GET /metrics");
  EXPECT_EQ(documented, served);
  for (const auto& [key, schema] : DocumentedRequestBodies()) {
    EXPECT_TRUE(served.count(key)) << "documented body for a route that does not exist: " << key;
  }
  // Every documented path answers with something other than "no such route".
  for (const std::string& op : documented) {
    std::string method = op.substr(0, op.find(' '));
    if (op.substr(op.find(' ') + 1) == "/api/v1/events") continue;  // a stream
    std::string target = FillParams(op.substr(op.find(' ') + 1), "1");
    HttpReply reply = Send(port_, method, target, "{}");
    EXPECT_NE(reply.status, 405) << op;
    if (reply.status == 404) {
      EXPECT_EQ(json::parse(reply.body)["error"]["message"].get<std::string>().find("no route"),
                std::string::npos)
          << op;
    }
  }
}

TEST_F(ApiTest, HealthAndReadiness) {
  Start();
  EXPECT_EQ(Send(port_, "GET", "/healthz").status, 200);
  HttpReply r = Send(port_, "GET", "/readyz");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["database"]["backend"], "sqlite");
  EXPECT_EQ(j["policy"]["name"], "default");
}

TEST_F(ApiTest, VaultNeverReturnsAValue) {
  Start();
  Session admin = Admin();
  HttpReply r = admin.Call("PUT", "/api/v1/vault/secrets/channel%2Fx%2Fconsumer_secret",
                           json{{"value", "s3cr3t-value-1234"}}.dump());
  ASSERT_EQ(r.status, 204) << r.body;
  r = admin.Call("GET", "/api/v1/vault/secrets");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("channel/x/consumer_secret"), std::string::npos);
  EXPECT_EQ(r.body.find("s3cr3t"), std::string::npos);
  auto value = app_->context().vault->Get("channel/x/consumer_secret");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, "s3cr3t-value-1234");
}

// The desk over HTTP: a website chat message reaches the inbox, the agent's
// reply passes the guard and shows up in the widget; what the guard refuses,
// an outdated view and a foreign website are refused with reasons; malformed
// and spam posts land in the dead letters and can be replayed.
TEST_F(ApiTest, DeskWebchatToInboxToReplyAndBack) {
  Start();
  Session admin = Admin();
  const int64_t team = CreateTeam(admin, "Kundenservice");
  ASSERT_NE(team, 0);
  HttpReply r = admin.Call("POST", "/api/v1/desk/channels",
                           json{{"name", "site"},
                                {"kind", "webchat"},
                                {"team_id", team},
                                {"settings", {{"allowed_origins", "https://shop.example"}}}}
                               .dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(json::parse(r.body).contains("connector_error")) << r.body;

  const std::vector<std::pair<std::string, std::string>> site = {{"Origin", "https://shop.example"},
                                                                 {"Content-Type", "text/plain"}};
  r = Send(port_, "POST", "/api/v1/webchat/site/sessions", "{}", site);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers["access-control-allow-origin"], "https://shop.example");
  const std::string session = json::parse(r.body)["session"];
  r = Send(
      port_, "POST", "/api/v1/webchat/site/messages",
      json{{"session", session}, {"text", "Wann kommt meine Bestellung 4711?"}, {"name", "Eva"}}
          .dump(),
      site);
  ASSERT_EQ(r.status, 202) << r.body;
  // Another website may not post into this chat.
  r = Send(port_, "POST", "/api/v1/webchat/site/messages",
           json{{"session", session}, {"text", "hi"}}.dump(),
           {{"Origin", "https://evil.example"}, {"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 403) << r.body;

  Session agent = CreateAndLogin(admin, "jana", "agent");
  r = agent.Call("GET", "/api/v1/desk/conversations?state=new");
  ASSERT_EQ(r.status, 200) << r.body;
  json list = json::parse(r.body)["conversations"];
  ASSERT_EQ(list.size(), 1u) << r.body;
  const int64_t conv = list[0]["id"];
  EXPECT_EQ(list[0]["contact_name"], "Eva");
  EXPECT_EQ(list[0]["language"], "de");
  const std::string path = "/api/v1/desk/conversations/" + std::to_string(conv);
  r = agent.Call("GET", path);
  ASSERT_EQ(r.status, 200) << r.body;
  const int64_t version = json::parse(r.body)["version"];
  // Collision detection: a colleague sees who else has the conversation
  // open and who is typing.
  Session colleague = CreateAndLogin(admin, "tom", "agent");
  r = agent.Call("POST", path + "/presence", json{{"typing", false}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  r = colleague.Call("POST", path + "/presence", json{{"typing", true}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json viewers = json::parse(r.body)["viewers"];
  ASSERT_EQ(viewers.size(), 2u) << r.body;
  EXPECT_EQ(viewers[0]["username"], "jana");
  EXPECT_EQ(viewers[1]["typing"], true);
  r = agent.Call("GET", path);
  EXPECT_EQ(json::parse(r.body)["viewers"].size(), 2u) << r.body;
  EXPECT_EQ(agent.Call("POST", "/api/v1/desk/conversations/999999/presence", "{}").status, 404);

  // The guard holds an internal project name: it waits for a second person.
  r = agent.Call("POST", path + "/replies",
                 json{{"text", "Das Projekt Falke startet bald."}, {"version", version}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["decision"], "held");
  const int64_t approval = json::parse(r.body)["approval_id"];
  // A clean reply is queued and, after a round of the desk worker, sent.
  r = agent.Call(
      "POST", path + "/replies",
      json{{"text", "Guten Tag Eva, Ihre Bestellung kommt morgen."}, {"version", version}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["decision"], "queued");
  DeskWorker::Round(*app_->context().desk, true);
  r = Send(port_, "GET", "/api/v1/webchat/site/messages?session=" + session, "", site);
  ASSERT_EQ(r.status, 200) << r.body;
  json widget = json::parse(r.body)["messages"];
  ASSERT_EQ(widget.size(), 2u) << r.body;
  EXPECT_EQ(widget[1]["from"], "agent");
  EXPECT_EQ(widget[1]["text"], "Guten Tag Eva, Ihre Bestellung kommt morgen.");

  // Four eyes: an approver sees exactly the held wire text and approves it;
  // agents may not decide.
  const std::string ap = "/api/v1/approvals/" + std::to_string(approval);
  EXPECT_EQ(agent.Call("GET", "/api/v1/approvals").status, 403);
  Session approver = CreateAndLogin(admin, "cora", "approver");
  r = approver.Call("GET", "/api/v1/approvals");
  ASSERT_EQ(r.status, 200) << r.body;
  json pending = json::parse(r.body)["approvals"];
  ASSERT_EQ(pending.size(), 1u) << r.body;
  EXPECT_EQ(pending[0]["wire_text"], "Das Projekt Falke startet bald.");
  EXPECT_EQ(pending[0]["requested_by"], "jana");
  EXPECT_EQ(approver.Call("POST", ap + "/decision", json{{"decision", "maybe"}}.dump()).status,
            400);
  r = approver.Call("POST", ap + "/decision",
                    json{{"decision", "approve"}, {"comment", "Der Termin ist öffentlich"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["state"], "approved");
  EXPECT_EQ(approver.Call("POST", ap + "/decision", json{{"decision", "approve"}}.dump()).status,
            409);
  r = approver.Call("GET", ap);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["decisions"][0]["by"], "cora");
  DeskWorker::Round(*app_->context().desk, true);
  r = Send(port_, "GET", "/api/v1/webchat/site/messages?session=" + session, "", site);
  widget = json::parse(r.body)["messages"];
  ASSERT_EQ(widget.size(), 3u) << r.body;
  EXPECT_EQ(widget[2]["text"], "Das Projekt Falke startet bald.");

  // The visitor writes again; a reply written against the old view is a
  // conflict that shows the new message.
  r = Send(port_, "POST", "/api/v1/webchat/site/messages",
           json{{"session", session}, {"text", "Danke! Und die Rechnung?"}}.dump(), site);
  ASSERT_EQ(r.status, 202) << r.body;
  r = agent.Call("POST", path + "/replies",
                 json{{"text", "Gern geschehen."}, {"version", version}}.dump());
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find("Und die Rechnung?"), std::string::npos) << r.body;

  // Malformed and spam posts are kept as dead letters; an admin replays one.
  r = Send(port_, "POST", "/api/v1/webchat/site/messages", "{\"session\": 12", site);
  EXPECT_EQ(r.status, 400) << r.body;
  r = Send(port_, "POST", "/api/v1/webchat/site/messages",
           json{{"session", session}, {"text", "Ich bin ein Mensch"}, {"website", "x"}}.dump(),
           site);
  EXPECT_EQ(r.status, 202) << r.body;  // a spammer learns nothing
  r = admin.Call("GET", "/api/v1/desk/dead-letters");
  ASSERT_EQ(r.status, 200) << r.body;
  json letters = json::parse(r.body)["dead_letters"];
  ASSERT_EQ(letters.size(), 2u) << r.body;
  EXPECT_NE(letters[0]["reason"].get<std::string>().find("spam"), std::string::npos);
  const std::string replay =
      "/api/v1/desk/dead-letters/" + std::to_string(letters[0]["id"].get<int64_t>()) + "/replay";
  r = admin.Call("POST", replay);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["stored"], 1);
  EXPECT_EQ(admin.Call("POST", replay).status, 409);  // once only
  const std::string broken =
      "/api/v1/desk/dead-letters/" + std::to_string(letters[1]["id"].get<int64_t>()) + "/replay";
  EXPECT_EQ(admin.Call("POST", broken).status, 400);  // still malformed
  r = agent.Call("GET", path);
  EXPECT_NE(r.body.find("Ich bin ein Mensch"), std::string::npos);
  EXPECT_EQ(json::parse(r.body)["purged_at"], "");

  // Resolved and past its retention: the content goes and the conversation
  // says when.
  r = agent.Call("PATCH", path,
                 json{{"state", "resolved"}, {"version", json::parse(r.body)["version"]}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const int64_t later = 4102444800000;  // 2100-01-01
  auto purged = app_->context().store->desk().PurgeConversations(later, later);
  ASSERT_TRUE(purged.ok()) << purged.error();
  EXPECT_EQ(purged->conversations, 1);
  r = agent.Call("GET", path);
  ASSERT_EQ(r.status, 200) << r.body;
  json gone = json::parse(r.body);
  EXPECT_EQ(gone["purged_at"], "2100-01-01T00:00:00.000Z");
  EXPECT_EQ(gone["preview"], "");
  ASSERT_FALSE(gone["messages"].empty()) << r.body;
  for (const json& m : gone["messages"]) EXPECT_EQ(m["body"], "") << m.dump();
  EXPECT_EQ(r.body.find("Ich bin ein Mensch"), std::string::npos);
  r = agent.Call("GET", "/api/v1/desk/conversations?state=resolved");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["conversations"][0]["purged_at"], "2100-01-01T00:00:00.000Z");
}

// Visitors behind one address (a company NAT) each poll their own chat: the
// read limit is per session, not per address.
TEST_F(ApiTest, DeskWidgetPollingIsLimitedPerSession) {
  Start();
  Session admin = Admin();
  HttpReply r = admin.Call(
      "POST", "/api/v1/desk/channels",
      json{{"name", "site"}, {"kind", "webchat"}, {"settings", {{"allowed_origins", "*"}}}}.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::vector<std::pair<std::string, std::string>> page = {{"Origin", "https://a.example"}};
  std::vector<std::string> sessions;
  for (int i = 0; i < 3; ++i) {
    r = Send(port_, "POST", "/api/v1/webchat/site/sessions", "{}", page);
    ASSERT_EQ(r.status, 201) << r.body;
    sessions.push_back(json::parse(r.body)["session"]);
  }
  const std::string path = "/api/v1/webchat/site/messages?session=";
  int ok = 0;
  for (int i = 0; i < 45; ++i) ok += Send(port_, "GET", path + sessions[0], "", page).status == 200;
  EXPECT_EQ(ok, 40);  // then 429 for this session
  EXPECT_EQ(Send(port_, "GET", path + sessions[0], "", page).status, 429);
  EXPECT_EQ(Send(port_, "GET", path + sessions[1], "", page).status, 200);
  EXPECT_EQ(Send(port_, "GET", path + sessions[2], "", page).status, 200);
}

TEST_F(ApiTest, DeskReportsAreTeamLevelUnlessAnAgreementAllowsMore) {
  config_.desk_per_agent_agreement = "BV Kundenservice 2026-03";
  Start();
  Session admin = Admin();
  const int64_t team_id = CreateTeam(admin, "Care");
  ASSERT_NE(team_id, 0);
  const std::string team = std::to_string(team_id);
  HttpReply r = admin.Call(
      "PUT", "/api/v1/desk/teams/" + team + "/settings",
      json{{"sla_first_response_min", 60}, {"calendar", "Europe/Berlin;XX;mon 08:00"}}.dump());
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["field"], "/calendar");
  r = admin.Call(
      "PUT", "/api/v1/desk/teams/" + team + "/settings",
      json{{"sla_first_response_min", 60}, {"calendar", "Europe/Berlin;BY;mon-fri 08:00-18:00"}}
          .dump());
  ASSERT_EQ(r.status, 204) << r.body;

  Session compliance = CreateAndLogin(admin, "carla", "compliance");
  r = compliance.Call("GET",
                      "/api/v1/desk/teams/" + team + "/report?from=2026-01-01&to=2026-02-01");
  ASSERT_EQ(r.status, 200) << r.body;
  json rep = json::parse(r.body);
  EXPECT_EQ(rep["conversations"], 0);
  EXPECT_EQ(rep["business_hours"], true);
  EXPECT_EQ(rep["from"], "2026-01-01T00:00:00.000Z");
  EXPECT_FALSE(rep.contains("agents"));
  r = compliance.Call("GET", "/api/v1/desk/teams/" + team + "/report?from=yesterday");
  EXPECT_EQ(r.status, 400) << r.body;
  r = compliance.Call("GET", "/api/v1/desk/teams/" + team + "/report?per_agent=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["per_agent_agreement"], "BV Kundenservice 2026-03");
  r = admin.Call("GET", "/api/v1/audit?action=desk.per_agent_report");
  EXPECT_NE(r.body.find("desk.per_agent_report"), std::string::npos) << r.body;
  // An agent has no access to reports at all.
  Session agent = CreateAndLogin(admin, "jana", "agent");
  EXPECT_EQ(agent.Call("GET", "/api/v1/desk/teams/" + team + "/report").status, 403);
}

TEST_F(ApiTest, MetaWebhookVerifiesStoresRefusesReplaysAndForgeriesAndKeepsTheUnreadable) {
  Start();
  Session admin = Admin();
  const int64_t team = CreateTeam(admin, "Social");
  ASSERT_NE(team, 0);
  HttpReply r;
  const std::string app_secret = "app-secret-of-beispiel";
  r = admin.Call(
      "POST", "/api/v1/desk/channels",
      json{{"name", "facebook"},
           {"kind", "meta"},
           {"team_id", team},
           {"settings", {{"page_id", "1122334455"}, {"graph_url", "http://127.0.0.1:9"}}},
           {"secrets",
            {{"page_access_token", "EAAB-page-token"},
             {"app_secret", app_secret},
             {"verify_token", "lp-verify-42"}}}}
          .dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(json::parse(r.body).contains("connector_error")) << r.body;

  // Meta's subscription check.
  r = Send(port_, "GET",
           "/api/v1/webhooks/facebook?hub.mode=subscribe&hub.verify_token=lp-verify-42&hub."
           "challenge=1158201444");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "1158201444");
  r = Send(port_, "GET",
           "/api/v1/webhooks/facebook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Send(port_, "GET", "/api/v1/webhooks/nosuch?hub.challenge=1").status, 404);

  const std::string delivery =
      R"({"object":"page","entry":[{"id":"1122334455","time":1790000000000,"messaging":[)"
      R"({"sender":{"id":"6001"},"recipient":{"id":"1122334455"},"timestamp":1790000000000,)"
      R"("message":{"mid":"m_abc1","text":"Hallo, wo bleibt meine Bestellung 4711?"}}]}]})";
  auto post = [&](const std::string& body, const std::string& signature) {
    return Send(port_, "POST", "/api/v1/webhooks/facebook", body,
                {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", signature}});
  };
  r = post(delivery, channels::meta::Signature(app_secret, delivery));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["stored"], 1);
  r = admin.Call("GET", "/api/v1/desk/conversations");
  ASSERT_EQ(r.status, 200) << r.body;
  json list = json::parse(r.body)["conversations"];
  ASSERT_EQ(list.size(), 1u) << r.body;
  EXPECT_EQ(list[0]["team_id"], team);

  // Replayed, forged, unsigned: refused, nothing stored.
  EXPECT_EQ(post(delivery, channels::meta::Signature(app_secret, delivery)).status, 409);
  std::string tampered = delivery;
  tampered.replace(tampered.find("4711"), 4, "4712");
  EXPECT_EQ(post(tampered, channels::meta::Signature(app_secret, delivery)).status, 403);
  EXPECT_EQ(post(tampered, channels::meta::Signature("guessed", tampered)).status, 403);
  EXPECT_EQ(Send(port_, "POST", "/api/v1/webhooks/facebook", tampered).status, 403);

  // Signed but unreadable: answered 200 (Meta must not retry it forever),
  // kept as a dead letter with the reason.
  const std::string odd = R"({"object":"page","entry":[{"id":"1122334455","messaging":[)"
                          R"({"recipient":{"id":"1"},"message":{"mid":"m_x","text":"?"}}]}]})";
  r = post(odd, channels::meta::Signature(app_secret, odd));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["accepted"], false);
  r = admin.Call("GET", "/api/v1/desk/dead-letters");
  ASSERT_EQ(r.status, 200) << r.body;
  json letters = json::parse(r.body)["dead_letters"];
  ASSERT_EQ(letters.size(), 1u) << r.body;
  EXPECT_EQ(letters[0]["source"], "webhook");
  EXPECT_NE(letters[0]["reason"].get<std::string>().find("/entry/0/messaging/0/sender"),
            std::string::npos)
      << letters[0];
  r = admin.Call("GET", "/api/v1/desk/conversations");
  EXPECT_EQ(json::parse(r.body)["conversations"].size(), 1u);

  // Every outcome is counted; the channel's health is in /metrics.
  RefreshChannelMetrics(app_->context());
  HttpReply m = Send(port_, "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  for (const char* line :
       {R"(leitplanke_webhook_requests_total{channel="facebook",outcome="challenge"} 1)",
        R"(leitplanke_webhook_requests_total{channel="facebook",outcome="accepted"} 1)",
        R"(leitplanke_webhook_requests_total{channel="facebook",outcome="replayed"} 1)",
        R"(leitplanke_webhook_requests_total{channel="facebook",outcome="forged"} 4)",
        R"(leitplanke_webhook_requests_total{channel="facebook",outcome="malformed"} 1)",
        R"(leitplanke_channel_paused{channel="facebook"} 0)"}) {
    EXPECT_NE(m.body.find(line), std::string::npos) << line;
  }

  // A paused channel leaves deliveries with Meta, which retries later.
  r = admin.Call("GET", "/api/v1/desk/channels");
  ASSERT_EQ(r.status, 200) << r.body;
  int64_t channel_id = 0;
  const json channels = json::parse(r.body)["channels"];
  for (const json& c : channels) {
    if (c["name"] == "facebook") channel_id = c["id"];
  }
  ASSERT_NE(channel_id, 0) << r.body;
  r = admin.Call("PATCH", "/api/v1/desk/channels/" + std::to_string(channel_id),
                 json{{"paused", true}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(post(delivery, channels::meta::Signature(app_secret, delivery)).status, 503);
}

TEST_F(ApiTest, XWebhookCrcMentionAndAReplyPreviewWithWeightedLengthAndCost) {
  Start();
  Session admin = Admin();
  const int64_t team = CreateTeam(admin, "Social");
  ASSERT_NE(team, 0);
  const std::string secret = "x-consumer-secret";
  HttpReply r = CreateXChannel(admin, team, secret, {{"monthly_budget_usd", "50"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(json::parse(r.body).contains("connector_error")) << r.body;

  r = Send(port_, "GET", "/api/v1/webhooks/x-support?crc_token=challenge-123");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["response_token"],
            channels::x::Sha256Signature(secret, "challenge-123"));

  const std::string mention =
      R"({"for_user_id":"3001","tweet_create_events":[{"id_str":"1050118621198921728",)"
      R"("text":"@shop Wo bleibt meine Lieferung?","in_reply_to_status_id_str":)"
      R"("1050118600000000000","user":{"id_str":"4001","name":"Alice","screen_name":"alice"},)"
      R"("timestamp_ms":"1539202764000"}]})";
  r = Send(port_, "POST", "/api/v1/webhooks/x-support", mention,
           {{"x-twitter-webhooks-signature", channels::x::Sha256Signature(secret, mention)}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["stored"], 1);
  r = admin.Call("GET", "/api/v1/desk/conversations");
  json list = json::parse(r.body)["conversations"];
  ASSERT_EQ(list.size(), 1u) << r.body;
  const std::string path =
      "/api/v1/desk/conversations/" + std::to_string(list[0]["id"].get<int64_t>());

  // The composer's preview: the wire text X would get, its weighted length
  // (a URL counts 23) and the price of a post with a URL; nothing is stored.
  r = admin.Call("POST", path + "/replies/preview",
                 json{{"text", "Hier der Status: https://shop.example/sendung/4711"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json p = json::parse(r.body);
  EXPECT_EQ(p["decision"], "queued") << r.body;
  EXPECT_EQ(p["estimate"]["unit"], "weighted characters");
  EXPECT_EQ(p["estimate"]["limit"], 280);
  EXPECT_EQ(p["estimate"]["length"], 17 + 23) << r.body;  // text + URL
  EXPECT_EQ(p["estimate"]["currency"], "USD");
  EXPECT_GT(p["estimate"]["cost"].get<double>(), 0.0);
  // Too long for X: the preview says why instead of failing.
  r = admin.Call("POST", path + "/replies/preview", json{{"text", std::string(300, 'a')}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  p = json::parse(r.body);
  EXPECT_EQ(p["decision"], "blocked");
  EXPECT_NE(p["message"].get<std::string>().find("weighted length"), std::string::npos) << r.body;
  EXPECT_GT(p["estimate"]["length"].get<int64_t>(), 280);
  r = admin.Call("GET", path);
  EXPECT_EQ(json::parse(r.body)["messages"].size(), 1u) << "a preview stores nothing";
}

// Issue 7: "move to DM" over HTTP. A public X mention can be answered
// privately (a DM): the conversation says so, the preview and the reply take
// "private": true, the guard checks with audience private and the reply is
// stored as private. A Facebook comment older than Meta's 7 days cannot be:
// 400 naming the channel kind, nothing stored.
TEST_F(ApiTest, DeskPrivateReplyToAPublicMention) {
  Start();
  Session admin = Admin();
  const int64_t team = CreateTeam(admin, "Social");
  ASSERT_NE(team, 0);
  const std::string secret = "x-consumer-secret";
  HttpReply r = CreateXChannel(admin, team, secret);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string mention =
      R"({"for_user_id":"3001","tweet_create_events":[{"id_str":"1050118621198921728",)"
      R"("text":"@shop Wo bleibt meine Erstattung?","user":{"id_str":"4001","name":"Alice",)"
      R"("screen_name":"alice"},"timestamp_ms":"1539202764000"}]})";
  r = Send(port_, "POST", "/api/v1/webhooks/x-support", mention,
           {{"x-twitter-webhooks-signature", channels::x::Sha256Signature(secret, mention)}});
  ASSERT_EQ(r.status, 200) << r.body;
  r = admin.Call("GET", "/api/v1/desk/conversations");
  json list = json::parse(r.body)["conversations"];
  ASSERT_EQ(list.size(), 1u) << r.body;
  const std::string path =
      "/api/v1/desk/conversations/" + std::to_string(list[0]["id"].get<int64_t>());
  r = admin.Call("GET", path);
  ASSERT_EQ(r.status, 200) << r.body;
  json conv = json::parse(r.body);
  EXPECT_EQ(conv["public"], true);
  EXPECT_EQ(conv["can_reply_privately"], true);

  const std::string iban = "Wir erstatten auf Ihre IBAN DE89 3704 0044 0532 0130 00.";
  r = admin.Call("POST", path + "/replies/preview", json{{"text", iban}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json p = json::parse(r.body);
  EXPECT_EQ(p["decision"], "blocked") << r.body;
  EXPECT_EQ(p["private"], false);
  EXPECT_EQ(p["suggest_private"], true);
  r = admin.Call("POST", path + "/replies/preview", json{{"text", iban}, {"private", true}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  p = json::parse(r.body);
  EXPECT_EQ(p["decision"], "queued") << r.body;
  EXPECT_EQ(p["private"], true);
  EXPECT_EQ(p["suggest_private"], false);
  EXPECT_EQ(p["estimate"]["limit"], 10000) << "an X direct message";
  EXPECT_EQ(
      admin.Call("POST", path + "/replies/preview", json{{"text", iban}, {"private", "yes"}}.dump())
          .status,
      400);

  r = admin.Call("POST", path + "/replies",
                 json{{"text", iban}, {"private", true}, {"version", conv["version"]}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["private"], true);
  r = admin.Call("GET", path);
  conv = json::parse(r.body);
  ASSERT_EQ(conv["messages"].size(), 2u) << r.body;
  EXPECT_EQ(conv["messages"][1]["direction"], "outbound");
  EXPECT_EQ(conv["messages"][1]["public"], false);
  EXPECT_EQ(conv["messages"][1]["body"], iban);
  EXPECT_EQ(conv["public"], true);

  // Meta: a comment older than 7 days gets no private reply.
  const std::string app_secret = "app-secret-of-beispiel";
  r = admin.Call(
      "POST", "/api/v1/desk/channels",
      json{{"name", "facebook"},
           {"kind", "meta"},
           {"team_id", team},
           {"settings", {{"page_id", "111"}, {"graph_url", "http://127.0.0.1:9"}}},
           {"secrets",
            {{"page_access_token", "EAAB"}, {"app_secret", app_secret}, {"verify_token", "v"}}}}
          .dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string comment =
      R"({"object":"page","entry":[{"id":"111","time":1700000000,"changes":[{"field":"feed",)"
      R"("value":{"item":"comment","verb":"add","post_id":"111_500","comment_id":"500_700",)"
      R"("parent_id":"111_500","from":{"id":"3001","name":"Erika Muster"},)"
      R"("message":"Wo bleibt meine Erstattung?","created_time":1700000100}}]}]})";
  r = Send(port_, "POST", "/api/v1/webhooks/facebook", comment,
           {{"Content-Type", "application/json"},
            {"X-Hub-Signature-256", channels::meta::Signature(app_secret, comment)}});
  ASSERT_EQ(r.status, 200) << r.body;
  r = admin.Call("GET", "/api/v1/desk/conversations");
  std::string fb_path;
  const json all = json::parse(r.body)["conversations"];
  for (const json& c : all) {
    if (c["id"] != list[0]["id"]) fb_path = "/api/v1/desk/conversations/" + c["id"].dump();
  }
  ASSERT_FALSE(fb_path.empty()) << r.body;
  r = admin.Call("GET", fb_path);
  EXPECT_EQ(json::parse(r.body)["can_reply_privately"], false) << r.body;
  for (const char* route : {"/replies/preview", "/replies"}) {
    r = admin.Call("POST", fb_path + route, json{{"text", iban}, {"private", true}}.dump());
    EXPECT_EQ(r.status, 400) << route << r.body;
    json e = json::parse(r.body)["error"];
    EXPECT_NE(e["message"].get<std::string>().find("meta"), std::string::npos) << r.body;
    EXPECT_EQ(e["field"], "/private") << r.body;
  }
  r = admin.Call("GET", fb_path);
  EXPECT_EQ(json::parse(r.body)["messages"].size(), 1u) << "nothing stored";
}

// The inbox filters by priority and by when a response is due, approvals
// are paged, and the verdict report counts the replies sent per category
// and action (team level only).
TEST_F(ApiTest, DeskInboxFiltersApprovalPagesAndTheVerdictReport) {
  Start();
  Session admin = Admin();
  const int64_t team = CreateTeam(admin, "Care");
  ASSERT_NE(team, 0);
  HttpReply r = admin.Call("PUT", "/api/v1/desk/teams/" + std::to_string(team) + "/settings",
                           json{{"sla_first_response_min", 60}}.dump());
  ASSERT_EQ(r.status, 204) << r.body;
  r = admin.Call("POST", "/api/v1/desk/channels",
                 json{{"name", "site"},
                      {"kind", "webchat"},
                      {"team_id", team},
                      {"settings", {{"allowed_origins", "*"}}}}
                     .dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::vector<std::pair<std::string, std::string>> site = {{"Origin", "https://a.example"}};
  for (int i = 0; i < 3; ++i) {
    r = Send(port_, "POST", "/api/v1/webchat/site/sessions", "{}", site);
    ASSERT_EQ(r.status, 201) << r.body;
    const std::string session = json::parse(r.body)["session"];
    r = Send(port_, "POST", "/api/v1/webchat/site/messages",
             json{{"session", session}, {"text", "Frage " + std::to_string(i)}}.dump(), site);
    ASSERT_EQ(r.status, 202) << r.body;
  }
  Session agent = CreateAndLogin(admin, "jana", "agent");
  auto list = [&](const std::string& query) {
    HttpReply l = agent.Call("GET", "/api/v1/desk/conversations" + query);
    EXPECT_EQ(l.status, 200) << query << ": " << l.body;
    return l.status == 200 ? json::parse(l.body)["conversations"] : json::array();
  };
  json all = list("");
  ASSERT_EQ(all.size(), 3u);
  const int64_t urgent = all[0]["id"];
  const std::string urgent_path = "/api/v1/desk/conversations/" + std::to_string(urgent);
  r = agent.Call("PATCH", urgent_path, json{{"priority", 2}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;

  json only = list("?priority=urgent");
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0]["id"], urgent);
  EXPECT_EQ(list("?priority=high,urgent").size(), 1u);
  EXPECT_EQ(list("?priority=normal").size(), 2u);
  EXPECT_EQ(list("?priority=0,2").size(), 3u);
  r = agent.Call("GET", "/api/v1/desk/conversations?priority=soon");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("soon"), std::string::npos) << r.body;
  // Just arrived with a one-hour target: nothing overdue, all due within 61 min.
  EXPECT_EQ(list("?sla_due=overdue").size(), 0u);
  EXPECT_EQ(list("?sla_due=30").size(), 0u);
  EXPECT_EQ(list("?sla_due=61").size(), 3u);
  EXPECT_EQ(list("?sla_due=61&priority=urgent").size(), 1u);
  EXPECT_EQ(agent.Call("GET", "/api/v1/desk/conversations?sla_due=0").status, 400);
  EXPECT_EQ(agent.Call("GET", "/api/v1/desk/conversations?sla_due=later").status, 400);
  // With business hours of one minute a week the hour of first response
  // lies many weeks ahead: the SLA clock, not the wall time, decides.
  r = admin.Call("PUT", "/api/v1/desk/teams/" + std::to_string(team) + "/settings",
                 json{{"sla_first_response_min", 60}, {"calendar", "UTC;;mon 00:00-00:01"}}.dump());
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(list("?sla_due=61").size(), 0u);
  EXPECT_EQ(list("?sla_due=10080").size(), 0u);

  // A held reply in each conversation: three approvals, two per page.
  for (const json& c : all) {
    const std::string path = "/api/v1/desk/conversations/" + std::to_string(c["id"].get<int64_t>());
    r = agent.Call("POST", path + "/replies", json{{"text", "Das Projekt Falke startet."}}.dump());
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_EQ(json::parse(r.body)["decision"], "held") << r.body;
  }
  Session approver = CreateAndLogin(admin, "cora", "approver");
  r = approver.Call("GET", "/api/v1/approvals?limit=2");
  ASSERT_EQ(r.status, 200) << r.body;
  json page = json::parse(r.body);
  ASSERT_EQ(page["approvals"].size(), 2u);
  ASSERT_TRUE(page.contains("next")) << r.body;
  const int64_t newest = page["approvals"][0]["id"];
  r = approver.Call("GET", "/api/v1/approvals?limit=2&before=" + page["next"].get<std::string>());
  ASSERT_EQ(r.status, 200) << r.body;
  json rest = json::parse(r.body);
  ASSERT_EQ(rest["approvals"].size(), 1u);
  EXPECT_FALSE(rest.contains("next"));
  EXPECT_LT(rest["approvals"][0]["id"].get<int64_t>(), page["approvals"][1]["id"].get<int64_t>());
  EXPECT_LT(page["approvals"][1]["id"].get<int64_t>(), newest);
  EXPECT_EQ(json::parse(approver.Call("GET", "/api/v1/approvals").body)["approvals"].size(), 3u);
  EXPECT_EQ(approver.Call("GET", "/api/v1/approvals?limit=0").status, 400);
  EXPECT_EQ(approver.Call("GET", "/api/v1/approvals?before=x").status, 400);

  // Replies sent: one clean, one warning confirmed with a reason.
  const std::string path =
      "/api/v1/desk/conversations/" + std::to_string(all[1]["id"].get<int64_t>());
  r = agent.Call("POST", path + "/replies",
                 json{{"text", "Guten Tag, danke für Ihre Frage."}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  r = agent.Call(
      "POST", path + "/replies",
      json{{"text", "Wir garantieren Ihnen 100% Erstattung."}, {"confirm_reason", "ok"}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  json warned = json::parse(r.body)["verdict"];
  ASSERT_EQ(warned["action"], "warn") << r.body;
  const std::string category = warned["findings"][0]["category"];

  Session compliance = CreateAndLogin(admin, "carla", "compliance");
  r = compliance.Call("GET", "/api/v1/reports/verdicts?team=" + std::to_string(team));
  ASSERT_EQ(r.status, 200) << r.body;
  json rep = json::parse(r.body);
  EXPECT_EQ(rep["bucket"], "day");
  EXPECT_EQ(rep["replies"], 2);
  EXPECT_EQ(rep["truncated"], false);
  ASSERT_GE(rep["buckets"].size(), 30u);
  EXPECT_NE(std::find(rep["categories"].begin(), rep["categories"].end(), category),
            rep["categories"].end())
      << r.body;
  const json& today = rep["buckets"].back();
  EXPECT_EQ(today["replies"], 2) << r.body;
  EXPECT_EQ(today["actions"]["allow"], 1) << r.body;
  EXPECT_EQ(today["actions"]["warn"], 1) << r.body;
  EXPECT_EQ(today["categories"][category], 1) << r.body;
  EXPECT_EQ(rep["buckets"][0]["replies"], 0);
  EXPECT_EQ(rep.dump().find("jana"), std::string::npos) << "no per-person figures";
  // Another team has none; hours over two months are too many buckets.
  r = compliance.Call("GET", "/api/v1/reports/verdicts?team=" + std::to_string(team + 1));
  EXPECT_EQ(json::parse(r.body)["replies"], 0) << r.body;
  r = compliance.Call("GET", "/api/v1/reports/verdicts?bucket=hour&from=2026-01-01&to=2026-03-01");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(compliance.Call("GET", "/api/v1/reports/verdicts?bucket=week").status, 400);
  EXPECT_EQ(compliance.Call("GET", "/api/v1/reports/verdicts?from=2026-02-01&to=2026-01-01").status,
            400);
  EXPECT_EQ(agent.Call("GET", "/api/v1/reports/verdicts").status, 403);
}

TEST_F(ApiTest, DeskPerAgentReportsAreOffByDefault) {
  Start();
  Session admin = Admin();
  const int64_t team_id = CreateTeam(admin, "Care");
  ASSERT_NE(team_id, 0);
  const std::string team = std::to_string(team_id);
  HttpReply r = admin.Call("GET", "/api/v1/desk/teams/" + team + "/report?per_agent=1");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "per_agent_reports_off");
  EXPECT_EQ(admin.Call("GET", "/api/v1/desk/teams/" + team + "/report").status, 200);
}

// Issue 7: the channel form is built from the server's list of kinds, which
// names every registered kind with its settings and which credentials are
// secrets.
TEST_F(ApiTest, ChannelKindsNameEveryRegisteredKindWithItsSettingsAndSecrets) {
  Start();
  Session admin = Admin();
  HttpReply r = admin.Call("GET", "/api/v1/desk/channel-kinds");
  ASSERT_EQ(r.status, 200) << r.body;
  json kinds = json::parse(r.body)["kinds"];
  std::set<std::string> listed;
  std::map<std::string, json> by_kind;
  for (const json& k : kinds) {
    listed.insert(k["kind"].get<std::string>());
    by_kind[k["kind"]] = k;
    EXPECT_TRUE(k["documented"].get<bool>()) << k["kind"] << " has no settings list";
    std::set<std::string> keys;
    for (const json& f : k["settings"]) keys.insert(f["key"].get<std::string>());
    for (const json& f : k["secrets"]) {
      EXPECT_FALSE(keys.count(f["key"].get<std::string>())) << "both setting and secret: " << f;
    }
  }
  const std::vector<std::string> registered = app_->context().desk->channel_kinds();
  EXPECT_EQ(listed, std::set<std::string>(registered.begin(), registered.end()));
  ASSERT_TRUE(by_kind.count("webchat"));
  EXPECT_EQ(by_kind["webchat"]["settings"][0]["key"], "allowed_origins");
  EXPECT_TRUE(by_kind["webchat"]["secrets"].empty());
  if (by_kind.count("mastodon")) {
    json m = by_kind["mastodon"];
    bool token_secret = false, token_setting = false, base_required = false;
    for (const json& f : m["secrets"]) {
      if (f["key"] == "access_token") token_secret = f["required"].get<bool>();
    }
    for (const json& f : m["settings"]) {
      if (f["key"] == "access_token") token_setting = true;
      if (f["key"] == "base_url") base_required = f["required"].get<bool>();
    }
    EXPECT_TRUE(token_secret) << m;
    EXPECT_FALSE(token_setting) << m;
    EXPECT_TRUE(base_required) << m;
  }
  // Only administrators of the desk see it.
  Session agent = CreateAndLogin(admin, "jana", "agent");
  EXPECT_EQ(agent.Call("GET", "/api/v1/desk/channel-kinds").status, 403);
}

// Issue 7: deleting a channel without conversations removes it; one with
// conversations is retired (kept, paused, no longer changeable) so its
// conversations and messages stay; either way its vault secrets go and the
// audit log says which.
TEST_F(ApiTest, DeskChannelDeleteRetiresAChannelWithConversationsAndDropsItsSecrets) {
  Start();
  Session admin = Admin();
  auto create = [&](const std::string& name) -> int64_t {
    HttpReply r = admin.Call("POST", "/api/v1/desk/channels",
                             json{{"name", name},
                                  {"kind", "webchat"},
                                  {"settings", {{"allowed_origins", "https://shop.example"}}},
                                  {"secrets", {{"note", "s3cr3t-" + name}}}}
                                 .dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body)["id"].get<int64_t>();
  };
  auto secrets = [&](const std::string& name) {
    int n = 0;
    Result<std::vector<trust::VaultSecretInfo>> all = app_->context().vault->List();
    EXPECT_TRUE(all.ok());
    for (const auto& s : all.value_or(std::vector<trust::VaultSecretInfo>{})) {
      if (s.name.rfind("channel/" + name + "/", 0) == 0) ++n;
    }
    return n;
  };
  const int64_t empty = create("empty");
  const int64_t site = create("site");
  ASSERT_EQ(secrets("empty"), 1);
  ASSERT_EQ(secrets("site"), 1);

  const std::vector<std::pair<std::string, std::string>> origin = {
      {"Origin", "https://shop.example"}, {"Content-Type", "text/plain"}};
  HttpReply r = Send(port_, "POST", "/api/v1/webchat/site/sessions", "{}", origin);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string session = json::parse(r.body)["session"];
  r = Send(port_, "POST", "/api/v1/webchat/site/messages",
           json{{"session", session}, {"text", "Wo bleibt mein Paket?"}}.dump(), origin);
  ASSERT_EQ(r.status, 202) << r.body;

  Session agent = CreateAndLogin(admin, "jana", "agent");
  EXPECT_EQ(agent.Call("DELETE", "/api/v1/desk/channels/" + std::to_string(empty)).status, 403);

  r = admin.Call("DELETE", "/api/v1/desk/channels/" + std::to_string(empty));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(json::parse(r.body)["deleted"].get<bool>());
  EXPECT_EQ(secrets("empty"), 0);

  r = admin.Call("DELETE", "/api/v1/desk/channels/" + std::to_string(site));
  ASSERT_EQ(r.status, 200) << r.body;
  json out = json::parse(r.body);
  EXPECT_FALSE(out["deleted"].get<bool>());
  EXPECT_TRUE(out["retired"].get<bool>());
  EXPECT_EQ(out["deleted_secrets"], 1);
  EXPECT_EQ(secrets("site"), 0);

  r = admin.Call("GET", "/api/v1/desk/channels");
  ASSERT_EQ(r.status, 200);
  json listed = json::parse(r.body)["channels"];
  bool saw_site = false;
  for (const json& c : listed) {
    EXPECT_NE(c["name"], "empty");
    if (c["name"] != "site") continue;
    saw_site = true;
    EXPECT_TRUE(c["retired"].get<bool>());
    EXPECT_TRUE(c["paused"].get<bool>());
    EXPECT_FALSE(c["settings"].contains("retired_at")) << c;
    EXPECT_EQ(c["settings"]["allowed_origins"], "https://shop.example");
  }
  EXPECT_TRUE(saw_site) << r.body;
  // Its conversation and message stay readable.
  r = admin.Call("GET", "/api/v1/desk/conversations?channel=" + std::to_string(site));
  ASSERT_EQ(r.status, 200) << r.body;
  json convs = json::parse(r.body)["conversations"];
  ASSERT_EQ(convs.size(), 1u) << r.body;
  r = admin.Call("GET", "/api/v1/desk/conversations/" + convs[0]["id"].dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("Wo bleibt mein Paket?"), std::string::npos);
  // A retired channel cannot be resumed or given new credentials.
  r = admin.Call("PATCH", "/api/v1/desk/channels/" + std::to_string(site),
                 json{{"paused", false}}.dump());
  EXPECT_EQ(r.status, 409) << r.body;
  r = admin.Call("PATCH", "/api/v1/desk/channels/" + std::to_string(site),
                 json{{"secrets", {{"note", "again"}}}}.dump());
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(secrets("site"), 0);
  EXPECT_EQ(admin.Call("DELETE", "/api/v1/desk/channels/" + std::to_string(empty)).status, 404);

  // A channel a post names (no conversations) is retired too: the post keeps it.
  r = admin.Call("POST", "/api/v1/desk/channels",
                 json{{"name", "feed"}, {"kind", "demo"}, {"secrets", {{"note", "n"}}}}.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t feed = json::parse(r.body)["id"];
  r = admin.Call("POST", "/api/v1/posts",
                 json{{"title", "Tarifstart"},
                      {"body", "Unser neuer Tarif startet heute."},
                      {"variants", {{{"channel_id", feed}}}}}
                     .dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string post = json::parse(r.body)["id"].dump();
  r = admin.Call("DELETE", "/api/v1/desk/channels/" + std::to_string(feed));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(json::parse(r.body)["retired"].get<bool>()) << r.body;
  EXPECT_EQ(secrets("feed"), 0);
  EXPECT_EQ(admin.Call("GET", "/api/v1/posts/" + post).status, 200);

  r = admin.Call("GET", "/api/v1/audit?action=desk.channel_delete");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(json::parse(r.body)["entries"].size(), 1u) << r.body;
  EXPECT_EQ(json::parse(r.body)["entries"][0]["target"], "channel:empty");
  r = admin.Call("GET", "/api/v1/audit?action=desk.channel_retire");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(json::parse(r.body)["entries"].size(), 2u) << r.body;
  EXPECT_EQ(json::parse(r.body)["entries"][0]["target"], "channel:site");
  EXPECT_EQ(json::parse(r.body)["entries"][1]["target"], "channel:feed");
}

}  // namespace
}  // namespace leitplanke::server
