// Server: Boost.Beast sessions on Asio.
//
// Each accepted socket gets a strand; a Session serves one request at a time
// (read -> handle -> write -> read), which makes pipelined requests safe: the
// bytes of the next request stay in the session's buffer until the current
// response is written. kBlocking handlers run on a thread pool and post their
// response back to the strand; an outstanding-work guard keeps the event loop
// alive meanwhile (graceful shutdown waits for them).
//
// Timeouts use beast::tcp_stream's expiry: a new connection and each request
// must arrive within read_timeout once started, an idle keep-alive connection
// is closed after idle_timeout. On expiry the stream closes the socket.
#include "http/server.h"

#include <array>
#include <atomic>
#include <future>
#include <limits>
#include <mutex>
#include <random>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include "http/event_hub.h"
#include "http/internal/raw_request.h"
#include "http/log.h"
#include "http/metrics.h"

namespace leitplanke::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using TcpStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

thread_local bool t_io_thread = false;

bool SaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

// 16 hex digits from a per-thread random base and counter (splitmix64): cheap,
// no lock, unique enough to correlate log lines.
std::string NewRequestId() {
  thread_local std::uint64_t state = [] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }();
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, z >>= 4) id[static_cast<std::size_t>(i)] = kHex[z & 0xF];
  return id;
}

// Header values must not smuggle a line break into the response.
std::string_view SafeHeaderValue(std::string_view v) {
  return v.substr(0, v.find_first_of("\r\n"));
}

constexpr std::string_view kDefaultCsp = "default-src 'none'; frame-ancestors 'none'";

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // Posts to the session's strand: idle and SSE connections close now,
  // in-flight requests finish with Connection: close; `force` closes all.
  virtual void Shutdown(bool force) = 0;
};

}  // namespace

// Built-in metrics of one route; immutable pointers, atomic cache.
struct RouteStats {
  std::string method;
  std::string pattern;
  Histogram* duration = nullptr;
  std::array<std::atomic<Counter*>, 600> by_status{};
};

struct Server::Impl {
  ServerOptions options;
  Router router;
  std::unique_ptr<MetricsRegistry> owned_metrics;
  MetricsRegistry* metrics = nullptr;
  CounterFamily* requests_total = nullptr;
  HistogramFamily* request_duration = nullptr;
  Gauge* connections_gauge = nullptr;
  Gauge* queue_gauge = nullptr;
  std::unordered_map<const Route*, std::unique_ptr<RouteStats>> route_stats;  // fixed after Start

  std::unique_ptr<asio::io_context> ioc;
  std::optional<asio::ssl::context> ssl;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::signal_set> signals;
  std::optional<asio::steady_timer> shutdown_timer;
  std::unique_ptr<asio::thread_pool> workers;
  std::vector<std::thread> threads;
  std::atomic<bool> started{false};
  std::atomic<bool> stopping{false};
  std::atomic<bool> stop_requested{false};
  std::uint16_t port = 0;

  std::mutex sessions_mu;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;  // guarded
  std::atomic<std::size_t> open_connections{0};

  Impl(ServerOptions o, Router r) : options(std::move(o)), router(std::move(r)) {
    if (options.metrics == nullptr) owned_metrics = std::make_unique<MetricsRegistry>();
    metrics = options.metrics != nullptr ? options.metrics : owned_metrics.get();
    requests_total = &metrics->AddCounter("http_requests_total", "HTTP requests by route",
                                          {"route", "method", "status"});
    request_duration = &metrics->AddHistogram(
        "http_request_duration_seconds", "Time from a complete request to its response", {"route"});
    connections_gauge =
        &metrics->AddGauge("http_connections_open", "Open HTTP connections").WithLabels({});
    queue_gauge =
        &metrics
             ->AddGauge("http_worker_queue_depth", "Blocking requests waiting for a worker thread")
             .WithLabels({});
  }

