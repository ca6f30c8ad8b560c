// The Mastodon connector against the loopback fake server: polling and
// paging, the mapping of documented payloads, replies, error classes and
// settings.
#include "channels/mastodon/mastodon.h"

#include <atomic>
#include <set>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include "fake_mastodon.h"

namespace leitplanke::channels::mastodon {
namespace {

using nlohmann::json;
using testing::FakeMastodon;

// One mention notification in the documented shape (entities Notification,
// Status, Account, MediaAttachment), with the fields a server really sends.
struct Spec {
  uint64_t id = 0;
  std::string status_id;
  std::string acct = "anna";
  std::string display_name = "Anna Berger";
  std::string content = "<p>Hallo</p>";
  std::string visibility = "public";
  std::string in_reply_to_id;  // "" -> null
  std::string language = "de";
  std::string created_at = "2026-11-28T09:15:00.000Z";
  std::string spoiler_text;
  json media = json::array();
};

json Account(const std::string& acct, const std::string& display_name) {
  std::string username = acct.substr(0, acct.find('@'));
  std::string host =
      acct.find('@') == std::string::npos ? "social.example" : acct.substr(acct.find('@') + 1);
  return {{"id", "109" + std::to_string(acct.size()) + "00000000000001"},
          {"username", username},
          {"acct", acct},
          {"display_name", display_name},
          {"locked", false},
          {"bot", false},
          {"created_at", "2022-11-01T00:00:00.000Z"},
          {"note", "<p></p>"},
          {"url", "https://" + host + "/@" + username},
          {"avatar", "https://files.social.example/accounts/avatars/original/missing.png"},
          {"followers_count", 12},
          {"following_count", 34},
          {"statuses_count", 56},
          {"emojis", json::array()},
          {"fields", json::array()}};
}

std::string Mention(const Spec& s) {
  json status = {{"id", s.status_id},
                 {"uri", "https://social.example/users/x/statuses/" + s.status_id},
                 {"url", "https://social.example/@x/" + s.status_id},
                 {"created_at", s.created_at},
                 {"account", Account(s.acct, s.display_name)},
                 {"content", s.content},
                 {"visibility", s.visibility},
                 {"sensitive", !s.spoiler_text.empty()},
                 {"spoiler_text", s.spoiler_text},
                 {"media_attachments", s.media},
                 {"application", nullptr},
                 {"mentions",
                  {{{"id", "1"},
                    {"username", "support"},
                    {"url", "https://social.example/@support"},
                    {"acct", "support"}}}},
                 {"tags", json::array()},
                 {"emojis", json::array()},
                 {"reblogs_count", 0},
                 {"favourites_count", 0},
                 {"replies_count", 0},
                 {"in_reply_to_id", s.in_reply_to_id.empty() ? json() : json(s.in_reply_to_id)},
                 {"in_reply_to_account_id", s.in_reply_to_id.empty() ? json() : json("1")},
                 {"reblog", nullptr},
                 {"poll", nullptr},
                 {"card", nullptr},
                 {"language", s.language.empty() ? json() : json(s.language)},
                 {"text", nullptr},
                 {"edited_at", nullptr}};
  json n = {{"id", std::to_string(s.id)},
            {"type", "mention"},
            {"created_at", s.created_at},
            {"account", Account(s.acct, s.display_name)},
            {"status", status}};
  return n.dump();
}

std::string Favourite(uint64_t id) {
  json n = {{"id", std::to_string(id)},
            {"type", "favourite"},
            {"created_at", "2026-11-28T09:00:00.000Z"},
            {"account", Account("fan", "Fan")},
            {"status", {{"id", "1"}}}};
  return n.dump();
}

void AddMention(FakeMastodon& server, const Spec& s) {
  server.AddNotification(s.id, "mention", Mention(s));
}

desk::ChannelConfig Config(const FakeMastodon& server) {
  desk::ChannelConfig c;
  c.name = "support-mastodon";
  c.kind = "mastodon";
  c.settings["base_url"] = server.base_url();
  c.secrets["access_token"] = "test-token";
  return c;
}

std::unique_ptr<MastodonChannel> Make(const desk::ChannelConfig& config) {
  auto ch = MakeMastodon(config);
  EXPECT_TRUE(ch.ok()) << ch.status();
  return ch.ok() ? std::move(*ch) : nullptr;
}

TEST(MastodonPoll, MapsTheDocumentedPayloads) {
  FakeMastodon server;
  Spec pub;
  pub.id = 501;
  pub.status_id = "110000000000000501";
  pub.content =
      "<p><span class=\"h-card\"><a href=\"https://social.example/@support\" class=\"u-url "
      "mention\">@<span>support</span></a></span> Meine Bestellung ist nicht angekommen. <a "
      "href=\"https://social.example/tags/Versand\" class=\"mention hashtag\" "
      "rel=\"tag\">#<span>Versand</span></a></p>";
  AddMention(server, pub);

  Spec dm;
  dm.id = 502;
  dm.status_id = "110000000000000502";
  dm.acct = "jonas@chaos.example";
  dm.display_name = "Jonas K.";
  dm.visibility = "direct";
  dm.content =
      "<p><span class=\"h-card\"><a href=\"https://social.example/@support\" class=\"u-url "
      "mention\">@<span>support</span></a></span> Grüße aus Köln &amp; danke! Größe "
      "&quot;XL&quot; &#8211; 5&#x20AC;</p><p>Meine Adresse:<br>Domstraße 1</p>";
  dm.created_at = "2026-11-28T09:16:30.250Z";
  AddMention(server, dm);

  Spec reply;
  reply.id = 503;
  reply.status_id = "110000000000000503";
  reply.in_reply_to_id = "110000000000000400";
  reply.visibility = "unlisted";
  reply.language = "";
  reply.content = "<p>@support danke, hat geklappt</p>";
  reply.media = json::array(
      {{{"id", "22"},
        {"type", "image"},
        {"url", "https://files.social.example/media_attachments/files/022/original/paket.png"},
        {"preview_url", "https://files.social.example/media_attachments/files/022/small/paket.png"},
        {"remote_url", nullptr},
        {"description", "Ein beschädigtes Paket"},
        {"blurhash", "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}"}},
       {{"id", "23"},
        {"type", "gifv"},
        {"url", nullptr},
        {"remote_url", "https://chaos.example/system/media/23"},
        {"description", nullptr}}});
  AddMention(server, reply);

  Spec priv;
  priv.id = 504;
  priv.status_id = "110000000000000504";
  priv.visibility = "private";
  priv.spoiler_text = "Beschwerde";
  priv.content = "<p>Das ist nicht in Ordnung.</p>";
  AddMention(server, priv);

  auto ch = Make(Config(server));
  auto r = ch->Poll("500");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->messages.size(), 4u);
  EXPECT_EQ(r->cursor, "504");
  EXPECT_TRUE(ch->last_rejected().empty());

