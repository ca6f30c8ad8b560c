// The connector against real servers on loopback: Debian's dovecot serves a
// Maildir over IMAP, and aiosmtpd's Mailbox handler delivers SMTP mail into
// the same Maildir, so a reply sent by the connector comes back in a poll.
//
// Both servers run unprivileged with a config written to a temporary folder,
// on ports the kernel picked. When the test runs as root, dovecot refuses to
// run its login process as root and mail as uid 0, so then the mail user is
// "nobody" and the login/internal users are dovecot's own (dovenull/dovecot).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "channels/email/email.h"

namespace leitplanke::channels::email {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kDovecot[] = "/usr/sbin/dovecot";
constexpr char kPython[] = "/usr/bin/python3";

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// Reads until the server's greeting line arrives ("* OK" / "220"), so the
// test starts only when the protocol process is up, not just the socket.
bool Greets(int port, std::string_view prefix) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[256];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    ok = n > 0 && std::string_view(buf, static_cast<size_t>(n)).substr(0, prefix.size()) == prefix;
  }
  close(fd);
  return ok;
}

bool WaitForGreeting(int port, std::string_view prefix) {
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    if (Greets(port, prefix)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// A child process in its own process group, stopped (with its children) on
// destruction.
class Server {
 public:
  Server(std::vector<std::string> argv, const fs::path& log) {
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      std::vector<char*> args;
      for (std::string& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    if (pid_ > 0) setpgid(pid_, pid_);
  }
  ~Server() { Stop(); }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void Stop() {
    if (pid_ <= 0) return;
    kill(-pid_, SIGTERM);
    auto deadline = Clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        kill(-pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Dovecot's children leave with the master; make sure none lingers.
    kill(-pid_, SIGKILL);
    pid_ = -1;
  }
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

// Runs a command to completion; its exit status (or -1).
int RunCommand(std::vector<std::string> argv, const fs::path& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& p, std::string_view data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
}

constexpr char kPassword[] = "Kennwort-4711";

class MailServers : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kDovecot, X_OK) != 0) GTEST_SKIP() << "dovecot is not installed";
    if (access(kPython, X_OK) != 0) GTEST_SKIP() << "python3 is not installed";
    char tmpl[] = "/tmp/lp-email-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    chmod(dir_.c_str(), 0755);  // dovecot's unprivileged processes must traverse it
    maildir_ = dir_ / "Maildir";
    for (const char* sub : {"cur", "new", "tmp"}) fs::create_directories(maildir_ / sub);

    uid_t mail_uid = getuid();
    gid_t mail_gid = getgid();
    std::string internal_user;
    std::string login_user;
    if (passwd* me = getpwuid(getuid())) internal_user = login_user = me->pw_name;
    if (geteuid() == 0) {
      passwd* nobody = getpwnam("nobody");
      ASSERT_NE(nobody, nullptr);
      mail_uid = nobody->pw_uid;
      mail_gid = nobody->pw_gid;
      internal_user = getpwnam("dovecot") ? "dovecot" : "nobody";
      login_user = getpwnam("dovenull") ? "dovenull" : "nobody";
      for (const auto& entry : fs::recursive_directory_iterator(maildir_)) {
        ASSERT_EQ(chown(entry.path().c_str(), mail_uid, mail_gid), 0);
      }
      ASSERT_EQ(chown(maildir_.c_str(), mail_uid, mail_gid), 0);
    }
    mail_uid_ = mail_uid;
    mail_gid_ = mail_gid;
    WriteFile(dir_ / "passwd", "support:{PLAIN}" + std::string(kPassword) + ":" +
                                   std::to_string(mail_uid) + ":" + std::to_string(mail_gid) +
                                   "::" + dir_.string() + "::\n");
    chmod((dir_ / "passwd").c_str(), 0644);
    imap_port_ = FreePort();
    smtp_port_ = FreePort();
    ASSERT_GT(imap_port_, 0);
    ASSERT_GT(smtp_port_, 0);
    std::string internal_group = internal_user;
    if (passwd* pw = getpwnam(internal_user.c_str())) {
      if (group* gr = getgrgid(pw->pw_gid)) internal_group = gr->gr_name;
    }
    std::string ssl = "ssl = no\n";
    if (tls_) {
      // A self-signed certificate for "localhost", made for this run.
      imaps_port_ = FreePort();
      ASSERT_EQ(RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-subj", "/CN=localhost", "-days", "1", "-keyout",
                            (dir_ / "key.pem").string(), "-out", (dir_ / "cert.pem").string()},
                           dir_ / "openssl.log"),
                0)
          << ReadFile(dir_ / "openssl.log");
      chmod((dir_ / "key.pem").c_str(), 0644);
      ssl = "ssl = yes\nssl_cert = <" + (dir_ / "cert.pem").string() + "\nssl_key = <" +
            (dir_ / "key.pem").string() + "\n";
    }
    std::ostringstream conf;
    conf << "protocols = imap\n"
         << "listen = 127.0.0.1\n"
         << "base_dir = " << (dir_ / "run").string() << "\n"
         << "state_dir = " << (dir_ / "state").string() << "\n"
         << "log_path = " << (dir_ / "dovecot.log").string() << "\n"
         << ssl << "disable_plaintext_auth = no\n"
         << "auth_mechanisms = plain login\n"
         << "default_internal_user = " << internal_user << "\n"
         << "default_internal_group = " << internal_group << "\n"
         << "default_login_user = " << login_user << "\n"
         << "first_valid_uid = " << std::min<uid_t>(mail_uid, 1) << "\n"
         << "mail_location = maildir:" << maildir_.string() << "\n"
         << "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u "
         << (dir_ / "passwd").string() << "\n}\n"
         << "userdb {\n  driver = passwd-file\n  args = username_format=%u "
         << (dir_ / "passwd").string() << "\n}\n"
         << "service imap-login {\n  chroot =\n  inet_listener imap {\n    address = 127.0.0.1\n"
         << "    port = " << imap_port_
         << "\n  }\n  inet_listener imaps {\n    address = 127.0.0.1\n"
         << "    port = " << imaps_port_ << "\n  }\n}\n"
         << "service anvil {\n  chroot =\n}\n";
    WriteFile(dir_ / "dovecot.conf", conf.str());
    StartDovecot();
    StartSmtp();
  }

  void TearDown() override {
    smtp_.reset();
    dovecot_.reset();
    if (!dir_.empty()) {
      if (HasFailure()) {
        std::cerr << "dovecot.log:\n"
                  << ReadFile(dir_ / "dovecot.log") << "\nsmtp.log:\n"
                  << ReadFile(dir_ / "smtp.log") << "\n";
      }
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  void StartDovecot() {
    dovecot_ = std::make_unique<Server>(
        std::vector<std::string>{kDovecot, "-F", "-c", (dir_ / "dovecot.conf").string()},
        dir_ / "dovecot.out");
    ASSERT_TRUE(dovecot_->started());
    ASSERT_TRUE(WaitForGreeting(imap_port_, "* OK"))
        << ReadFile(dir_ / "dovecot.out") << ReadFile(dir_ / "dovecot.log");
  }

  void StartSmtp() {
    std::vector<std::string> argv = {kPython, "-m", "aiosmtpd",
                                     "-n",    "-l", "127.0.0.1:" + std::to_string(smtp_port_)};
    if (tls_) {  // STARTTLS, required before MAIL
      for (const char* a : {"--tlscert", "cert.pem", "--tlskey", "key.pem"}) {
        argv.push_back(a[0] == '-' ? std::string(a) : (dir_ / a).string());
      }
    }
    for (const std::string& a :
         {std::string("-c"), std::string("aiosmtpd.handlers.Mailbox"), maildir_.string()}) {
      argv.push_back(a);
    }
    smtp_ = std::make_unique<Server>(std::move(argv), dir_ / "smtp.log");
    ASSERT_TRUE(smtp_->started());
    ASSERT_TRUE(WaitForGreeting(smtp_port_, "220")) << ReadFile(dir_ / "smtp.log");
  }

  // Delivers a raw message into Maildir/new the way an MTA does (tmp, then
  // rename), readable by the mail user.
  void Deliver(const std::string& name, std::string_view raw) {
    fs::path tmp = maildir_ / "tmp" / name;
    WriteFile(tmp, raw);
    chmod(tmp.c_str(), 0644);
    if (geteuid() == 0) {
      ASSERT_EQ(chown(tmp.c_str(), mail_uid_, mail_gid_), 0);
    }
    fs::rename(tmp, maildir_ / "new" / name);
  }

  // Maildir file names of messages flagged \Seen (":2,...S...").
  int SeenCount() {
    int n = 0;
    for (const auto& e : fs::directory_iterator(maildir_ / "cur")) {
      std::string name = e.path().filename().string();
      size_t info = name.find(":2,");
      if (info != std::string::npos && name.find('S', info) != std::string::npos) ++n;
    }
    return n;
  }

  desk::ChannelConfig Config() const {
    desk::ChannelConfig c;
    c.name = "support-mail";
    c.kind = "email";
    c.settings = {{"imap_url", "imap://127.0.0.1:" + std::to_string(imap_port_) + "/INBOX"},
                  {"smtp_url", "smtp://127.0.0.1:" + std::to_string(smtp_port_)},
                  {"from", "Kundenservice <support@shop.example>"},
                  {"username", "support"},
                  {"tls", "none"},
                  {"connect_timeout_ms", "10000"},
                  {"timeout_ms", "15000"},
                  {"signature", "Ihr Shop-Team\nwww.shop.example"}};
    c.secrets = {{"password", kPassword}};
    return c;
  }

  fs::path dir_;
  fs::path maildir_;
  uid_t mail_uid_ = 0;
  gid_t mail_gid_ = 0;
  int imap_port_ = 0;
  int smtp_port_ = 0;
  bool tls_ = false;    // set by TlsMailServers before SetUp
  int imaps_port_ = 0;  // 0 = no imaps listener
  std::unique_ptr<Server> dovecot_;
  std::unique_ptr<Server> smtp_;
};

constexpr char kFirst[] =
    "From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <juergen@kunde.example>\r\n"
    "To: support@shop.example\r\n"
    "Subject: =?ISO-8859-1?Q?Besch=E4digte_Lieferung?=\r\n"
    "Date: Tue, 3 Mar 2026 14:05:00 +0100\r\n"
    "Message-ID: <kunde-1@kunde.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Guten Tag,\r\n"
    "mein Paket kam besch=E4digt an. Bitte um R=FCckmeldung.\r\n"
    "Gr=FC=DFe\r\n";

constexpr char kSecond[] =
    "From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <juergen@kunde.example>\r\n"
    "To: support@shop.example\r\n"
    "Subject: =?utf-8?Q?Re=3A_Besch=C3=A4digte_Lieferung?=\r\n"
    "Date: Tue, 3 Mar 2026 15:00:00 +0100\r\n"
    "Message-ID: <kunde-2@kunde.example>\r\n"
    "In-Reply-To: <kunde-1@kunde.example>\r\n"
    "References: <kunde-1@kunde.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"b\"\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>Hier noch ein Foto &ndash; das Paket ist nass.</p>\r\n"
    "--b--\r\n";

TEST_F(MailServers, PollThreadSendAndPollTheReply) {
  Deliver("1000.M1.test", kFirst);
  Deliver("1001.M2.test", kSecond);
  Result<std::unique_ptr<desk::Channel>> made = MakeEmailChannel(Config());
  ASSERT_TRUE(made.ok()) << made.error().ToString();
  desk::Channel& ch = **made;

  Result<desk::PollResult> first = ch.Poll("");
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_EQ(first->messages.size(), 2u);
  const desk::InboundMessage& a = first->messages[0];
  const desk::InboundMessage& b = first->messages[1];
  EXPECT_EQ(a.external_id, "kunde-1@kunde.example");
  EXPECT_EQ(a.author_handle, "juergen@kunde.example");
  EXPECT_EQ(a.author_name, "Jürgen Müller");
  EXPECT_EQ(a.subject, "Beschädigte Lieferung");
  EXPECT_EQ(a.text, "Guten Tag,\nmein Paket kam beschädigt an. Bitte um Rückmeldung.\nGrüße\n");
  EXPECT_EQ(a.sent_at, 1772543100000);
  EXPECT_EQ(b.external_id, "kunde-2@kunde.example");
  EXPECT_EQ(b.in_reply_to, "kunde-1@kunde.example");
  EXPECT_EQ(b.references, std::vector<std::string>{"kunde-1@kunde.example"});
  EXPECT_EQ(b.subject, "Re: Beschädigte Lieferung");
  EXPECT_EQ(b.text, "Hier noch ein Foto – das Paket ist nass.");
  EXPECT_FALSE(b.html.empty());
  // Polling leaves the customer's mail unread in the mailbox.
  EXPECT_EQ(SeenCount(), 0);

  // Nothing new after the cursor.
  Result<desk::PollResult> again = ch.Poll(first->cursor);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_TRUE(again->messages.empty());
  EXPECT_EQ(again->cursor, first->cursor);

  // Reply to the second mail; SMTP delivers it into the same mailbox.
  desk::OutboundMessage reply;
  reply.idempotency_key = "reply-1";
  reply.to_handle = b.author_handle;
  reply.in_reply_to = b.external_id;
  reply.references = b.references;
  reply.subject = b.subject;
  reply.text =
      "Sehr geehrter Herr Müller,\n\nwir schicken Ihnen heute Ersatz. Die Kosten übernehmen wir "
      "selbstverständlich – Sie müssen nichts weiter tun.\n.\nEin Punkt allein auf einer Zeile "
      "übersteht SMTP.";
  Result<std::string> rendered = ch.Render(reply);
  ASSERT_TRUE(rendered.ok());
  EXPECT_NE(rendered->find("\n\n-- \nIhr Shop-Team\nwww.shop.example"), std::string::npos);
  reply.text = *rendered;
  Result<desk::SendReceipt> receipt = ch.Send(reply);
  ASSERT_TRUE(receipt.ok()) << receipt.error().ToString();
  EXPECT_NE(receipt->external_id.find("@shop.example"), std::string::npos);

  // The SMTP server stored the reply before it confirmed it, so the very next
  // poll sees it (each poll opens a fresh IMAP session; a long-lived one
  // would not notice the new file yet).
  Result<desk::PollResult> polled = ch.Poll(first->cursor);
  ASSERT_TRUE(polled.ok()) << polled.error().ToString();
  const desk::PollResult& third = *polled;
  ASSERT_EQ(third.messages.size(), 1u);
  const desk::InboundMessage& back = third.messages[0];
  EXPECT_EQ(back.external_id, receipt->external_id);
  EXPECT_EQ(back.in_reply_to, "kunde-2@kunde.example");
  EXPECT_EQ(back.references,
            (std::vector<std::string>{"kunde-1@kunde.example", "kunde-2@kunde.example"}));
  EXPECT_EQ(back.subject, "Re: Beschädigte Lieferung");
  EXPECT_EQ(back.author_handle, "support@shop.example");
  EXPECT_EQ(back.author_name, "Kundenservice");
  EXPECT_EQ(back.text, *rendered);
  EXPECT_NE(third.cursor, first->cursor);

  // A cursor from another UIDVALIDITY starts over: everything comes again
  // (the desk drops what it has by external_id).
  Result<desk::PollResult> restart = ch.Poll("1:9999");
  ASSERT_TRUE(restart.ok()) << restart.error().ToString();
  EXPECT_EQ(restart->messages.size(), 3u);
  EXPECT_EQ(restart->cursor, third.cursor);

  // A small batch size pages through the mailbox in order.
  desk::ChannelConfig paged = Config();
  paged.settings["max_per_poll"] = "2";
  Result<std::unique_ptr<desk::Channel>> pager = MakeEmailChannel(paged);
  ASSERT_TRUE(pager.ok());
  Result<desk::PollResult> p1 = (*pager)->Poll("");
  ASSERT_TRUE(p1.ok()) << p1.error().ToString();
  ASSERT_EQ(p1->messages.size(), 2u);
  EXPECT_EQ(p1->messages[0].external_id, "kunde-1@kunde.example");
  Result<desk::PollResult> p2 = (*pager)->Poll(p1->cursor);
  ASSERT_TRUE(p2.ok());
  ASSERT_EQ(p2->messages.size(), 1u);
  EXPECT_EQ(p2->messages[0].external_id, receipt->external_id);
  EXPECT_EQ(SeenCount(), 0);

  // mark_seen=true leaves polled mail read.
  desk::ChannelConfig marking = Config();
  marking.settings["mark_seen"] = "true";
  Result<std::unique_ptr<desk::Channel>> marker = MakeEmailChannel(marking);
  ASSERT_TRUE(marker.ok());
  ASSERT_TRUE((*marker)->Poll("").ok());
  EXPECT_EQ(SeenCount(), 3);
}

TEST_F(MailServers, UnreadableMailArrivesWithTheReason) {
  Deliver("2000.M1.test",
          "From: Kunde <k@kunde.example>\r\nSubject: kaputt\r\nContent-Type: text/plain\r\n"
          "Content-Transfer-Encoding: base64\r\n\r\n!!!!\r\n");
  Result<std::unique_ptr<desk::Channel>> ch = MakeEmailChannel(Config());
  ASSERT_TRUE(ch.ok());
  Result<desk::PollResult> r = (*ch)->Poll("");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->messages[0].subject, "(unreadable e-mail)");
  EXPECT_EQ(r->messages[0].author_handle, "k@kunde.example");
  EXPECT_NE(r->messages[0].text.find("broken base64"), std::string::npos) << r->messages[0].text;
  EXPECT_EQ(r->messages[0].external_id.rfind("sha256-", 0), 0u);

  // A mail over max_message_bytes arrives as a note, and stays unread.
  Deliver("2001.M2.test",
          "From: k@kunde.example\r\nSubject: gross\r\n\r\n" + std::string(5000, 'x') + "\r\n");
  desk::ChannelConfig small = Config();
  small.settings["max_message_bytes"] = "1024";
  Result<std::unique_ptr<desk::Channel>> limited = MakeEmailChannel(small);
  ASSERT_TRUE(limited.ok());
  Result<desk::PollResult> big = (*limited)->Poll(r->cursor);
  ASSERT_TRUE(big.ok()) << big.error().ToString();
  ASSERT_EQ(big->messages.size(), 1u);
  EXPECT_EQ(big->messages[0].subject, "(unreadable e-mail)");
  EXPECT_NE(big->messages[0].text.find("larger than 1024 bytes"), std::string::npos)
      << big->messages[0].text;
  EXPECT_NE(big->cursor, r->cursor);
  EXPECT_EQ(SeenCount(), 0);
}

