// End-to-end tests of the Server over loopback: raw sockets for the framing
// cases, OpenSSL for the TLS round trip. No timing assertions: deadlines are
// set short and the tests only check that a connection is eventually closed.
#include "http/server.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "http/event_hub.h"
#include "http/metrics.h"
#include "test_client.h"

namespace leitplanke::http {
namespace {

using testing::Conn;
using testing::RawResponse;

std::string Get(std::string_view path, std::string_view extra = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
}

std::string Post(std::string_view path, std::string_view body,
                 std::string_view type = "application/json") {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: t\r\nContent-Type: " + std::string(type) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    options.access_log = false;
    server_ = std::make_unique<Server>(std::move(options), std::move(router_));
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s;
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }
  void TearDown() override {
    if (server_) {
      server_->Stop();
      server_->Wait();
    }
  }

  Router router_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
};

TEST_F(ServerTest, KeepAlivePathParamsQueryAndDefaultHeaders) {
  ASSERT_TRUE(router_
                  .Handle("GET", "/users/{id}",
                          [](Request& r) {
                            return Response::Text(200, std::string(r.PathParam("id")) + "|" +
                                                           std::string(r.Query("q").value_or("-")) +
                                                           "|" + r.route_pattern);
                          })
                  .ok());
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(Get("/users/a%2Fb" + std::to_string(i) + "?q=x+y%21&z")));
    std::optional<RawResponse> r = c.Read();
    ASSERT_TRUE(r.has_value()) << "request " << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "a/b" + std::to_string(i) + "|x y!|/users/{id}");
    EXPECT_EQ(r->Header("x-content-type-options"), "nosniff");
    EXPECT_EQ(r->Header("cache-control"), "no-store");
    EXPECT_NE(r->Header("content-security-policy").find("default-src 'none'"), std::string::npos);
    EXPECT_FALSE(r->Header("referrer-policy").empty());
    EXPECT_EQ(r->Header("x-request-id").size(), 16u);
  }
  EXPECT_EQ(server_->connection_count(), 1u);
}

TEST_F(ServerTest, PipelinedRequestsAnswerInOrder) {
  ASSERT_TRUE(
      router_
          .Handle("GET", "/echo/{x}",
                  [](Request& r) { return Response::Text(200, std::string(r.PathParam("x"))); },
                  {.kind = RouteKind::kBlocking})
          .ok());
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/echo/1") + Get("/echo/2") + Get("/echo/3")));
  for (const char* want : {"1", "2", "3"}) {
    auto r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->body, want);
  }
}

TEST_F(ServerTest, RequestIdTakenWhenSane) {
  ASSERT_TRUE(
      router_.Handle("GET", "/x", [](Request& r) { return Response::Text(200, r.request_id); })
          .ok());
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/x", "X-Request-Id: abc-123.def\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->Header("x-request-id"), "abc-123.def");
  EXPECT_EQ(r->body, "abc-123.def");
  ASSERT_TRUE(c.Send(Get("/x", "X-Request-Id: bad id<script>\r\n")));
  r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(r->Header("x-request-id"), "bad id<script>");
  EXPECT_EQ(r->Header("x-request-id").size(), 16u);
}

TEST_F(ServerTest, NotFoundAndMethodNotAllowedAreJson) {
  ASSERT_TRUE(
      router_.Handle("GET", "/only-get", [](Request&) { return Response::NoContent(); }).ok());
  ASSERT_TRUE(
      router_.Handle("PUT", "/only-get", [](Request&) { return Response::NoContent(); }).ok());
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/nope")));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_NE(r->body.find(R"({"error":{"code":"not_found")"), std::string::npos);
  ASSERT_TRUE(c.Send(Post("/only-get", "{}")));
  r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "GET, HEAD, PUT");
  EXPECT_NE(r->body.find("method_not_allowed"), std::string::npos);
  // A trailing slash on a known path redirects to it (readers only).
  ASSERT_TRUE(c.Send(Get("/only-get/?a=1")));
  r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->Header("location"), "/only-get?a=1");
  ASSERT_TRUE(c.Send(Get("/nope/")));
  r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 404);
}

