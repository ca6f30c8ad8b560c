// Child process of desk_outbox_crash_test: queues replies and sends them
// through a channel that writes to a file, reporting each step on stdout
// ("queued <key>", "sent <n>") so the parent can kill it at any moment.
//
//   desk_outbox_worker <db> <wire file> queue <n>   ingest n messages, reply to each, send
//   desk_outbox_worker <db> <wire file> drain       send everything left
//
// The channel dedupes by idempotency key, as real channels do (Mastodon's
// Idempotency-Key, the widget's derived ids): a send repeated after a crash
// between "sent by the channel" and "confirmed in the store" is harmless.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include "leitplanke/desk/desk.h"
#include "leitplanke/guard/policy.h"

using namespace leitplanke;

namespace {

class FileChannel final : public desk::Channel {
 public:
  explicit FileChannel(std::string path) : path_(std::move(path)) {}
  std::string_view kind() const override { return "file"; }
  Result<std::string> Render(const desk::OutboundMessage& m) const override { return m.text; }
  Result<desk::PollResult> Poll(std::string_view c) override {
    return desk::PollResult{{}, std::string(c)};
  }
  Result<desk::SendReceipt> Send(const desk::OutboundMessage& m) override {
    std::ifstream in(path_);
    std::string line;
    while (std::getline(in, line)) {
      if (line == m.idempotency_key) return desk::SendReceipt{"wire-" + m.idempotency_key};
    }
    const std::string rec = m.idempotency_key + "\n";
    int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd < 0) return Status::Unavailable("cannot open wire file");
    bool ok = ::write(fd, rec.data(), rec.size()) == static_cast<ssize_t>(rec.size());
    ::fsync(fd);
    ::close(fd);
    if (!ok) return Status::Unavailable("short write");
    return desk::SendReceipt{"wire-" + m.idempotency_key};
  }

 private:
  std::string path_;
};

// Shifts the system clock so that claims left by a killed process have
// expired when the drain starts.
class ShiftedClock final : public Clock {
 public:
  explicit ShiftedClock(Millis shift) : shift_(shift) {}
  Millis NowMillis() const override { return SystemClock::Default().NowMillis() + shift_; }

 private:
  Millis shift_;
};

int Fail(const char* what, const Status& why) {
  std::cerr << what << ": " << why.ToString() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  const std::string db = argv[1], wire = argv[2], mode = argv[3];
  auto st = store::OpenStore(db);
  if (!st.ok()) {
    std::cerr << st.error().ToString() << "\n";
    return 1;
  }
  store::Store& store = **st;
  ShiftedClock clock(mode == "drain" ? 10 * 60'000 : 0);
  desk::DeskOptions options;
  options.instance_id = mode + ":" + std::to_string(getpid());
  options.outbox_lease_ms = 60'000;
  // The guard is not under test here: everything is allowed.
  desk::Desk d(
      store, clock,
      [](std::string_view, const guard::CheckOptions&) -> Result<guard::Verdict> {
        return guard::Verdict{};
      },
      options);
  d.RegisterChannelKind("file", [&wire](const desk::ChannelConfig&) {
    return Result<std::unique_ptr<desk::Channel>>(std::make_unique<FileChannel>(wire));
  });
  Result<store::ChannelRow> ch = store.desk().FindChannel("wire");
  if (!ch.ok()) {
    store::ChannelRow row;
    row.name = "wire";
    row.kind = "file";
    ch = store.desk().CreateChannel(row);
    if (!ch.ok()) return Fail("create channel", ch.error());
  }
  store::User agent;
  agent.id = 1;
  agent.username = "agent";
  agent.locale = "en";
  if (mode == "queue") {
    const int n = std::atoi(argv[4]);
    for (int i = 0; i < n; ++i) {
      desk::InboundMessage m;
      m.external_id = "in-" + std::to_string(getpid()) + "-" + std::to_string(i);
      m.author_handle = "customer@example.org";
      m.text = "Question " + std::to_string(i);
      auto r = d.Receive(ch->id, {m}, "", "test");
      if (!r.ok()) return Fail("receive", r.error());
      desk::ReplyRequest req;
      req.conversation_id = r->outcomes.at(0).conversation_id;
      req.agent = agent;
      req.text = "Answer " + std::to_string(i);
      req.idempotency_key = m.external_id + "-reply";
      auto out = d.Reply(req);
      if (!out.ok()) return Fail("reply", out.error());
      if (out->decision != desk::ReplyDecision::kQueued) {
        return Fail("reply", Status::Internal(out->message));
      }
      std::printf("queued %s\n", req.idempotency_key.c_str());
      std::fflush(stdout);
      if (i % 3 == 2) {
        auto sent = d.RunOutbox(2);
        if (!sent.ok()) return Fail("send", sent.error());
        std::printf("sent %zu\n", *sent);
        std::fflush(stdout);
      }
    }
  }
  for (;;) {
    auto sent = d.RunOutbox(10);
    if (!sent.ok()) return Fail("drain", sent.error());
    if (*sent == 0) break;
    std::printf("sent %zu\n", *sent);
    std::fflush(stdout);
  }
  std::printf("done\n");
  return 0;
}
