// The publish API end to end: a real App and Server on an ephemeral port with
// a temporary SQLite database and the default guideline, driven over sockets
// by a publisher, an approver and an advocate.
#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "leitplanke/trust/tokens.h"

#include "channels/demo/demo.h"
#include "http/server.h"
#include "server/app.h"
#include "server_test_base.h"
#include "test_client.h"

namespace leitplanke::server {
namespace {

using nlohmann::json;
using testing::HttpReply;
using testing::Send;
using testing::Session;

class PublishApiTest : public testing::ServerTestBase {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("lp_publish_api_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    config_.require_2fa_roles = {};
    // Hermetic: no cool-down that depends on today's working hours (the
    // publish unit test covers it with a fake clock).
    config_.publish_cooldown_minutes = 0;
    // Small, so the over-limit upload stays small too.
    config_.publish_media_max_bytes = 2000;
    StartServer();
    if (HasFatalFailure()) return;

    admin_ = Admin();
    ASSERT_FALSE(HasFailure());
    store::ChannelRow ch;
    ch.name = "company-demo";
    ch.kind = "demo";
    auto made = app_->context().store->desk().CreateChannel(ch);
    ASSERT_TRUE(made.ok()) << made.error();
    channel_ = made->id;
  }

  Session User(const std::string& name, const std::string& role) {
    return CreateAndLogin(admin_, name, role);
  }

  json Body(const HttpReply& r) {
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }

  // A raw upload (the file as the body) with the session's cookie.
  HttpReply Upload(const Session& s, const std::string& query, const std::string& bytes,
                   const std::string& content_type) {
    std::vector<std::pair<std::string, std::string>> h = {{"Cookie", s.cookie},
                                                          {"X-CSRF-Token", s.csrf}};
    if (!content_type.empty()) h.emplace_back("Content-Type", content_type);
    return Send(port_, "POST", "/api/v1/assets/files?" + query, bytes, h);
  }

  HttpReply Get(const Session& s, const std::string& target,
                std::vector<std::pair<std::string, std::string>> h = {}) {
    h.emplace_back("Cookie", s.cookie);
    return Send(port_, "GET", target, "", h);
  }

