// Measures the desk's store: the ingest rate (batches of inbound messages,
// a mix of new conversations and replies) and the inbox list query on the
// resulting database. Not a test: it prints numbers.
//
//   desk_store_bench [--postgres] [--url URL] [--messages N] [--batch B] [--queries Q]
//
// Without --url it uses a temp SQLite file; --postgres creates a database on
// the server named by LP_TEST_POSTGRES_URL (scripts/with-postgres).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "leitplanke/store/store.h"

#include "store/sql/postgres/pg_connection.h"
#include "store/sql/sqlite/sqlite_connection.h"
#include "test_support.h"

namespace leitplanke::store {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::string Name(const char* prefix, int64_t i, const char* suffix = "") {
  std::string out(prefix);
  out += std::to_string(i);
  out += suffix;
  return out;
}

struct Options {
  std::string url;
  bool postgres = false;
  int64_t messages = 20000;
  int batch = 100;
  int queries = 200;
};

int Fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
  return 1;
}

Status RawExec(const std::string& url, bool postgres, const std::string& sql) {
  if (postgres) {
    LP_ASSIGN_OR_RETURN(auto conn, sql::PgConnection::Open(url));
    return conn->Exec(sql);
  }
  LP_ASSIGN_OR_RETURN(auto conn, sql::SqliteConnection::Open(url.substr(9)));  // "sqlite://"
  return conn->Exec(sql);
}

int Run(const Options& opt) {
  auto opened = OpenStore(opt.url);
  if (!opened.ok()) return Fail(opened.error());
  Store& store = **opened;
  DeskStore& desk = store.desk();
  auto team = store.CreateTeam(Team{0, "care", 0});
  if (!team.ok()) return Fail(team.error());
  std::vector<int64_t> agents;
  for (int i = 0; i < 20; ++i) {
    User u;
    u.username = Name("agent", i);
    u.display_name = u.username;
    auto user = store.CreateUser(u);
    if (!user.ok()) return Fail(user.error());
    (void)store.SetTeamMember(TeamMember{team->id, user->id, false});
    agents.push_back(user->id);
  }
  ChannelRow ch;
  ch.name = "mail";
  ch.kind = "email";
  ch.team_id = team->id;
  auto channel = desk.CreateChannel(ch);
  if (!channel.ok()) return Fail(channel.error());

  // One in five messages starts a conversation, the others answer a recent
  // message (in_reply_to); 50,000 distinct customers.
  std::mt19937_64 rng(42);
  const std::string body =
      "Hallo, ich habe am Montag eine Bestellung aufgegeben und bis heute keine Versandbestätigung "
      "erhalten. Können Sie bitte nachsehen, wo das Paket bleibt? Danke und viele Grüße";
  const int64_t t0 = 1767225600000;
  int64_t ingested = 0;
  double ingest_seconds = 0;
  std::vector<double> batch_ms;
  for (int64_t start = 0; start < opt.messages; start += opt.batch) {
    std::vector<IngestItem> items;
    for (int64_t i = start; i < std::min<int64_t>(opt.messages, start + opt.batch); ++i) {
      IngestItem item;
      item.message.external_id = Name("<m", i, "@mail.example>");
      item.message.author = Name("customer", static_cast<int64_t>(rng() % 50000), "@example.com");
      item.message.body = body;
      item.message.subject = "Bestellung";
      item.message.language = "de";
      if (i > 0 && rng() % 5 != 0) {
        int64_t back = 1 + static_cast<int64_t>(rng() % std::min<int64_t>(i, 2000));
        item.message.in_reply_to = Name("<m", i - back, "@mail.example>");
      }
      item.received_at = t0 + i * 100;
      items.push_back(std::move(item));
    }
    auto begin = Clock::now();
    auto out = desk.Ingest(channel->id, items, Name("cursor-", start));
    double s = Seconds(begin);
    if (!out.ok()) return Fail(out.error());
    ingest_seconds += s;
    batch_ms.push_back(s * 1000);
    ingested += static_cast<int64_t>(items.size());
    if ((start / opt.batch) % 500 == 499) {
      std::fprintf(stderr, "  %lld messages, %.0f msgs/s so far\n",
                   static_cast<long long>(ingested),
                   static_cast<double>(ingested) / ingest_seconds);
    }
  }
  std::sort(batch_ms.begin(), batch_ms.end());
  std::printf(
      "backend %s: ingested %lld messages in batches of %d: %.0f msgs/s (batch p50 %.1f ms, "
      "p99 %.1f ms)\n",
      std::string(store.backend()).c_str(), static_cast<long long>(ingested), opt.batch,
      static_cast<double>(ingested) / ingest_seconds, batch_ms[batch_ms.size() / 2],
      batch_ms[batch_ms.size() * 99 / 100]);

  // A realistic state mix for the query: most conversations resolved, some
  // pending, the rest new/open; three in four assigned.
  Status mixed = RawExec(
      opt.url, opt.postgres,
      "UPDATE conversations SET state = CASE WHEN id % 100 < 85 THEN 3 WHEN id % 100 < 92 THEN 2 "
      "WHEN id % 100 < 96 THEN 1 ELSE 0 END, assignee_id = CASE WHEN id % 4 = 0 THEN 0 ELSE " +
          std::to_string(agents.front()) +
          " + id % 20 END; INSERT INTO conversation_tags (conversation_id, tag, team_id, "
          "last_message_at) SELECT id, 'vip', team_id, last_message_at FROM conversations "
          "WHERE id % 50 = 7;" +
          "ANALYZE");
  if (!mixed.ok()) return Fail(mixed);

  struct Case {
    const char* name;
    InboxQuery query;
  };
  const int64_t agent = agents[5];
  std::vector<Case> cases = {
      {"team, new+open",
       {.team_id = team->id, .states = {ConversationState::kNew, ConversationState::kOpen}}},
      {"team, pending", {.team_id = team->id, .states = {ConversationState::kPendingCustomer}}},
      {"team, resolved", {.team_id = team->id, .states = {ConversationState::kResolved}}},
      {"team, all states", {.team_id = team->id}},
      {"team, unassigned, new+open",
       {.team_id = team->id,
        .states = {ConversationState::kNew, ConversationState::kOpen},
        .assignee_id = 0}},
      {"agent, new+open+pending",
       {.states = {ConversationState::kNew, ConversationState::kOpen,
                   ConversationState::kPendingCustomer},
        .assignee_id = agent}},
      {"agent, all states", {.assignee_id = agent}},
      {"team, tag vip", {.team_id = team->id, .tag = "vip"}},
      {"everything", {}},
  };
  for (const Case& c : cases) {
    std::vector<double> ms;
    size_t rows = 0;
    for (int i = 0; i < opt.queries; ++i) {
      InboxQuery q = c.query;
      q.limit = 50;
      auto begin = Clock::now();
      auto page = desk.ListInbox(q);
      if (!page.ok()) return Fail(page.error());
      // Every other run fetches the next page by keyset.
      if (i % 2 == 1 && !page->empty()) {
        q.before_last_message_at = page->back().conversation.last_message_at;
        q.before_id = page->back().conversation.id;
        auto next = desk.ListInbox(q);
        if (!next.ok()) return Fail(next.error());
      }
      ms.push_back(Seconds(begin) * 1000 / (i % 2 == 1 ? 2 : 1));
      rows = page->size();
    }
    std::sort(ms.begin(), ms.end());
    std::printf("  inbox %-28s %2zu rows  p50 %6.2f ms  p99 %6.2f ms\n", c.name, rows,
                ms[ms.size() / 2], ms[ms.size() * 99 / 100]);
  }

  // Message retention over the resolved ones (85 %): the first run empties
  // them, the hourly run after it finds nothing.
  Status resolved =
      RawExec(opt.url, opt.postgres,
              "UPDATE conversations SET resolved_at = last_message_at WHERE state = 3; ANALYZE");
  if (!resolved.ok()) return Fail(resolved);
  const int64_t after_all = t0 + opt.messages * 100 + 1;
  for (const char* run : {"first", "next"}) {
    auto begin = Clock::now();
    auto purged = desk.PurgeConversations(after_all, after_all);
    double s = Seconds(begin);
    if (!purged.ok()) return Fail(purged.error());
    std::printf(
        "  retention, %s run: %lld conversations, %lld messages, %lld event details, %lld "
        "contacts, %lld dead letters, %lld webhook event ids in %.2f s\n",
        run, static_cast<long long>(purged->conversations),
        static_cast<long long>(purged->messages), static_cast<long long>(purged->event_details),
        static_cast<long long>(purged->contacts_anonymised),
        static_cast<long long>(purged->dead_letters),
        static_cast<long long>(purged->webhook_events), s);
  }
  return 0;
}

}  // namespace
}  // namespace leitplanke::store