TEST_F(ServerTest, BodyLimitAnnouncedByContentLengthGives413WithoutReading) {
  ASSERT_TRUE(router_.Handle("POST", "/p", [](Request&) { return Response::NoContent(); }).ok());
  ServerOptions o;
  o.body_limit = 1024;
  StartServer(o);
  Conn c(port_);
  ASSERT_TRUE(c.Send("POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("payload_too_large"), std::string::npos);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed());

  Conn chunked(port_);
  std::string big(2000, 'x');
  ASSERT_TRUE(
      chunked.Send("POST /p HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" +
                   big + "\r\n0\r\n\r\n"));
  r = chunked.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);

  Conn ok(port_);
  ASSERT_TRUE(ok.Send(Post("/p", std::string(1024, 'y'))));
  r = ok.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 204);
}

TEST_F(ServerTest, PerRouteBodyLimitOverridesTheServersBothWays) {
  RouteOptions upload;
  upload.body_limit = 4096;
  ASSERT_TRUE(router_
                  .Handle(
                      "POST", "/files/{name}",
                      [](Request& r) { return Response::Text(200, std::to_string(r.body.size())); },
                      upload)
                  .ok());
  RouteOptions tiny;
  tiny.body_limit = 10;
  ASSERT_TRUE(router_
                  .Handle(
                      "POST", "/tiny", [](Request&) { return Response::NoContent(); }, tiny)
                  .ok());
  ASSERT_TRUE(router_.Handle("POST", "/p", [](Request&) { return Response::NoContent(); }).ok());
  ServerOptions o;
  o.body_limit = 1024;
  StartServer(o);

  // Above the server's limit, within the route's: read and handled.
  Conn c(port_);
  ASSERT_TRUE(c.Send(Post("/files/a?x=1", std::string(3000, 'z'))));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "3000");
  // The same size elsewhere is still refused with the server's limit.
  ASSERT_TRUE(c.Send(Post("/p", std::string(3000, 'z'))));
  r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("request body exceeds 1024 bytes"), std::string::npos) << r->body;

  // Above the route's limit, announced: 413 naming the route's limit.
  Conn big(port_);
  ASSERT_TRUE(big.Send("POST /files/b HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n"));
  r = big.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("request body exceeds 4096 bytes"), std::string::npos) << r->body;
  EXPECT_TRUE(big.WaitClosed());

  // Chunked (no Content-Length): the route's limit while reading.
  Conn chunked(port_);
  ASSERT_TRUE(chunked.Send(
      "POST /files/c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n" +
      std::string(5000, 'x') + "\r\n0\r\n\r\n"));
  r = chunked.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("4096"), std::string::npos);

  // A route may also be stricter than the server.
  Conn t(port_);
  ASSERT_TRUE(t.Send(Post("/tiny", std::string(11, 'y'))));
  r = t.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("request body exceeds 10 bytes"), std::string::npos) << r->body;
}

TEST_F(ServerTest, OversizedHeaderGives431) {
  ASSERT_TRUE(router_.Handle("GET", "/x", [](Request&) { return Response::NoContent(); }).ok());
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/x", "X-Big: " + std::string(20000, 'a') + "\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 431);
}

TEST_F(ServerTest, MalformedRequestLineGives400AndCloses) {
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send("GARBAGE\x01 / HTTP/1.1\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("bad_request"), std::string::npos);
  EXPECT_TRUE(c.WaitClosed());

  Conn d(port_);
  ASSERT_TRUE(d.Send("GET / HTTP/9.9\r\n\r\n"));
  r = d.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 400);
}

