// Logging: a spdlog formatter that writes JSON lines (or plain text) and a
// thread-local side channel for structured fields. The default logger is
// synchronous, so the formatter runs on the thread that logs and sees the
// fields that LogWithFields set for exactly that call.
#include "http/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

#include <spdlog/formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "http/message.h"

namespace leitplanke::http {
namespace {

thread_local const std::vector<LogField>* t_fields = nullptr;

void AppendTimestamp(std::string& out, std::chrono::system_clock::time_point tp) {
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(tp);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(tp - secs).count();
  const std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  out += buf;
}

std::string_view LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(bool json) : json_(json) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    line.reserve(160);
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (json_) {
      line += R"({"ts":")";
      AppendTimestamp(line, msg.time);
      line += R"(","level":")";
      line += LevelName(msg.level);
      line += R"(","msg":)";
      AppendJsonString(line, payload);
      if (t_fields != nullptr) {
        for (const LogField& f : *t_fields) {
          line.push_back(',');
          AppendJsonString(line, f.key);
          line.push_back(':');
          if (f.raw_json) {
            line += f.value;
          } else {
            AppendJsonString(line, f.value);
          }
        }
      }
      line += "}\n";
    } else {
      AppendTimestamp(line, msg.time);
      line += " [";
      line += LevelName(msg.level);
      line += "] ";
      line += payload;
      if (t_fields != nullptr) {
        for (const LogField& f : *t_fields) {
          line.push_back(' ');
          line += f.key;
          line.push_back('=');
          line += f.value;
        }
      }
      line.push_back('\n');
    }
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(json_);
  }

 private:
  bool json_;
};

spdlog::level::level_enum ToSpd(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

Status SetupLogging(const LogOptions& options) {
  std::shared_ptr<spdlog::logger> logger;
  try {
    spdlog::sink_ptr sink;
    if (options.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file);
    }
    logger = std::make_shared<spdlog::logger>("leitplanke", std::move(sink));
  } catch (const spdlog::spdlog_ex& e) {
    return Status::InvalidArgument("cannot open log file " + options.file + ": " + e.what());
  }
  logger->set_formatter(std::make_unique<LineFormatter>(options.json));
  logger->set_level(ToSpd(options.level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return Status::Ok();
}

bool ParseLogLevel(std::string_view name, LogLevel* level) {
  static constexpr std::pair<std::string_view, LogLevel> kNames[] = {
      {"trace", LogLevel::kTrace}, {"debug", LogLevel::kDebug}, {"info", LogLevel::kInfo},
      {"warn", LogLevel::kWarn},   {"error", LogLevel::kError}, {"off", LogLevel::kOff}};
  for (const auto& [n, l] : kNames) {
    if (n == name) {
      *level = l;
      return true;
    }
  }
  return false;
}

void LogWithFields(LogLevel level, std::string_view msg, const std::vector<LogField>& fields) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  const spdlog::level::level_enum lvl = ToSpd(level);
  if (logger == nullptr || !logger->should_log(lvl)) return;
  t_fields = &fields;
  logger->log(lvl, "{}", msg);
  t_fields = nullptr;
}

}  // namespace leitplanke::http
