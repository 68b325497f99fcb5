#include "common/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <variant>

namespace shale {
namespace {

enum Type { kCounter, kGauge, kHistogram, kCallbackGauge };

constexpr std::string_view kTypeNames[] = {"counter", "gauge", "histogram", "gauge"};

bool IsMetricName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool IsLabelName(std::string_view s) {
  if (s.empty() || s.substr(0, 2) == "__") return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// HELP text escapes '\' and newline; label values also escape '"'.
void AppendEscaped(std::string& out, std::string_view s, bool escape_quote) {
  for (char c : s) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '"' && escape_quote) {
      out.append("\\\"");
    } else {
      out.push_back(c);
    }
  }
}

void AppendDouble(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("NaN");
  } else if (std::isinf(v)) {
    out.append(v > 0 ? "+Inf" : "-Inf");
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    out.append(buf, ec == std::errc() ? end : buf);
  }
}

void AppendUint(std::string& out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, ec == std::errc() ? end : buf);
}

// Writes `name{a="x",b="y",extra}` (no braces when there are no labels at all).
void AppendSeries(std::string& out, std::string_view name, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  out.append(name);
  if (names.empty() && extra_name.empty()) return;
  out.push_back('{');
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(names[i]);
    out.append("=\"");
    AppendEscaped(out, values[i], /*escape_quote=*/true);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out.push_back(',');
    out.append(extra_name);
    out.append("=\"");
    out.append(extra_value);
    out.push_back('"');
  }
  out.push_back('}');
}

void AppendNumber(std::string& out, double v) { AppendDouble(out, v); }
void AppendNumber(std::string& out, uint64_t v) { AppendUint(out, v); }

// One sample line: series, space, value, newline.
template <typename V>
void AppendSample(std::string& out, std::string_view name, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, V value, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  AppendSeries(out, name, names, values, extra_name, extra_value);
  out.push_back(' ');
  AppendNumber(out, value);
  out.push_back('\n');
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double v) {
  // First bound >= v: buckets are "less than or equal" (le). NaN counts in +Inf only.
  size_t i = std::isnan(v) ? bounds_.size()
                           : std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::BucketCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i, start *= factor) out.push_back(start);
  return out;
}

template <typename M>
M& MetricFamily<M>::WithLabels(std::initializer_list<std::string_view> values) {
  return Find(std::vector<std::string>(values.begin(), values.end()));
}

template <typename M>
M& MetricFamily<M>::WithLabels(const std::vector<std::string>& values) {
  return Find(values);
}

