// Logging setup for the server process: spdlog, JSON lines or plain text.
//
// JSON mode writes one object per line:
//   {"ts":"2026-11-28T03:30:00.123Z","level":"info","msg":"request",
//    "request_id":"...","method":"GET","route":"/x","status":200,
//    "duration_ms":0.42,"remote":"127.0.0.1"}
// Any spdlog call in the process (spdlog::info("...")) becomes such a line
// with ts/level/msg; LogWithFields adds fields.
//
// Thread-safety: SetupLogging once at start-up, before the server runs;
// logging itself is thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leitplanke/base/status.h"

namespace leitplanke::http {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

struct LogOptions {
  LogLevel level = LogLevel::kInfo;
  bool json = true;
  std::string file;  // "" = stderr; else appended to this file
};

// Installs the default spdlog logger. InvalidArgument if the file cannot be
// opened.
Status SetupLogging(const LogOptions& options);

// Parses "trace", "debug", "info", "warn", "error", "off".
bool ParseLogLevel(std::string_view name, LogLevel* level);

// A field of a structured log line: value is raw JSON when `raw_json` (numbers),
// else a string.
struct LogField {
  std::string_view key;
  std::string value;
  bool raw_json = false;
};

// Logs `msg` with extra fields at `level` through the default logger.
void LogWithFields(LogLevel level, std::string_view msg, const std::vector<LogField>& fields);

}  // namespace leitplanke::http