TEST_F(ServerTest, HeadHasHeadersButNoBody) {
  ASSERT_TRUE(
      router_.Handle("GET", "/doc", [](Request&) { return Response::Text(200, "twelve bytes"); })
          .ok());
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send("HEAD /doc HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.Read(/*head=*/true);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-length"), "12");
  // The next response follows directly: no body bytes in between.
  ASSERT_TRUE(c.Send(Get("/doc")));
  r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "twelve bytes");
}

TEST_F(ServerTest, ExpectContinueIsAnswered) {
  ASSERT_TRUE(
      router_.Handle("POST", "/p", [](Request& r) { return Response::Text(200, r.body); }).ok());
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(
      c.Send("POST /p HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
             "Content-Length: 5\r\n\r\n"));
  ASSERT_TRUE(c.ReadUntil("\r\n\r\n"));
  EXPECT_EQ(c.buffered().rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << c.buffered();
  c.ClearBuffer();
  ASSERT_TRUE(c.Send("hello"));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
}

TEST_F(ServerTest, Http10KeepAliveAndHandlerCannotBreakFraming) {
  ASSERT_TRUE(router_
                  .Handle("GET", "/x",
                          [](Request&) {
                            Response r = Response::Text(200, "abc");
                            r.headers.Set("Content-Length", "999");
                            r.headers.Set("X-Evil", "a\r\nSet-Cookie: stolen=1");
                            r.headers.Set("Cache-Control", "max-age=60");
                            return r;
                          })
                  .ok());
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->Header("connection"), "keep-alive");
  EXPECT_EQ(r->Header("content-length"), "3");
  EXPECT_EQ(r->Header("x-evil"), "a");
  EXPECT_EQ(r->Header("set-cookie"), "");
  EXPECT_EQ(r->Header("cache-control"), "max-age=60");
  ASSERT_TRUE(c.Send("GET /x HTTP/1.0\r\n\r\n"));
  r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "abc");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  ASSERT_TRUE(router_.Handle("GET", "/x", [](Request&) { return Response::Text(200, "x"); }).ok());
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/x", "Connection: close\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, IdleAndSlowClientsAreClosed) {
  ASSERT_TRUE(router_.Handle("GET", "/x", [](Request&) { return Response::Text(200, "x"); }).ok());
  ServerOptions o;
  o.read_timeout = std::chrono::milliseconds(300);
  o.idle_timeout = std::chrono::milliseconds(300);
  StartServer(o);
  Conn idle(port_);
  ASSERT_TRUE(idle.Send(Get("/x")));
  ASSERT_TRUE(idle.Read().has_value());
  EXPECT_TRUE(idle.WaitClosed());

  Conn slow(port_);
  ASSERT_TRUE(slow.Send("GET /x HTTP/1.1\r\nHost: t\r\n"));  // never finishes the header
  EXPECT_TRUE(slow.WaitClosed());

  Conn silent(port_);  // never sends a byte
  EXPECT_TRUE(silent.WaitClosed());
}

TEST_F(ServerTest, InlineRunsOnIoThreadBlockingOnWorker) {
  std::thread::id inline_id, blocking_id, pre_id_blocking;
  ASSERT_TRUE(router_
                  .Handle("GET", "/inline",
                          [&](Request&) {
                            inline_id = std::this_thread::get_id();
                            return Response::NoContent();
                          })
                  .ok());
  ASSERT_TRUE(router_
                  .Handle("GET", "/blocking",
                          [&](Request&) {
                            blocking_id = std::this_thread::get_id();
                            return Response::NoContent();
                          },
                          {.kind = RouteKind::kBlocking})
                  .ok());
  router_.SetPreHandler([&](Request&, const Route& route) -> std::optional<Response> {
    if (route.options.kind == RouteKind::kBlocking) pre_id_blocking = std::this_thread::get_id();
    return std::nullopt;
  });
  ServerOptions o;
  o.io_threads = 1;
  StartServer(o);
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/inline")));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->Header("content-length"), "");  // RFC 9110: none on 204
  ASSERT_TRUE(c.Send(Get("/blocking")));
  ASSERT_EQ(c.Read()->status, 204);
  EXPECT_NE(inline_id, std::thread::id());
  EXPECT_NE(blocking_id, std::thread::id());
  EXPECT_NE(inline_id, blocking_id);
  EXPECT_NE(inline_id, std::this_thread::get_id());
  EXPECT_EQ(pre_id_blocking, blocking_id);
}