template <typename M>
M& MetricFamily<M>::Find(std::vector<std::string> values) {
  if (values.size() != label_names_.size()) {
    // Our own code asked for a series the family does not define: a bug, not an input error.
    std::fprintf(stderr, "metric %s: %zu label values for %zu label names\n", name_.c_str(),
                 values.size(), label_names_.size());
    std::abort();
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = children_[std::move(values)];
  if (slot == nullptr) slot = make_();
  return *slot;
}

template class MetricFamily<Counter>;
template class MetricFamily<Gauge>;
template class MetricFamily<Histogram>;

struct MetricsRegistry::Entry {
  std::string name;
  std::string help;
  Type type;
  std::vector<std::string> label_names;
  std::vector<double> bounds;  // Histograms only.
  std::unique_ptr<CounterFamily> counters;
  std::unique_ptr<GaugeFamily> gauges;
  std::unique_ptr<HistogramFamily> histograms;
  GaugeCallback callback;

  void Render(std::string& out) const;
};

void MetricsRegistry::Entry::Render(std::string& out) const {
  std::string body;
  switch (type) {
    case kCounter:
      counters->ForEach([&](const std::vector<std::string>& values, const Counter& c) {
        AppendSample(body, name, label_names, values, c.Value());
      });
      break;
    case kGauge:
      gauges->ForEach([&](const std::vector<std::string>& values, const Gauge& g) {
        AppendSample(body, name, label_names, values, g.Value());
      });
      break;
    case kCallbackGauge: {
      std::vector<GaugeSample> samples = callback();
      std::sort(samples.begin(), samples.end(), [](const GaugeSample& a, const GaugeSample& b) {
        return a.label_values < b.label_values;
      });
      for (const GaugeSample& s : samples) {
        if (s.label_values.size() != label_names.size()) continue;  // Malformed sample.
        AppendSample(body, name, label_names, s.label_values, s.value);
      }
      break;
    }
    case kHistogram:
      histograms->ForEach([&](const std::vector<std::string>& values, const Histogram& h) {
        // Count is derived from the buckets so that _count always equals the +Inf bucket.
        std::vector<uint64_t> counts = h.BucketCounts();
        double sum = h.Sum();
        const std::string bucket_name = name + "_bucket";
        uint64_t cumulative = 0;
        for (size_t i = 0; i < counts.size(); ++i) {
          cumulative += counts[i];
          std::string le;
          if (i < h.bounds().size()) {
            AppendDouble(le, h.bounds()[i]);
          } else {
            le = "+Inf";
          }
          AppendSample(body, bucket_name, label_names, values, cumulative, "le", le);
        }
        AppendSample(body, name + "_sum", label_names, values, sum);
        AppendSample(body, name + "_count", label_names, values, cumulative);
      });
      break;
  }
  if (body.empty()) return;
  out.append("# HELP ");
  out.append(name);
  out.push_back(' ');
  AppendEscaped(out, help, /*escape_quote=*/false);
  out.append("\n# TYPE ");
  out.append(name);
  out.push_back(' ');
  out.append(kTypeNames[type]);
  out.push_back('\n');
  out.append(body);
}

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

Result<MetricsRegistry::Entry*> MetricsRegistry::AddEntry(std::string name, std::string help,
                                                          std::vector<std::string> labels, int type,
                                                          const std::vector<double>* bounds,
                                                          GaugeCallback callback) {
  if (!IsMetricName(name)) {
    return Status::InvalidArgument("metric name \"" + name + "\" is not [a-zA-Z_:][a-zA-Z0-9_:]*");
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (!IsLabelName(labels[i]) || (type == kHistogram && labels[i] == "le")) {
      return Status::InvalidArgument("metric " + name + ": bad label name \"" + labels[i] + "\"");
    }
    if (std::find(labels.begin(), labels.begin() + i, labels[i]) != labels.begin() + i) {
      return Status::InvalidArgument("metric " + name + ": duplicate label \"" + labels[i] + "\"");
    }
  }
  if (bounds != nullptr) {
    for (size_t i = 0; i < bounds->size(); ++i) {
      if (!std::isfinite((*bounds)[i]) || (i > 0 && (*bounds)[i] <= (*bounds)[i - 1])) {
        return Status::InvalidArgument("metric " + name +
                                       ": bucket bounds must be finite and strictly increasing");
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  if (it != entries_.end()) {
    Entry& e = *it->second;
    if (e.type == type && type != kCallbackGauge && e.label_names == labels &&
        (bounds == nullptr || e.bounds == *bounds)) {
      return &e;
    }
    return Status::InvalidArgument("metric " + name + " is already registered differently");
  }
  auto entry = std::make_unique<Entry>();
  entry->name = name;
  entry->help = std::move(help);
  entry->type = static_cast<Type>(type);
  entry->label_names = labels;
  if (bounds != nullptr) entry->bounds = *bounds;
  entry->callback = std::move(callback);
  switch (type) {
    case kCounter:
      entry->counters =
          std::make_unique<CounterFamily>(name, labels, [] { return std::make_unique<Counter>(); });
      break;
    case kGauge:
      entry->gauges =
          std::make_unique<GaugeFamily>(name, labels, [] { return std::make_unique<Gauge>(); });
      break;
    case kHistogram: {
      std::vector<double> b = *bounds;
      entry->histograms = std::make_unique<HistogramFamily>(
          name, labels, [b] { return std::make_unique<Histogram>(b); });
      break;
    }
    default:
      break;
  }
  Entry* raw = entry.get();
  entries_.emplace(std::move(name), std::move(entry));
  return raw;
}

Result<CounterFamily*> MetricsRegistry::AddCounter(std::string name, std::string help,
                                                   std::vector<std::string> label_names) {
  SHALE_ASSIGN_OR_RETURN(Entry * e, AddEntry(std::move(name), std::move(help),
                                             std::move(label_names), kCounter, nullptr, {}));
  if (e->label_names.empty()) e->counters->Get();  // An unlabeled series exists from the start.
  return e->counters.get();
}

Result<GaugeFamily*> MetricsRegistry::AddGauge(std::string name, std::string help,
                                               std::vector<std::string> label_names) {
  SHALE_ASSIGN_OR_RETURN(Entry * e, AddEntry(std::move(name), std::move(help),
                                             std::move(label_names), kGauge, nullptr, {}));
  if (e->label_names.empty()) e->gauges->Get();
  return e->gauges.get();
}

Result<HistogramFamily*> MetricsRegistry::AddHistogram(std::string name, std::string help,
                                                       std::vector<std::string> label_names,
                                                       std::vector<double> bounds) {
  SHALE_ASSIGN_OR_RETURN(Entry * e, AddEntry(std::move(name), std::move(help),
                                             std::move(label_names), kHistogram, &bounds, {}));
  if (e->label_names.empty()) e->histograms->Get();
  return e->histograms.get();
}

Status MetricsRegistry::AddGaugeCallback(std::string name, std::string help,
                                         std::vector<std::string> label_names,
                                         GaugeCallback callback) {
  if (!callback) return Status::InvalidArgument("metric " + name + ": empty callback");
  return AddEntry(std::move(name), std::move(help), std::move(label_names), kCallbackGauge, nullptr,
                  std::move(callback))
      .status();
}

std::string MetricsRegistry::RenderPrometheusText() const {
  std::vector<const Entry*> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, entry] : entries_) entries.push_back(entry.get());
  }
  // Entries are never removed, so rendering outside mu_ is safe (and lets callbacks take
  // their own locks without ordering against ours).
  std::string out;
  for (const Entry* e : entries) e->Render(out);
  return out;
}

}  // namespace shale
