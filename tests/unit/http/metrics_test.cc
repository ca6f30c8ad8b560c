#include "http/metrics.h"

#include <thread>

#include <gtest/gtest.h>

namespace leitplanke::http {
namespace {

TEST(MetricsTest, RendersCountersGaugesHistograms) {
  MetricsRegistry reg;
  CounterFamily& verdicts = reg.AddCounter("lp_verdicts_total", "Verdicts", {"action"});
  verdicts.WithLabels({"block"}).Inc(2);
  verdicts.WithLabels({"allow"}).Inc();
  EXPECT_EQ(&verdicts, &reg.AddCounter("lp_verdicts_total", "Verdicts", {"action"}));
  reg.AddGauge("lp_queue", "Queue").WithLabels({}).Set(3.5);
  HistogramFamily& h = reg.AddHistogram("lp_latency_seconds", "Latency", {"route"}, {0.1, 1});
  h.WithLabels({"/x"}).Observe(0.05);
  h.WithLabels({"/x"}).Observe(0.5);
  h.WithLabels({"/x"}).Observe(5);
  reg.AddGaugeCallback("lp_pool_in_use", "Pool", [] { return 4.0; });
  const std::string text = reg.Render();
  EXPECT_NE(text.find("# TYPE lp_verdicts_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("lp_verdicts_total{action=\"block\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("lp_verdicts_total{action=\"allow\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("lp_queue 3.5\n"), std::string::npos);
  EXPECT_NE(text.find("lp_latency_seconds_bucket{route=\"/x\",le=\"0.10000000000000001\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lp_latency_seconds_bucket{route=\"/x\",le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("lp_latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("lp_latency_seconds_count{route=\"/x\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("lp_pool_in_use 4\n"), std::string::npos);
}

TEST(MetricsTest, EscapesLabelValues) {
  MetricsRegistry reg;
  reg.AddCounter("c", "h", {"l"}).WithLabels({"a\"b\\c\nd"}).Inc();
  EXPECT_NE(reg.Render().find("c{l=\"a\\\"b\\\\c\\nd\"} 1"), std::string::npos);
}

TEST(MetricsTest, ConcurrentIncrements) {
  MetricsRegistry reg;
  Counter& c = reg.AddCounter("c", "h").WithLabels({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.Inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
}

}  // namespace
}  // namespace leitplanke::http
