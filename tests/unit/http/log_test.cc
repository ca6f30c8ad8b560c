#include "http/log.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace leitplanke::http {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(LogTest, JsonLinesCarryFields) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("lp_http_log_" + std::to_string(::getpid()) + ".jsonl"))
                               .string();
  std::filesystem::remove(path);
  ASSERT_TRUE(SetupLogging({.level = LogLevel::kInfo, .json = true, .file = path}).ok());
  LogWithFields(LogLevel::kInfo, "request \"quoted\"",
                {{"request_id", "abc"}, {"status", "200", true}, {"route", "/x"}});
  LogWithFields(LogLevel::kDebug, "hidden", {});
  LogWithFields(LogLevel::kError, "failed", {});
  ASSERT_TRUE(SetupLogging({.level = LogLevel::kOff, .json = false}).ok());  // flush + close

  std::istringstream lines(ReadAll(path));
  std::string line;
  std::vector<nlohmann::json> records;
  while (std::getline(lines, line)) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["level"], "info");
  EXPECT_EQ(records[0]["msg"], "request \"quoted\"");
  EXPECT_EQ(records[0]["request_id"], "abc");
  EXPECT_EQ(records[0]["status"], 200);
  EXPECT_EQ(records[0]["route"], "/x");
  EXPECT_TRUE(records[0]["ts"].is_string());
  EXPECT_EQ(records[1]["level"], "error");
  std::filesystem::remove(path);
}

TEST(LogTest, BadFileAndLevelNames) {
  EXPECT_EQ(SetupLogging({.file = "/dev/null/y.log"}).code(), StatusCode::kInvalidArgument);
  LogLevel level;
  EXPECT_TRUE(ParseLogLevel("warn", &level));
  EXPECT_EQ(level, LogLevel::kWarn);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
}

}  // namespace
}  // namespace leitplanke::http
