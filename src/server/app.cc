#include "server/app.h"

#include <filesystem>
#include <ostream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "leitplanke/trust/permissions.h"

#include "http/log.h"
#include "server/desk_setup.h"
#include "server/disk_cache.h"
#include "server/openapi.h"
#include "server/publish_setup.h"

namespace leitplanke::server {
namespace {

// Env first (containers), then the key file; a missing default key file is
// created on first run so `serve` needs no set-up.
Result<trust::MasterKey> OpenMasterKey(const ServerConfig& config) {
  Result<trust::MasterKey> env = trust::LoadMasterKeyFromEnv();
  if (env.ok() || env.status().code() != StatusCode::kNotFound) return env;
  const std::string path = config.MasterKeyPath();
  Result<trust::MasterKey> file = trust::LoadMasterKeyFile(path);
  if (file.ok() || file.status().code() != StatusCode::kNotFound) return file;
  if (!config.master_key_file.empty()) {
    return Status::NotFound("master key file " + path +
                            " does not exist (create one with `leitplanke vault init-key`)");
  }
  return trust::GenerateMasterKeyFile(path);
}

trust::AccountOptions AccountOptionsFrom(const ServerConfig& config) {
  trust::AccountOptions o;
  o.idle_timeout = int64_t{config.session_idle_minutes} * 60'000;
  o.absolute_timeout = int64_t{config.session_absolute_hours} * 3'600'000;
  o.mfa_required_roles.clear();
  for (const std::string& name : config.require_2fa_roles) {
    if (Result<trust::Role> r = trust::ParseRole(name); r.ok()) o.mfa_required_roles.push_back(*r);
  }
  return o;
}

// Names this process among instances sharing a database (outbox claims).
std::string InstanceId() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "host") + ":" + std::to_string(getpid());
}

int Cores() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 2 : static_cast<int>(n);
}

}  // namespace

void AppContext::AuditLater(std::string actor, std::string action, std::string target,
                            std::string detail, std::string address) {
  store::AuditEntry e;
  e.actor = std::move(actor);
  e.action = std::move(action);
  e.target = std::move(target);
  e.detail = std::move(detail);
  e.address = std::move(address);
  audit_batch->Add(std::move(e));
}

void AppContext::Audit(std::string_view actor, std::string_view action, std::string_view target,
                       std::string_view detail, std::string_view address) {
  Result<store::AuditEntry> r = audit->Append(actor, action, target, detail, address);
  if (!r.ok()) {
    http::LogWithFields(http::LogLevel::kError, "audit append failed",
                        {{"error", r.status().ToString()}, {"action", std::string(action)}});
  }
}

App::App(std::unique_ptr<AppContext> ctx) : ctx_(std::move(ctx)) {}

App::~App() {
  // Finish queued work and audit entries before the store goes away.
  if (ctx_ && ctx_->background) ctx_->background->Drain();
  if (ctx_ && ctx_->audit_batch) ctx_->audit_batch->Flush();
}

Result<std::unique_ptr<AppContext>> OpenCore(const ServerConfig& config, const Clock& clock) {
  auto ctx = std::make_unique<AppContext>();
  ctx->config = config;
  ctx->clock = &clock;

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return Status::Unavailable("cannot create data directory " + config.data_dir + ": " +
                               ec.message());
  }
  LP_ASSIGN_OR_RETURN(ctx->store, store::OpenStore(config.DatabaseUrl()));
  LP_ASSIGN_OR_RETURN(trust::MasterKey key, OpenMasterKey(config));
  ctx->vault = std::make_unique<trust::Vault>(*ctx->store, std::move(key), clock);
  ctx->audit = std::make_unique<trust::AuditLog>(*ctx->store, clock);
  ctx->throttle = std::make_unique<trust::LoginThrottle>(*ctx->store, clock);
  ctx->accounts = std::make_unique<trust::AccountService>(
      *ctx->store, *ctx->vault, *ctx->audit, *ctx->throttle, clock, AccountOptionsFrom(config));
  return ctx;
}