  ~Impl() {
    StopAndWait();
    // I/O objects go before their context. Handlers still queued hold
    // sessions whose destructors use this object: destroy them (with the
    // context) while everything else is alive.
    shutdown_timer.reset();
    signals.reset();
    acceptor.reset();
    ioc.reset();
  }

  void StopAndWait() {
    Stop();
    Wait();
  }

  Status Start();
  void Wait() {
    for (std::thread& t : threads) {
      if (t.joinable()) t.join();
    }
    threads.clear();
    if (workers) workers->join();
  }
  void Stop();
  void BeginShutdown();
  void DoAccept();
  void RejectBusy(tcp::socket socket);

  void Register(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard lock(sessions_mu);
    sessions.emplace(s.get(), s);
    open_connections.fetch_add(1, std::memory_order_relaxed);
    connections_gauge->Add(1);
  }
  void Unregister(SessionBase* s) {
    bool last = false;
    {
      std::lock_guard lock(sessions_mu);
      sessions.erase(s);
      last = sessions.empty();
    }
    open_connections.fetch_sub(1, std::memory_order_relaxed);
    connections_gauge->Add(-1);
    if (last && stopping.load() && ioc) {
      asio::post(*ioc, [this] {
        if (shutdown_timer) shutdown_timer->cancel();
      });
    }
  }
  std::vector<std::shared_ptr<SessionBase>> Snapshot() {
    std::vector<std::shared_ptr<SessionBase>> out;
    std::lock_guard lock(sessions_mu);
    for (auto& [p, w] : sessions) {
      if (auto s = w.lock()) out.push_back(std::move(s));
    }
    return out;
  }

  // Counts the request in the built-in metrics; `stats` null = unmatched.
  void Record(RouteStats* stats, std::string_view method, int status, double seconds) {
    Counter* counter = nullptr;
    const bool cacheable =
        stats != nullptr && status >= 100 && status < 600 && method == stats->method;
    if (cacheable) {
      counter = stats->by_status[static_cast<std::size_t>(status)].load(std::memory_order_acquire);
    }
    if (counter == nullptr) {
      counter = &requests_total->WithLabels(
          {stats != nullptr ? std::string_view(stats->pattern) : std::string_view("unmatched"),
           method, std::to_string(status)});
      if (cacheable) {
        stats->by_status[static_cast<std::size_t>(status)].store(counter,
                                                                 std::memory_order_release);
      }
    }
    counter->Inc();
    if (stats != nullptr) stats->duration->Observe(seconds);
  }
};

namespace {

template <class Stream>
class Session final : public SessionBase {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(Server::Impl& core, Stream stream, std::string remote)
      : core_(core), stream_(std::move(stream)), remote_(std::move(remote)) {}

  ~Session() override { core_.Unregister(this); }

  void Start() {
    if constexpr (kTls) {
      Lowest().expires_after(core_.options.read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = Self()](beast::error_code ec) {
                                if (ec) return self->Close();
                                self->WaitForRequest();
                              });
    } else {
      WaitForRequest();
    }
  }

  void Shutdown(bool force) override {
    asio::post(stream_.get_executor(), [self = Self(), force] {
      self->stopping_ = true;
      if (force || self->state_ == State::kIdle || self->state_ == State::kSse) {
        self->ForceClose();
      }
    });
  }

 private:
  enum class State { kIdle, kReading, kBusy, kSse, kClosing, kClosed };

