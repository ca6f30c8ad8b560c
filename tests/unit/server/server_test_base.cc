#include "server_test_base.h"

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

namespace leitplanke::server::testing {

using nlohmann::json;

void ServerTestBase::StartServer() {
  std::filesystem::remove_all(dir_);
  config_.data_dir = dir_;
  config_.listen = "127.0.0.1:0";
  config_.io_threads = 2;
  config_.worker_threads = 2;
  config_.access_log = false;
  std::ostringstream first_run;
  auto app = App::Open(config_, SystemClock::Default(), &first_run);
  ASSERT_TRUE(app.ok()) << app.status();
  app_ = std::move(*app);
  const std::string out = first_run.str();
  size_t p = out.find("password:  ");
  ASSERT_NE(p, std::string::npos) << out;
  admin_password_ = out.substr(p + 11, out.find(' ', p + 11) - p - 11);
  auto router = app_->BuildRouter();
  ASSERT_TRUE(router.ok()) << router.status();
  routes_ = router->routes();
  auto options = app_->ServerOptionsFromConfig();
  ASSERT_TRUE(options.ok());
  server_ = std::make_unique<http::Server>(*options, std::move(*router));
  ASSERT_TRUE(server_->Start().ok());
  port_ = server_->port();
}

void ServerTestBase::TearDown() {
  if (server_) server_->Stop();
  server_.reset();
  app_.reset();
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

Session ServerTestBase::Login(const std::string& user, const std::string& password, int expect) {
  HttpReply r = Send(port_, "POST", "/api/v1/auth/login",
                     json{{"username", user}, {"password", password}}.dump());
  EXPECT_EQ(r.status, expect) << r.body;
  Session s;
  s.port = port_;
  if (r.status != 200) return s;
  for (const std::string& c : r.set_cookies) {
    if (c.starts_with("lp_session=")) s.cookie = c.substr(0, c.find(';'));
  }
  s.csrf = json::parse(r.body).value("csrf_token", "");
  return s;
}

Session ServerTestBase::Admin() {
  Session s = Login("admin", admin_password_);
  HttpReply r = s.Call(
      "POST", "/api/v1/auth/password",
      json{{"old_password", admin_password_}, {"new_password", "correct horse battery staple"}}
          .dump());
  EXPECT_EQ(r.status, 204) << r.body;
  admin_password_ = "correct horse battery staple";
  return s;
}

Session ServerTestBase::CreateAndLogin(const Session& admin, const std::string& name,
                                       const std::string& role) {
  HttpReply r = admin.Call(
      "POST", "/api/v1/users",
      json{{"username", name}, {"password", "a long enough password 1"}, {"roles", {role}}}.dump());
  EXPECT_EQ(r.status, 201) << r.body;
  return Login(name, "a long enough password 1");
}

}  // namespace leitplanke::server::testing
