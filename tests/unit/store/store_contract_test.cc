// The Store contract, run against every back end: SQLite always (a temp
// file), PostgreSQL when LP_TEST_POSTGRES_URL is set (scripts/with-postgres),
// each test on a database of its own.
#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "leitplanke/store/store.h"

#include "store/schema.h"
#include "store/sql/postgres/pg_connection.h"
#include "store/sql/sqlite/sqlite_connection.h"
#include "store_fixture.h"
#include "test_support.h"

namespace leitplanke::store {
namespace {

// The first line of a dump made by this binary.
std::string DumpHeader() {
  return "{\"dump\":\"leitplanke\",\"schema_version\":" + std::to_string(LatestSchemaVersion()) +
         "}";
}

using testing::PgTestDatabase;
using testing::TempDir;
using testing::TestHash;

const std::string kBinary("\x00\x01\xff\xfe-bytes\x00", 11);

User MakeUser(const std::string& name, std::vector<std::string> roles = {"agent"}) {
  User u;
  u.username = name;
  u.display_name = "Name " + name;
  u.email = name + "@example.com";
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  u.roles = std::move(roles);
  u.locale = "en";
  return u;
}

// One store under test, with a way to open more stores of the same kind.
class StoreContractTest : public testing::StoreFixture {
 protected:
  static std::string PostgresAdminUrl() { return testing::PostgresAdminUrl(); }

