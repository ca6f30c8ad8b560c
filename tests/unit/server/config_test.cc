#include "server/config.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

namespace leitplanke::server {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string WriteTemp(const std::string& text) {
  static int n = 0;
  std::string path =
      std::filesystem::temp_directory_path() /
      ("lp_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++) + ".toml");
  std::ofstream(path) << text;
  return path;
}

TEST(ServerConfig, DefaultsRunWithoutAFile) {
  auto c = LoadServerConfig("", Env({}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(c->DatabaseUrl(), "sqlite:./data/leitplanke.db");
  EXPECT_EQ(c->MasterKeyPath(), "./data/master.key");
  EXPECT_EQ(c->PublicUrl(), "http://127.0.0.1:8080");
  EXPECT_EQ(c->body_limit, 1u << 20);
}

TEST(ServerConfig, FileThenEnvironment) {
  std::string path = WriteTemp(
      "[server]\nlisten = \"0.0.0.0:9000\"\nbody_limit = 4096\n"
      "[security]\nrequire_2fa_roles = [\"admin\"]\n[storage]\ndata_dir = \"/var/lib/lp\"\n");
  auto c = LoadServerConfig(path, Env({{"LEITPLANKE_SERVER_LISTEN", "127.0.0.1:9100"},
                                       {"LEITPLANKE_LOG_ACCESS_LOG", "false"},
                                       {"LEITPLANKE_SECURITY_REQUIRE_2FA_ROLES", "admin,agent"}}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, "127.0.0.1:9100");  // environment wins over the file
  EXPECT_EQ(c->body_limit, 4096u);
  EXPECT_FALSE(c->access_log);
  EXPECT_EQ(c->require_2fa_roles, (std::vector<std::string>{"admin", "agent"}));
  EXPECT_EQ(c->DatabaseUrl(), "sqlite:/var/lib/lp/leitplanke.db");
  std::remove(path.c_str());
}

TEST(ServerConfig, ErrorsNameFileLineAndKey) {
  std::string path = WriteTemp("[server]\n\nlisten = 8080\n");
  auto c = LoadServerConfig(path, Env({}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(path + ":3:"), std::string::npos) << c.status();
  EXPECT_NE(c.status().message().find("listen must be a string"), std::string::npos);
  std::remove(path.c_str());

  path = WriteTemp("[server]\nlisten_port = 1\n");
  c = LoadServerConfig(path, Env({}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(":2:1: unknown key [server] listen_port"), std::string::npos)
      << c.status();
  std::remove(path.c_str());

  path = WriteTemp("[server\nlisten = 1\n");
  c = LoadServerConfig(path, Env({}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(path + ":1:"), std::string::npos) << c.status();
  std::remove(path.c_str());
}

TEST(ServerConfig, EnvironmentErrorsNameTheVariable) {
  auto c = LoadServerConfig("", Env({{"LEITPLANKE_SERVER_IO_THREADS", "many"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("LEITPLANKE_SERVER_IO_THREADS"), std::string::npos);
  c = LoadServerConfig("", Env({{"LEITPLANKE_SERVER_LISTEN", "localhost"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("host:port"), std::string::npos) << c.status();
  c = LoadServerConfig("", Env({{"LEITPLANKE_SERVER_TLS_CERT", "/etc/cert.pem"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("tls_key"), std::string::npos) << c.status();
}

TEST(ServerConfig, MediaMaxBytesDefaultEnvironmentAndRange) {
  auto c = LoadServerConfig("", Env({}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->publish_media_max_bytes, 100'000'000u);
  c = LoadServerConfig("", Env({{"LEITPLANKE_PUBLISH_MEDIA_MAX_BYTES", "5000000"}}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->publish_media_max_bytes, 5'000'000u);
  c = LoadServerConfig("", Env({{"LEITPLANKE_PUBLISH_MEDIA_MAX_BYTES", "1000000001"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("[publish] media_max_bytes must be between 1024 and "
                                      "1000000000 bytes"),
            std::string::npos)
      << c.status();
}

TEST(ServerConfig, ParseListen) {
  auto v4 = ParseListen("127.0.0.1:8080");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->first, "127.0.0.1");
  EXPECT_EQ(v4->second, 8080);
  auto v6 = ParseListen("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->first, "::1");
  EXPECT_EQ(v6->second, 0);
  EXPECT_FALSE(ParseListen("::1:80").ok());
  EXPECT_FALSE(ParseListen("host:70000").ok());
  EXPECT_FALSE(ParseListen(":80").ok());
}

TEST(ServerConfig, PrintedConfigLoadsBackUnchanged) {
  auto c = LoadServerConfig("", Env({{"LEITPLANKE_GUARD_POLICY", "strict \"pack\""}}));
  ASSERT_TRUE(c.ok());
  std::string path = WriteTemp(ConfigToToml(*c));
  auto again = LoadServerConfig(path, Env({}));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(ConfigToToml(*again), ConfigToToml(*c));
  EXPECT_EQ(again->policy, "strict \"pack\"");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace leitplanke::server