  Session admin_;
  int64_t channel_ = 0;
};

// A PNG header of w x h pixels, padded.
std::string Png(uint32_t w, uint32_t h, size_t size) {
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  std::string b = std::string("\x89PNG\r\n\x1A\n", 8) + be32(13) + "IHDR" + be32(w) + be32(h);
  for (size_t i = b.size(); i < size; ++i) b += static_cast<char>(i * 7);
  return b;
}

TEST_F(PublishApiTest, PostFromDraftThroughApprovalToTheArchive) {
  Session paula = User("paula", "publisher");
  Session anna = User("anna", "approver");
  Session mara = User("mara", "advocate");

  json draft = {{"title", "Tarifstart"},
                {"body", "Unser neuer Tarif startet heute."},
                {"variants", {{{"channel_id", channel_}}}}};
  // Live check per variant: nothing stored.
  HttpReply r = paula.Call("POST", "/api/v1/posts/check", draft.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["checks"][0]["wire_text"], "Unser neuer Tarif startet heute.");
  EXPECT_EQ(Body(r)["checks"][0]["verdict"]["action"], "allow");

  // Roles: an advocate neither drafts nor reads posts; an approver reads them.
  EXPECT_EQ(mara.Call("POST", "/api/v1/posts", draft.dump()).status, 403);
  EXPECT_EQ(mara.Call("GET", "/api/v1/posts").status, 403);
  EXPECT_EQ(anna.Call("POST", "/api/v1/posts", draft.dump()).status, 403);

  r = paula.Call("POST", "/api/v1/posts", draft.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  json post = Body(r);
  const std::string id = std::to_string(post["id"].get<int64_t>());
  EXPECT_EQ(post["state"], "draft");
  EXPECT_EQ(post["variants"][0]["channel"], "company-demo");

  // A text the guideline holds (a crisis topic) needs a second person.
  json edit = draft;
  edit["body"] = "Nach dem Brand im Werk: Es gab Verletzte, wir informieren weiter.";
  edit["version"] = post["version"];
  r = paula.Call("PUT", "/api/v1/posts/" + id, edit.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  r = paula.Call("POST", "/api/v1/posts/" + id + "/schedule", json{{"scheduled_at", "now"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  r = paula.Call("POST", "/api/v1/posts/" + id + "/submit", json::object().dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json outcome = Body(r);
  if (outcome["decision"] == "submitted") {
    const std::string approval = std::to_string(outcome["approval_id"].get<int64_t>());
    // The approver sees it in the desk's queue and has a notification.
    r = anna.Call("GET", "/api/v1/notifications?unread=1");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(Body(r)["notifications"].size(), 1u);
    EXPECT_EQ(Body(r)["notifications"][0]["subject"], "approval:" + approval);
    r = anna.Call("GET", "/api/v1/approvals/" + approval);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Body(r)["kind"], "post");
    r = anna.Call("POST", "/api/v1/approvals/" + approval + "/decision",
                  json{{"decision", "approve"}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
  } else {
    ASSERT_EQ(outcome["decision"], "scheduled") << outcome.dump();
  }
  r = paula.Call("GET", "/api/v1/posts/" + id);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["state"], "scheduled") << r.body;

  // The per-channel queue and the calendar show it.
  r = paula.Call("GET", "/api/v1/calendar/queues?channel_id=" + std::to_string(channel_));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(Body(r)["queues"][0]["posts"].size(), 1u);

  // The worker sends it; it is in the archive.
  auto sent = app_->context().publisher->RunQueue();
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_EQ(*sent, 1u);
  r = paula.Call("GET", "/api/v1/posts/" + id);
  EXPECT_EQ(Body(r)["state"], "sent") << r.body;
  EXPECT_EQ(Body(r)["variants"][0]["state"], "sent");
  auto archive = app_->context().store->desk().ListArchive(1, 10);
  ASSERT_TRUE(archive.ok());
  ASSERT_EQ(archive->size(), 1u);
  EXPECT_EQ((*archive)[0].kind, "post");

  std::string today = Body(r)["sent_at"].get<std::string>().substr(0, 10);
  r = paula.Call("GET", "/api/v1/calendar?from=" + today + "&to=2099-01-01");
  EXPECT_EQ(r.status, 400) << r.body;  // more than 62 days: out of range
  r = anna.Call("GET", "/api/v1/calendar?from=2020-01-01&to=2020-01-08");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["time_zone"], "Europe/Berlin");
  EXPECT_TRUE(Body(r)["posts"].empty());
  // The time zone outside calendar answers, for the UI.
  r = paula.Call("GET", "/api/v1/publish/settings");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["time_zone"], "Europe/Berlin");
  EXPECT_EQ(paula.Call("GET", "/api/v1/calendar?from=yesterday&to=2020-01-08").status, 400);

  // Advocacy: an approved post released for sharing; an advocate's share
  // must disclose the affiliation (R06).
  r = paula.Call("POST", "/api/v1/posts", draft.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id2 = std::to_string(Body(r)["id"].get<int64_t>());
  EXPECT_EQ(
      paula.Call("PUT", "/api/v1/posts/" + id2 + "/shareable", json{{"shareable", true}}.dump())
          .status,
      409);  // a draft is not released
  r = paula.Call("POST", "/api/v1/posts/" + id2 + "/submit", json::object().dump());
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(Body(r)["decision"], "approved") << r.body;
  r = paula.Call("PUT", "/api/v1/posts/" + id2 + "/shareable", json{{"shareable", true}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  r = mara.Call("GET", "/api/v1/advocacy/posts");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(Body(r)["posts"].size(), 1u);
  r = mara.Call("POST", "/api/v1/advocacy/posts/" + id2 + "/share",
                json{{"own_words", "Wichtig für alle Kunden."}, {"network", "linkedin"}}.dump());
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_FALSE(Body(r)["allowed"].get<bool>());
  EXPECT_EQ(Body(r)["verdict"]["findings"][0]["rule"], "R06.disclosure") << r.body;
  // The same words as a preview: an answer (200) that says "not allowed" and why.
  r = mara.Call(
      "POST", "/api/v1/advocacy/posts/" + id2 + "/share",
      json{{"own_words", "Wichtig für alle Kunden."}, {"network", "linkedin"}, {"preview", true}}
          .dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(Body(r)["allowed"].get<bool>());
  EXPECT_EQ(Body(r)["verdict"]["findings"][0]["rule"], "R06.disclosure") << r.body;
  EXPECT_FALSE(Body(r).contains("share"));
  r = mara.Call("POST", "/api/v1/advocacy/posts/" + id2 + "/share",
                json{{"own_words", "Wichtig für alle Kunden."},
                     {"network", "linkedin"},
                     {"add_disclosure", true}}
                    .dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["text"].get<std::string>().rfind("Ich arbeite bei Beispiel AG.", 0), 0u);
  r = mara.Call("GET", "/api/v1/advocacy/shares");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(Body(r)["shares"].size(), 1u);
  EXPECT_EQ(Body(r)["shares"][0]["post_title"], draft["title"]) << r.body;
  EXPECT_FALSE(Body(r)["shares"][0]["post_title"].get<std::string>().empty());
}

TEST_F(PublishApiTest, BadInputNamesTheField) {
  Session paula = User("paula", "publisher");
  HttpReply r = paula.Call("POST", "/api/v1/posts", json{{"title", "x"}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("/variants"), std::string::npos) << r.body;
  r = paula.Call("POST", "/api/v1/posts",
                 json{{"title", "x"}, {"body", "y"}, {"variants", {{{"channel_id", 999}}}}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("/variants/0/channel_id"), std::string::npos) << r.body;
  r = paula.Call("POST", "/api/v1/posts", "{\"title\": ");
  EXPECT_EQ(r.status, 400);
  json draft = {{"title", "t"}, {"body", "b"}, {"variants", {{{"channel_id", channel_}}}}};
  r = paula.Call("POST", "/api/v1/posts", draft.dump());
  ASSERT_EQ(r.status, 201);
  const std::string id = std::to_string(Body(r)["id"].get<int64_t>());
  r = paula.Call("POST", "/api/v1/posts/" + id + "/schedule",
                 json{{"scheduled_at", "2026-02-30T10:00"}}.dump());
  EXPECT_EQ(r.status, 400) << r.body;
  draft["version"] = 99;
  r = paula.Call("PUT", "/api/v1/posts/" + id, draft.dump());
  EXPECT_EQ(r.status, 409) << r.body;  // stale version
  EXPECT_EQ(paula.Call("GET", "/api/v1/posts/12345").status, 404);
}

TEST_F(PublishApiTest, MediaLibraryAndVariantMedia) {
  Session paula = User("paula", "publisher");
  Session mara = User("mara", "advocate");
  json asset = {{"name", "team.jpg"},
                {"url", "https://media.beispiel.de/team.jpg"},
                {"mime_type", "image/jpeg"},
                {"licence", "own photo"},
                {"consent", "given"}};
  EXPECT_EQ(mara.Call("POST", "/api/v1/assets", asset.dump()).status, 403);
  HttpReply r = paula.Call("POST", "/api/v1/assets", asset.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t id = Body(r)["id"];
  asset["consent"] = "perhaps";
  r = paula.Call("POST", "/api/v1/assets", asset.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("/consent"), std::string::npos) << r.body;
  r = paula.Call("GET", "/api/v1/assets");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["assets"].size(), 1u);

  json draft = {{"title", "Team"},
                {"body", "Unser Team."},
                {"variants", {{{"channel_id", channel_}, {"asset_ids", {id}}}}}};
  r = paula.Call("POST", "/api/v1/posts/check", draft.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["checks"][0]["assets"][0]["licence"], "own photo");
  EXPECT_EQ(Body(r)["checks"][0]["wire_text"], "Unser Team.\nhttps://media.beispiel.de/team.jpg");
  r = paula.Call("POST", "/api/v1/posts", draft.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["variants"][0]["asset_ids"], json::array({id}));
  // A reference goes as a link: not native, whatever the channel takes.
  EXPECT_EQ(Body(r)["variants"][0]["media"][0]["native"], false) << r.body;
  EXPECT_EQ(Body(r)["variants"][0]["media"][0]["asset_id"], id);
  draft["variants"][0]["asset_ids"] = {"x"};
  r = paula.Call("POST", "/api/v1/posts", draft.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("/variants/0/asset_ids/0"), std::string::npos) << r.body;
}

TEST_F(PublishApiTest, StoredMediaUploadServeEditDeleteAndSendNatively) {
  Session paula = User("paula", "publisher");
  Session mara = User("mara", "advocate");
  const std::string png = Png(640, 480, 1500);
  const std::string digest = trust::Sha256Hex(png);

  HttpReply r = Upload(paula,
                       "name=team%20photo.png&alt_text=Unser%20Team%20am%20See&licence=own%20photo"
                       "&consent=given",
                       png, "image/png");
  ASSERT_EQ(r.status, 201) << r.body;
  json asset = Body(r);
  const int64_t id = asset["id"];
  EXPECT_EQ(asset["name"], "team photo.png");
  EXPECT_EQ(asset["mime_type"], "image/png");
  EXPECT_EQ(asset["width"], 640);
  EXPECT_EQ(asset["height"], 480);
  EXPECT_EQ(asset["size"], 1500);
  EXPECT_EQ(asset["sha256"], digest);
  EXPECT_EQ(asset["alt_text"], "Unser Team am See");
  EXPECT_EQ(asset["url"], "");
  EXPECT_EQ(asset["file_url"], "/api/v1/assets/" + std::to_string(id) + "/file");

  // The declared type must match the bytes; octet-stream leaves it to them.
  r = Upload(paula, "name=x.jpg", png, "image/jpeg");
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_NE(r.body.find("image/jpeg"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("image/png"), std::string::npos) << r.body;
  r = Upload(paula, "name=copy.png&consent=not_needed&licence=own", png,
             "application/octet-stream");
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t copy = Body(r)["id"];
  EXPECT_EQ(Body(r)["sha256"], digest);
  // Over [publish] media_max_bytes: 413 naming the limit.
  r = Upload(paula, "name=big.png", Png(10, 10, 2500), "image/png");
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(r.body.find("2000 bytes"), std::string::npos) << r.body;
  r = Upload(paula, "name=doc.pdf", "%PDF-1.7 something", "");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("25 50 44 46 (PDF?)"), std::string::npos) << r.body;
  r = Upload(paula, "alt_text=x", png, "image/png");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(Upload(mara, "name=m.png", png, "image/png").status, 403);

  // The file as stored, to any signed-in user; revalidated by its digest.
  const std::string file = "/api/v1/assets/" + std::to_string(id) + "/file";
  r = Get(mara, file);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.body == png);
  EXPECT_EQ(r.headers["content-type"], "image/png");
  EXPECT_EQ(r.headers["etag"], "\"" + digest + "\"");
  EXPECT_EQ(r.headers["cache-control"], "private, max-age=3600");
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(r.headers["content-disposition"],
            "inline; filename=\"team photo.png\"; filename*=UTF-8''team%20photo.png");
  r = Get(mara, file, {{"If-None-Match", "\"" + digest + "\""}});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.body, "");
  r = Get(mara, file, {{"If-None-Match", "\"other\""}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Send(port_, "GET", file).status, 401);

  // Notes and alt text change (audited); the file does not.
  r = paula.Call("PATCH", "/api/v1/assets/" + std::to_string(id),
                 json{{"alt_text", "Das Team am See"}, {"licence", "own photo, 2026"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["alt_text"], "Das Team am See");
  EXPECT_EQ(Body(r)["licence"], "own photo, 2026");
  EXPECT_EQ(Body(r)["sha256"], digest);
  EXPECT_EQ(Body(r)["name"], "team photo.png");
  EXPECT_EQ(
      mara.Call("PATCH", "/api/v1/assets/" + std::to_string(id), json{{"alt_text", "x"}}.dump())
          .status,
      403);
  r = paula.Call("PATCH", "/api/v1/assets/" + std::to_string(id),
                 json{{"consent", "perhaps"}}.dump());
  EXPECT_EQ(r.status, 400);
  auto audit = app_->context().store->ListAudit(0, 500);
  ASSERT_TRUE(audit.ok());
  bool audited = false;
  for (const store::AuditEntry& e : *audit) {
    audited |= e.action == "publish.asset_updated" && e.target == "asset:" + std::to_string(id);
  }
  EXPECT_TRUE(audited);

  // On the demo channel (up to 4 images) the file goes natively.
  json draft = {{"title", "Team"},
                {"body", "Unser Team."},
                {"variants", {{{"channel_id", channel_}, {"asset_ids", {id}}}}}};
  r = paula.Call("POST", "/api/v1/posts/check", draft.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json check = Body(r)["checks"][0];
  EXPECT_EQ(check["wire_text"], "Unser Team.");
  EXPECT_EQ(check["media"][0]["native"], true) << check.dump();
  EXPECT_EQ(check["media"][0]["asset_id"], id);
  EXPECT_EQ(check["media"][0]["mime_type"], "image/png");
  EXPECT_EQ(check["media"][0]["size"], 1500);
  EXPECT_EQ(check["media_limits"]["max_images"], 4);
  EXPECT_EQ(check["media_limits"]["max_videos"], 1);
  r = paula.Call("POST", "/api/v1/posts", draft.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  json post = Body(r);
  EXPECT_EQ(post["variants"][0]["media"][0]["native"], true) << post.dump();
  EXPECT_EQ(post["variants"][0]["media_limits"]["max_images"], 4);
  const std::string pid = std::to_string(post["id"].get<int64_t>());
  r = paula.Call("POST", "/api/v1/posts/" + pid + "/schedule",
                 json{{"scheduled_at", "now"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  r = paula.Call("POST", "/api/v1/posts/" + pid + "/submit", json::object().dump());
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(Body(r)["decision"], "scheduled") << r.body;
  auto sent = app_->context().publisher->RunQueue();
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_EQ(*sent, 1u);
  auto connector = app_->context().desk->ConnectorFor(channel_);
  ASSERT_TRUE(connector.ok()) << connector.error();
  auto* demo = dynamic_cast<channels::demo::DemoChannel*>(*connector);
  ASSERT_NE(demo, nullptr);
  ASSERT_EQ(demo->sent().size(), 1u);
  const channels::demo::SentReply& out = demo->sent()[0];
  EXPECT_EQ(out.message.text, "Unser Team.");
  ASSERT_EQ(out.media.size(), 1u);
  EXPECT_EQ(out.media[0].name, "team photo.png");
  EXPECT_EQ(out.media[0].mime_type, "image/png");
  EXPECT_EQ(out.media[0].size, 1500);
  EXPECT_EQ(out.media[0].sha256, digest);
  EXPECT_EQ(out.media[0].alt_text, "Das Team am See");

  // A used medium stays; an unused one goes (its file stays for the copy).
  r = paula.Call("DELETE", "/api/v1/assets/" + std::to_string(id));
  EXPECT_EQ(r.status, 409) << r.body;
  r = paula.Call("DELETE", "/api/v1/assets/" + std::to_string(copy));
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Get(paula, "/api/v1/assets/" + std::to_string(copy) + "/file").status, 404);
  EXPECT_EQ(Get(paula, file).status, 200);
  r = paula.Call("GET", "/api/v1/assets");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(Body(r)["assets"].size(), 1u);
  EXPECT_EQ(Body(r)["assets"][0]["alt_text"], "Das Team am See");
}

}  // namespace
}  // namespace leitplanke::server
