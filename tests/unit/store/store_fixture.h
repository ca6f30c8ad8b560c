// The fixture base of the store contract suites (Store, DeskStore,
// PublishStore): parameterised by back end ("sqlite", "postgres"), each test
// on a database of its own; PostgreSQL is skipped without
// LP_TEST_POSTGRES_URL (scripts/with-postgres).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "leitplanke/store/store.h"

#include "test_support.h"

namespace leitplanke::store::testing {

class StoreFixture : public ::testing::TestWithParam<std::string> {
 protected:
  // Opens store_ on a new database (url_). A suite's own SetUp calls this
  // first and returns when IsSkipped() or HasFatalFailure().
  void SetUp() override {
    if (GetParam() == "postgres" && PostgresAdminUrl().empty()) {
      GTEST_SKIP() << "LP_TEST_POSTGRES_URL not set; run under scripts/with-postgres to test "
                      "the PostgreSQL back end";
    }
    url_ = NewUrl();
    auto store = OpenStore(url_);
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(*store);
  }

  void TearDown() override {
    store_.reset();  // close connections before the databases are dropped
  }

  // A URL for a new, empty database of the given kind ("" = this test's).
  std::string NewUrl(std::string kind = "") {
    if (kind.empty()) kind = GetParam();
    if (kind == "sqlite") {
      return "sqlite://" + dir_.File("db" + std::to_string(++counter_) + "/store.db");
    }
    auto db = std::make_unique<PgTestDatabase>();
    EXPECT_TRUE(db->error().empty()) << db->error();
    std::string url = db->url();
    pg_dbs_.push_back(std::move(db));
    return url;
  }

  TempDir dir_;
  int counter_ = 0;
  std::vector<std::unique_ptr<PgTestDatabase>> pg_dbs_;  // destroyed after store_
  std::string url_;
  std::unique_ptr<Store> store_;
};

}  // namespace leitplanke::store::testing