  // Runs raw SQL against this test's database, bypassing the store.
  Status RawExec(const std::string& sql) {
    if (GetParam() == "sqlite") {
      auto conn = sql::SqliteConnection::Open(url_.substr(std::string("sqlite://").size()));
      if (!conn.ok()) return conn.error();
      return (*conn)->Exec(sql);
    }
    auto conn = sql::PgConnection::Open(url_);
    if (!conn.ok()) return conn.error();
    return (*conn)->Exec(sql);
  }
};

std::vector<std::string> DumpLines(Store& store) {
  std::vector<std::string> lines;
  Status s = store.Dump([&](std::string_view line) {
    lines.emplace_back(line);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s;
  return lines;
}

Status LoadLines(Store& store, const std::vector<std::string>& lines) {
  size_t i = 0;
  return store.Load([&](std::string& line) {
    if (i == lines.size()) return false;
    line = lines[i++];
    return true;
  });
}

// Puts at least one row in every table, with binary and non-ASCII values.
void Populate(Store& store) {
  auto alice = store.CreateUser(MakeUser("Alice", {"admin", "compliance"}));
  ASSERT_TRUE(alice.ok()) << alice.error();
  User bob_in = MakeUser("bob");
  bob_in.display_name = "Bøb Ünïcode ✓";
  bob_in.totp_secret_enc = kBinary;
  bob_in.totp_enabled = true;
  auto bob = store.CreateUser(bob_in);
  ASSERT_TRUE(bob.ok()) << bob.error();
  ASSERT_TRUE(store.ReplaceRecoveryCodes(alice->id, {kBinary, "code-2"}).ok());
  ASSERT_TRUE(*store.ConsumeRecoveryCode(alice->id, "code-2", 5));
  auto team = store.CreateTeam(Team{0, "Care", 0});
  ASSERT_TRUE(team.ok());
  ASSERT_TRUE(store.CreateTeam(Team{0, "care", 0}).ok());  // distinct from "Care"
  ASSERT_TRUE(store.SetTeamMember(TeamMember{team->id, bob->id, true}).ok());
  Session s;
  s.id_hash = kBinary;
  s.user_id = bob->id;
  s.csrf_token = "csrf";
  s.expires_at = 1000;
  ASSERT_TRUE(store.CreateSession(s).ok());
  ApiToken t;
  t.user_id = alice->id;
  t.name = "ci";
  t.token_hash = "th\x01";
  t.prefix = "lp_ab";
  t.scopes = {"check", "policy:read"};
  ASSERT_TRUE(store.CreateApiToken(t).ok());
  ASSERT_TRUE(store.PutThrottle(Throttle{"user:alice", 3, 10, 20}).ok());
  ASSERT_TRUE(store.PutThrottle(Throttle{"User:alice", 1, 1, 1}).ok());
  ASSERT_TRUE(store.PutSecret(VaultSecret{"channel/x", "k1", kBinary, kBinary + "c", 1, 2}).ok());
  ASSERT_TRUE(store.PutSecret(VaultSecret{"Zeta", "k1", "n", "", 1, 2}).ok());
  for (int i = 0; i < 3; ++i) {
    AuditEntry e;
    e.actor = "user:alice";
    e.action = "login";
    e.detail = "{\"n\":" + std::to_string(i) + "}";
    ASSERT_TRUE(store.AppendAudit(e, TestHash).ok());
  }
  PolicyVersion p;
  p.name = "default";
  p.files = kBinary;
  p.sha256 = "abc";
  auto pv = store.AddPolicyVersion(p);
  ASSERT_TRUE(pv.ok());
  ASSERT_TRUE(store.ActivatePolicyVersion(pv->id).ok());
}

TEST_P(StoreContractTest, BackendVersionPing) {
  EXPECT_EQ(store_->backend(), GetParam());
  EXPECT_GE(store_->schema_version(), 1);
  EXPECT_TRUE(store_->Ping().ok());
  PoolStats pool = store_->pool_stats();
  EXPECT_GT(pool.max, 0u);
  EXPECT_GE(pool.open, 1u);  // Ping used one and gave it back
  EXPECT_EQ(pool.idle, pool.open);
  EXPECT_EQ(pool.waiting, 0u);
}

TEST_P(StoreContractTest, Users) {
  EXPECT_EQ(*store_->CountUsers(), 0);
  User in = MakeUser("Alice", {"admin", "agent", "admin"});
  in.totp_secret_enc = kBinary;
  auto alice = store_->CreateUser(in);
  ASSERT_TRUE(alice.ok()) << alice.error();
  EXPECT_GT(alice->id, 0);
  EXPECT_EQ(alice->username, "alice");
  EXPECT_GT(alice->created_at, 0);
  EXPECT_EQ(store_->CreateUser(MakeUser("ALICE")).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateUser(MakeUser("")).status().code(), StatusCode::kInvalidArgument);
  auto bob = store_->CreateUser(MakeUser("bob", {}));
  ASSERT_TRUE(bob.ok());

  auto got = store_->GetUser(alice->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->username, "alice");
  EXPECT_EQ(got->email, "Alice@example.com");
  EXPECT_EQ(got->roles, (std::vector<std::string>{"admin", "agent"}));
  EXPECT_EQ(got->totp_secret_enc, kBinary);
  EXPECT_EQ(got->locale, "en");
  EXPECT_EQ(store_->FindUser("aLiCe")->id, alice->id);
  EXPECT_EQ(store_->GetUser(999).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->FindUser("carol").status().code(), StatusCode::kNotFound);

  auto all = store_->ListUsers();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].username, "alice");
  EXPECT_EQ((*all)[0].roles, (std::vector<std::string>{"admin", "agent"}));
  EXPECT_TRUE((*all)[1].roles.empty());
  EXPECT_EQ(*store_->CountUsers(), 2);

  User upd = *got;
  upd.roles = {"publisher"};
  upd.disabled = true;
  upd.must_change_password = true;
  upd.totp_enabled = true;
  upd.totp_last_step = 12345;
  upd.display_name = "A.";
  upd.created_at = 1;  // ignored
  ASSERT_TRUE(store_->UpdateUser(upd).ok());
  auto after = store_->GetUser(alice->id);
  EXPECT_EQ(after->roles, std::vector<std::string>{"publisher"});
  EXPECT_TRUE(after->disabled);
  EXPECT_TRUE(after->must_change_password);
  EXPECT_TRUE(after->totp_enabled);
  EXPECT_EQ(after->totp_last_step, 12345);
  EXPECT_EQ(after->display_name, "A.");
  EXPECT_EQ(after->created_at, alice->created_at);

  upd.username = "BOB";
  EXPECT_EQ(store_->UpdateUser(upd).code(), StatusCode::kAlreadyExists);
  upd.id = 999;
  upd.username = "nobody";
  EXPECT_EQ(store_->UpdateUser(upd).code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, FailedMethodLeavesNoTrace) {
  // The user row is inserted before the bad role is seen; the transaction
  // must take it back.
  EXPECT_EQ(store_->CreateUser(MakeUser("alice", {"agent", ""})).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(*store_->CountUsers(), 0);
  EXPECT_EQ(store_->FindUser("alice").status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(store_->PutSecret(VaultSecret{"a", "k1", "n", "c", 0, 0}).ok());
  Status s = store_->ReplaceAllSecrets(
      {VaultSecret{"b", "k2", "n", "c", 0, 0}, VaultSecret{"", "k2", "n", "c", 0, 0}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  auto secrets = store_->ListSecrets();
  ASSERT_EQ(secrets->size(), 1u);
  EXPECT_EQ((*secrets)[0].name, "a");
  EXPECT_EQ((*secrets)[0].key_id, "k1");
}

TEST_P(StoreContractTest, CreateFirstUser) {
  auto first = store_->CreateFirstUser(MakeUser("root", {"admin"}));
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_EQ(store_->CreateFirstUser(MakeUser("other")).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(*store_->CountUsers(), 1);
}

TEST_P(StoreContractTest, ConcurrentCreateFirstUserHasOneWinner) {
  // A second store on the same database stands for a second instance.
  auto other = OpenStore(url_);
  ASSERT_TRUE(other.ok()) << other.error();
  constexpr int kThreads = 8;
  std::atomic<int> ok{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Store& s = (i % 2 == 0) ? *store_ : **other;
      auto r = s.CreateFirstUser(MakeUser("admin" + std::to_string(i), {"admin"}));
      if (r.ok()) {
        ++ok;
      } else if (r.error().code() == StatusCode::kFailedPrecondition) {
        ++refused;
      } else {
        ADD_FAILURE() << r.error();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
  EXPECT_EQ(*store_->CountUsers(), 1);
}

TEST_P(StoreContractTest, RecoveryCodes) {
  auto u = store_->CreateUser(MakeUser("alice"));
  ASSERT_TRUE(store_->ReplaceRecoveryCodes(u->id, {"h1", "h2", kBinary}).ok());
  EXPECT_EQ(*store_->CountUnusedRecoveryCodes(u->id), 3);
  EXPECT_TRUE(*store_->ConsumeRecoveryCode(u->id, kBinary, 100));
  EXPECT_FALSE(*store_->ConsumeRecoveryCode(u->id, kBinary, 101));  // used up
  EXPECT_FALSE(*store_->ConsumeRecoveryCode(u->id, "nope", 101));
  EXPECT_EQ(*store_->CountUnusedRecoveryCodes(u->id), 2);
  ASSERT_TRUE(store_->ReplaceRecoveryCodes(u->id, {"h9"}).ok());
  EXPECT_EQ(*store_->CountUnusedRecoveryCodes(u->id), 1);
  EXPECT_FALSE(*store_->ConsumeRecoveryCode(u->id, "h1", 102));  // dropped
  EXPECT_TRUE(*store_->ConsumeRecoveryCode(u->id, "h9", 102));
  EXPECT_EQ(store_->ReplaceRecoveryCodes(999, {"x"}).code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, Teams) {
  auto a = store_->CreateUser(MakeUser("a"));
  auto b = store_->CreateUser(MakeUser("b"));
  auto care = store_->CreateTeam(Team{0, "care", 0});
  ASSERT_TRUE(care.ok());
  EXPECT_GT(care->created_at, 0);
  EXPECT_EQ(store_->CreateTeam(Team{0, "care", 0}).status().code(), StatusCode::kAlreadyExists);
  auto social = store_->CreateTeam(Team{0, "social", 7});
  EXPECT_EQ(social->created_at, 7);
  auto teams = store_->ListTeams();
  ASSERT_EQ(teams->size(), 2u);
  EXPECT_EQ((*teams)[1].name, "social");

  ASSERT_TRUE(store_->SetTeamMember({care->id, b->id, false}).ok());
  ASSERT_TRUE(store_->SetTeamMember({care->id, a->id, false}).ok());
  ASSERT_TRUE(store_->SetTeamMember({care->id, b->id, true}).ok());  // update
  auto members = store_->ListTeamMembers(care->id);
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].user_id, a->id);
  EXPECT_FALSE((*members)[0].lead);
  EXPECT_TRUE((*members)[1].lead);
  EXPECT_EQ(store_->SetTeamMember({999, a->id, false}).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->SetTeamMember({care->id, 999, false}).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListTeamMembers(999).status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(store_->RemoveTeamMember(care->id, a->id).ok());
  EXPECT_EQ(store_->RemoveTeamMember(care->id, a->id).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListTeamMembers(care->id)->size(), 1u);

  // Renaming keeps id and members; names stay unique.
  EXPECT_EQ(store_->RenameTeam(care->id, "social").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->RenameTeam(999, "x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->RenameTeam(care->id, "").status().code(), StatusCode::kInvalidArgument);
  auto renamed = store_->RenameTeam(care->id, "Kundenservice");
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(renamed->id, care->id);
  EXPECT_EQ(renamed->name, "Kundenservice");
  EXPECT_EQ(renamed->created_at, care->created_at);
  EXPECT_EQ((*store_->ListTeams())[0].name, "Kundenservice");
  EXPECT_EQ(store_->ListTeamMembers(care->id)->size(), 1u);
  ASSERT_TRUE(store_->RenameTeam(care->id, "care").ok());

  ASSERT_TRUE(store_->DeleteTeam(care->id).ok());
  EXPECT_EQ(store_->DeleteTeam(care->id).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListTeams()->size(), 1u);
  // The membership went with the team: the name can be reused cleanly.
  auto again = store_->CreateTeam(Team{0, "care", 0});
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->id, care->id);
  EXPECT_TRUE(store_->ListTeamMembers(again->id)->empty());
}

TEST_P(StoreContractTest, Sessions) {
  auto u = store_->CreateUser(MakeUser("a"));
  Session s;
  s.id_hash = kBinary;
  s.user_id = u->id;
  s.csrf_token = "csrf";
  s.address = "127.0.0.1";
  s.user_agent = "test/1.0";
  s.created_at = 100;
  s.last_seen_at = 100;
  s.expires_at = 1000;
  ASSERT_TRUE(store_->CreateSession(s).ok());
  EXPECT_EQ(store_->CreateSession(s).code(), StatusCode::kAlreadyExists);
  Session bad = s;
  bad.id_hash = "other";
  bad.user_id = 999;
  EXPECT_EQ(store_->CreateSession(bad).code(), StatusCode::kNotFound);

  auto got = store_->GetSession(kBinary);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->csrf_token, "csrf");
  EXPECT_EQ(got->user_agent, "test/1.0");
  EXPECT_FALSE(got->mfa_passed);
  EXPECT_EQ(store_->GetSession(std::string_view(kBinary).substr(0, 4)).status().code(),
            StatusCode::kNotFound);

  ASSERT_TRUE(store_->TouchSession(kBinary, 200).ok());
  EXPECT_EQ(store_->GetSession(kBinary)->last_seen_at, 200);
  EXPECT_EQ(store_->TouchSession("nope", 200).code(), StatusCode::kNotFound);

  s.mfa_passed = true;
  s.csrf_token = "csrf2";
  s.expires_at = 2000;
  ASSERT_TRUE(store_->UpdateSession(s).ok());
  got = store_->GetSession(kBinary);
  EXPECT_TRUE(got->mfa_passed);
  EXPECT_EQ(got->csrf_token, "csrf2");
  EXPECT_EQ(got->expires_at, 2000);

  ASSERT_TRUE(store_->RevokeSession(kBinary).ok());
  EXPECT_TRUE(store_->GetSession(kBinary)->revoked);
  EXPECT_EQ(store_->RevokeSession("nope").code(), StatusCode::kNotFound);

  Session s2 = s;
  s2.id_hash = "s2";
  s2.revoked = false;
  s2.expires_at = 5000;
  Session s3 = s2;
  s3.id_hash = "s3";
  s3.expires_at = 500;
  ASSERT_TRUE(store_->CreateSession(s2).ok());
  ASSERT_TRUE(store_->CreateSession(s3).ok());
  // s3 expired, kBinary revoked; s2 stays.
  EXPECT_EQ(*store_->DeleteExpiredSessions(1000), 2);
  EXPECT_TRUE(store_->GetSession("s2").ok());
  EXPECT_EQ(store_->GetSession("s3").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->RevokeUserSessions(u->id).ok());
  EXPECT_TRUE(store_->GetSession("s2")->revoked);
}

TEST_P(StoreContractTest, ApiTokens) {
  auto u = store_->CreateUser(MakeUser("a"));
  ApiToken t;
  t.user_id = u->id;
  t.name = "ci";
  t.token_hash = kBinary;
  t.prefix = "lp_12";
  t.scopes = {"check", "policy:read"};
  t.expires_at = 9999;
  auto made = store_->CreateApiToken(t);
  ASSERT_TRUE(made.ok()) << made.error();
  EXPECT_GT(made->id, 0);
  EXPECT_EQ(store_->CreateApiToken(t).status().code(), StatusCode::kAlreadyExists);
  t.token_hash = "x";
  t.scopes = {"bad scope"};
  EXPECT_EQ(store_->CreateApiToken(t).status().code(), StatusCode::kInvalidArgument);
  t.scopes = {};
  t.user_id = 999;
  EXPECT_EQ(store_->CreateApiToken(t).status().code(), StatusCode::kNotFound);

  auto found = store_->FindApiToken(kBinary);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, made->id);
  EXPECT_EQ(found->scopes, (std::vector<std::string>{"check", "policy:read"}));
  EXPECT_EQ(found->expires_at, 9999);
  EXPECT_EQ(store_->FindApiToken("nope").status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(store_->TouchApiToken(made->id, 77).ok());
  ASSERT_TRUE(store_->RevokeApiToken(made->id).ok());
  auto list = store_->ListApiTokens(u->id);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].last_used_at, 77);
  EXPECT_TRUE((*list)[0].revoked);
  EXPECT_TRUE(store_->ListApiTokens(999)->empty());
  EXPECT_EQ(store_->RevokeApiToken(999).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->TouchApiToken(999, 1).code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, Throttle) {
  auto zero = store_->GetThrottle("addr:1.2.3.4");
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->key, "addr:1.2.3.4");
  EXPECT_EQ(zero->failures, 0);
  ASSERT_TRUE(store_->PutThrottle({"addr:1.2.3.4", 2, 10, 0}).ok());
  ASSERT_TRUE(store_->PutThrottle({"addr:1.2.3.4", 5, 20, 30}).ok());
  auto t = store_->GetThrottle("addr:1.2.3.4");
  EXPECT_EQ(t->failures, 5);
  EXPECT_EQ(t->last_failure_at, 20);
  EXPECT_EQ(t->locked_until, 30);
  ASSERT_TRUE(store_->ClearThrottle("addr:1.2.3.4").ok());
  EXPECT_EQ(store_->GetThrottle("addr:1.2.3.4")->failures, 0);
  EXPECT_TRUE(store_->ClearThrottle("never").ok());
}

TEST_P(StoreContractTest, Vault) {
  ASSERT_TRUE(store_->PutSecret({"b", "k1", kBinary, kBinary + kBinary, 10, 10}).ok());
  ASSERT_TRUE(store_->PutSecret({"a", "k1", "", "", 0, 0}).ok());
  auto got = store_->GetSecret("b");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->nonce, kBinary);
  EXPECT_EQ(got->ciphertext, kBinary + kBinary);
  EXPECT_EQ(store_->GetSecret("a")->nonce, "");
  EXPECT_EQ(store_->GetSecret("zz").status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(store_->PutSecret({"b", "k2", "n2", "c2", 50, 50}).ok());  // replace
  got = store_->GetSecret("b");
  EXPECT_EQ(got->key_id, "k2");
  EXPECT_EQ(got->ciphertext, "c2");
  EXPECT_EQ(got->created_at, 10);  // kept
  EXPECT_EQ(got->updated_at, 50);

  auto list = store_->ListSecrets();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "a");

  ASSERT_TRUE(
      store_->ReplaceAllSecrets({{"c", "k3", "n", "c", 0, 0}, {"d", "k3", "n", "c", 0, 0}}).ok());
  list = store_->ListSecrets();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "c");
  EXPECT_EQ((*list)[1].key_id, "k3");
  ASSERT_TRUE(store_->DeleteSecret("c").ok());
  EXPECT_EQ(store_->DeleteSecret("c").code(), StatusCode::kNotFound);
}

// Checks seq 1..n dense and every link of the chain.
void ExpectIntactChain(Store& store, int64_t n) {
  auto all = store.ListAudit(1, n + 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(static_cast<int64_t>(all->size()), n);
  std::string prev;
  for (int64_t i = 0; i < n; ++i) {
    const AuditEntry& e = (*all)[static_cast<size_t>(i)];
    EXPECT_EQ(e.seq, i + 1);
    EXPECT_EQ(e.prev_hash, prev) << "seq " << e.seq;
    EXPECT_EQ(e.hash, TestHash(e)) << "seq " << e.seq;
    prev = e.hash;
  }
}

TEST_P(StoreContractTest, PurgeAuditKeepsHashesTimeAndAction) {
  AuditEntry e;
  e.actor = "user:alice";
  e.action = "login";
  e.target = "user:alice";
  e.detail = "{\"ip\":\"10.0.0.1\"}";
  e.address = "10.0.0.1";
  e.content_hash = "c";
  for (Millis at : {100, 200, 300}) {
    e.at = at;
    ASSERT_TRUE(store_->AppendAudit(e, TestHash).ok());
  }
  auto purged = store_->PurgeAudit(300, 1000);
  ASSERT_TRUE(purged.ok()) << purged.error();
  EXPECT_EQ(*purged, 2);
  EXPECT_EQ(*store_->PurgeAudit(300, 2000), 0);
  auto all = store_->ListAudit(1, 10);
  ASSERT_EQ(all->size(), 3u);
  for (int i = 0; i < 2; ++i) {
    const AuditEntry& p = (*all)[i];
    EXPECT_EQ(p.actor, "");
    EXPECT_EQ(p.target, "");
    EXPECT_EQ(p.detail, "{}");
    EXPECT_EQ(p.address, "");
    EXPECT_EQ(p.action, "login");
    EXPECT_EQ(p.content_hash, "c");
    EXPECT_EQ(p.purged_at, 1000);
    EXPECT_EQ(p.at, 100 * (i + 1));
  }
  EXPECT_EQ((*all)[2].actor, "user:alice");
  EXPECT_EQ((*all)[2].purged_at, 0);
  EXPECT_EQ((*all)[1].prev_hash, (*all)[0].hash);
  EXPECT_EQ((*all)[2].prev_hash, (*all)[1].hash);
  EXPECT_EQ((*all)[2].hash, TestHash((*all)[2]));
}

TEST_P(StoreContractTest, Audit) {
  AuditEntry e;
  e.actor = "system";
  e.action = "start";
  e.detail = "{}";
  e.address = "::1";
  auto first = store_->AppendAudit(e, TestHash);
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_EQ(first->seq, 1);
  EXPECT_TRUE(first->prev_hash.empty());
  EXPECT_GT(first->at, 0);
  e.at = 42;
  auto second = store_->AppendAudit(e, TestHash);
  EXPECT_EQ(second->seq, 2);
  EXPECT_EQ(second->prev_hash, first->hash);
  EXPECT_EQ(second->at, 42);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_->AppendAudit(e, TestHash).ok());
  ExpectIntactChain(*store_, 5);
  auto page = store_->ListAudit(2, 2);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].seq, 2);
  EXPECT_EQ((*page)[1].seq, 3);
  EXPECT_EQ((*page)[0].address, "::1");
  EXPECT_TRUE(store_->ListAudit(6, 10)->empty());
  EXPECT_TRUE(store_->ListAudit(1, 0)->empty());
  EXPECT_EQ(store_->ListAudit(1, -1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AppendAudit(e, nullptr).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, AuditBatchContinuesTheChainInOrder) {
  ASSERT_TRUE(store_->AppendAudit(AuditEntry{}, TestHash).ok());
  std::vector<AuditEntry> batch(3);
  for (int i = 0; i < 3; ++i) batch[i].action = "check_block_" + std::to_string(i);
  auto appended = store_->AppendAuditBatch(batch, TestHash);
  ASSERT_TRUE(appended.ok()) << appended.error();
  ASSERT_EQ(appended->size(), 3u);
  EXPECT_EQ((*appended)[0].seq, 2);
  EXPECT_EQ((*appended)[2].seq, 4);
  EXPECT_EQ((*appended)[1].prev_hash, (*appended)[0].hash);
  ASSERT_TRUE(store_->AppendAudit(AuditEntry{}, TestHash).ok());
  ExpectIntactChain(*store_, 5);
  auto listed = store_->ListAudit(2, 3);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ((*listed)[2].action, "check_block_2");
  EXPECT_TRUE(store_->AppendAuditBatch({}, TestHash)->empty());
  EXPECT_EQ(store_->AppendAuditBatch(batch, nullptr).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, ListAuditPagesOverGaps) {
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(store_->AppendAudit(AuditEntry{}, TestHash).ok());
  // Tampering behind the store's back: trust's verifier must see the jump.
  ASSERT_TRUE(RawExec("DELETE FROM audit_log WHERE seq IN (2, 3, 4)").ok());
  auto page = store_->ListAudit(2, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].seq, 5);
  EXPECT_EQ((*page)[1].seq, 6);
}

TEST_P(StoreContractTest, ConcurrentAppendAuditKeepsChain) {
  auto other = OpenStore(url_);
  ASSERT_TRUE(other.ok()) << other.error();
  constexpr int kThreads = 6;
  constexpr int kPerThread = 15;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Store& s = (i % 2 == 0) ? *store_ : **other;
      for (int k = 0; k < kPerThread; ++k) {
        AuditEntry e;
        e.actor = "thread:" + std::to_string(i);
        e.action = "write";
        e.detail = std::to_string(k);
        auto r = s.AppendAudit(e, TestHash);
        if (!r.ok()) ADD_FAILURE() << r.error();
      }
    });
  }
  for (auto& t : threads) t.join();
  ExpectIntactChain(*store_, kThreads * kPerThread);
}

TEST_P(StoreContractTest, PolicyVersions) {
  PolicyVersion p;
  p.name = "default";
  p.files = kBinary;
  p.sha256 = "s1";
  p.comment = "first";
  p.created_by = "user:alice";
  auto v1 = store_->AddPolicyVersion(p);
  ASSERT_TRUE(v1.ok()) << v1.error();
  EXPECT_EQ(v1->version, 1);
  p.sha256 = "s2";
  auto v2 = store_->AddPolicyVersion(p);
  EXPECT_EQ(v2->version, 2);
  p.name = "other";
  auto o1 = store_->AddPolicyVersion(p);
  EXPECT_EQ(o1->version, 1);

  auto got = store_->GetPolicyVersion(v1->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->files, kBinary);
  EXPECT_EQ(got->comment, "first");
  EXPECT_FALSE(got->active);
  EXPECT_EQ(store_->GetPolicyVersion(999).status().code(), StatusCode::kNotFound);

  auto list = store_->ListPolicyVersions("default");
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].sha256, "s2");