  std::shared_ptr<Session> Self() {
    return std::static_pointer_cast<Session>(this->shared_from_this());
  }
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void WaitForRequest() {
    if (stopping_) return Close();
    state_ = State::kIdle;
    if (buffer_.size() > 0) return ReadRequest();
    // Wait for the first byte under the idle (or, on a fresh connection, the
    // read) deadline, so an idle keep-alive connection is told apart from a
    // slow request.
    Lowest().expires_after(served_any_ ? core_.options.idle_timeout : core_.options.read_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = Self()](beast::error_code ec, std::size_t n) {
                              self->buffer_.commit(n);
                              if (ec || self->state_ == State::kClosed) return self->Close();
                              self->ReadRequest();
                            });
  }

  void ReadRequest() {
    state_ = State::kReading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(core_.options.header_limit));
    // No limit while the header is read: the route decides (BodyLimit),
    // checked in ReadBody before any body byte is parsed.
    // (The largest value, not boost::none: this Beast compares Content-Length
    // against the optional, and any length is "greater" than none.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    body_limit_ = core_.options.body_limit;
    Lowest().expires_after(core_.options.read_timeout);
    // The header first: a body announced beyond the limit is refused before
    // it is read, and "Expect: 100-continue" is answered before the body.
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = Self()](beast::error_code ec, std::size_t) {
                               if (ec || self->parser_->is_done()) return self->OnRead(ec);
                               self->ReadBody();
                             });
  }

  // The body limit of the route the request's header names (the server's
  // when no route matches: the request then gets its 404 or 405 after a
  // body of at most that size).
  std::size_t BodyLimit() const {
    const auto& fields = parser_->get();
    std::string_view target(fields.target().data(), fields.target().size());
    const size_t q = target.find('?');
    if (q != std::string_view::npos) target = target.substr(0, q);
    Router::Match match;
    std::vector<std::pair<std::string, std::string>> params;
    const std::string method(fields.method_string());
    if (core_.router.Find(method, target, &match, &params).ok() && match.route != nullptr &&
        match.route->options.body_limit > 0) {
      return match.route->options.body_limit;
    }
    return core_.options.body_limit;
  }

  void ReadBody() {
    body_limit_ = BodyLimit();
    const boost::optional<std::uint64_t> announced = parser_->content_length();
    if (announced && *announced > body_limit_) return OnRead(bhttp::error::body_limit);
    parser_->body_limit(static_cast<std::uint64_t>(body_limit_));
    if (body_limit_ > core_.options.body_limit) {
      // A route for large bodies (uploads): the read deadline grows by one
      // second per MB of the announced (or allowed) size.
      const std::uint64_t size = announced ? *announced : body_limit_;
      Lowest().expires_after(core_.options.read_timeout + std::chrono::milliseconds(size / 1000));
    }
    auto read_rest = [self = Self()] {
      bhttp::async_read(self->stream_, self->buffer_, *self->parser_,
                        [self](beast::error_code ec, std::size_t) { self->OnRead(ec); });
    };
    const auto& fields = parser_->get();
    auto expect = fields.find(bhttp::field::expect);
    if (expect != fields.end() && EqualsIgnoreCase(expect->value(), "100-continue") &&
        buffer_.size() == 0) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = Self(), read_rest](beast::error_code ec, std::size_t) {
                          if (ec) return self->Close();
                          read_rest();
                        });
      return;
    }
    read_rest();
  }

  void OnRead(beast::error_code ec) {
    if (state_ == State::kClosed) return;
    if (!ec) return Dispatch();
    started_at_ = Clock::now();
    req_ = Request();
    req_.request_id = NewRequestId();
    req_.remote_address = remote_;
    keep_alive_ = false;
    is_head_ = false;
    http10_ = false;
    stats_ = nullptr;
    if (ec == bhttp::error::body_limit) {
      return Send(
          Response::Error(413, "payload_too_large",
                          "request body exceeds " + std::to_string(body_limit_) + " bytes"));
    }
    if (ec == bhttp::error::header_limit) {
      return Send(Response::Error(
          431, "header_too_large",
          "request header exceeds " + std::to_string(core_.options.header_limit) + " bytes"));
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      return Send(Response::Error(400, "bad_request", "malformed request: " + ec.message()));
    }
    // End of stream, timeout, reset, TLS truncation: nothing to answer.
    Close();
  }

  void Dispatch() {
    started_at_ = Clock::now();
    bhttp::request<bhttp::string_body> msg = parser_->release();
    parser_.reset();
    req_ = Request();
    req_.method = std::string(msg.method_string());
    req_.target = std::string(msg.target());
    for (const auto& field : msg) req_.headers.Add(field.name_string(), field.value());
    req_.body = std::move(msg.body());
    req_.remote_address = remote_;
    std::optional<std::string_view> given_id = req_.headers.Get("x-request-id");
    req_.request_id =
        given_id && SaneRequestId(*given_id) ? std::string(*given_id) : NewRequestId();
    keep_alive_ = msg.keep_alive();
    is_head_ = msg.method() == bhttp::verb::head;
    http10_ = msg.version() == 10;
    stats_ = nullptr;
    route_ = nullptr;

    if (Status split = internal::SplitTarget(&req_); !split.ok()) {
      keep_alive_ = false;
      return Send(Response::Error(400, "bad_request", split.message()));
    }
    Router::Match match;
    Status found = core_.router.Find(req_.method, req_.path, &match, &req_.path_params);
    if (!found.ok()) return Send(Response::FromStatus(found));
    if (match.route == nullptr) {
      if (match.path_exists) {
        Response r = Response::Error(405, "method_not_allowed",
                                     "method " + req_.method + " is not allowed on " + req_.path);
        r.headers.Set("Allow", match.allow);
        return Send(std::move(r));
      }
      // "/app/" for the route "/app": a redirect to the path without the
      // slash, for readers (GET, HEAD) only.
      if ((req_.method == "GET" || req_.method == "HEAD") && req_.path.size() > 1 &&
          req_.path.back() == '/') {
        const std::string bare = req_.path.substr(0, req_.path.size() - 1);
        Router::Match alt;
        std::vector<std::pair<std::string, std::string>> params;
        if (core_.router.Find(req_.method, bare, &alt, &params).ok() && alt.route != nullptr) {
          Response r;
          r.status = 301;
          r.headers.Set("Location", req_.query.empty() ? bare : bare + "?" + req_.query);
          return Send(std::move(r));
        }
      }
      return Send(Response::Error(404, "not_found", "no route for " + req_.path));
    }
    route_ = match.route;
    req_.route_pattern = route_->pattern;
    auto it = core_.route_stats.find(route_);
    stats_ = it == core_.route_stats.end() ? nullptr : it->second.get();

    switch (route_->options.kind) {
      case RouteKind::kInline:
        return Send(RunRoute());
      case RouteKind::kSse:
        return StartSse();
      case RouteKind::kBlocking:
        break;
    }
    state_ = State::kBusy;
    core_.queue_gauge->Add(1);
    asio::post(*core_.workers, [self = Self(), work = asio::make_work_guard(*core_.ioc)]() mutable {
      self->core_.queue_gauge->Add(-1);
      Response r = self->RunRoute();
      asio::post(self->stream_.get_executor(),
                 [self, r = std::move(r)]() mutable { self->Send(std::move(r)); });
      work.reset();
    });
  }

  // The pre-handler and the handler; exceptions stop here.
  Response RunRoute() {
    try {
      if (const PreHandler& pre = core_.router.pre_handler()) {
        if (std::optional<Response> r = pre(req_, *route_)) return std::move(*r);
      }
      return route_->handler(req_);
    } catch (const std::exception& e) {
      LogError(std::string("handler threw: ") + e.what());
    } catch (...) {
      LogError("handler threw a non-standard exception");
    }
    return Response::Error(500, "internal", "internal error");
  }

  void LogError(const std::string& what) {
    LogWithFields(LogLevel::kError, what,
                  {{"request_id", req_.request_id},
                   {"method", req_.method},
                   {"route", route_ != nullptr ? route_->pattern : req_.path},
                   {"remote", remote_}});
  }

  void Finish(int status) {
    const double secs = std::chrono::duration<double>(Clock::now() - started_at_).count();
    core_.Record(stats_, req_.method, status, secs);
    if (core_.options.access_log || status >= 500) {
      spdlog::logger* logger = spdlog::default_logger_raw();
      if (logger != nullptr && logger->should_log(spdlog::level::info)) {
        char ms[32];
        std::snprintf(ms, sizeof ms, "%.3f", secs * 1000.0);
        LogWithFields(status >= 500 ? LogLevel::kError : LogLevel::kInfo, "request",
                      {{"request_id", req_.request_id},
                       {"method", req_.method},
                       {"route", route_ != nullptr ? route_->pattern : std::string()},
                       {"path", req_.path},
                       {"status", std::to_string(status), true},
                       {"duration_ms", ms, true},
                       {"remote", remote_}});
      }
    }
  }

  void AppendHeader(std::string_view name, std::string_view value) {
    head_ += name;
    head_ += ": ";
    head_ += SafeHeaderValue(value);
    head_ += "\r\n";
  }

  // The response head is formatted by hand into a buffer the session reuses:
  // no per-field allocations on the hot path (HTTP/1.1 response framing is
  // simple; the request side keeps Beast's parser).
  void Send(Response r) {
    if (state_ == State::kClosed) return;
    state_ = State::kBusy;
    const int status = (r.status >= 100 && r.status <= 999) ? r.status : 500;
    // keep_alive_ is false after framing errors (400 from the parser, 413,
    // 431): the rest of the stream cannot be trusted.
    const bool close = !keep_alive_ || stopping_;
    const bool no_body = status < 200 || status == 204 || status == 304;
    if (no_body) r.body.clear();

    head_.clear();
    head_ += "HTTP/1.1 ";
    head_ += std::to_string(status);
    head_ += ' ';
    std::string_view reason = ReasonPhrase(status);
    head_ += reason.empty() ? std::string_view("Status") : reason;
    head_ += "\r\n";
    const Headers& given = r.headers;
    for (const auto& [name, value] : given.fields()) {
      if (name.empty() || name.find_first_of(":\r\n \t") != std::string::npos) continue;
      if (EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "connection") ||
          EqualsIgnoreCase(name, "transfer-encoding") || EqualsIgnoreCase(name, "x-request-id")) {
        continue;  // framing and correlation belong to the server
      }
      AppendHeader(name, value);
    }
    auto set_default = [&](std::string_view name, std::string_view value) {
      if (given.empty() || !given.Has(name)) AppendHeader(name, value);
    };
    set_default("X-Content-Type-Options", "nosniff");
    set_default("Referrer-Policy", "no-referrer");
    set_default("Content-Security-Policy", kDefaultCsp);
    set_default("X-Frame-Options", "DENY");
    set_default("Cache-Control", "no-store");
    if constexpr (kTls) set_default("Strict-Transport-Security", "max-age=31536000");
    AppendHeader("X-Request-Id", req_.request_id);
    if (!r.content_type.empty()) {
      AppendHeader("Content-Type", r.content_type);
    } else if (!r.body.empty()) {
      AppendHeader("Content-Type", "text/plain; charset=utf-8");
    }
    if (!no_body) AppendHeader("Content-Length", std::to_string(r.body.size()));
    if (close) {
      AppendHeader("Connection", "close");
    } else if (http10_) {
      AppendHeader("Connection", "keep-alive");
    }
    head_ += "\r\n";
    body_ = std::move(r.body);
    if (is_head_) body_.clear();  // Content-Length stays that of the GET body
    Finish(status);
    Lowest().expires_after(core_.options.write_timeout);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(stream_, buffers, [self = Self(), close](beast::error_code ec, std::size_t) {
      if (ec || close) return self->Close();
      self->served_any_ = true;
      self->WaitForRequest();
    });
  }

  // --- Server-Sent Events ---

  void StartSse() {
    SseReply reply;
    try {
      if (const PreHandler& pre = core_.router.pre_handler()) {
        if (std::optional<Response> r = pre(req_, *route_)) return Send(std::move(*r));
      }
      reply = route_->sse_handler(req_);
    } catch (const std::exception& e) {
      LogError(std::string("SSE handler threw: ") + e.what());
      return Send(Response::Error(500, "internal", "internal error"));
    }
    if (reply.rejection) return Send(std::move(*reply.rejection));
    if (reply.hub == nullptr) return Send(Response::Error(500, "internal", "SSE without a hub"));
    if (is_head_) {
      Response r;
      r.content_type = "text/event-stream";
      return Send(std::move(r));
    }
    state_ = State::kSse;
    std::weak_ptr<Session> weak = Self();
    auto ex = stream_.get_executor();
    sub_ = reply.hub->Subscribe(std::move(reply.topics), [weak, ex] {
      asio::post(ex, [weak] {
        if (auto s = weak.lock()) s->SseFlush();
      });
    });
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n";
    head += "Cache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n";
    head += "X-Content-Type-Options: nosniff\r\nX-Request-Id: ";
    head += req_.request_id;
    head += "\r\n\r\n";
    sse_pending_ = std::move(head);
    Finish(200);
    SseWriteMore();
    SseFlush();
    SseWatchPeer();
    SseArmKeepAlive();
  }

  void SseFlush() {
    if (state_ != State::kSse || sub_ == nullptr) return;
    for (const Event& ev : sub_->Drain()) sse_pending_ += FormatSseFrame(ev);
    if (sub_->closed()) sse_close_after_flush_ = true;
    SseWriteMore();
  }

  void SseWriteMore() {
    if (state_ != State::kSse || sse_writing_) return;
    if (sse_pending_.empty()) {
      if (sse_close_after_flush_) Close();
      return;
    }
    sse_out_.swap(sse_pending_);
    sse_pending_.clear();
    sse_writing_ = true;
    Lowest().expires_after(core_.options.sse_keepalive * 2 + core_.options.write_timeout);
    asio::async_write(stream_, asio::buffer(sse_out_),
                      [self = Self()](beast::error_code ec, std::size_t) {
                        self->sse_writing_ = false;
                        self->sse_out_.clear();
                        if (ec) return self->Close();
                        self->SseWriteMore();
                      });
  }

  // A read that completes only when the client goes away (EOF or error).
  void SseWatchPeer() {
    stream_.async_read_some(asio::buffer(sse_read_buf_),
                            [self = Self()](beast::error_code ec, std::size_t) {
                              if (ec || self->state_ != State::kSse) return self->Close();
                              self->SseWatchPeer();
                            });
  }

  void SseArmKeepAlive() {
    sse_timer_.emplace(stream_.get_executor());
    sse_timer_->expires_after(core_.options.sse_keepalive);
    sse_timer_->async_wait([self = Self()](beast::error_code ec) {
      if (ec || self->state_ != State::kSse) return;
      self->sse_pending_ += ": keep-alive\n\n";
      self->SseWriteMore();
      self->SseArmKeepAlive();
    });
  }

  // --- closing ---

  void ReleaseSse() {
    if (sub_ != nullptr) {
      sub_->Unsubscribe();
      sub_.reset();
    }
    if (sse_timer_) sse_timer_->cancel();
  }

  // Orderly close: stop sending, then drain what the client still sends for
  // a moment so the kernel does not reset the connection before the client
  // has read our last response.
  void Close() {
    if (state_ == State::kClosed || state_ == State::kClosing) return;
    // An SSE stream has a read pending (the peer watch); a second read for
    // the drain is not allowed, and there is no response to protect.
    if (state_ == State::kSse) return ForceClose();
    state_ = State::kClosing;
    ReleaseSse();
    if constexpr (kTls) {
      Lowest().expires_after(std::chrono::seconds(1));
      stream_.async_shutdown([self = Self()](beast::error_code) { self->ForceClose(); });
    } else {
      beast::error_code ec;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return ForceClose();
      Lowest().expires_after(std::chrono::seconds(1));
      Drain();
    }
  }

  void Drain() {
    Lowest().async_read_some(asio::buffer(sse_read_buf_),
                             [self = Self()](beast::error_code ec, std::size_t) {
                               if (ec || self->state_ == State::kClosed) {
                                 return self->ForceClose();
                               }
                               self->Drain();
                             });
  }

  void ForceClose() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    ReleaseSse();
    beast::error_code ec;
    Lowest().socket().close(ec);
  }

  Server::Impl& core_;
  Stream stream_;
  const std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::size_t body_limit_ = 0;  // of the request being read (BodyLimit)
  std::string head_;            // response head being written
  std::string body_;            // response body being written
  bool http10_ = false;
  Request req_;
  const Route* route_ = nullptr;
  RouteStats* stats_ = nullptr;
  Clock::time_point started_at_;
  State state_ = State::kIdle;
  bool keep_alive_ = false;
  bool is_head_ = false;
  bool stopping_ = false;
  bool served_any_ = false;

  std::shared_ptr<Subscriber> sub_;
  std::optional<asio::steady_timer> sse_timer_;
  std::string sse_out_;
  std::string sse_pending_;
  bool sse_writing_ = false;
  bool sse_close_after_flush_ = false;
  std::array<char, 512> sse_read_buf_{};
};

}  // namespace