Result<std::unique_ptr<App>> App::Open(const ServerConfig& config, const Clock& clock,
                                       std::ostream* first_run_out) {
  LP_ASSIGN_OR_RETURN(std::unique_ptr<AppContext> ctx, OpenCore(config, clock));
  ctx->pattern_cache = std::make_unique<DiskDatabaseCache>(config.data_dir + "/cache");
  ctx->policies =
      std::make_unique<PolicyService>(*ctx->store, config.policy, ctx->pattern_cache.get());
  LP_RETURN_IF_ERROR(ctx->policies->Start().WithContext("policy '" + config.policy + "'"));
  ctx->metrics = std::make_unique<http::MetricsRegistry>();
  ctx->events = std::make_unique<http::EventHub>();
  ctx->background = std::make_unique<BackgroundQueue>();
  ctx->principal_cache = std::make_unique<PrincipalCache>();

  ctx->verdicts = &ctx->metrics->AddCounter("leitplanke_verdicts_total", "Guard verdicts by action",
                                            {"action"});
  ctx->findings = &ctx->metrics->AddCounter(
      "leitplanke_findings_total", "Guard findings by category and action", {"category", "action"});
  ctx->background_dropped =
      &ctx->metrics
           ->AddCounter("leitplanke_background_dropped_total",
                        "Background tasks and audit entries dropped because their queue was full")
           .WithLabels(std::vector<std::string>{});
  ctx->channel_up = &ctx->metrics->AddGauge(
      "leitplanke_channel_up", "1 when the channel's last poll or send succeeded, else 0",
      {"channel", "kind"});
  ctx->channel_paused = &ctx->metrics->AddGauge("leitplanke_channel_paused",
                                                "1 when an admin paused the channel", {"channel"});
  ctx->channel_last_ok = &ctx->metrics->AddGauge(
      "leitplanke_channel_last_success_timestamp_seconds",
      "When the channel last polled or sent successfully (0 = never)", {"channel"});
  ctx->channel_credentials_expiry = &ctx->metrics->AddGauge(
      "leitplanke_channel_credentials_expiry_timestamp_seconds",
      "When the channel's credentials expire unless renewed (0 = unknown or never)", {"channel"});
  ctx->audit_batch = std::make_unique<AuditBatcher>(*ctx->store, clock, ctx->background_dropped);
  AppContext* raw = ctx.get();
  desk::DeskOptions desk_options;
  desk_options.instance_id = InstanceId();
  desk_options.outbox_lease_ms = config.desk_outbox_lease_ms;
  ctx->desk = std::make_unique<desk::Desk>(
      *ctx->store, clock,
      [raw](std::string_view text, const guard::CheckOptions& options) {
        return raw->policies->Check(text, options);
      },
      desk_options);
  RegisterChannelKinds(*ctx->desk, clock);
  {
    desk::ApprovalPolicy approvals;
    approvals.steps.clear();
    for (const std::string& step : config.approvals_steps) {
      std::vector<std::string> roles;
      std::stringstream ss(step);
      for (std::string role; std::getline(ss, role, '|');) {
        if (role.empty()) continue;
        if (!trust::ParseRole(role).ok()) {
          return Status::InvalidArgument("[approvals] steps: unknown role '" + role + "' in \"" +
                                         step + "\"");
        }
        roles.push_back(role);
      }
      if (roles.empty()) return Status::InvalidArgument("[approvals] steps: an empty step");
      approvals.steps.push_back(std::move(roles));
    }
    approvals.expire_after_ms = static_cast<Millis>(config.approvals_expire_hours) * 3'600'000;
    ctx->desk->SetApprovalPolicy(std::move(approvals));
  }
  ConnectDesk(*ctx);
  LP_RETURN_IF_ERROR(ConnectPublish(*ctx, desk_options.instance_id));
  ctx->metrics->AddGaugeCallback(
      "leitplanke_audit_queue_depth", "Audit entries waiting to be written",
      [raw] { return static_cast<double>(raw->audit_batch->pending()); });
  // Database pool: connections open, idle, and callers waiting for one.
  store::Store* st = ctx->store.get();
  ctx->metrics->AddGaugeCallback("leitplanke_db_pool_open", "Database connections open",
                                 [st] { return static_cast<double>(st->pool_stats().open); });
  ctx->metrics->AddGaugeCallback("leitplanke_db_pool_idle", "Database connections idle",
                                 [st] { return static_cast<double>(st->pool_stats().idle); });
  ctx->metrics->AddGaugeCallback("leitplanke_db_pool_waiting",
                                 "Requests waiting for a database connection",
                                 [st] { return static_cast<double>(st->pool_stats().waiting); });
  ctx->metrics->AddGaugeCallback("leitplanke_background_queue_depth",
                                 "Tasks waiting in the background queue",
                                 [raw] { return static_cast<double>(raw->background->depth()); });
  ctx->metrics->AddGaugeCallback("leitplanke_policy_version",
                                 "Version of the active policy pack (0 = embedded)",
                                 [raw] { return raw->policies->active().version; });
  ctx->metrics->AddGaugeCallback("leitplanke_sse_subscribers", "Open live-update streams", [raw] {
    return static_cast<double>(raw->events->subscriber_count());
  });

  // First run: an admin with a one-time password, printed exactly once.
  LP_ASSIGN_OR_RETURN(int64_t users, ctx->store->CountUsers());
  if (users == 0) {
    Result<trust::FirstAdmin> admin = ctx->accounts->CreateFirstAdmin("admin");
    if (admin.ok() && config.desk_demo) {
      Status demo = SetUpDemoInbox(*ctx, admin->user.id);
      if (!demo.ok()) {
        http::LogWithFields(http::LogLevel::kWarn, "demo inbox not set up",
                            {{"error", demo.ToString()}});
      }
    }
    if (admin.ok() && first_run_out != nullptr) {
      *first_run_out << "\nFirst run: an administrator account was created.\n"
                     << "  URL:       " << config.PublicUrl() << "/app\n"
                     << "  username:  " << admin->user.username << "\n"
                     << "  password:  " << admin->password << "   (one-time; shown only now)\n"
                     << "Sign in, set a new password and enrol two-factor authentication.\n\n";
      first_run_out->flush();
    } else if (!admin.ok() && admin.status().code() != StatusCode::kFailedPrecondition) {
      return admin.status();  // FailedPrecondition: another instance was faster
    }
  }
  return std::unique_ptr<App>(new App(std::move(ctx)));
}