TEST_F(ServerTest, PreHandlerShortCircuitsAndSetsPrincipal) {
  bool handler_ran = false;
  ASSERT_TRUE(router_
                  .Handle("GET", "/secret",
                          [&](Request& r) {
                            handler_ran = true;
                            return Response::Text(200, std::any_cast<std::string>(r.principal));
                          },
                          {.permission = "secret.read"})
                  .ok());
  router_.SetPreHandler([](Request& r, const Route& route) -> std::optional<Response> {
    if (route.options.permission.empty()) return std::nullopt;
    std::optional<std::string> token = r.Cookie("session");
    if (!token) return Response::Unauthorized();
    if (*token != "alice") return Response::Error(403, "permission_denied", "no");
    r.principal = std::string("alice");
    return std::nullopt;
  });
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/secret")));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->Header("www-authenticate"), "Bearer");
  EXPECT_FALSE(handler_ran);
  ASSERT_TRUE(c.Send(Get("/secret", "Cookie: session=bob\r\n")));
  EXPECT_EQ(c.Read()->status, 403);
  ASSERT_TRUE(c.Send(Get("/secret", "Cookie: x=1; session=alice\r\n")));
  r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "alice");
}

TEST_F(ServerTest, HandlerExceptionGives500) {
  ASSERT_TRUE(
      router_.Handle("GET", "/boom", [](Request&) -> Response { throw std::runtime_error("boom"); })
          .ok());
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/boom")));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find(R"("code":"internal")"), std::string::npos);
}

TEST_F(ServerTest, MetricsRouteCountsRequests) {
  ASSERT_TRUE(
      router_.Handle("GET", "/hello", [](Request&) { return Response::Text(200, "hi"); }).ok());
  std::string permission_seen;
  router_.SetPreHandler([&](Request& r, const Route& route) -> std::optional<Response> {
    if (r.path == "/metrics") permission_seen = route.options.permission;
    return std::nullopt;
  });
  StartServer();
  server_->metrics().AddCounter("app_things_total", "Things").WithLabels({}).Inc(3);
  Conn c(port_);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.Send(Get("/hello")));
    ASSERT_EQ(c.Read()->status, 200);
  }
  ASSERT_TRUE(c.Send(Get("/missing")));
  ASSERT_EQ(c.Read()->status, 404);
  ASSERT_TRUE(c.Send(Get("/metrics")));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(permission_seen, "metrics");
  EXPECT_NE(r->body.find("http_requests_total{route=\"/hello\",method=\"GET\",status=\"200\"} 2"),
            std::string::npos)
      << r->body;
  EXPECT_NE(
      r->body.find("http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"),
      std::string::npos);
  EXPECT_NE(r->body.find("http_request_duration_seconds_count{route=\"/hello\"} 2"),
            std::string::npos);
  EXPECT_NE(r->body.find("http_connections_open 1"), std::string::npos);
  EXPECT_NE(r->body.find("http_worker_queue_depth 0"), std::string::npos);
  EXPECT_NE(r->body.find("app_things_total 3"), std::string::npos);
}

TEST_F(ServerTest, MaxConnectionsGives503) {
  ASSERT_TRUE(router_.Handle("GET", "/x", [](Request&) { return Response::Text(200, "x"); }).ok());
  ServerOptions o;
  o.max_connections = 1;
  StartServer(o);
  Conn first(port_);
  ASSERT_TRUE(first.Send(Get("/x")));
  ASSERT_EQ(first.Read()->status, 200);
  Conn second(port_);
  ASSERT_TRUE(second.ok());
  auto r = second.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 503);
}