Status Server::Impl::Start() {
  if (started.load()) return Status::FailedPrecondition("server already started");
  if (options.io_threads < 1 || options.worker_threads < 1) {
    return Status::InvalidArgument("io_threads and worker_threads must be at least 1");
  }
  if (options.header_limit < 64 || options.header_limit > (1u << 30)) {
    return Status::InvalidArgument("header_limit must be between 64 bytes and 1 GiB");
  }
  ioc = std::make_unique<asio::io_context>(options.io_threads);

  if (options.tls) {
    ssl.emplace(asio::ssl::context::tls_server);
    ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    beast::error_code ec;
    ssl->use_certificate_chain_file(options.tls->cert_chain_file, ec);
    if (ec) {
      return Status::InvalidArgument("cannot load TLS certificate chain " +
                                     options.tls->cert_chain_file + ": " + ec.message());
    }
    ssl->use_private_key_file(options.tls->private_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return Status::InvalidArgument("cannot load TLS private key " +
                                     options.tls->private_key_file + ": " + ec.message());
    }
  }

  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.address, ec);
  if (ec) return Status::InvalidArgument("bad listen address '" + options.address + "'");
  const tcp::endpoint endpoint(address, options.port);
  const std::string where = options.address + ":" + std::to_string(options.port);
  acceptor.emplace(*ioc);
  if (acceptor->open(endpoint.protocol(), ec); ec) {
    return Status::Unavailable("cannot open socket for " + where + ": " + ec.message());
  }
  if (acceptor->set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return Status::Unavailable("cannot set SO_REUSEADDR on " + where + ": " + ec.message());
  }
  if (acceptor->bind(endpoint, ec); ec) {
    return Status::Unavailable("cannot bind " + where + ": " + ec.message());
  }
  if (acceptor->listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
  }
  port = acceptor->local_endpoint().port();

  if (options.metrics_route) {
    Router::Match match;
    std::vector<std::pair<std::string, std::string>> params;
    if (router.Find("GET", "/metrics", &match, &params).ok() && match.route == nullptr &&
        !match.path_exists) {
      MetricsRegistry* registry = metrics;
      Status s = router.Handle("GET", "/metrics",
                               [registry](Request&) {
                                 Response r;
                                 r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                                 r.body = registry->Render();
                                 return r;
                               },
                               {.kind = RouteKind::kInline,
                                .permission = "metrics",
                                .summary = "Prometheus metrics",
                                .tag = "operations"});
      if (!s.ok()) return s;
    }
  }
  router.ForEachRoute([this](const Route& route) {
    auto stats = std::make_unique<RouteStats>();
    stats->method = route.method;
    stats->pattern = route.pattern;
    stats->duration = &request_duration->WithLabels({route.pattern});
    route_stats.emplace(&route, std::move(stats));
  });

  workers = std::make_unique<asio::thread_pool>(static_cast<std::size_t>(options.worker_threads));
  if (options.handle_signals) {
    signals.emplace(*ioc, SIGINT, SIGTERM);
    signals->async_wait([this](beast::error_code e, int) {
      if (!e) Stop();
    });
  }
  started.store(true);
  DoAccept();
  for (int i = 0; i < options.io_threads; ++i) {
    threads.emplace_back([this] {
      t_io_thread = true;
      while (true) {
        try {
          ioc->run();
          break;
        } catch (const std::exception& e) {
          LogWithFields(LogLevel::kError, std::string("I/O thread caught: ") + e.what(), {});
        }
      }
      t_io_thread = false;
    });
  }
  return Status::Ok();
}

