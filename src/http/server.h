// Server: the HTTP/1.1 server (Boost.Beast on Asio; hidden behind a pimpl).
//
// - `io_threads` threads run the event loop; `worker_threads` threads run
//   kBlocking handlers. Each connection is served by one strand: requests on
//   one connection are answered in order (keep-alive, pipelining-safe).
// - Limits: body (413, also when Content-Length announces more, without
//   reading it), header block (431), request read deadline (a client that
//   sends too slowly is closed), idle keep-alive deadline, write deadline, max
//   open connections (beyond it a connection gets 503 and is closed).
// - Malformed requests get 400 and the connection is closed. Unknown paths get
//   404, a known path with another method 405 with Allow, all as JSON errors.
// - Every response carries X-Request-Id (the client's value when it is a sane
//   token, else a generated one) and the default security headers (message.h).
// - TLS: when `tls` is set the port speaks TLS only (cert chain and key are
//   PEM files).
// - GET /metrics (permission "metrics", inline) renders the metrics registry
//   unless the router already has that route or `metrics_route` is false.
// - Access log: one line per request through spdlog (log.h) when
//   `access_log`; handler failures are always logged.
//
// Lifecycle:
//   Server server(options, std::move(router));
//   LP_RETURN_IF_ERROR(server.Start());   // binds; port() is known now
//   server.Wait();                        // or Run() = Start() + Wait()
// Stop() (thread-safe, idempotent; also triggered by SIGINT/SIGTERM when
// `handle_signals`) stops accepting (new connections are refused), closes
// idle keep-alive and SSE connections, lets in-flight requests finish (their
// responses carry Connection: close) until `shutdown_timeout`, then closes the
// rest; Wait()/Run() return once everything is closed. The destructor stops
// and waits.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "leitplanke/base/status.h"

#include "http/router.h"

namespace leitplanke::http {

class MetricsRegistry;

struct TlsOptions {
  std::string cert_chain_file;   // PEM
  std::string private_key_file;  // PEM
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = ephemeral; see Server::port()
  int io_threads = 1;
  int worker_threads = 4;
  std::size_t body_limit = 1 << 20;     // bytes
  std::size_t header_limit = 16 << 10;  // bytes (request line + headers)
  std::size_t max_connections = 10000;
  // Deadline to read one whole request once it started (and for the first
  // byte of a new connection): slow clients are closed.
  std::chrono::milliseconds read_timeout{10'000};
  // How long a keep-alive connection may stay idle between requests.
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{10'000};
  // How long Stop() waits for in-flight requests before closing them.
  std::chrono::milliseconds shutdown_timeout{10'000};
  // Interval of ": keep-alive" comments on SSE streams.
  std::chrono::milliseconds sse_keepalive{15'000};
  std::optional<TlsOptions> tls;
  bool access_log = true;
  // Run() / Start() install SIGINT and SIGTERM handlers that call Stop().
  bool handle_signals = false;
  // Registry for the built-in and the application's metrics; not owned. When
  // null the server owns one (see Server::metrics()).
  MetricsRegistry* metrics = nullptr;
  bool metrics_route = true;
};

class Server {
 public:
  Server(ServerOptions options, Router router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the I/O and worker threads. InvalidArgument for
  // bad options or TLS files, Unavailable when the address cannot be bound.
  Status Start();
  // Blocks until the server has stopped (returns at once if never started).
  void Wait();
  // Start() + Wait().
  Status Run();
  // Begins the graceful shutdown described above. Thread-safe; when called
  // from outside the I/O threads it returns after the listener is closed.
  void Stop();

  // The bound port (after Start()).
  std::uint16_t port() const;
  MetricsRegistry& metrics();
  // Open connections right now.
  std::size_t connection_count() const;

  struct Impl;  // implementation detail (server.cc)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace leitplanke::http