int main(int argc, char** argv) {
  using leitplanke::store::Options;
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--postgres") {
      opt.postgres = true;
    } else if (a == "--url") {
      opt.url = value();
    } else if (a == "--messages") {
      opt.messages = std::atoll(value().c_str());
    } else if (a == "--batch") {
      opt.batch = std::atoi(value().c_str());
    } else if (a == "--queries") {
      opt.queries = std::atoi(value().c_str());
    } else {
      std::fprintf(stderr,
                   "usage: %s [--postgres] [--url URL] [--messages N] [--batch B] [--queries Q]\n",
                   argv[0]);
      return 2;
    }
  }
  if (opt.messages <= 0 || opt.batch <= 0 || opt.queries <= 0) {
    std::fprintf(stderr, "--messages, --batch and --queries must be positive\n");
    return 2;
  }
  leitplanke::store::testing::TempDir dir;
  std::unique_ptr<leitplanke::store::testing::PgTestDatabase> pg;
  if (opt.postgres && opt.url.empty()) {
    pg = std::make_unique<leitplanke::store::testing::PgTestDatabase>();
    if (!pg->available() || !pg->error().empty()) {
      std::fprintf(stderr, "--postgres needs LP_TEST_POSTGRES_URL (scripts/with-postgres): %s\n",
                   pg->error().c_str());
      return 2;
    }
    opt.url = pg->url();
  }
  if (opt.url.empty()) opt.url = "sqlite://" + dir.File("bench/store.db");
  opt.postgres = opt.url.rfind("postgres", 0) == 0;
  return leitplanke::store::Run(opt);
}