void Server::Impl::DoAccept() {
  acceptor->async_accept(asio::make_strand(*ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping.load() || ec == asio::error::operation_aborted) return;
    if (!ec) {
      beast::error_code ep_ec;
      const tcp::endpoint peer = socket.remote_endpoint(ep_ec);
      std::string remote = ep_ec ? std::string() : peer.address().to_string();
      if (open_connections.load(std::memory_order_relaxed) >= options.max_connections) {
        RejectBusy(std::move(socket));
      } else if (ssl) {
        auto s = std::make_shared<Session<TlsStream>>(*this, TlsStream(std::move(socket), *ssl),
                                                      std::move(remote));
        Register(s);
        s->Start();
      } else {
        auto s = std::make_shared<Session<TcpStream>>(*this, TcpStream(std::move(socket)),
                                                      std::move(remote));
        Register(s);
        s->Start();
      }
    }
    DoAccept();
  });
}

void Server::Impl::RejectBusy(tcp::socket socket) {
  auto sock = std::make_shared<tcp::socket>(std::move(socket));
  if (ssl) {
    beast::error_code ec;
    sock->close(ec);
    return;
  }
  static const std::string kBusy = [] {
    const std::string body =
        R"({"error":{"code":"unavailable","message":"too many open connections"}})";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
           "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  asio::async_write(*sock, asio::buffer(kBusy), [sock](beast::error_code, std::size_t) {
    beast::error_code ec;
    sock->shutdown(tcp::socket::shutdown_send, ec);
    sock->close(ec);
  });
}

