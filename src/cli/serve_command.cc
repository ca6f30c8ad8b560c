// `leitplanke serve`: the HTTP server with the embedded database by default.
#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/server_flags.h"
#include "http/log.h"
#include "http/server.h"
#include "server/app.h"
#include "server/desk_setup.h"
#include "server/desk_worker.h"
#include "server/publish_setup.h"

namespace leitplanke::cli {
namespace {

// Periodic chores while serving: pick up policy activations of other
// instances, drop expired sessions. Stops promptly on shutdown.
class Housekeeper {
 public:
  explicit Housekeeper(server::AppContext& ctx) : ctx_(ctx), thread_([this] { Loop(); }) {}
  ~Housekeeper() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    for (int tick = 1;; ++tick) {
      if (cv_.wait_for(lock, std::chrono::seconds(5), [this] { return stop_; })) return;
      lock.unlock();
      Result<bool> swapped = ctx_.policies->Refresh();
      if (!swapped.ok()) {
        http::LogWithFields(http::LogLevel::kWarn, "policy refresh failed",
                            {{"error", swapped.status().ToString()}});
      } else if (*swapped) {
        server::PolicyService::Active a = ctx_.policies->active();
        http::LogWithFields(http::LogLevel::kInfo, "policy changed by another instance",
                            {{"policy", a.name}, {"version", std::to_string(a.version)}});
      }
      if (tick % 60 == 0) (void)ctx_.store->DeleteExpiredSessions(ctx_.clock->NowMillis());
      server::RefreshChannelMetrics(ctx_);
      lock.lock();
    }
  }

  server::AppContext& ctx_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

int RunServe(const ServerFlags& flags, bool print_config) {
  Result<server::ServerConfig> config = flags.Load();
  if (!config.ok()) {
    std::cerr << "serve: " << config.status().message() << "\n";
    return kExitConfig;
  }
  if (print_config) {
    std::cout << server::ConfigToToml(*config);
    return 0;
  }
  http::LogOptions log;
  if (!http::ParseLogLevel(config->log_level, &log.level)) log.level = http::LogLevel::kInfo;
  log.json = config->log_format == "json";
  if (Status s = http::SetupLogging(log); !s.ok()) {
    std::cerr << "serve: " << s.message() << "\n";
    return kExitConfig;
  }
  Result<std::unique_ptr<server::App>> app =
      server::App::Open(*config, SystemClock::Default(), &std::cout);
  if (!app.ok()) {
    std::cerr << "serve: " << app.status().message() << "\n";
    return app.status().code() == StatusCode::kInvalidArgument ||
                   app.status().code() == StatusCode::kFailedPrecondition
               ? kExitConfig
               : kExitSoftware;
  }
  Result<http::Router> router = (*app)->BuildRouter();
  Result<http::ServerOptions> options = (*app)->ServerOptionsFromConfig();
  if (!router.ok() || !options.ok()) {
    std::cerr << "serve: " << (router.ok() ? options.status() : router.status()).message() << "\n";
    return kExitSoftware;
  }
  options->handle_signals = true;
  http::Server server(*options, std::move(*router));
  if (Status s = server.Start(); !s.ok()) {
    std::cerr << "serve: " << s.message() << "\n";
    return kExitConfig;
  }
  server::AppContext& ctx = (*app)->context();
  server::PolicyService::Active policy = ctx.policies->active();
  // With port 0 the kernel picked one: show the real address.
  std::string url = config->public_url;
  if (url.empty()) {
    std::string host = server::ParseListen(config->listen)->first;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    url = std::string(config->tls() ? "https://" : "http://") + host + ":" +
          std::to_string(server.port());
  }
  std::cout << "Leitplanke serving on " << url << " (database " << ctx.store->backend()
            << ", policy " << policy.name
            << (policy.version ? " v" + std::to_string(policy.version) : " (built in)")
            << "). Stop with Ctrl-C." << std::endl;
  {
    Housekeeper housekeeper(ctx);
    server::DeskWorker desk_worker(*ctx.desk, config->desk_tick_ms);
    server::PublishWorker publish_worker(
        *ctx.publisher, config->publish_tick_ms,
        {.posts_days = config->retention_posts_days,
         .notifications_days = config->retention_notifications_days,
         .archive_days = config->retention_archive_days,
         .messages_days = config->retention_messages_days,
         .audit_days = config->retention_audit_days});
    server.Wait();
  }
  std::cout << "Leitplanke stopped." << std::endl;
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServerFlags>();
  auto print_config = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("serve", "Run the Leitplanke server");
  flags->AddTo(*cmd, /*with_listen=*/true);
  cmd->add_flag("--print-config", *print_config,
                "Print the effective configuration as TOML and exit");
  cmd->callback([flags, print_config, &exit_code] { exit_code = RunServe(*flags, *print_config); });
}

}  // namespace leitplanke::cli
