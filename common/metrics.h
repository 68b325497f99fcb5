#pragma once

// In-process metrics exported in the Prometheus text exposition format 0.0.4 (/metrics).
// Families (a name, a help text, label names) are registered once at startup; each labeled
// child is looked up once (under a mutex) and the returned reference is cached by the caller,
// so the hot path is a single relaxed atomic operation.
// Thread-safety: every class here is safe for concurrent use; references to families and
// children stay valid for the registry's lifetime.

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

#include "common/result.h"

namespace shale {

// A monotonically increasing count (requests, bytes).
class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (queue depth, open connections).
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into fixed buckets (upper bounds, inclusive), plus their sum and count.
class Histogram {
 public:
  // `bounds` must be finite and strictly increasing (checked by the registry).
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket (not cumulative) counts; the last one is the +Inf bucket.
  std::vector<uint64_t> BucketCounts() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1 entries.
  std::atomic<double> sum_{0};
};

// The default latency buckets, in seconds (0.5 ms .. 30 s).
std::vector<double> DefaultLatencyBuckets();
// count bounds: start, start*factor, ... (e.g. object sizes).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

// Children of one family, keyed by their label values (in label-name order).
template <typename M>
class MetricFamily {
 public:
  // The child with these label values, created on first use. The number of values must equal
  // the number of label names (a bug otherwise: aborts with a message).
  M& WithLabels(std::initializer_list<std::string_view> values);
  M& WithLabels(const std::vector<std::string>& values);
  // The only child of a family without labels.
  M& Get() { return WithLabels({}); }

  // Created by MetricsRegistry; `make` builds a new child.
  MetricFamily(std::string name, std::vector<std::string> label_names,
               std::function<std::unique_ptr<M>()> make)
      : name_(std::move(name)), label_names_(std::move(label_names)), make_(std::move(make)) {}

  // Calls f(label_values, child) for every child in label-value order, under the family lock.
  template <typename F>
  void ForEach(F&& f) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [values, child] : children_) f(values, *child);
  }
  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  M& Find(std::vector<std::string> values);

  const std::string name_;
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<M>()> make_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> children_;  // Guarded by mu_.
};

extern template class MetricFamily<Counter>;
extern template class MetricFamily<Gauge>;
extern template class MetricFamily<Histogram>;
using CounterFamily = MetricFamily<Counter>;
using GaugeFamily = MetricFamily<Gauge>;
using HistogramFamily = MetricFamily<Histogram>;

// One sample of a callback gauge: label values (in label-name order) and the value.
struct GaugeSample {
  std::vector<std::string> label_values;
  double value = 0;
};
// Computed at render time (e.g. free disk space); called without registry locks held, from the
// rendering thread.
using GaugeCallback = std::function<std::vector<GaugeSample>()>;

// Owns metric families. Registration validates names ([a-zA-Z_:][a-zA-Z0-9_:]*), label names
// ([a-zA-Z_][a-zA-Z0-9_]*, not "__"-prefixed; "le" is reserved for histograms) and buckets.
// Registering the same name again with the same type and labels returns the existing family;
// any other clash is InvalidArgument.
class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Result<CounterFamily*> AddCounter(std::string name, std::string help,
                                    std::vector<std::string> label_names = {});
  Result<GaugeFamily*> AddGauge(std::string name, std::string help,
                                std::vector<std::string> label_names = {});
  Result<HistogramFamily*> AddHistogram(std::string name, std::string help,
                                        std::vector<std::string> label_names = {},
                                        std::vector<double> bounds = DefaultLatencyBuckets());
  Status AddGaugeCallback(std::string name, std::string help, std::vector<std::string> label_names,
                          GaugeCallback callback);

  // Families sorted by name, children by label values. Families without children are omitted.
  std::string RenderPrometheusText() const;

 private:
  struct Entry;
  Result<Entry*> AddEntry(std::string name, std::string help, std::vector<std::string> labels,
                          int type, const std::vector<double>* bounds, GaugeCallback callback);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>> entries_;  // Guarded by mu_.
};

}  // namespace shale
