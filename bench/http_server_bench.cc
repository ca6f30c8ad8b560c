// A stand-alone server for load tests of the http module with wrk:
//
//   http_server_bench [port] [io_threads] [handler_us]
//   wrk -t2 -c64 -d10s http://127.0.0.1:8099/ping
//   wrk -t2 -c64 -d10s -s bench/http_check.lua http://127.0.0.1:8099/api/v1/check
//
// GET /ping is a trivial inline route. POST /api/v1/check parses a JSON body,
// reads /text and busy-waits `handler_us` microseconds (default 20) on the
// I/O thread, standing in for the guard check. Access logging is off, as a
// load test would otherwise measure the terminal. Stops on SIGINT/SIGTERM.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "http/json_body.h"
#include "http/server.h"

using namespace leitplanke::http;  // NOLINT(google-build-using-namespace)

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 8099;
  const int io_threads = argc > 2 ? std::atoi(argv[2]) : 2;
  const int handler_us = argc > 3 ? std::atoi(argv[3]) : 20;

  Router router;
  leitplanke::Status s =
      router.Handle("GET", "/ping", [](Request&) { return Response::Text(200, "pong"); });
  if (s.ok()) {
    s = router.Handle("POST", "/api/v1/check", [handler_us](Request& req) {
      LP_HTTP_ASSIGN_OR_RESPOND(nlohmann::json body, ParseJsonBody(req));
      LP_HTTP_ASSIGN_OR_RESPOND(std::string text, GetString(body, "/text"));
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(handler_us);
      while (std::chrono::steady_clock::now() < until) {
      }
      return Response::Json(200,
                            R"({"action":"allow","length":)" + std::to_string(text.size()) + "}");
    });
  }
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  ServerOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.io_threads = io_threads;
  options.access_log = false;
  options.handle_signals = true;
  Server server(options, std::move(router));
  s = server.Start();
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "listening on 127.0.0.1:%d with %d I/O threads\n", server.port(),
               io_threads);
  server.Wait();
  return 0;
}
