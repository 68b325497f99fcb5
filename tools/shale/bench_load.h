#pragma once

// The S3 load of `shale bench`: `concurrency` worker threads, each with its own S3Client (one
// kept-alive connection), run the chosen operations for a duration and record every latency.
//
// Keys are partitioned: worker w owns the keys i < keys with i % concurrency == w, so each
// worker knows exactly what every key it owns holds and checks every answer: a PUT must return
// the body's MD5 as ETag, a GET must return exactly the bytes last put (compared as they arrive)
// or 404 for a key it deleted, a DELETE must succeed, and a listing of a static key set must
// count the keys. A wrong answer is an error, never a fast operation.
//
// Bodies are pseudo-random from the seed and depend only on (size, seed, key index), so tests
// and later runs can check what a run stored (BodyPool). get, delete, list and mixed runs put
// their keys first (not timed).
//
// Thread-safety: RunLoad is called from one thread and joins every worker before it returns.

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "tools/shale/bench_options.h"
#include "tools/shale/bench_stats.h"

namespace shale::cli {

// The object bodies of a run: a few distinct random bodies, key i holds body i % count.
// Immutable after construction.
class BodyPool {
 public:
  static constexpr uint64_t kMaxBodies = 16;
  BodyPool(uint64_t size, uint64_t seed, uint64_t keys);

  std::span<const uint8_t> ForKey(uint64_t key_index) const;
  // Lowercase hex MD5 of ForKey(key_index): the ETag S3 answers for it.
  const std::string& EtagForKey(uint64_t key_index) const;

 private:
  std::vector<std::vector<uint8_t>> bodies_;
  std::vector<std::string> etags_;
};

// Compares a response body, piece by piece as it arrives, with the expected bytes.
// A value used by one thread.
class BodyChecker {
 public:
  explicit BodyChecker(std::span<const uint8_t> want) : want_(want) {}
  // False (and stays false) once a piece differs or runs past the expected end.
  bool Feed(std::string_view piece);
  // Every byte arrived and matched.
  bool Complete() const { return ok_ && offset_ == want_.size(); }
  bool ok() const { return ok_; }
  size_t offset() const { return offset_; }  // Bytes matched so far.

 private:
  std::span<const uint8_t> want_;
  size_t offset_ = 0;
  bool ok_ = true;
};

// "<prefix>00000042": fixed width, so listing order is index order.
std::string BenchKeyName(const std::string& prefix, uint64_t key_index);

struct LoadReport {
  double seconds = 0;  // Timed phase, wall clock.
  double prepare_seconds = 0;
  uint64_t prepared_keys = 0;
  // CPU time this process (the load generator itself) used during the timed phase: the share
  // of the machine the benchmark took from the server when both run on the same cores.
  double client_cpu_seconds = 0;
  OpStats by_op[kBenchOpCount];
  std::vector<std::string> first_errors;  // Up to a few, for the operator.
  uint64_t TotalErrors() const;
};

// Runs the load. An error Status only when the run could not start (bad endpoint, bucket not
// creatable, preparing keys failed); failed operations during the timed phase are counted in the
// report instead. `progress`, when not null, gets a live line every second ("\r...").
Result<LoadReport> RunLoad(const BenchOptions& options, std::ostream* progress);

}  // namespace shale::cli
