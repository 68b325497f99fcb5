#include "common/metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/support/status_matchers.h"

namespace shale {
namespace {

using ::shale::testing::StatusIs;

TEST(MetricsTest, RendersSmallRegistryExactly) {
  MetricsRegistry registry;
  ASSERT_OK_AND_ASSIGN(
      CounterFamily * requests,
      registry.AddCounter("requests_total", "S3 requests served.", {"op", "status"}));
  ASSERT_OK_AND_ASSIGN(GaugeFamily * inflight,
                       registry.AddGauge("inflight", "Requests in flight."));
  ASSERT_OK_AND_ASSIGN(
      HistogramFamily * latency,
      registry.AddHistogram("latency_seconds", "Request latency.", {"op"}, {0.1, 0.5, 1}));
  ASSERT_OK(registry.AddGaugeCallback("disk_free_bytes", "Free bytes per disk.", {"disk"}, [] {
    return std::vector<GaugeSample>{{{"sdb"}, 2048}, {{"sda"}, 1024}};
  }));
  ASSERT_OK_AND_ASSIGN(CounterFamily * unused,
                       registry.AddCounter("unused_total", "Never used.", {"x"}));
  (void)unused;  // A labeled family without children renders nothing.

  Counter& put200 = requests->WithLabels({"put", "200"});
  put200.Inc();
  put200.Inc(2);
  requests->WithLabels({"get", "404"}).Inc();
  inflight->Get().Set(3);
  inflight->Get().Add(-0.5);
  Histogram& get_latency = latency->WithLabels({"get"});
  get_latency.Observe(0.05);
  get_latency.Observe(0.1);  // Bounds are inclusive: lands in le="0.1".
  get_latency.Observe(0.7);
  get_latency.Observe(3);

  EXPECT_EQ(registry.RenderPrometheusText(),
            "# HELP disk_free_bytes Free bytes per disk.\n"
            "# TYPE disk_free_bytes gauge\n"
            "disk_free_bytes{disk=\"sda\"} 1024\n"
            "disk_free_bytes{disk=\"sdb\"} 2048\n"
            "# HELP inflight Requests in flight.\n"
            "# TYPE inflight gauge\n"
            "inflight 2.5\n"
            "# HELP latency_seconds Request latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{op=\"get\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{op=\"get\",le=\"0.5\"} 2\n"
            "latency_seconds_bucket{op=\"get\",le=\"1\"} 3\n"
            "latency_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{op=\"get\"} 3.85\n"
            "latency_seconds_count{op=\"get\"} 4\n"
            "# HELP requests_total S3 requests served.\n"
            "# TYPE requests_total counter\n"
            "requests_total{op=\"get\",status=\"404\"} 1\n"
            "requests_total{op=\"put\",status=\"200\"} 3\n");
}

TEST(MetricsTest, UnlabeledFamiliesRenderZeroFromTheStart) {
  MetricsRegistry registry;
  ASSERT_OK(registry.AddCounter("c_total", "c"));
  ASSERT_OK(registry.AddHistogram("h", "h", {}, {1}));
  EXPECT_EQ(registry.RenderPrometheusText(),
            "# HELP c_total c\n# TYPE c_total counter\nc_total 0\n"
            "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\n"
            "h_sum 0\nh_count 0\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  ASSERT_OK_AND_ASSIGN(CounterFamily * c,
                       registry.AddCounter("odd_total", "Help with \\ and\nnewline \"q\".", {"k"}));
  c->WithLabels({"a\\b\"c\nd"}).Inc();
  EXPECT_EQ(registry.RenderPrometheusText(),
            "# HELP odd_total Help with \\\\ and\\nnewline \"q\".\n"
            "# TYPE odd_total counter\n"
            "odd_total{k=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(MetricsTest, SpecialGaugeValues) {
  MetricsRegistry registry;
  ASSERT_OK_AND_ASSIGN(GaugeFamily * g, registry.AddGauge("g", "g", {"v"}));
  g->WithLabels({"inf"}).Set(1.0 / 0.0);
  g->WithLabels({"nan"}).Set(0.0 / 0.0);
  g->WithLabels({"neg"}).Set(-1.0 / 0.0);
  g->WithLabels({"big"}).Set(1e21);
  EXPECT_EQ(registry.RenderPrometheusText(),
            "# HELP g g\n# TYPE g gauge\ng{v=\"big\"} 1e+21\ng{v=\"inf\"} +Inf\n"
            "g{v=\"nan\"} NaN\ng{v=\"neg\"} -Inf\n");
}

TEST(MetricsTest, ValidatesNamesLabelsAndBuckets) {
  MetricsRegistry registry;
  for (const char* bad : {"", "9abc", "a-b", "a b", "é"}) {
    EXPECT_THAT(registry.AddCounter(bad, "x"), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_OK(registry.AddCounter("ok:name_1", "x"));
  EXPECT_OK(registry.AddCounter("_under", "x"));
  EXPECT_THAT(registry.AddCounter("l1", "x", {"__reserved"}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddCounter("l2", "x", {"a:b"}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddCounter("l3", "x", {"a", "a"}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddHistogram("h1", "x", {"le"}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddHistogram("h2", "x", {}, {1, 1}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddHistogram("h3", "x", {}, {2, 1}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddHistogram("h4", "x", {}, {1, 1.0 / 0.0}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddGaugeCallback("cb", "x", {}, nullptr),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(MetricsTest, ReRegistrationReturnsSameFamilyOrFails) {
  MetricsRegistry registry;
  ASSERT_OK_AND_ASSIGN(CounterFamily * a, registry.AddCounter("x_total", "x", {"op"}));
  ASSERT_OK_AND_ASSIGN(CounterFamily * b, registry.AddCounter("x_total", "x", {"op"}));
  EXPECT_EQ(a, b);
  EXPECT_THAT(registry.AddCounter("x_total", "x", {"other"}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddGauge("x_total", "x", {"op"}), StatusIs(StatusCode::kInvalidArgument));
  // The cached child reference is stable across later insertions.
  Counter& first = a->WithLabels({"first"});
  for (int i = 0; i < 100; ++i) a->WithLabels({std::to_string(i)});
  EXPECT_EQ(&first, &a->WithLabels({"first"}));
}

TEST(MetricsTest, ConcurrentIncrementsSumExactly) {
  MetricsRegistry registry;
  ASSERT_OK_AND_ASSIGN(CounterFamily * c, registry.AddCounter("n_total", "n", {"t"}));
  ASSERT_OK_AND_ASSIGN(GaugeFamily * g, registry.AddGauge("g", "g"));
  ASSERT_OK_AND_ASSIGN(HistogramFamily * h, registry.AddHistogram("h", "h", {}, {10}));
  constexpr int kThreads = 4;
  constexpr int kIters = 50000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Counter& shared = c->WithLabels({"shared"});  // Looked up concurrently, then cached.
      for (int i = 0; i < kIters; ++i) {
        shared.Inc();
        g->Get().Add(1);
        h->Get().Observe(i % 20);                                  // Half land in le="10".
        if (i % 1000 == 0) (void)registry.RenderPrometheusText();  // Renders race with writers.
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(c->WithLabels({"shared"}).Value(), uint64_t{kThreads} * kIters);
  EXPECT_EQ(g->Get().Value(), double{kThreads} * kIters);
  std::vector<uint64_t> counts = h->Get().BucketCounts();
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0], uint64_t{kThreads} * kIters * 11 / 20);
  EXPECT_EQ(counts[0] + counts[1], uint64_t{kThreads} * kIters);
}

TEST(MetricsTest, HistogramBucketEdges) {
  Histogram h({1, 2});
  h.Observe(-5);  // Below every bound: first bucket.
  h.Observe(1);   // Inclusive upper bound.
  h.Observe(1.0000001);
  h.Observe(2);
  h.Observe(1e300);
  h.Observe(0.0 / 0.0);  // NaN: only +Inf.
  EXPECT_EQ(h.BucketCounts(), (std::vector<uint64_t>{2, 2, 2}));
}

TEST(MetricsTest, BucketHelpers) {
  EXPECT_EQ(ExponentialBuckets(1024, 4, 3), (std::vector<double>{1024, 4096, 16384}));
  std::vector<double> d = DefaultLatencyBuckets();
  ASSERT_FALSE(d.empty());
  EXPECT_TRUE(std::is_sorted(d.begin(), d.end()));
}

TEST(MetricsDeathTest, WrongLabelCountAborts) {
  MetricsRegistry registry;
  CounterFamily* c = registry.AddCounter("x_total", "x", {"a", "b"}).value();
  EXPECT_DEATH(c->WithLabels({"only-one"}), "2 label names");
}

}  // namespace
}  // namespace shale