  EXPECT_FALSE(store_->ActivePolicyVersion("default")->has_value());
  ASSERT_TRUE(store_->ActivatePolicyVersion(v1->id).ok());
  ASSERT_TRUE(store_->ActivatePolicyVersion(o1->id).ok());
  EXPECT_EQ((*store_->ActivePolicyVersion("default"))->id, v1->id);
  ASSERT_TRUE(store_->ActivatePolicyVersion(v2->id).ok());
  EXPECT_EQ((*store_->ActivePolicyVersion("default"))->id, v2->id);
  EXPECT_FALSE(store_->GetPolicyVersion(v1->id)->active);
  EXPECT_EQ((*store_->ActivePolicyVersion("other"))->id, o1->id);  // untouched
  EXPECT_EQ(store_->ActivatePolicyVersion(999).code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, ReopenIsIdempotent) {
  ASSERT_TRUE(store_->CreateUser(MakeUser("alice")).ok());
  int version = store_->schema_version();
  store_.reset();
  for (int i = 0; i < 2; ++i) {
    auto again = OpenStore(url_);
    ASSERT_TRUE(again.ok()) << again.error();
    EXPECT_EQ((*again)->schema_version(), version);
    EXPECT_EQ(*(*again)->CountUsers(), 1);
  }
}

TEST_P(StoreContractTest, NewerSchemaIsRefused) {
  store_.reset();
  ASSERT_TRUE(RawExec("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)").ok());
  auto refused = OpenStore(url_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("999"), std::string::npos) << refused.error();
  EXPECT_NE(refused.error().message().find("(" + std::to_string(LatestSchemaVersion()) + ")"),
            std::string::npos)
      << refused.error();
}

TEST_P(StoreContractTest, DumpLoadRoundTripAcrossBackends) {
  Populate(*store_);
  std::vector<std::string> dump = DumpLines(*store_);
  ASSERT_GT(dump.size(), 15u);
  EXPECT_EQ(dump[0], DumpHeader());

  std::vector<std::string> targets = {"sqlite"};
  if (!PostgresAdminUrl().empty()) targets.push_back("postgres");
  for (const std::string& kind : targets) {
    SCOPED_TRACE(GetParam() + " -> " + kind);
    auto target = OpenStore(NewUrl(kind));
    ASSERT_TRUE(target.ok()) << target.error();
    Status s = LoadLines(**target, dump);
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(DumpLines(**target), dump);  // byte-identical
    // Ids continue after the loaded rows (sequences were moved on).
    auto carol = (*target)->CreateUser(MakeUser("carol"));
    ASSERT_TRUE(carol.ok()) << carol.error();
    EXPECT_EQ(carol->id, 3);
    auto next = (*target)->AppendAudit(AuditEntry{}, TestHash);
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->seq, 4);
    ExpectIntactChain(**target, 4);
    EXPECT_EQ((*target)->FindUser("bob")->totp_secret_enc, kBinary);
    EXPECT_EQ((*target)->GetSession(kBinary)->user_id, 2);
  }
}

TEST_P(StoreContractTest, LoadRefusesNonEmptyDatabase) {
  Populate(*store_);
  std::vector<std::string> dump = DumpLines(*store_);
  Status s = LoadLines(*store_, dump);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s;
}

TEST_P(StoreContractTest, LoadReportsBadLineAndLoadsNothing) {
  std::vector<std::string> lines = {
      DumpHeader(),
      "",
      "{\"table\":\"teams\",\"row\":{\"id\":1,\"name\":\"care\",\"created_at\":5}}",
      "{\"table\":\"teams\",\"row\":{\"id\":2,\"name\":\"x\"",
  };
  Status s = LoadLines(*store_, lines);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("line 4"), std::string::npos) << s;
  EXPECT_TRUE(store_->ListTeams()->empty());

