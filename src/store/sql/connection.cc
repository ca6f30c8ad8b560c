// Shared parts of the SQL layer: row accessors, the pool, placeholder
// rewriting.
#include "store/sql/connection.h"

#include <charconv>
#include <utility>

namespace leitplanke::store::sql {

int64_t Row::Int(size_t col) const {
  const Value& v = cells_.at(col);
  switch (v.kind) {
    case Value::Kind::kInt:
      return v.i;
    case Value::Kind::kText:
    case Value::Kind::kBlob: {
      int64_t out = 0;
      std::from_chars(v.s.data(), v.s.data() + v.s.size(), out);
      return out;
    }
    case Value::Kind::kNull:
      break;
  }
  return 0;
}

std::string Row::Text(size_t col) const {
  const Value& v = cells_.at(col);
  switch (v.kind) {
    case Value::Kind::kInt:
      return std::to_string(v.i);
    case Value::Kind::kText:
    case Value::Kind::kBlob:
      return v.s;
    case Value::Kind::kNull:
      break;
  }
  return {};
}

Pool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_));
}

void Pool::Add(std::unique_ptr<Connection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(conn));
  ++open_;
  cv_.notify_one();
}

Result<Pool::Lease> Pool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  ++waiting_;
  cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_size_; });
  --waiting_;
  if (!idle_.empty()) {
    std::unique_ptr<Connection> conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_;  // reserve the slot, then connect without holding the lock
  lock.unlock();
  Result<std::unique_ptr<Connection>> conn = factory_();
  if (!conn.ok()) {
    lock.lock();
    --open_;
    cv_.notify_one();
    return conn.error();
  }
  return Lease(this, std::move(*conn));
}

Pool::Stats Pool::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  return {open_, idle_.size(), waiting_, max_size_};
}

void Pool::DropIdle() {
  std::vector<std::unique_ptr<Connection>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_ -= idle_.size();
    dropped.swap(idle_);
    cv_.notify_all();
  }
  // Closed outside the lock: closing may block on the network.
}

void Pool::Release(std::unique_ptr<Connection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (conn->broken()) {
    --open_;  // dropped; a fresh one is made on demand
  } else {
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

std::string RewritePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;  // inside '...' or "..." when set
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote != 0) {
      out += c;
      if (c == quote) quote = 0;  // a doubled quote re-enters on the next char
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out += '?';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace leitplanke::store::sql
