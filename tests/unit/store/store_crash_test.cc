// Kills a writing process (SIGKILL) at random moments and checks that the
// SQLite store it left behind is consistent: integrity_check passes, every
// committed user has all its roles, the audit log is dense with an intact
// hash chain, and nothing reported as committed is lost.
#include <cstdio>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "leitplanke/store/store.h"

#include "store/sql/sqlite/sqlite_connection.h"
#include "test_support.h"

namespace leitplanke::store {
namespace {

using testing::TempDir;
using testing::TestHash;

// Starts the writer, lets it report `stop_after` commits, kills it. Returns
// the last commit number it reported.
int64_t RunAndKill(const std::string& db, int stop_after) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execl(LP_STORE_CRASH_WRITER, LP_STORE_CRASH_WRITER, db.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  FILE* out = fdopen(fds[0], "r");
  long long last = 0;
  long long n = 0;
  for (int seen = 0; seen < stop_after && std::fscanf(out, "%lld", &n) == 1; ++seen) last = n;
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  std::fclose(out);
  EXPECT_TRUE(WIFSIGNALED(status)) << "the writer exited by itself with status " << status;
  return last;
}

void CheckConsistent(const std::string& db, int64_t reported) {
  {
    auto conn = sql::SqliteConnection::Open(db);
    ASSERT_TRUE(conn.ok()) << conn.error();
    auto check = (*conn)->Query("PRAGMA integrity_check", {});
    ASSERT_TRUE(check.ok()) << check.error();
    EXPECT_EQ(check->rows.at(0).Text(0), "ok");
    // Every user has both roles: no user row committed without them.
    auto partial = (*conn)->Query(
        "SELECT COUNT(*) FROM users WHERE (SELECT COUNT(*) FROM user_roles WHERE user_id = "
        "users.id) <> 2",
        {});
    ASSERT_TRUE(partial.ok());
    EXPECT_EQ(partial->rows.at(0).Int(0), 0);
  }
  auto store = OpenStore(db);
  ASSERT_TRUE(store.ok()) << store.error();
  int64_t users = *(*store)->CountUsers();
  auto audit = (*store)->ListAudit(1, 1'000'000);
  ASSERT_TRUE(audit.ok());
  const auto count = static_cast<int64_t>(audit->size());
  EXPECT_GE(users, reported);  // what was reported committed is there
  // The kill may fall between a user and its audit entry, never elsewhere.
  EXPECT_TRUE(count == users || count == users - 1) << count << " vs " << users;
  std::string prev;
  for (int64_t i = 0; i < count; ++i) {
    const AuditEntry& e = (*audit)[static_cast<size_t>(i)];
    ASSERT_EQ(e.seq, i + 1);
    ASSERT_EQ(e.prev_hash, prev) << "seq " << e.seq;
    ASSERT_EQ(e.hash, TestHash(e)) << "seq " << e.seq;
    EXPECT_EQ(e.target, "user" + std::to_string(i + 1));
    prev = e.hash;
  }
}

TEST(StoreCrashTest, SigkillLeavesConsistentStore) {
  TempDir dir;
  const std::string db = dir.File("crash/store.db");
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> after(5, 120);
  int64_t reported = 0;
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int64_t last = RunAndKill(db, after(rng));
    ASSERT_GT(last, reported) << "the writer made no progress";
    reported = last;
    CheckConsistent(db, reported);
  }
}

}  // namespace
}  // namespace leitplanke::store