  const desk::InboundMessage& a = r->messages[0];
  EXPECT_EQ(a.external_id, "110000000000000501");
  EXPECT_EQ(a.thread_key, "");
  EXPECT_EQ(a.in_reply_to, "");
  EXPECT_EQ(a.author_handle, "@anna@social.example");  // local account, qualified
  EXPECT_EQ(a.author_name, "Anna Berger");
  EXPECT_EQ(a.text, "@support Meine Bestellung ist nicht angekommen. #Versand");
  EXPECT_EQ(a.html, pub.content);
  EXPECT_TRUE(a.is_public);
  EXPECT_EQ(a.language, "de");
  EXPECT_EQ(a.sent_at, 1795857300000);  // 2026-11-28T09:15:00Z
  EXPECT_TRUE(a.attachments.empty());

  const desk::InboundMessage& b = r->messages[1];
  EXPECT_EQ(b.author_handle, "@jonas@chaos.example");
  EXPECT_EQ(b.author_name, "Jonas K.");
  EXPECT_FALSE(b.is_public);
  EXPECT_EQ(b.text,
            "@support Grüße aus Köln & danke! Größe \"XL\" – 5€\n\nMeine Adresse:\nDomstraße 1");
  EXPECT_EQ(b.sent_at, 1795857390250);

  const desk::InboundMessage& c = r->messages[2];
  EXPECT_EQ(c.in_reply_to, "110000000000000400");
  EXPECT_TRUE(c.is_public);  // unlisted is visible to everyone
  EXPECT_EQ(c.language, "");
  ASSERT_EQ(c.attachments.size(), 2u);
  EXPECT_EQ(c.attachments[0].mime_type, "image/png");
  EXPECT_EQ(c.attachments[0].name, "paket.png");
  EXPECT_EQ(c.attachments[0].size, 0);
  EXPECT_EQ(c.attachments[0].url,
            "https://files.social.example/media_attachments/files/022/original/paket.png");
  EXPECT_EQ(c.attachments[1].mime_type, "video/mp4");  // gifv, no extension
  EXPECT_EQ(c.attachments[1].url, "https://chaos.example/system/media/23");

  const desk::InboundMessage& d = r->messages[3];
  EXPECT_FALSE(d.is_public);  // followers-only
  EXPECT_EQ(d.text, "Beschwerde\n\nDas ist nicht in Ordnung.");

