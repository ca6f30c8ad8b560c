// Measures the desk's inbound path end to end: Desk::Receive validates,
// threads and stores a batch, then routes the team's unassigned work
// (least-loaded with language matching over 20 agents). Not a test: it
// prints numbers.
//
//   desk_ingest_bench [--postgres] [--url URL] [--messages N] [--batch B]
//                     [--routing least_loaded|round_robin|manual] [--threads T]
//
// --threads T: T channels received in parallel, one thread each.
//
// Without --url it uses a temp SQLite file; --postgres creates a database on
// the server named by LP_TEST_POSTGRES_URL (scripts/with-postgres).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "leitplanke/desk/desk.h"
#include "leitplanke/store/store.h"

#include "../store/test_support.h"

namespace leitplanke::desk {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string Name(const char* prefix, int64_t i, const char* suffix = "") {
  std::string out(prefix);
  out += std::to_string(i);
  out += suffix;
  return out;
}

class NullChannel final : public Channel {
 public:
  std::string_view kind() const override { return "null"; }
  Result<std::string> Render(const OutboundMessage& m) const override { return m.text; }
  Result<PollResult> Poll(std::string_view) override { return PollResult{}; }
  Result<SendReceipt> Send(const OutboundMessage&) override { return SendReceipt{"x"}; }
};

int Fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
  return 1;
}

int Run(const std::string& url, int64_t messages, int batch, const std::string& routing,
        int threads) {
  auto opened = store::OpenStore(url);
  if (!opened.ok()) return Fail(opened.error());
  store::Store& st = **opened;
  FakeClock clock(1'767'225'600'000);
  Desk desk(st, clock, [](std::string_view, const guard::CheckOptions&) {
    return Result<guard::Verdict>(guard::Verdict{});
  });
  desk.RegisterChannelKind("null", [](const ChannelConfig&) {
    return Result<std::unique_ptr<Channel>>(std::make_unique<NullChannel>());
  });
  auto team = st.CreateTeam({0, "care", 0});
  if (!team.ok()) return Fail(team.error());
  for (int i = 0; i < 20; ++i) {
    store::User u;
    u.username = Name("agent", i);
    u.display_name = u.username;
    auto user = st.CreateUser(u);
    if (!user.ok()) return Fail(user.error());
    (void)st.SetTeamMember({team->id, user->id, false});
    store::AgentDeskState a;
    a.user_id = user->id;
    a.available = true;
    a.languages =
        i % 4 == 0 ? std::vector<std::string>{"en"} : std::vector<std::string>{"de", "en"};
    if (Status s = st.desk().PutAgentDeskState(a); !s.ok()) return Fail(s);
  }
  store::TeamDeskSettings settings;
  settings.team_id = team->id;
  settings.routing_mode = routing;
  if (Status s = st.desk().PutTeamDeskSettings(settings); !s.ok()) return Fail(s);
  // One channel per stream: channels ingest in parallel (a batch locks its
  // channel row), as several connectors or webhook senders do.
  std::vector<int64_t> channels;
  for (int t = 0; t < threads; ++t) {
    store::ChannelRow ch;
    ch.name = Name("inbound-", t);
    ch.kind = "null";
    ch.team_id = team->id;
    auto channel = st.desk().CreateChannel(ch);
    if (!channel.ok()) return Fail(channel.error());
    channels.push_back(channel->id);
  }

  // One in five messages starts a conversation, the others answer a recent
  // one of the same stream; 50,000 distinct customers; German and English.
  const std::string de =
      "Hallo, ich habe am Montag eine Bestellung aufgegeben und bis heute keine Versandbestätigung "
      "erhalten. Können Sie bitte nachsehen, wo das Paket bleibt? Danke und viele Grüße";
  const std::string en =
      "Hi, I ordered on Monday and still have no shipping confirmation. Could you please check "
      "where my parcel is? Thanks";
  std::mutex mu;
  int64_t done = 0, assigned = 0;
  std::vector<double> batch_ms;
  Status failed = Status::Ok();
  auto stream = [&](int t) {
    std::mt19937_64 rng(42 + static_cast<uint64_t>(t));
    const int64_t per = messages / threads;
    for (int64_t start = 0; start < per; start += batch) {
      std::vector<InboundMessage> in;
      for (int64_t i = start; i < std::min<int64_t>(per, start + batch); ++i) {
        InboundMessage m;
        m.external_id = Name("<m", i, ".") + Name("s", t, "@mail.example>");
        m.author_handle = Name("customer", static_cast<int64_t>(rng() % 50000), "@example.com");
        m.text = i % 3 == 0 ? en : de;
        if (i > 0 && rng() % 5 != 0) {
          int64_t back = 1 + static_cast<int64_t>(rng() % std::min<int64_t>(i, 2000));
          m.in_reply_to = Name("<m", i - back, ".") + Name("s", t, "@mail.example>");
        }
        in.push_back(std::move(m));
      }
      clock.Advance(1000);
      const size_t n = in.size();
      auto begin = SteadyClock::now();
      auto report = desk.Receive(channels[static_cast<size_t>(t)], std::move(in),
                                 Name("cursor-", start), "bench");
      double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - begin).count();
      std::lock_guard<std::mutex> lock(mu);
      if (!report.ok()) {
        failed = report.error();
        return;
      }
      batch_ms.push_back(ms);
      done += static_cast<int64_t>(n);
      assigned += static_cast<int64_t>(report->assigned);
    }
  };
  auto begin = SteadyClock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(stream, t);
  for (std::thread& th : pool) th.join();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - begin).count();
  if (!failed.ok()) return Fail(failed);
  std::sort(batch_ms.begin(), batch_ms.end());
  std::printf(
      "backend %s: received %lld messages in batches of %d on %d channel(s) in parallel "
      "(validated, threaded, stored, routed): %.0f msgs/s (batch p50 %.1f ms, p99 %.1f ms); "
      "%lld assignments\n",
      std::string(st.backend()).c_str(), static_cast<long long>(done), batch, threads,
      static_cast<double>(done) / seconds, batch_ms[batch_ms.size() / 2],
      batch_ms[batch_ms.size() * 99 / 100], static_cast<long long>(assigned));
  return 0;
}

}  // namespace
}  // namespace leitplanke::desk