void Server::Impl::Stop() {
  if (stop_requested.exchange(true)) return;
  if (!started.load()) {
    stopping.store(true);
    return;
  }
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> closed = done->get_future();
  asio::post(*ioc, [this, done] {
    BeginShutdown();
    done->set_value();
  });
  if (!t_io_thread) closed.wait();
}

void Server::Impl::BeginShutdown() {
  stopping.store(true);
  beast::error_code ec;
  acceptor->close(ec);
  if (signals) signals->cancel(ec);
  std::vector<std::shared_ptr<SessionBase>> live = Snapshot();
  for (const auto& s : live) s->Shutdown(false);
  if (live.empty()) return;
  shutdown_timer.emplace(*ioc);
  shutdown_timer->expires_after(options.shutdown_timeout);
  shutdown_timer->async_wait([this](beast::error_code e) {
    if (e) return;  // every connection closed in time
    LogWithFields(LogLevel::kWarn, "shutdown deadline reached; closing remaining connections", {});
    for (const auto& s : Snapshot()) s->Shutdown(true);
  });
}

Server::Server(ServerOptions options, Router router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {}

Server::~Server() = default;

Status Server::Start() { return impl_->Start(); }

void Server::Wait() { impl_->Wait(); }

Status Server::Run() {
  Status s = impl_->Start();
  if (!s.ok()) return s;
  impl_->Wait();
  return Status::Ok();
}

void Server::Stop() { impl_->Stop(); }

std::uint16_t Server::port() const { return impl_->port; }

MetricsRegistry& Server::metrics() { return *impl_->metrics; }

std::size_t Server::connection_count() const {
  return impl_->open_connections.load(std::memory_order_relaxed);
}

}  // namespace leitplanke::http