  // The request was the documented one.
  auto reqs = server.requests_to("/api/v1/notifications");
  ASSERT_FALSE(reqs.empty());
  EXPECT_NE(reqs[0].target.find("types%5B%5D=mention"), std::string::npos);
  EXPECT_NE(reqs[0].target.find("limit=40"), std::string::npos);
  EXPECT_NE(reqs[0].target.find("min_id=500"), std::string::npos);
  EXPECT_EQ(reqs[0].headers.at("authorization"), "Bearer test-token");
}

TEST(MastodonPoll, PagesThroughABurstOldestFirst) {
  FakeMastodon server;
  for (uint64_t id = 1001; id <= 1095; ++id) {
    Spec s;
    s.id = id;
    s.status_id = std::to_string(200000 + id);
    s.content = "<p>Nachricht " + std::to_string(id) + "</p>";
    AddMention(server, s);
  }
  // Another notification type, newer than all mentions: the types[] filter
  // keeps it out (else the cursor would move to it).
  server.AddNotification(1096, "favourite", Favourite(1096));

  auto ch = Make(Config(server));
  auto r = ch->Poll("1000");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->messages.size(), 95u);
  for (size_t i = 0; i < r->messages.size(); ++i) {
    EXPECT_EQ(r->messages[i].text, "Nachricht " + std::to_string(1001 + i));
  }
  EXPECT_EQ(r->cursor, "1095");
  auto reqs = server.requests_to("/api/v1/notifications");
  ASSERT_EQ(reqs.size(), 4u);  // 40 + 40 + 15 + an empty page
  EXPECT_NE(reqs[0].target.find("min_id=1000"), std::string::npos);
  EXPECT_NE(reqs[1].target.find("min_id=1040"), std::string::npos);
  EXPECT_NE(reqs[2].target.find("min_id=1080"), std::string::npos);
  EXPECT_NE(reqs[3].target.find("min_id=1095"), std::string::npos);

  // Nothing new: nothing returned, the cursor stays.
  auto again = ch->Poll(r->cursor);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->messages.empty());
  EXPECT_EQ(again->cursor, "1095");
}

TEST(MastodonPoll, PagesWithoutLinkHeadersToo) {
  FakeMastodon server;
  server.SetLinkHeaders(false);
  for (uint64_t id = 1; id <= 85; ++id) {
    Spec s;
    s.id = id;
    s.status_id = std::to_string(id);
    AddMention(server, s);
  }
  auto ch = Make(Config(server));
  auto r = ch->Poll("0");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->messages.size(), 85u);
  EXPECT_EQ(r->messages.front().external_id, "1");
  EXPECT_EQ(r->messages.back().external_id, "85");
  EXPECT_EQ(r->cursor, "85");
  EXPECT_EQ(server.requests_to("/api/v1/notifications").size(), 4u);
}

TEST(MastodonPoll, MaxPagesBoundsOnePollAndTheNextContinues) {
  FakeMastodon server;
  for (uint64_t id = 1; id <= 95; ++id) {
    Spec s;
    s.id = id;
    s.status_id = std::to_string(900 + id);
    AddMention(server, s);
  }
  auto config = Config(server);
  config.settings["max_pages"] = "2";
  auto ch = Make(config);
  auto first = ch->Poll("0");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->messages.size(), 80u);
  EXPECT_EQ(first->cursor, "80");
  auto second = ch->Poll(first->cursor);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->messages.size(), 15u);
  EXPECT_EQ(second->messages.front().external_id, "981");
  EXPECT_EQ(second->cursor, "95");
}

TEST(MastodonPoll, FirstPollWithoutCursorTakesTheNewestPage) {
  FakeMastodon server;
  for (uint64_t id = 1; id <= 50; ++id) {
    Spec s;
    s.id = id;
    s.status_id = std::to_string(700 + id);
    AddMention(server, s);
  }
  auto ch = Make(Config(server));
  auto r = ch->Poll("");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->messages.size(), 40u);
  EXPECT_EQ(r->messages.front().external_id, "711");  // oldest of the newest 40
  EXPECT_EQ(r->messages.back().external_id, "750");
  EXPECT_EQ(r->cursor, "50");
  EXPECT_EQ(server.requests_to("/api/v1/notifications").size(), 1u);
}

TEST(MastodonPoll, EmptyServerWithoutCursor) {
  FakeMastodon server;
  auto ch = Make(Config(server));
  auto r = ch->Poll("");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->messages.empty());
  EXPECT_EQ(r->cursor, "");
}

TEST(MastodonPoll, ABadNotificationIsRejectedTheOthersKept) {
  FakeMastodon server;
  for (uint64_t id = 11; id <= 13; ++id) {
    Spec s;
    s.id = id;
    s.status_id = std::to_string(id);
    AddMention(server, s);
  }
  // Notification 12 lacks status.account.acct; 14 has a bad created_at.
  json broken = json::parse(Mention(Spec{12, "12"}));
  broken["status"]["account"].erase("acct");
  server.AddNotification(12, "mention", broken.dump());
  Spec bad_date;
  bad_date.id = 14;
  bad_date.status_id = "14";
  bad_date.created_at = "gestern";
  AddMention(server, bad_date);

  auto ch = Make(Config(server));
  auto r = ch->Poll("10");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[0].external_id, "11");
  EXPECT_EQ(r->messages[1].external_id, "13");
  EXPECT_EQ(r->cursor, "14");  // past the bad ones: they are reported, not retried forever
  ASSERT_EQ(ch->last_rejected().size(), 2u);
  // The page is served newest first: 14 is element 0, 12 is element 2.
  const auto& rej = ch->last_rejected();
  EXPECT_EQ(rej[0].notification_id, "14");
  EXPECT_NE(rej[0].reason.find("/0/status/created_at"), std::string::npos) << rej[0].reason;
  EXPECT_EQ(rej[1].notification_id, "12");
  EXPECT_EQ(rej[1].reason, "/2/status/account/acct is missing");
  EXPECT_NE(rej[1].raw.find("\"id\":\"12\""), std::string::npos);

  // The next Poll starts a fresh report.
  auto again = ch->Poll(r->cursor);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(ch->last_rejected().empty());
}

