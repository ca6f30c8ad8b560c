// The fixture base of the end-to-end API tests (api_test, publish_api_test):
// a real App and Server on an ephemeral port over a temporary data folder,
// and sign-in over HTTP.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "http/router.h"
#include "http/server.h"
#include "server/app.h"
#include "test_client.h"

namespace leitplanke::server::testing {

class ServerTestBase : public ::testing::Test {
 protected:
  // Opens the App on config_ with its data in dir_ (set by the test; removed
  // first), listening on 127.0.0.1:0 with two I/O and two worker threads and
  // no access log, and starts the Server. Keeps the first run's one-time
  // admin password in admin_password_ and the served routes in routes_.
  // Fails the test fatally otherwise (check HasFatalFailure()).
  void StartServer();

  void TearDown() override;

  // Signs in; `expect` is the status the login must answer. Without 200 the
  // session carries no cookie.
  Session Login(const std::string& user, const std::string& password, int expect = 200);

  // The first admin, signed in with the one-time password replaced by
  // "correct horse battery staple" (kept in admin_password_).
  Session Admin();

  // Creates `name` with one role (by `admin`) and signs them in.
  Session CreateAndLogin(const Session& admin, const std::string& name, const std::string& role);

  std::string dir_;
  ServerConfig config_;
  std::unique_ptr<App> app_;
  std::unique_ptr<http::Server> server_;
  std::vector<http::RouteInfo> routes_;
  std::string admin_password_;
  uint16_t port_ = 0;
};

}  // namespace leitplanke::server::testing