int main(int argc, char** argv) {
  std::string url;
  bool postgres = false;
  int64_t messages = 50000;
  int batch = 100;
  std::string routing = "least_loaded";
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--postgres") {
      postgres = true;
    } else if (a == "--url") {
      url = value();
    } else if (a == "--messages") {
      messages = std::atoll(value().c_str());
    } else if (a == "--threads") {
      threads = std::atoi(value().c_str());
    } else if (a == "--routing") {
      routing = value();
    } else if (a == "--batch") {
      batch = std::atoi(value().c_str());
    } else {
      std::fprintf(stderr,
                   "usage: %s [--postgres] [--url URL] [--messages N] [--batch B] [--routing MODE] "
                   "[--threads T]\n",
                   argv[0]);
      return 2;
    }
  }
  if (messages <= 0 || batch <= 0 || threads <= 0) {
    std::fprintf(stderr, "--messages, --batch and --threads must be positive\n");
    return 2;
  }
  leitplanke::store::testing::TempDir dir;
  std::unique_ptr<leitplanke::store::testing::PgTestDatabase> pg;
  if (postgres && url.empty()) {
    pg = std::make_unique<leitplanke::store::testing::PgTestDatabase>();
    if (!pg->available() || !pg->error().empty()) {
      std::fprintf(stderr, "--postgres needs LP_TEST_POSTGRES_URL (scripts/with-postgres): %s\n",
                   pg->error().c_str());
      return 2;
    }
    url = pg->url();
  }
  if (url.empty()) url = "sqlite://" + dir.File("bench/desk.db");
  return leitplanke::desk::Run(url, messages, batch, routing, threads);
}