TEST(MastodonPoll, WrongTypesAreRejectedWithTheirPointer) {
  FakeMastodon server;
  json n = json::parse(Mention(Spec{21, "21"}));
  n["status"]["media_attachments"] = {{{"type", "image"}, {"url", true}}};
  server.AddNotification(21, "mention", n.dump());
  auto ch = Make(Config(server));
  auto r = ch->Poll("20");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->messages.empty());
  ASSERT_EQ(ch->last_rejected().size(), 1u);
  EXPECT_EQ(ch->last_rejected()[0].reason,
            "/0/status/media_attachments/0/url must be a string or null");
}

TEST(MastodonPoll, FilteredDirectMessagesAreIncluded) {
  FakeMastodon server;
  Spec dm;
  dm.id = 31;
  dm.status_id = "31";
  dm.acct = "neu@chaos.example";
  dm.visibility = "direct";
  server.AddNotification(31, "mention", Mention(dm), /*filtered=*/true);
  auto ch = Make(Config(server));
  auto r = ch->Poll("30");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->messages[0].author_handle, "@neu@chaos.example");

  auto config = Config(server);
  config.settings["include_filtered"] = "false";
  auto strict = Make(config);
  auto none = strict->Poll("30");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->messages.empty());
}

// Every value of a documented notification replaced by every other JSON
// type: the page parses, and the notification is either used or rejected
// with a pointer, never lost silently and never a crash.
TEST(MastodonParse, EveryFieldWithEveryWrongType) {
  Spec s;
  s.id = 7;
  s.status_id = "7";
  s.media = json::array({{{"type", "image"}, {"url", "https://f.example/a.jpg"}}});
  const json original = json::parse(Mention(s));
  // Every leaf and every enclosing object or array.
  std::set<std::string> pointers;
  const json flat = original.flatten();
  for (const auto& [leaf, value] : flat.items()) {
    for (size_t slash = leaf.find('/', 1); slash != std::string::npos;
         slash = leaf.find('/', slash + 1)) {
      pointers.insert(leaf.substr(0, slash));
    }
    pointers.insert(leaf);
  }
  const std::vector<json> replacements = {nullptr,       42, 1.5, true, "x", json::array(),
                                          json::object()};
  int used = 0, rejected = 0;
  for (const std::string& pointer : pointers) {
    for (const json& r : replacements) {
      json mutated = original;
      mutated[json::json_pointer(pointer)] = r;
      std::string body(1, '[');
      body += mutated.dump();
      body += ']';
      auto page = ParseNotificationPage(body, "social.example");
      ASSERT_TRUE(page.ok()) << pointer << " " << page.status();
      if (pointer == "/type" && r != "mention") {
        // Not a mention (or no readable type): skipped or rejected.
        EXPECT_TRUE(page->mentions.empty());
        continue;
      }
      ASSERT_EQ(page->mentions.size() + page->rejected.size(), 1u) << pointer << " = " << r;
      if (page->rejected.empty()) {
        ++used;
      } else {
        ++rejected;
        EXPECT_EQ(page->rejected[0].reason.rfind("/0", 0), 0u) << page->rejected[0].reason;
      }
    }
  }
  EXPECT_GT(used, 0);
  EXPECT_GT(rejected, 0);
}

TEST(MastodonPoll, MalformedJsonIsInvalidArgument) {
  FakeMastodon server;
  server.SetMode(FakeMastodon::Mode::kMalformedJson);
  auto ch = Make(Config(server));
  auto r = ch->Poll("1");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("malformed JSON"), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("at byte"), std::string::npos) << r.status();
}

TEST(MastodonPoll, ServerErrorIsUnavailable) {
  FakeMastodon server;
  server.SetMode(FakeMastodon::Mode::kServerError);
  auto ch = Make(Config(server));
  auto r = ch->Poll("1");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_NE(r.status().message().find("HTTP 500"), std::string::npos);
  EXPECT_EQ(ch->retry_after_ms(), 0);
}

TEST(MastodonPoll, RateLimitResetGivesRetryAfter) {
  FakeMastodon server;
  server.SetMode(FakeMastodon::Mode::kRateLimited);
  auto ch = Make(Config(server));
  auto r = ch->Poll("1");
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status();
  // X-RateLimit-Reset 10:04:30 against the response's Date 10:00:00.
  EXPECT_EQ(ch->retry_after_ms(), 270'000);
  server.SetMode(FakeMastodon::Mode::kNormal);
  ASSERT_TRUE(ch->Poll("1").ok());
  EXPECT_EQ(ch->retry_after_ms(), 0);
}

TEST(MastodonPoll, RetryAfterSecondsWhenNoReset) {
  FakeMastodon server;
  server.SetMode(FakeMastodon::Mode::kRetryAfter);
  auto ch = Make(Config(server));
  auto r = ch->Poll("1");
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ch->retry_after_ms(), 120'000);
}

TEST(MastodonPoll, UnauthorizedIsPermissionDenied) {
  FakeMastodon server;
  server.SetMode(FakeMastodon::Mode::kUnauthorized);
  auto ch = Make(Config(server));
  auto r = ch->Poll("1");
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("The access token is invalid"), std::string::npos);
}

