// Metrics: a small Prometheus text-format registry.
//
// Families (counter, gauge, histogram) have a name, help text and label names;
// `WithLabels(values...)` returns a stable reference to the child for one
// label set. Looking a child up takes a lock, updating it does not (relaxed
// atomics): look children up once and keep the reference on hot paths.
//
//   MetricsRegistry registry;
//   CounterFamily& verdicts = registry.AddCounter(
//       "lp_verdicts_total", "Verdicts by action", {"action"});
//   Counter& blocked = verdicts.WithLabels({"block"});
//   blocked.Inc();
//   registry.AddGaugeCallback("lp_db_pool_in_use", "Busy DB connections",
//                             [&] { return double(pool.in_use()); });
//   std::string text = registry.Render();  // for GET /metrics
//
// Names must match [a-zA-Z_:][a-zA-Z0-9_:]*; registering a name twice returns
// the existing family (the kind and labels must agree, else the program has a
// bug and the call aborts).
//
// Thread-safety: everything is thread-safe. Families and children live as long
// as the registry.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace leitplanke::http {

class Counter {
 public:
  void Inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: strictly increasing upper bounds; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Non-cumulative count of bucket i (i == bounds().size() is +Inf).
  std::uint64_t bucket(std::size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Default buckets for request durations in seconds (0.5 ms .. 10 s).
std::vector<double> DefaultDurationBuckets();

template <class T>
class Family;

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Family<Counter>& AddCounter(std::string_view name, std::string_view help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(std::string_view name, std::string_view help,
                          std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(std::string_view name, std::string_view help,
                                  std::vector<std::string> label_names,
                                  std::vector<double> bounds = DefaultDurationBuckets());
  // A gauge whose value is read at render time. `fn` runs on the thread that
  // renders and must be thread-safe.
  void AddGaugeCallback(std::string_view name, std::string_view help, std::function<double()> fn);

  // The Prometheus text exposition format (version 0.0.4).
  std::string Render() const;

  struct FamilyBase;

 private:
  FamilyBase& Register(std::string_view name, std::string_view help, int kind,
                       std::vector<std::string> label_names, std::vector<double> bounds);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyBase>> families_;  // guarded by mu_
};

// Common part of the three family types (implementation detail).
struct MetricsRegistry::FamilyBase {
  virtual ~FamilyBase() = default;
  std::string name;
  std::string help;
  int kind = 0;  // 0 counter, 1 gauge, 2 histogram, 3 gauge callback
  std::vector<std::string> label_names;
  std::vector<double> bounds;
  std::function<double()> callback;
  mutable std::mutex mu;
  // Children by label values; node-based so references stay valid.
  std::map<std::vector<std::string>, std::unique_ptr<void, void (*)(void*)>> children;
};

template <class T>
class Family : public MetricsRegistry::FamilyBase {
 public:
  // The child for these label values (as many as label names, in order).
  T& WithLabels(std::initializer_list<std::string_view> values);
  T& WithLabels(const std::vector<std::string>& values);
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

}  // namespace leitplanke::http