TEST_F(ServerTest, GracefulStopFinishesInFlightAndRefusesNew) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> release_f = release.get_future().share();
  ASSERT_TRUE(router_
                  .Handle("GET", "/slow",
                          [&](Request&) {
                            entered.set_value();
                            release_f.wait();
                            return Response::Text(200, "done");
                          },
                          {.kind = RouteKind::kBlocking})
                  .ok());
  ASSERT_TRUE(router_.Handle("GET", "/x", [](Request&) { return Response::Text(200, "x"); }).ok());
  StartServer();
  Conn idle(port_);
  ASSERT_TRUE(idle.Send(Get("/x")));
  ASSERT_EQ(idle.Read()->status, 200);
  Conn busy(port_);
  ASSERT_TRUE(busy.Send(Get("/slow")));
  entered.get_future().wait();

  server_->Stop();  // returns once the listener is closed
  Conn late(port_);
  EXPECT_FALSE(late.ok());
  EXPECT_TRUE(idle.WaitClosed());

  release.set_value();
  auto r = busy.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "done");
  EXPECT_EQ(r->Header("connection"), "close");
  server_->Wait();
  EXPECT_EQ(server_->connection_count(), 0u);
}

TEST_F(ServerTest, ServerSentEvents) {
  EventHub hub;
  ASSERT_TRUE(router_
                  .HandleSse("/events",
                             [&](Request& r) {
                               if (r.Query("topic") == std::nullopt) {
                                 return SseReply::Reject(
                                     Response::Error(400, "invalid_argument", "topic"));
                               }
                               return SseReply::Subscribe(hub, {std::string(*r.Query("topic"))});
                             })
                  .ok());
  StartServer();
  Conn rejected(port_);
  ASSERT_TRUE(rejected.Send(Get("/events")));
  EXPECT_EQ(rejected.Read()->status, 400);

  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/events?topic=inbox")));
  ASSERT_TRUE(c.ReadUntil("\r\n\r\n"));
  EXPECT_NE(c.buffered().find("text/event-stream"), std::string::npos);
  while (hub.subscriber_count() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  hub.Publish("inbox", "message", "first");
  hub.Publish("other", "message", "not for us");
  hub.Publish("inbox", "update", "second\nline");
  ASSERT_TRUE(c.ReadUntil("data: line\n\n"));
  const std::string& got = c.buffered();
  const std::size_t first = got.find("event: message\ndata: first\n\n");
  const std::size_t second = got.find("event: update\ndata: second\ndata: line\n\n");
  ASSERT_NE(first, std::string::npos) << got;
  ASSERT_NE(second, std::string::npos) << got;
  EXPECT_LT(first, second);
  EXPECT_EQ(got.find("not for us"), std::string::npos);

  server_->Stop();
  EXPECT_TRUE(c.WaitClosed());
  server_->Wait();
  EXPECT_EQ(hub.subscriber_count(), 0u);
}

TEST_F(ServerTest, SseKeepAliveCommentsAndHubClose) {
  EventHub hub;
  ASSERT_TRUE(
      router_.HandleSse("/events", [&](Request&) { return SseReply::Subscribe(hub, {"t"}); }).ok());
  ServerOptions o;
  o.sse_keepalive = std::chrono::milliseconds(20);
  StartServer(o);
  Conn c(port_);
  ASSERT_TRUE(c.Send(Get("/events")));
  ASSERT_TRUE(c.ReadUntil(": keep-alive\n\n"));
  hub.Close();  // the application ends every stream
  EXPECT_TRUE(c.WaitClosed());
}

TEST(ServerSignalTest, SigtermStopsRun) {
  Router router;
  ASSERT_TRUE(router.Handle("GET", "/x", [](Request&) { return Response::NoContent(); }).ok());
  ServerOptions o;
  o.port = 0;
  o.access_log = false;
  o.handle_signals = true;
  Server server(o, std::move(router));
  ASSERT_TRUE(server.Start().ok());
  Conn c(server.port());
  ASSERT_TRUE(c.Send(Get("/x")));
  ASSERT_EQ(c.Read()->status, 204);
  ASSERT_EQ(std::raise(SIGTERM), 0);
  server.Wait();  // returns only because the signal stopped the server
  Conn late(server.port());
  EXPECT_FALSE(late.ok());
}

TEST_F(ServerTest, JsonBodyErrorsThroughTheServer) {
  ASSERT_TRUE(router_
                  .Handle("POST", "/check",
                          [](Request& r) {
                            // Mirrors a route handler using json_body.h (tested in
                            // json_body_test.cc); here only the media type check.
                            if (r.MediaType() != "application/json") {
                              return Response::Error(415, "unsupported_media_type", "json only");
                            }
                            return Response::Json(200, r.body);
                          })
                  .ok());
  StartServer();
  Conn c(port_);
  ASSERT_TRUE(c.Send(Post("/check", R"({"text":"x"})")));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, R"({"text":"x"})");
  ASSERT_TRUE(c.Send(Post("/check", "x", "text/plain")));
  EXPECT_EQ(c.Read()->status, 415);
}