TEST(MastodonPoll, WrongTokenIsPermissionDeniedAndNeverEchoed) {
  FakeMastodon server("the-right-token");
  auto config = Config(server);
  config.settings["domain"] = "social.example";
  config.settings["max_characters"] = "500";
  config.secrets["access_token"] = "secret-wrong-token";
  auto ch = Make(config);
  auto r = ch->Poll("1");
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status();
  EXPECT_EQ(r.status().message().find("secret-wrong-token"), std::string::npos);
}

TEST(MastodonPoll, FailureAfterTheFirstPageKeepsWhatWasRead) {
  FakeMastodon server;
  for (uint64_t id = 1; id <= 60; ++id) {
    Spec s;
    s.id = id;
    s.status_id = std::to_string(id);
    AddMention(server, s);
  }
  server.FailNotificationsAfter(1, FakeMastodon::Mode::kServerError);
  auto ch = Make(Config(server));
  auto first = ch->Poll("0");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->messages.size(), 40u);
  EXPECT_EQ(first->cursor, "40");
  // Still failing: now the error surfaces.
  auto failing = ch->Poll(first->cursor);
  EXPECT_EQ(failing.status().code(), StatusCode::kUnavailable);
  server.SetMode(FakeMastodon::Mode::kNormal);
  auto rest = ch->Poll(first->cursor);
  ASSERT_TRUE(rest.ok()) << rest.status();
  ASSERT_EQ(rest->messages.size(), 20u);
  EXPECT_EQ(rest->messages.front().external_id, "41");
  EXPECT_EQ(rest->cursor, "60");
}

TEST(MastodonPoll, UnreachableServerIsUnavailable) {
  // A port that was free a moment ago: nothing listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  desk::ChannelConfig c;
  c.name = "down";
  c.kind = "mastodon";
  c.settings["base_url"] = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  c.settings["domain"] = "social.example";
  c.secrets["access_token"] = "t";
  auto ch = Make(c);
  auto r = ch->Poll("1");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  auto s = ch->Send({"k", "@a@social.example", "", "1", {}, "", "@a hi", true});
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable) << s.status();
}

TEST(MastodonPoll, RejectsACursorThatIsNoId) {
  FakeMastodon server;
  auto ch = Make(Config(server));
  EXPECT_EQ(ch->Poll("1&max_id=5").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(server.requests_to("/api/v1/notifications").empty());
}

desk::OutboundMessage Reply(std::string to, std::string in_reply_to, std::string text,
                            bool is_public, std::string key = "key-1") {
  desk::OutboundMessage m;
  m.idempotency_key = std::move(key);
  m.to_handle = std::move(to);
  m.in_reply_to = std::move(in_reply_to);
  m.text = std::move(text);
  m.is_public = is_public;
  return m;
}

TEST(MastodonSend, PublicReplyIsUnlistedWithIdempotencyKey) {
  FakeMastodon server;
  auto ch = Make(Config(server));
  auto msg =
      Reply("@anna@social.example", "110000000000000501", "Das tut uns leid!", true, "out-42");
  auto wire = ch->Render(msg);
  ASSERT_TRUE(wire.ok()) << wire.status();
  EXPECT_EQ(*wire, "@anna Das tut uns leid!");
  msg.text = *wire;
  auto receipt = ch->Send(msg);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->external_id, "110000000000000001");

  auto posts = server.requests_to("/api/v1/statuses");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].method, "POST");
  EXPECT_EQ(posts[0].headers.at("idempotency-key"), "out-42");
  EXPECT_EQ(posts[0].headers.at("authorization"), "Bearer test-token");
  json body = json::parse(posts[0].body);
  EXPECT_EQ(body["status"], "@anna Das tut uns leid!");
  EXPECT_EQ(body["in_reply_to_id"], "110000000000000501");
  EXPECT_EQ(body["visibility"], "unlisted");

  // A retry with the same key is the same status (the server dedupes).
  auto retry = ch->Send(msg);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->external_id, receipt->external_id);
  EXPECT_EQ(server.requests_to("/api/v1/statuses").back().headers.at("idempotency-key"), "out-42");
}