TEST_F(MailServers, WrongPasswordIsPermanentAndServerDownIsTransient) {
  desk::ChannelConfig wrong = Config();
  wrong.secrets["password"] = "falsches-Kennwort";
  Result<std::unique_ptr<desk::Channel>> bad = MakeEmailChannel(wrong);
  ASSERT_TRUE(bad.ok());
  Result<desk::PollResult> denied = (*bad)->Poll("");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code(), StatusCode::kPermissionDenied) << denied.error().ToString();
  EXPECT_EQ(denied.error().message().find("falsches-Kennwort"), std::string::npos);

  Result<std::unique_ptr<desk::Channel>> good = MakeEmailChannel(Config());
  ASSERT_TRUE(good.ok());
  // A channel that worked before, then both servers go away.
  Result<desk::PollResult> before = (*good)->Poll("");
  ASSERT_TRUE(before.ok()) << before.error().ToString();
  dovecot_->Stop();
  smtp_->Stop();
  Result<desk::PollResult> down = (*good)->Poll("");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code(), StatusCode::kUnavailable) << down.error().ToString();
  desk::OutboundMessage msg;
  msg.to_handle = "k@kunde.example";
  msg.text = "Hallo";
  Result<desk::SendReceipt> sent = (*good)->Send(msg);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code(), StatusCode::kUnavailable) << sent.error().ToString();
}