  lines[3] = "{\"table\":\"teams\",\"row\":{\"id\":2,\"name\":7,\"created_at\":5}}";
  s = LoadLines(*store_, lines);
  EXPECT_NE(s.message().find("line 4"), std::string::npos) << s;
  EXPECT_NE(s.message().find("/row/name"), std::string::npos) << s;
  lines[3] = "{\"table\":\"nope\",\"row\":{}}";
  s = LoadLines(*store_, lines);
  EXPECT_NE(s.message().find("unknown table"), std::string::npos) << s;
  lines[3] = "{\"table\":\"teams\",\"row\":{\"id\":1,\"name\":\"dup\",\"created_at\":5}}";
  s = LoadLines(*store_, lines);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s;
  EXPECT_NE(s.message().find("line 4"), std::string::npos) << s;

  lines[0] = "{\"dump\":\"leitplanke\",\"schema_version\":99}";
  EXPECT_EQ(LoadLines(*store_, lines).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store_->ListTeams()->empty());
}

TEST_P(StoreContractTest, BackupAndRestore) {
  Populate(*store_);
  std::string backup = dir_.File("backup/store.bak");  // the directory is created
  Status s = store_->Backup(backup);
  if (GetParam() == "postgres") {
    EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
    EXPECT_NE(s.message().find("pg_dump"), std::string::npos);
    return;
  }
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(store_->Backup(backup).code(), StatusCode::kAlreadyExists);  // never overwrites
  // Writes after the backup are not in it.
  ASSERT_TRUE(store_->CreateUser(MakeUser("late")).ok());

  std::string restored = dir_.File("restored/sub/store.db");
  ASSERT_TRUE(RestoreSqliteBackup(backup, restored).ok());
  EXPECT_EQ(RestoreSqliteBackup(backup, restored).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(RestoreSqliteBackup(dir_.File("missing.bak"), dir_.File("x.db")).code(),
            StatusCode::kNotFound);
  {
    std::ofstream junk(dir_.File("junk.bak"));
    junk << "this is not a database, just some bytes that go on for a while";
  }
  EXPECT_EQ(RestoreSqliteBackup(dir_.File("junk.bak"), dir_.File("y.db")).code(),
            StatusCode::kDataLoss);

  auto back = OpenStore(restored);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(*(*back)->CountUsers(), 2);
  EXPECT_EQ((*back)->FindUser("late").status().code(), StatusCode::kNotFound);
  ExpectIntactChain(**back, 3);
  std::vector<std::string> dump = DumpLines(**back);
  ASSERT_TRUE(store_->ListUsers().ok());
  // Same data as the original before "late" was added.
  auto fresh = OpenStore(NewUrl("sqlite"));
  ASSERT_TRUE(LoadLines(**fresh, dump).ok());
  EXPECT_EQ(*(*fresh)->CountUsers(), 2);
}

TEST_P(StoreContractTest, SurvivesLostConnections) {
  if (GetParam() != "postgres") GTEST_SKIP() << "PostgreSQL only: the server drops connections";
  // Leave a few idle connections in the pool.
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back([&] { EXPECT_TRUE(store_->Ping().ok()); });
  for (auto& t : threads) t.join();
  auto admin = sql::PgConnection::Open(PostgresAdminUrl());
  ASSERT_TRUE(admin.ok()) << admin.error();
  std::string db = url_.substr(url_.rfind('/') + 1);
  auto killed = (*admin)->Query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", {sql::Text(db)});
  ASSERT_TRUE(killed.ok()) << killed.error();
  ASSERT_FALSE(killed->rows.empty());
  Status s = store_->Ping();
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_TRUE(store_->CreateUser(MakeUser("after")).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(OpenStoreTest, RejectsBadUrls) {
  for (const char* url : {"", "mysql://host/db", "sqlite://host/x.db",
                          ":memory:", "sqlite::memory:", "sqlite:", "sqlite:x.db?mode=ro"}) {
    auto s = OpenStore(url);
    ASSERT_FALSE(s.ok()) << url;
    EXPECT_EQ(s.error().code(), StatusCode::kInvalidArgument) << url << ": " << s.error();
  }
}

TEST(OpenStoreTest, AcceptsPathsAndCreatesParentDirectories) {
  TempDir dir;
  auto plain = OpenStore(dir.File("a/b/plain.db"));
  ASSERT_TRUE(plain.ok()) << plain.error();
  EXPECT_TRUE(std::filesystem::exists(dir.File("a/b/plain.db")));
  auto abs = OpenStore("sqlite://" + dir.File("c/abs.db"));
  ASSERT_TRUE(abs.ok()) << abs.error();
  EXPECT_TRUE(std::filesystem::exists(dir.File("c/abs.db")));
  std::string rel =
      std::filesystem::relative(dir.File("d/rel.db"), std::filesystem::current_path()).string();
  auto relative = OpenStore("sqlite:" + rel);
  ASSERT_TRUE(relative.ok()) << relative.error();
  EXPECT_TRUE(std::filesystem::exists(dir.File("d/rel.db")));
}

TEST(OpenStoreTest, UnreachablePostgresIsUnavailable) {
  auto s = OpenStore("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), StatusCode::kUnavailable) << s.error();
}

TEST(SqlLayerTest, RewritesPlaceholdersOutsideLiterals) {
  EXPECT_EQ(sql::RewritePlaceholders("SELECT $1, '$2', \"$3\", 'it''s $4', $10"),
            "SELECT ?1, '$2', \"$3\", 'it''s $4', ?10");
}

}  // namespace
}  // namespace leitplanke::store