TEST(MastodonSend, PrivateReplyIsDirect) {
  FakeMastodon server;
  auto ch = Make(Config(server));
  auto msg = Reply("@jonas@chaos.example", "110000000000000502",
                   "Wir schreiben Ihnen gleich privat.", false);
  auto wire = ch->Render(msg);
  ASSERT_TRUE(wire.ok()) << wire.status();
  EXPECT_EQ(*wire, "@jonas@chaos.example Wir schreiben Ihnen gleich privat.");
  msg.text = *wire;
  ASSERT_TRUE(ch->Send(msg).ok());
  json body = json::parse(server.requests_to("/api/v1/statuses").at(0).body);
  EXPECT_EQ(body["visibility"], "direct");
  EXPECT_EQ(body["status"], "@jonas@chaos.example Wir schreiben Ihnen gleich privat.");
}

// Issue 7: a public mention answered privately is a "direct" status that
// mentions the customer (and so reaches only them), in the same thread.
TEST(MastodonSend, PublicMentionAnsweredPrivatelyIsADirectStatusToTheCustomer) {
  FakeMastodon server;
  auto ch = Make(Config(server));
  auto msg = Reply("@anna@social.example", "110000000000000501",
                   "Ihre IBAN DE89 3704 0044 0532 0130 00 ist vermerkt.", true);
  EXPECT_TRUE(ch->CanReplyPrivately(msg));
  EXPECT_FALSE(ch->CanReplyPrivately(Reply("", "1", "x", true)));
  EXPECT_FALSE(ch->CanReplyPrivately(Reply("kein handle mit leerzeichen", "1", "x", true)));
  msg.is_public = false;
  auto wire = ch->Render(msg);
  ASSERT_TRUE(wire.ok()) << wire.status();
  EXPECT_EQ(*wire, "@anna Ihre IBAN DE89 3704 0044 0532 0130 00 ist vermerkt.");
  msg.text = *wire;
  ASSERT_TRUE(ch->Send(msg).ok());
  auto posts = server.requests_to("/api/v1/statuses");
  ASSERT_EQ(posts.size(), 1u);
  json body = json::parse(posts[0].body);
  EXPECT_EQ(body["visibility"], "direct");
  EXPECT_EQ(body["in_reply_to_id"], "110000000000000501");
  EXPECT_EQ(body["status"], *wire);
}

TEST(MastodonSend, PublicVisibilitySetting) {
  FakeMastodon server;
  auto config = Config(server);
  config.settings["public_reply_visibility"] = "public";
  auto ch = Make(config);
  ASSERT_TRUE(ch->Send(Reply("@anna@social.example", "5", "@anna hallo", true)).ok());
  json body = json::parse(server.requests_to("/api/v1/statuses").at(0).body);
  EXPECT_EQ(body["visibility"], "public");
}

TEST(MastodonSend, NewStatusWithoutReplyHasNoInReplyTo) {
  FakeMastodon server;
  auto ch = Make(Config(server));
  ASSERT_TRUE(ch->Send(Reply("", "", "Wartungsarbeiten heute Abend.", true)).ok());
  json body = json::parse(server.requests_to("/api/v1/statuses").at(0).body);
  EXPECT_FALSE(body.contains("in_reply_to_id"));
}

