// Helpers shared by the store tests: temp directories, a fresh PostgreSQL
// database per test, a deterministic audit hasher.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "leitplanke/store/model.h"

#include "store/sql/postgres/pg_connection.h"

namespace leitplanke::store::testing {

// A directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("lp-store-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The server URL from scripts/with-postgres, or empty.
inline std::string PostgresAdminUrl() {
  const char* url = std::getenv("LP_TEST_POSTGRES_URL");
  return url != nullptr ? url : "";
}

// Replaces the database name in a postgresql:// URI.
inline std::string WithDatabase(const std::string& url, const std::string& db) {
  size_t scheme = url.find("://");
  size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  size_t query = url.find('?');
  std::string base = url.substr(0, slash == std::string::npos ? query : slash);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + db + rest;
}

// A freshly created database on the test server, dropped on destruction, so
// that every test (and every run) starts from nothing.
class PgTestDatabase {
 public:
  PgTestDatabase() {
    admin_ = PostgresAdminUrl();
    if (admin_.empty()) return;
    std::random_device rd;
    name_ = "lp_test_" + std::to_string(rd()) + "_" + std::to_string(rd());
    auto conn = sql::PgConnection::Open(admin_);
    if (!conn.ok()) {
      error_ = conn.error().ToString();
      return;
    }
    Status s = (*conn)->Exec("CREATE DATABASE " + name_);
    if (!s.ok()) error_ = s.ToString();
  }
  ~PgTestDatabase() {
    if (admin_.empty() || !error_.empty()) return;
    auto conn = sql::PgConnection::Open(admin_);
    if (conn.ok()) (void)(*conn)->Exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  bool available() const { return !admin_.empty(); }
  const std::string& error() const { return error_; }
  std::string url() const { return WithDatabase(admin_, name_); }

 private:
  std::string admin_;
  std::string name_;
  std::string error_;
};

// A stand-in for trust's chain hash: deterministic over every field, so a
// broken link or a changed field shows. Not cryptographic; tests only.
inline std::string TestHash(const AuditEntry& e) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  auto mix = [&h](const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // field separator
    h *= 1099511628211ull;
  };
  mix(std::to_string(e.seq));
  mix(std::to_string(e.at));
  mix(e.actor);
  mix(e.action);
  mix(e.target);
  mix(e.detail);
  mix(e.address);
  mix(e.prev_hash);
  std::string out(8, '\0');  // raw bytes, including NULs: the store must be binary safe
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>(h >> (8 * i));
  return out;
}

}  // namespace leitplanke::store::testing
