#pragma once

// Counting and summarizing what a benchmark did: per-operation counters with one latency sample
// per operation, merged from every worker, and their percentiles.
//
// Percentiles are nearest-rank: the q-th percentile of n samples is the smallest sample with at
// least ceil(q * n) samples at or below it, so p99.9 of fewer than 1000 samples is the maximum,
// never an interpolated value that no request had.
//
// Thread-safety: values; each worker fills its own OpStats and they are merged after the run.

#include <cstdint>
#include <string>
#include <vector>

namespace shale::cli {

struct LatencySummary {
  uint64_t count = 0;
  double mean_us = 0;
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double max_us = 0;
};

// Nearest-rank percentile, q in [0, 1], of sorted samples (0 for none).
uint64_t NearestRank(const std::vector<uint64_t>& sorted, double q);
// Sorts `latency_ns` in place and summarizes it.
LatencySummary SummarizeLatencies(std::vector<uint64_t>* latency_ns);

// What one kind of operation did during a run.
struct OpStats {
  uint64_t ops = 0;     // Completed without error (latency recorded).
  uint64_t bytes = 0;   // Object bytes moved by those operations.
  uint64_t errors = 0;  // Failed or returned wrong data (no latency recorded).
  std::vector<uint64_t> latency_ns;

  void Merge(const OpStats& other);
};

// Throughput in decimal megabytes per second (1 MB = 10^6 bytes), as `dd`, fio and warp print.
double MegabytesPerSecond(uint64_t bytes, double seconds);

}  // namespace shale::cli