TEST(ServerStartTest, BadOptionsAreErrors) {
  ServerOptions o;
  o.port = 0;
  o.address = "not an address";
  Server s(o, Router());
  EXPECT_EQ(s.Start().code(), StatusCode::kInvalidArgument);
  ServerOptions tls;
  tls.port = 0;
  tls.tls = TlsOptions{"/nonexistent/cert.pem", "/nonexistent/key.pem"};
  Server t(tls, Router());
  EXPECT_EQ(t.Start().code(), StatusCode::kInvalidArgument);
}

// --- TLS ---

struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslDeleter {
  void operator()(SSL* s) const { SSL_free(s); }
};

TEST_F(ServerTest, TlsRoundTrip) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("lp_http_tls_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string cert = (dir / "cert.pem").string();
  const std::string key = (dir / "key.pem").string();
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl CLI needed for the test certificate";

  ASSERT_TRUE(
      router_.Handle("GET", "/tls", [](Request&) { return Response::Text(200, "secure"); }).ok());
  ServerOptions o;
  o.tls = TlsOptions{cert, key};
  StartServer(o);

  Conn c(port_);
  ASSERT_TRUE(c.ok());
  std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx(SSL_CTX_new(TLS_client_method()));
  ASSERT_TRUE(ctx);
  ASSERT_EQ(SSL_CTX_load_verify_locations(ctx.get(), cert.c_str(), nullptr), 1);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  int fd = -1;
  {
    // A socket of our own for OpenSSL (Conn keeps its fd private).
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }
  std::unique_ptr<SSL, SslDeleter> ssl(SSL_new(ctx.get()));
  SSL_set_fd(ssl.get(), fd);
  SSL_set_tlsext_host_name(ssl.get(), "localhost");
  ASSERT_EQ(SSL_connect(ssl.get()), 1) << ERR_error_string(ERR_get_error(), nullptr);
  const std::string req = Get("/tls", "Connection: close\r\n");
  ASSERT_EQ(SSL_write(ssl.get(), req.data(), static_cast<int>(req.size())),
            static_cast<int>(req.size()));
  std::string resp;
  char buf[4096];
  int n;
  while ((n = SSL_read(ssl.get(), buf, sizeof buf)) > 0)
    resp.append(buf, static_cast<std::size_t>(n));
  ssl.reset();
  ::close(fd);
  EXPECT_EQ(resp.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << resp;
  EXPECT_NE(resp.find("\r\n\r\nsecure"), std::string::npos);
  EXPECT_NE(resp.find("Strict-Transport-Security"), std::string::npos);

  // Plain HTTP on the TLS port gets no HTTP answer.
  ASSERT_TRUE(c.Send(Get("/tls")));
  EXPECT_FALSE(c.Read().has_value());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace leitplanke::http
