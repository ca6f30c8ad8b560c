// Kills a process that queues and sends replies (SIGKILL at random moments),
// then drains the outbox in a new process, and checks the promise of the
// outbox: every reply that was accepted is delivered, and none twice.
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "leitplanke/store/store.h"

#include "../store/test_support.h"

namespace leitplanke::desk {
namespace {

// Runs the worker; in "queue" mode kills it after `kill_after` lines of
// output. Returns the keys it reported as queued.
std::set<std::string> RunWorker(const std::string& db, const std::string& wire,
                                const std::string& mode, int kill_after) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execl(LP_DESK_OUTBOX_WORKER, LP_DESK_OUTBOX_WORKER, db.c_str(), wire.c_str(), mode.c_str(),
          "40", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  FILE* out = fdopen(fds[0], "r");
  std::set<std::string> queued;
  char line[512];
  int seen = 0;
  bool killed = false;
  while (std::fgets(line, sizeof line, out) != nullptr) {
    std::string l(line);
    if (!l.empty() && l.back() == '\n') l.pop_back();
    if (l.rfind("queued ", 0) == 0) queued.insert(l.substr(7));
    if (kill_after > 0 && ++seen == kill_after) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
  }
  std::fclose(out);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!killed) {
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << mode << " status " << status;
  }
  return queued;
}

TEST(DeskOutboxCrashTest, AcceptedRepliesAreSentExactlyOnceAcrossKills) {
  store::testing::TempDir dir;
  const std::string db = dir.File("desk.db");
  const std::string wire = dir.File("wire.txt");
  std::mt19937 rng(20261128);
  std::set<std::string> accepted;
  for (int round = 0; round < 6; ++round) {
    std::set<std::string> q = RunWorker(db, wire, "queue", 1 + static_cast<int>(rng() % 50));
    accepted.insert(q.begin(), q.end());
  }
  RunWorker(db, wire, "drain", 0);

  std::map<std::string, int> delivered;
  std::ifstream in(wire);
  for (std::string line; std::getline(in, line);) ++delivered[line];
  ASSERT_FALSE(accepted.empty());
  for (const std::string& key : accepted) {
    EXPECT_EQ(delivered[key], 1) << key << " was accepted but delivered " << delivered[key]
                                 << " times";
  }
  for (const auto& [key, n] : delivered) EXPECT_EQ(n, 1) << key << " delivered twice";

  // The store agrees: nothing is left in the outbox unsent.
  auto st = store::OpenStore(db);
  ASSERT_TRUE(st.ok());
  auto ch = (*st)->desk().FindChannel("wire");
  ASSERT_TRUE(ch.ok());
  store::InboxQuery q;
  q.limit = 200;
  auto rows = (*st)->desk().ListInbox(q);
  ASSERT_TRUE(rows.ok());
  size_t replies = 0;
  for (const auto& r : *rows) {
    auto msgs = (*st)->desk().ListMessages(r.conversation.id);
    ASSERT_TRUE(msgs.ok());
    for (const auto& m : *msgs) {
      if (m.direction != store::MessageDirection::kOutbound) continue;
      ++replies;
      EXPECT_EQ(m.delivery, store::DeliveryState::kSent) << "message " << m.id;
    }
  }
  EXPECT_EQ(replies, delivered.size());
}

}  // namespace
}  // namespace leitplanke::desk
