// App: the composition of one Leitplanke server process — store, trust
// services, policy service, metrics, event hub — and the HTTP routes over
// them. `leitplanke serve` builds one; the API tests build one on an
// ephemeral port with a temporary database.
//
// Route handlers live in routes_*.cc and hold no business rules: they map
// JSON to calls of the services below and results back to JSON.
//
// Thread-safety: after Open() every member is safe for concurrent use.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"

#include "leitplanke/desk/desk.h"
#include "leitplanke/publish/publisher.h"
#include "leitplanke/store/store.h"
#include "leitplanke/trust/accounts.h"
#include "leitplanke/trust/audit.h"
#include "leitplanke/trust/throttle.h"
#include "leitplanke/trust/vault.h"

#include "http/event_hub.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "server/audit_batcher.h"
#include "server/background.h"
#include "server/config.h"
#include "server/policy_service.h"
#include "server/principal_cache.h"

namespace leitplanke::server {

// Everything a route handler may use.
struct AppContext {
  ServerConfig config;
  const Clock* clock = nullptr;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<guard::DatabaseCache> pattern_cache;
  std::unique_ptr<trust::Vault> vault;
  std::unique_ptr<trust::AuditLog> audit;
  std::unique_ptr<trust::LoginThrottle> throttle;
  std::unique_ptr<trust::AccountService> accounts;
  std::unique_ptr<PolicyService> policies;
  std::unique_ptr<desk::Desk> desk;               // the shared inbox; after store and policies
  std::unique_ptr<publish::Publisher> publisher;  // posts; after the desk
  std::unique_ptr<http::MetricsRegistry> metrics;
  std::unique_ptr<http::EventHub> events;
  std::unique_ptr<BackgroundQueue> background;
  std::unique_ptr<PrincipalCache> principal_cache;
  std::unique_ptr<AuditBatcher> audit_batch;  // entries from inline routes

  // Application metrics (owned by `metrics`).
  http::CounterFamily* verdicts = nullptr;      // leitplanke_verdicts_total{action}
  http::CounterFamily* findings = nullptr;      // leitplanke_findings_total{category,action}
  http::Counter* background_dropped = nullptr;  // tasks refused by a full queue
  // Channel health, set by RefreshChannelMetrics.
  http::GaugeFamily* channel_up = nullptr;                  // {channel,kind}
  http::GaugeFamily* channel_paused = nullptr;              // {channel}
  http::GaugeFamily* channel_last_ok = nullptr;             // {channel}, Unix seconds
  http::GaugeFamily* channel_credentials_expiry = nullptr;  // {channel}, Unix seconds, 0 unknown

  // Appends to the audit log now (worker-pool routes: the entry is written
  // before the response, right after the change it records). Failures are
  // logged; the change itself already happened.
  void Audit(std::string_view actor, std::string_view action, std::string_view target,
             std::string_view detail, std::string_view address);
  // Appends to the audit log off the request path (inline routes), batched.
  void AuditLater(std::string actor, std::string action, std::string target, std::string detail,
                  std::string address);
};

// Opens what the operator commands need (store, vault, audit log, throttle,
// accounts) without the policy, HTTP or metrics parts. Creates the data
// directory and, on first use, the default master key file.
Result<std::unique_ptr<AppContext>> OpenCore(const ServerConfig& config, const Clock& clock);

class App {
 public:
  // Opens the store (applying migrations), the vault key (creating
  // <data>/master.key with mode 0600 on first run when no key is given),
  // the trust services and the policy service. On an empty database it
  // creates the first admin and writes the one-time password to
  // `first_run_out` (if not null).
  static Result<std::unique_ptr<App>> Open(const ServerConfig& config, const Clock& clock,
                                           std::ostream* first_run_out);
  ~App();

  AppContext& context() { return *ctx_; }
  // All routes of API v1 plus operations and /api/openapi.json describing
  // them; with the authentication pre-handler.
  Result<http::Router> BuildRouter();
  // Server options from the configuration.
  Result<http::ServerOptions> ServerOptionsFromConfig() const;

 private:
  explicit App(std::unique_ptr<AppContext> ctx);
  std::unique_ptr<AppContext> ctx_;
};

// Route groups (routes_*.cc). Each registers its routes on `router`.
Status AddOperationsRoutes(AppContext& ctx, http::Router& router);
Status AddGuardRoutes(AppContext& ctx, http::Router& router);
Status AddAccountRoutes(AppContext& ctx, http::Router& router);
Status AddAdminRoutes(AppContext& ctx, http::Router& router);
Status AddDeskRoutes(AppContext& ctx, http::Router& router);
Status AddPublishRoutes(AppContext& ctx, http::Router& router);
Status AddWebchatRoutes(AppContext& ctx, http::Router& router);
Status AddWebhookRoutes(AppContext& ctx, http::Router& router);
Status AddStaticRoutes(AppContext& ctx, http::Router& router);
// The pre-handler: authentication (session cookie or bearer token), CSRF for
// cookie sessions, and the route's permission.
http::PreHandler MakeAuthPreHandler(AppContext& ctx);

// Name of the session cookie and the CSRF header.
inline constexpr char kSessionCookie[] = "lp_session";
inline constexpr char kCsrfHeader[] = "X-CSRF-Token";
// Pseudo-permissions of routes besides trust::Permission names:
//   ""         public
//   "session"  any signed-in session, also before the second factor
//   "metrics"  public when config.metrics_public, else like "audit:read"
inline constexpr char kPermissionSession[] = "session";
inline constexpr char kPermissionMetrics[] = "metrics";

}  // namespace leitplanke::server