TEST(MastodonSend, ErrorClasses) {
  FakeMastodon server;
  auto ch = Make(Config(server));
  auto msg = Reply("@anna@social.example", "5", "@anna hallo", true);

  server.SetMode(FakeMastodon::Mode::kUnprocessable);
  auto r = ch->Send(msg);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("Text character limit of 500 exceeded"), std::string::npos)
      << r.status();

  server.SetMode(FakeMastodon::Mode::kServerError);
  EXPECT_EQ(ch->Send(msg).status().code(), StatusCode::kUnavailable);

  server.SetMode(FakeMastodon::Mode::kRateLimited);
  EXPECT_EQ(ch->Send(msg).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ch->retry_after_ms(), 270'000);

  server.SetMode(FakeMastodon::Mode::kUnauthorized);
  EXPECT_EQ(ch->Send(msg).status().code(), StatusCode::kPermissionDenied);

  server.SetMode(FakeMastodon::Mode::kNormal);
  EXPECT_TRUE(ch->Send(msg).ok());
  EXPECT_EQ(ch->retry_after_ms(), 0);

  EXPECT_EQ(ch->Send(Reply("@a", "5", "", true)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ch->Send(Reply("@a", "5", "x", true, "bad\r\nX-Injected: 1")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ch->Send(Reply("@a", "5/../x", "x", true)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(MastodonRender, MentionIsNotDoubled) {
  FakeMastodon server;
  auto ch = Make(Config(server));
  auto r = ch->Render(Reply("@anna@social.example", "1", "@anna gern geschehen", true));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "@anna gern geschehen");
  auto remote = ch->Render(Reply("@jonas@chaos.example", "1", "@jonas@chaos.example gern", true));
  ASSERT_TRUE(remote.ok());
  EXPECT_EQ(*remote, "@jonas@chaos.example gern");
}

TEST(MastodonRender, LimitFromTheInstanceAndMastodonCounting) {
  FakeMastodon server;
  server.SetMaxCharacters(60);
  auto ch = Make(Config(server));
  // "@jonas " (7: the domain does not count) + 29 letters + " " + a long URL (23) = 60.
  std::string text = std::string(29, 'x') + " https://example.com/" + std::string(200, 'p');
  auto ok = ch->Render(Reply("@jonas@chaos.example", "1", text, true));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, "@jonas@chaos.example " + text);
  auto over = ch->Render(Reply("@jonas@chaos.example", "1", "x" + text, true));
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.requests_to("/api/v2/instance").size(), 1u);
}

TEST(MastodonRender, OverTheLimitNamesLengthAndLimit) {
  FakeMastodon server;
  server.SetMaxCharacters(60);
  auto ch = Make(Config(server));
  // "@anna " = 6, 31 x, " " = 1, URL = 23: 61 > 60.
  std::string text = std::string(31, 'x') + " https://example.com/" + std::string(200, 'p');
  auto r = ch->Render(Reply("@anna@social.example", "1", text, true));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("61 characters"), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("allows 60"), std::string::npos) << r.status();
  // One character less fits exactly.
  text = std::string(30, 'x') + " https://example.com/" + std::string(200, 'p');
  EXPECT_TRUE(ch->Render(Reply("@anna@social.example", "1", text, true)).ok());
}

TEST(MastodonRender, CodePointsNotBytes) {
  FakeMastodon server;
  auto config = Config(server);
  config.settings["max_characters"] = "10";
  config.settings["domain"] = "social.example";
  auto ch = Make(config);
  // "@anna " (6) + "äöüß" (4 code points, 8 bytes) = 10.
  EXPECT_TRUE(ch->Render(Reply("@anna@social.example", "", "äöüß", true)).ok());
  EXPECT_FALSE(ch->Render(Reply("@anna@social.example", "", "äöüßx", true)).ok());
  // Configured limits need no instance request.
  EXPECT_TRUE(server.requests_to("/api/v2/instance").empty());
}

TEST(MastodonRender, SettingOverridesTheInstance) {
  FakeMastodon server;
  server.SetMaxCharacters(5000);
  auto config = Config(server);
  config.settings["max_characters"] = "500";
  auto ch = Make(config);
  EXPECT_FALSE(ch->Render(Reply("", "", std::string(501, 'a'), true)).ok());
  EXPECT_TRUE(ch->Render(Reply("", "", std::string(500, 'a'), true)).ok());
}

// The composer's counter: the wire text's length as the instance counts it
// (a URL as 23) against the instance's limit.
TEST(MastodonRender, EstimateCountsLikeTheInstance) {
  FakeMastodon server;
  server.SetMaxCharacters(640);
  auto ch = Make(Config(server));
  desk::OutboundMessage wire = Reply("", "", "", true);
  wire.text = "Mehr unter https://example.com/" + std::string(100, 'p');
  desk::SendEstimate e = ch->Estimate(wire);
  EXPECT_EQ(e.length, 11 + 23);
  EXPECT_EQ(e.limit, 640);
  EXPECT_EQ(e.unit, "characters");
  EXPECT_EQ(e.cost, 0);
}

TEST(MastodonRender, InvalidInput) {
  FakeMastodon server;
  auto ch = Make(Config(server));
  EXPECT_EQ(ch->Render(Reply("@anna", "", "", true)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ch->Render(Reply("not a handle", "", "hi", true)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ch->Render(Reply("@anna", "", "bad \xff byte", true)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(MastodonInstance, WithoutV2InstanceTheDefaultsApply) {
  FakeMastodon server;
  server.SetInstanceStatus(404);
  Spec s;
  s.id = 2;
  s.status_id = "2";
  AddMention(server, s);
  auto ch = Make(Config(server));
  auto r = ch->Poll("1");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->messages.size(), 1u);
  // The host of base_url stands in for the domain.
  EXPECT_EQ(r->messages[0].author_handle, "@anna@127.0.0.1");
  EXPECT_FALSE(ch->Render(Reply("", "", std::string(501, 'a'), true)).ok());
  EXPECT_TRUE(ch->Render(Reply("", "", std::string(500, 'a'), true)).ok());
  // Asked once, not on every call.
  EXPECT_EQ(server.requests_to("/api/v2/instance").size(), 1u);
}

TEST(MastodonInstance, TransientInstanceFailureFailsPollUntilTheDomainIsKnown) {
  FakeMastodon server;
  server.SetInstanceStatus(503);
  Spec s;
  s.id = 2;
  s.status_id = "2";
  AddMention(server, s);
  auto ch = Make(Config(server));
  // Guessing the domain now could give one customer two handles later.
  EXPECT_EQ(ch->Poll("1").status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(server.requests_to("/api/v1/notifications").empty());
  // Render still works, with the default limit.
  EXPECT_FALSE(ch->Render(Reply("", "", std::string(501, 'a'), true)).ok());
  server.SetInstanceStatus(200);
  auto r = ch->Poll("1");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->messages[0].author_handle, "@anna@social.example");
}

TEST(MastodonStream, DeliversMentionsAndReportsBadOnes) {
  FakeMastodon server;
  Spec dm;
  dm.id = 41;
  dm.status_id = "41";
  dm.acct = "jonas@chaos.example";
  dm.visibility = "direct";
  dm.content = "<p>@support Hilfe, bitte!</p>";
  std::string mention = Mention(dm);
  json broken = json::parse(Mention(Spec{42, "42"}));
  broken["status"]["account"].erase("acct");
  server.SetStream(
      {":)\n\n", "event: update\ndata: {\"id\":\"9\"}\n\n",
       "event: notification\ndata: " + mention.substr(0, 50), mention.substr(50) + "\n\n",
       ":thump\n\n", "event: notification\r\ndata: " + Favourite(43) + "\r\n\r\n",
       "event: notification\ndata: " + broken.dump() + "\n\n",
       "event: notification\ndata: {not json\n\n"},
      /*hold_open=*/false);
  auto ch = Make(Config(server));
  std::vector<desk::InboundMessage> got;
  std::vector<RejectedNotification> bad;
  Status st = ch->Stream([&](desk::InboundMessage m) { got.push_back(std::move(m)); },
                         [&](RejectedNotification r) { bad.push_back(std::move(r)); },
                         [] { return false; });
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st;  // the server closed the stream
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].external_id, "41");
  EXPECT_EQ(got[0].author_handle, "@jonas@chaos.example");
  EXPECT_EQ(got[0].text, "@support Hilfe, bitte!");
  EXPECT_FALSE(got[0].is_public);
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[0].notification_id, "42");
  EXPECT_EQ(bad[0].reason, "/status/account/acct is missing");
  EXPECT_NE(bad[1].reason.find("malformed JSON"), std::string::npos) << bad[1].reason;
  auto reqs = server.requests_to("/api/v1/streaming/user/notification");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].headers.at("authorization"), "Bearer test-token");
}

