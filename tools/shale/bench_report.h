#pragma once

// How `shale bench` prints its results: a human table, or one JSON document (`--json`) for
// scripts:
//
//   {"machine": "...", "load_average": "...",
//    "raw": [{"name", "description", "mb_per_s", "ops_per_s", "p50_us", "p99_us"}, ...],
//    "load": {"endpoint", "bucket", "op", "size", "concurrency", "keys", "seconds", "client_cpu_s",
//             "ops", "ops_per_s", "mb_per_s", "errors",
//             "latency_us": {"p50", "p99", "p999", "mean", "max"},
//             "by_op": {"put": {same fields but the run's}, ...}, "first_errors": [...]}}
//
// "raw" or "load" is absent when it was not measured. Thread-safety: pure functions.

#include <string>
#include <vector>

#include "tools/shale/bench_load.h"
#include "tools/shale/bench_options.h"
#include "tools/shale/bench_raw.h"

namespace shale::cli {

struct BenchResults {
  std::string machine;
  std::string load_average;
  const std::vector<RawLimit>* raw = nullptr;  // Borrowed; null when not measured.
  const LoadReport* load = nullptr;            // Borrowed; null when not run.
};

std::string FormatBenchText(const BenchOptions& options, const BenchResults& results);
std::string FormatBenchJson(const BenchOptions& options, const BenchResults& results);

// "4 KiB", "1 MiB", "1000 B": sizes as the operator wrote them.
std::string HumanBytes(uint64_t bytes);

}  // namespace shale::cli
