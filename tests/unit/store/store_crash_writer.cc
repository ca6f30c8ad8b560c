// Helper for store_crash_test: opens a SQLite store and writes users and
// audit entries in a loop until killed, printing the number of completed
// user+audit pairs after each one. On start it first appends the audit entry
// a previous run may have been killed before writing.
#include <cstdio>
#include <string>

#include "leitplanke/store/store.h"

#include "test_support.h"

using leitplanke::store::AuditEntry;
using leitplanke::store::OpenStore;
using leitplanke::store::User;
using leitplanke::store::testing::TestHash;

namespace {

bool AppendFor(leitplanke::store::Store& store, int64_t n) {
  AuditEntry e;
  e.actor = "system";
  e.action = "user_create";
  e.target = "user" + std::to_string(n);
  e.detail = "{\"n\":" + std::to_string(n) + "}";
  auto r = store.AppendAudit(e, TestHash);
  if (!r.ok()) std::fprintf(stderr, "append: %s\n", r.error().ToString().c_str());
  return r.ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DB_PATH\n", argv[0]);
    return 2;
  }
  auto store = OpenStore(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.error().ToString().c_str());
    return 1;
  }
  auto users = (*store)->CountUsers();
  auto audit = (*store)->ListAudit(1, 1'000'000);
  if (!users.ok() || !audit.ok()) return 1;
  for (int64_t n = static_cast<int64_t>(audit->size()) + 1; n <= *users; ++n) {
    if (!AppendFor(**store, n)) return 1;
  }
  for (int64_t n = *users + 1;; ++n) {
    User u;
    u.username = "user" + std::to_string(n);
    u.display_name = std::string(200, 'x');  // rows that span more than a few bytes
    u.password_hash = "hash";
    u.roles = {"agent", "publisher"};
    auto r = (*store)->CreateUser(u);
    if (!r.ok()) {
      std::fprintf(stderr, "create: %s\n", r.error().ToString().c_str());
      return 1;
    }
    if (!AppendFor(**store, n)) return 1;
    std::printf("%lld\n", static_cast<long long>(n));
    std::fflush(stdout);
  }
}