TEST(MastodonStream, StopEndsAnOpenStream) {
  FakeMastodon server;
  server.SetStream({"event: notification\ndata: " + Mention(Spec{51, "51"}) + "\n\n"},
                   /*hold_open=*/true);
  auto ch = Make(Config(server));
  std::atomic<int> got{0};
  Status st =
      ch->Stream([&](desk::InboundMessage) { ++got; }, nullptr, [&] { return got.load() > 0; });
  EXPECT_TRUE(st.ok()) << st;
  EXPECT_EQ(got.load(), 1);
}

TEST(MastodonStream, RefusedStreamIsMapped) {
  FakeMastodon server("another-token");
  auto config = Config(server);
  config.settings["domain"] = "social.example";
  config.settings["max_characters"] = "500";
  auto ch = Make(config);
  Status st = ch->Stream([](desk::InboundMessage) {}, nullptr, [] { return false; });
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st;
}

TEST(MastodonChannel, RateLimitAndKind) {
  FakeMastodon server;
  auto ch = Make(Config(server));
  EXPECT_EQ(ch->kind(), "mastodon");
  EXPECT_EQ(ch->rate_limit().max_sends, 300);
  EXPECT_EQ(ch->rate_limit().window_ms, 3 * 60 * 60 * 1000);
}

TEST(MastodonFactory, ErrorsNameTheSetting) {
  desk::ChannelConfig good;
  good.name = "m";
  good.kind = "mastodon";
  good.settings["base_url"] = "https://social.example/";
  good.secrets["access_token"] = "t";
  ASSERT_TRUE(MakeMastodonChannel(good).ok());

  auto expect_error = [&](desk::ChannelConfig c, const std::string& needle) {
    auto r = MakeMastodonChannel(c);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status();
  };
  auto c = good;
  c.settings.erase("base_url");
  expect_error(c, "'base_url'");
  c = good;
  c.settings["base_url"] = "http://social.example";
  expect_error(c, "'base_url'");
  c = good;
  c.settings["base_url"] = "ftp://social.example";
  expect_error(c, "'base_url'");
  c = good;
  c.settings["base_url"] = "https://user:pw@social.example";
  expect_error(c, "'base_url'");
  c = good;
  c.secrets.clear();
  expect_error(c, "'access_token'");
  c = good;
  c.secrets["access_token"] = "a\r\nb";
  expect_error(c, "'access_token'");
  c = good;
  c.settings["max_characters"] = "lots";
  expect_error(c, "'max_characters'");
  c = good;
  c.settings["max_characters"] = "0";
  expect_error(c, "'max_characters'");
  c = good;
  c.settings["public_reply_visibility"] = "direct";
  expect_error(c, "'public_reply_visibility'");
  c = good;
  c.settings["verify_tls"] = "maybe";
  expect_error(c, "'verify_tls'");
  c = good;
  c.settings["page_limit"] = "81";
  expect_error(c, "'page_limit'");
  c = good;
  c.settings["domain"] = "not a domain";
  expect_error(c, "'domain'");
  c = good;
  c.settings["include_filtered"] = "sometimes";
  expect_error(c, "'include_filtered'");
  c = good;
  c.kind = "email";
  expect_error(c, "not 'mastodon'");
}

}  // namespace
}  // namespace leitplanke::channels::mastodon
