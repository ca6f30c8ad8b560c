// A temp-file SQLite store, a fake clock and the trust services over them.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "leitplanke/base/clock.h"

#include "leitplanke/store/store.h"
#include "leitplanke/trust/accounts.h"
#include "leitplanke/trust/audit.h"
#include "leitplanke/trust/throttle.h"
#include "leitplanke/trust/vault.h"

namespace leitplanke::trust::testing {

class TrustEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lp_trust_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    db_path_ = dir_ + "/leitplanke.db";
    auto opened = store::OpenStore(db_path_);
    ASSERT_TRUE(opened.ok()) << opened.error();
    store_ = std::move(*opened);
    vault_ = std::make_unique<Vault>(*store_, key_, clock_);
    audit_ = std::make_unique<AuditLog>(*store_, clock_);
    throttle_ = std::make_unique<LoginThrottle>(*store_, clock_);
    AccountOptions options;
    options.password_hash = PasswordHashOptionsForTest();
    accounts_ =
        std::make_unique<AccountService>(*store_, *vault_, *audit_, *throttle_, clock_, options);
  }

  void TearDown() override {
    accounts_.reset();
    throttle_.reset();
    audit_.reset();
    vault_.reset();
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  std::string db_path_;
  FakeClock clock_{1'700'000'000'000};
  MasterKey key_ = MasterKey::Generate();
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Vault> vault_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<LoginThrottle> throttle_;
  std::unique_ptr<AccountService> accounts_;
};

}  // namespace leitplanke::trust::testing