Result<http::ServerOptions> App::ServerOptionsFromConfig() const {
  const ServerConfig& c = ctx_->config;
  LP_ASSIGN_OR_RETURN(auto listen, ParseListen(c.listen));
  http::ServerOptions o;
  o.address = listen.first;
  o.port = listen.second;
  o.io_threads = c.io_threads > 0 ? c.io_threads : Cores();
  o.worker_threads = c.worker_threads > 0 ? c.worker_threads : 2 * Cores();
  o.body_limit = c.body_limit;
  o.access_log = c.access_log;
  o.metrics = ctx_->metrics.get();
  if (c.tls()) o.tls = http::TlsOptions{c.tls_cert, c.tls_key};
  return o;
}

Result<http::Router> App::BuildRouter() {
  http::Router router;
  LP_RETURN_IF_ERROR(AddOperationsRoutes(*ctx_, router));
  LP_RETURN_IF_ERROR(AddGuardRoutes(*ctx_, router));
  LP_RETURN_IF_ERROR(AddAccountRoutes(*ctx_, router));
  LP_RETURN_IF_ERROR(AddAdminRoutes(*ctx_, router));
  LP_RETURN_IF_ERROR(AddDeskRoutes(*ctx_, router));
  LP_RETURN_IF_ERROR(AddPublishRoutes(*ctx_, router));
  LP_RETURN_IF_ERROR(AddWebchatRoutes(*ctx_, router));
  LP_RETURN_IF_ERROR(AddWebhookRoutes(*ctx_, router));
  LP_RETURN_IF_ERROR(AddStaticRoutes(*ctx_, router));
  // The document describes exactly the routes registered above, plus itself.
  const http::RouteOptions doc_options = {.kind = http::RouteKind::kInline,
                                          .summary = "This API as an OpenAPI 3.1 document",
                                          .tag = "operations"};
  std::vector<http::RouteInfo> routes = router.routes();
  routes.push_back(
      {"GET", "/api/openapi.json", "", doc_options.summary, doc_options.tag, doc_options.kind});
  // Built into the HTTP server (http::ServerOptions::metrics_route).
  routes.push_back({"GET", "/metrics", kPermissionMetrics, "Prometheus metrics", "operations",
                    http::RouteKind::kInline});
  auto doc = std::make_shared<const std::string>(OpenApiDocument(routes));
  LP_RETURN_IF_ERROR(router.Handle(
      "GET", "/api/openapi.json", [doc](http::Request&) { return http::Response::Json(200, *doc); },
      doc_options));
  router.SetPreHandler(MakeAuthPreHandler(*ctx_));
  return router;
}

}  // namespace leitplanke::server
