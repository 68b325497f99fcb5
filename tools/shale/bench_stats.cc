#include "tools/shale/bench_stats.h"

#include <algorithm>
#include <cmath>

namespace shale::cli {

uint64_t NearestRank(const std::vector<uint64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Rank ceil(q * n), at least 1; the small epsilon keeps 0.99 * 100 from rounding up to 100.
  double rank = std::ceil(q * static_cast<double>(sorted.size()) - 1e-9);
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

LatencySummary SummarizeLatencies(std::vector<uint64_t>* latency_ns) {
  LatencySummary s;
  std::vector<uint64_t>& v = *latency_ns;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (uint64_t x : v) sum += static_cast<double>(x);
  s.count = v.size();
  s.mean_us = sum / static_cast<double>(v.size()) / 1e3;
  s.p50_us = static_cast<double>(NearestRank(v, 0.50)) / 1e3;
  s.p99_us = static_cast<double>(NearestRank(v, 0.99)) / 1e3;
  s.p999_us = static_cast<double>(NearestRank(v, 0.999)) / 1e3;
  s.max_us = static_cast<double>(v.back()) / 1e3;
  return s;
}

void OpStats::Merge(const OpStats& other) {
  ops += other.ops;
  bytes += other.bytes;
  errors += other.errors;
  latency_ns.insert(latency_ns.end(), other.latency_ns.begin(), other.latency_ns.end());
}

double MegabytesPerSecond(uint64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0;
}

}  // namespace shale::cli
