// The audit chain, tampered with directly in the SQLite file.
#include "leitplanke/trust/audit.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "test_env.h"

namespace leitplanke::trust {
namespace {

class AuditTest : public testing::TrustEnv {
 protected:
  void SetUp() override {
    TrustEnv::SetUp();
    for (int i = 1; i <= 6; ++i) {
      clock_.AdvanceSeconds(1);
      auto e = audit_->Append("user:alice", "action" + std::to_string(i), "target",
                              "{\"n\":" + std::to_string(i) + "}", "10.0.0.1");
      ASSERT_TRUE(e.ok()) << e.error();
      ASSERT_EQ(e->seq, i);
    }
  }

  // Runs SQL against the database file behind the store's back.
  void Tamper(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message << " in " << sql;
  }

  // Inserts a well-formed entry (correct own hash) at `seq`, linked to the
  // entry before it, as an attacker who knows the algorithm would.
  void InsertForged(int64_t seq) {
    auto before = store_->ListAudit(seq - 1, 1);
    ASSERT_TRUE(before.ok());
    ASSERT_EQ(before->size(), 1u);
    store::AuditEntry forged;
    forged.seq = seq;
    forged.at = (*before)[0].at + 1;
    forged.actor = "user:mallory";
    forged.action = "role_change";
    forged.target = "user:mallory";
    forged.detail = "{}";
    forged.address = "";
    forged.prev_hash = (*before)[0].hash;
    forged.content_hash = AuditContentHash(forged);
    forged.hash = AuditHash(forged);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(
        sqlite3_prepare_v2(db,
                           "INSERT INTO audit_log (seq, at, actor, action, target, detail, "
                           "address, prev_hash, hash, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                           -1, &stmt, nullptr),
        SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_bind_int64(stmt, 1, forged.seq);
    sqlite3_bind_int64(stmt, 2, forged.at);
    sqlite3_bind_text(stmt, 3, forged.actor.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 4, forged.action.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 5, forged.target.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 6, forged.detail.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 7, forged.address.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(stmt, 8, forged.prev_hash.data(), static_cast<int>(forged.prev_hash.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_blob(stmt, 9, forged.hash.data(), static_cast<int>(forged.hash.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_blob(stmt, 10, forged.content_hash.data(),
                      static_cast<int>(forged.content_hash.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE) << sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }

  AuditVerifyReport Verify(int64_t page_size = 1000) {
    auto report = audit_->Verify(page_size);
    EXPECT_TRUE(report.ok()) << report.error();
    return report.ok() ? *report : AuditVerifyReport{};
  }

  // Verification fails with `kind`, first at entry `seq`; the report.
  AuditVerifyReport ExpectTamper(AuditTamperKind kind, int64_t seq) {
    AuditVerifyReport r = Verify();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, kind) << r.message;
    EXPECT_EQ(r.first_bad_seq, seq) << r.message;
    return r;
  }
};

TEST_F(AuditTest, IntactLogVerifies) {
  for (int64_t page : {1, 2, 4, 1000}) {
    AuditVerifyReport r = Verify(page);
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_EQ(r.entries_checked, 6);
    EXPECT_EQ(r.first_bad_seq, 0);
    EXPECT_EQ(r.kind, AuditTamperKind::kNone);
    EXPECT_EQ(r.last_seq, 6);
  }
  auto all = store_->ListAudit(1, 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Verify().last_hash, all->back().hash);
  EXPECT_EQ((*all)[0].prev_hash, "");
  EXPECT_EQ((*all)[1].prev_hash, (*all)[0].hash);
  EXPECT_EQ((*all)[2].at, 1'700'000'003'000);
}

TEST_F(AuditTest, EditedEntry) {
  Tamper("UPDATE audit_log SET detail = '{\"n\":99}' WHERE seq = 3");
  AuditVerifyReport r = ExpectTamper(AuditTamperKind::kEdited, 3);
  EXPECT_EQ(r.entries_checked, 2);
  EXPECT_EQ(r.message, "entry 3 was edited: its content does not match its hash");
}

TEST_F(AuditTest, DeletedEntry) {
  Tamper("DELETE FROM audit_log WHERE seq = 3");
  AuditVerifyReport r = Verify(2);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.kind, AuditTamperKind::kDeleted);
  EXPECT_EQ(r.first_bad_seq, 3);
  EXPECT_EQ(r.message, "entry 3 is missing (deleted)");
}

TEST_F(AuditTest, DeletedFirstEntries) {
  Tamper("DELETE FROM audit_log WHERE seq <= 2");
  AuditVerifyReport r = Verify();
  EXPECT_EQ(r.kind, AuditTamperKind::kDeleted);
  EXPECT_EQ(r.first_bad_seq, 1);
  EXPECT_EQ(r.message, "entries 1 to 2 are missing (deleted)");
}

TEST_F(AuditTest, DeletedEntryAndLaterOnesRenumbered) {
  Tamper("DELETE FROM audit_log WHERE seq = 3; UPDATE audit_log SET seq = seq - 1 WHERE seq > 3");
  AuditVerifyReport r = ExpectTamper(AuditTamperKind::kDeleted, 3);
  EXPECT_EQ(r.message,
            "original entry 3 was deleted and the later entries renumbered (entry 3 is the "
            "original entry 4)");
}

TEST_F(AuditTest, ReorderedEntries) {
  Tamper(
      "UPDATE audit_log SET seq = -3 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; "
      "UPDATE audit_log SET seq = 4 WHERE seq = -3");
  AuditVerifyReport r = ExpectTamper(AuditTamperKind::kReordered, 3);
  EXPECT_EQ(r.message, "entry 3 was moved: it is entry 4 of the original log (entries reordered)");
}

TEST_F(AuditTest, InsertedEntryWithLaterOnesRenumbered) {
  Tamper(
      "UPDATE audit_log SET seq = -seq WHERE seq >= 3; UPDATE audit_log SET seq = 1 - seq WHERE "
      "seq < 0");
  InsertForged(3);
  AuditVerifyReport r = ExpectTamper(AuditTamperKind::kInserted, 3);
  EXPECT_EQ(r.message, "entry 3 was inserted (entry 4 is the original entry 3)");
}

TEST_F(AuditTest, InsertedEntryWithoutRenumberingLinksPast) {
  // The forger overwrites entry 3 with a well-hashed one: entry 4 then
  // links to an entry that is no longer there.
  Tamper("DELETE FROM audit_log WHERE seq = 3");
  InsertForged(3);
  AuditVerifyReport r = ExpectTamper(AuditTamperKind::kDeleted, 4);
  EXPECT_EQ(r.message,
            "entry 4 does not link to entry 3: the entry it followed is gone (deleted, or "
            "replaced and re-hashed)");
}

TEST_F(AuditTest, TruncatedTailIsVisibleOnlyInTheHead) {
  // Without an external anchor a cut tail looks like a shorter log; the
  // report's head says how far the chain goes.
  Tamper("DELETE FROM audit_log WHERE seq >= 5");
  AuditVerifyReport r = Verify();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.last_seq, 4);
}

// --- retention -------------------------------------------------------------------------

constexpr Millis kEntry4At = 1'700'000'004'000;  // entries are a second apart from ...001'000

TEST_F(AuditTest, PurgedEntriesStillVerify) {
  auto purged = store_->PurgeAudit(kEntry4At, kEntry4At + 99);
  ASSERT_TRUE(purged.ok()) << purged.error();
  EXPECT_EQ(*purged, 3);
  EXPECT_EQ(*store_->PurgeAudit(kEntry4At, kEntry4At + 100), 0);  // purged once
  auto all = store_->ListAudit(1, 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].actor, "");
  EXPECT_EQ((*all)[0].target, "");
  EXPECT_EQ((*all)[0].detail, "{}");
  EXPECT_EQ((*all)[0].address, "");
  EXPECT_EQ((*all)[0].action, "action1");
  EXPECT_EQ((*all)[0].purged_at, kEntry4At + 99);
  EXPECT_EQ((*all)[3].actor, "user:alice");
  EXPECT_EQ((*all)[3].purged_at, 0);
  AuditVerifyReport r = Verify(2);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.entries_checked, 6);
  EXPECT_EQ(r.purged, 3);
  EXPECT_EQ(r.purged_first_seq, 1);
  EXPECT_EQ(r.purged_last_seq, 3);
  EXPECT_EQ(r.last_hash, all->back().hash);
}

TEST_F(AuditTest, EditedEntryAfterAPurgeIsDetected) {
  ASSERT_EQ(*store_->PurgeAudit(kEntry4At, kEntry4At), 3);
  Tamper("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 5");
  AuditVerifyReport r = ExpectTamper(AuditTamperKind::kEdited, 5);
  EXPECT_EQ(r.purged, 3);
}

TEST_F(AuditTest, DeletedPurgedEntryIsDetected) {
  ASSERT_EQ(*store_->PurgeAudit(kEntry4At, kEntry4At), 3);
  Tamper("DELETE FROM audit_log WHERE seq = 2");
  ExpectTamper(AuditTamperKind::kDeleted, 2);
}

TEST_F(AuditTest, EditedTimeOrActionOfAPurgedEntryIsDetected) {
  ASSERT_EQ(*store_->PurgeAudit(kEntry4At, kEntry4At), 3);
  Tamper("UPDATE audit_log SET at = at + 1 WHERE seq = 2");
  EXPECT_EQ(Verify().first_bad_seq, 2);
  Tamper(
      "UPDATE audit_log SET at = at - 1 WHERE seq = 2; UPDATE audit_log SET action = 'x' "
      "WHERE seq = 3");
  AuditVerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 3);
}

TEST_F(AuditTest, AFakePurgeDoesNotHideAnEdit) {
  // Marking an entry purged skips its content check only when its content
  // is really gone.
  Tamper("UPDATE audit_log SET purged_at = 1, detail = '{\"n\":99}' WHERE seq = 4");
  ExpectTamper(AuditTamperKind::kEdited, 4);
}

TEST_F(AuditTest, AnEntryStrippedOfItsContentHashIsDetected) {
  Tamper("UPDATE audit_log SET content_hash = '' WHERE seq = 4");
  ExpectTamper(AuditTamperKind::kEdited, 4);
}

// A log written before schema v6: one hash over all fields, no content hash.
class LegacyAuditTest : public AuditTest {
 protected:
  void SetUp() override {
    AuditTest::SetUp();
    auto all = store_->ListAudit(1, 10);
    ASSERT_TRUE(all.ok());
    std::string prev;
    std::string sql;
    for (store::AuditEntry e : *all) {
      e.content_hash.clear();
      e.prev_hash = prev;
      e.hash = AuditHash(e);
      prev = e.hash;
      sql += "UPDATE audit_log SET content_hash = '', prev_hash = '" + e.prev_hash + "', hash = '" +
             e.hash + "' WHERE seq = " + std::to_string(e.seq) + ";";
    }
    Tamper(sql);
  }
};

TEST_F(LegacyAuditTest, OldEntriesVerifyPurgedOrNotAndNewOnesFollow) {
  AuditVerifyReport r = Verify();
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.purged, 0);
  ASSERT_EQ(*store_->PurgeAudit(kEntry4At, kEntry4At), 3);
  clock_.AdvanceSeconds(1);
  ASSERT_TRUE(audit_->Append("user:bob", "login", "user:bob").ok());
  r = Verify();
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.entries_checked, 7);
  EXPECT_EQ(r.purged, 3);
  EXPECT_EQ(store_->ListAudit(7, 1)->front().prev_hash, store_->ListAudit(6, 1)->front().hash);
}

TEST_F(LegacyAuditTest, EditedOrDeletedOldEntriesAreDetected) {
  ASSERT_EQ(*store_->PurgeAudit(kEntry4At, kEntry4At), 3);
  Tamper("UPDATE audit_log SET detail = '{}' WHERE seq = 5");
  AuditVerifyReport edited = Verify();
  EXPECT_EQ(edited.kind, AuditTamperKind::kEdited);
  EXPECT_EQ(edited.first_bad_seq, 5);
  Tamper(
      "UPDATE audit_log SET detail = '{\"n\":5}' WHERE seq = 5; DELETE FROM audit_log "
      "WHERE seq = 2");
  AuditVerifyReport deleted = Verify();
  EXPECT_EQ(deleted.kind, AuditTamperKind::kDeleted);
  EXPECT_EQ(deleted.first_bad_seq, 2);
}

TEST_F(LegacyAuditTest, MigrationToSchemaSixKeepsOldEntriesVerifiable) {
  // Back to the schema v5 table (no content_hash, no purged_at), then open
  // the file again: the migration adds the columns, the old hashes stay.
  accounts_.reset();
  throttle_.reset();
  audit_.reset();
  vault_.reset();
  store_.reset();
  // (Schema v7, the media files, is undone first: migrations apply in order.)
  Tamper(
      "DROP TABLE media_files; DROP INDEX assets_sha256; ALTER TABLE assets DROP COLUMN sha256; "
      "ALTER TABLE assets DROP COLUMN size; ALTER TABLE assets DROP COLUMN width; ALTER TABLE "
      "assets DROP COLUMN height; ALTER TABLE assets DROP COLUMN alt_text; ALTER TABLE "
      "post_variants DROP COLUMN media; DROP INDEX dead_letters_created; "
      "DROP INDEX audit_log_unpurged; ALTER TABLE audit_log DROP COLUMN content_hash; ALTER "
      "TABLE audit_log DROP COLUMN purged_at; ALTER TABLE conversations DROP COLUMN purged_at; "
      "DELETE FROM schema_migrations WHERE version >= 6");
  auto reopened = store::OpenStore(db_path_);
  ASSERT_TRUE(reopened.ok()) << reopened.error();
  store_ = std::move(*reopened);
  EXPECT_EQ(store_->schema_version(), 7);
  audit_ = std::make_unique<AuditLog>(*store_, clock_);
  auto all = store_->ListAudit(1, 10);
  ASSERT_EQ(all->size(), 6u);
  EXPECT_EQ((*all)[0].content_hash, "");
  EXPECT_EQ((*all)[0].purged_at, 0);
  AuditVerifyReport r = Verify();
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.entries_checked, 6);
  clock_.AdvanceSeconds(1);
  ASSERT_TRUE(audit_->Append("user:bob", "login", "user:bob").ok());
  ASSERT_EQ(*store_->PurgeAudit(kEntry4At, kEntry4At), 3);
  r = Verify();
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.entries_checked, 7);
  EXPECT_EQ(r.purged, 3);
}

}  // namespace
}  // namespace leitplanke::trust