TEST_F(MailServers, StartTlsRequiredButNotOffered) {
  desk::ChannelConfig cfg = Config();
  cfg.settings["tls"] = "starttls";
  Result<std::unique_ptr<desk::Channel>> ch = MakeEmailChannel(cfg);
  ASSERT_TRUE(ch.ok());
  Result<desk::PollResult> r = (*ch)->Poll("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kFailedPrecondition) << r.error().ToString();
}

class TlsMailServers : public MailServers {
 protected:
  TlsMailServers() { tls_ = true; }
};

TEST_F(TlsMailServers, StartTlsAndImplicitTls) {
  Deliver("3000.M1.test", kFirst);
  desk::ChannelConfig cfg = Config();
  cfg.settings["tls"] = "starttls";
  cfg.settings["verify_tls"] = "false";  // self-signed test certificate
  // After STARTTLS aiosmtpd offers AUTH but accepts no login: send without.
  cfg.settings["smtp_username"] = "-";
  Result<std::unique_ptr<desk::Channel>> starttls = MakeEmailChannel(cfg);
  ASSERT_TRUE(starttls.ok());
  Result<desk::PollResult> r = (*starttls)->Poll("");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->messages[0].external_id, "kunde-1@kunde.example");
  desk::OutboundMessage msg;
  msg.to_handle = "juergen@kunde.example";
  msg.in_reply_to = "kunde-1@kunde.example";
  msg.subject = r->messages[0].subject;
  msg.text = "Über TLS verschickt.";
  Result<desk::SendReceipt> sent = (*starttls)->Send(msg);
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();

  // The common mix: IMAP with TLS from the first byte, SMTP with STARTTLS.
  cfg.settings["imap_url"] = "imaps://127.0.0.1:" + std::to_string(imaps_port_) + "/INBOX";
  Result<std::unique_ptr<desk::Channel>> implicit = MakeEmailChannel(cfg);
  ASSERT_TRUE(implicit.ok()) << implicit.error().ToString();
  Result<desk::PollResult> r2 = (*implicit)->Poll("");
  ASSERT_TRUE(r2.ok()) << r2.error().ToString();
  ASSERT_EQ(r2->messages.size(), 2u);
  EXPECT_EQ(r2->messages[1].external_id, sent->external_id);
  EXPECT_EQ(r2->messages[1].text, "Über TLS verschickt.");

  // With verification on, the self-signed certificate is refused: permanent.
  cfg.settings["verify_tls"] = "true";
  Result<std::unique_ptr<desk::Channel>> strict = MakeEmailChannel(cfg);
  ASSERT_TRUE(strict.ok());
  Result<desk::PollResult> refused = (*strict)->Poll("");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), StatusCode::kFailedPrecondition) << refused.error().ToString();
}

}  // namespace
}  // namespace leitplanke::channels::email
