#include "tools/shale/bench_load.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include "common/encoding.h"
#include "common/hash.h"
#include "tools/shale/s3_client.h"

namespace shale::cli {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxReportedErrors = 5;

int Index(BenchOp op) { return static_cast<int>(op); }

// User + system CPU seconds of this process so far.
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

// Live counters of one worker, read by the progress line while the worker runs.
struct LiveCounters {
  std::atomic<uint64_t> ops{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> errors{0};
};

// State shared by the workers of one run.
struct Shared {
  const BenchOptions& options;
  const BodyPool& bodies;
  Clock::time_point deadline;
  std::mutex mu;
  std::vector<std::string> first_errors;  // Guarded by mu.

  void NoteError(std::string message) {
    std::lock_guard<std::mutex> lock(mu);
    if (first_errors.size() < kMaxReportedErrors) first_errors.push_back(std::move(message));
  }
};

// One worker: its client, its keys and what each of them holds.
class Worker {
 public:
  Worker(Shared* shared, int id, std::unique_ptr<S3Client> client)
      : shared_(*shared), client_(std::move(client)), rng_(shared->options.seed + id) {
    const auto& o = shared_.options;
    first_key_ = static_cast<uint64_t>(id);
    stride_ = static_cast<uint64_t>(o.concurrency);
    key_count_ = (o.keys - first_key_ + stride_ - 1) / stride_;  // keys >= concurrency > id.
    present_.assign(key_count_, false);
    for (auto& s : stats_) s.latency_ns.reserve(1 << 16);
  }

  // Puts every key of this worker (not timed); the first failure is returned.
  Status Prepare() {
    for (size_t i = 0; i < key_count_; ++i) {
      std::string error = Put(i);
      if (!error.empty()) return Status::Unavailable("preparing keys: " + error);
      present_[i] = true;
    }
    return Status::OK();
  }

  void Run() {
    const OpMix& mix = shared_.options.mix;
    while (Clock::now() < shared_.deadline) {
      BenchOp op = Pick(mix);
      if (op == BenchOp::kDelete && mix.Only(BenchOp::kDelete) && deleted_all_) return;
      const auto start = Clock::now();
      uint64_t bytes = 0;
      std::string error = Do(op, &bytes);
      const uint64_t ns = static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
      OpStats& s = stats_[Index(op)];
      if (error.empty()) {
        ++s.ops;
        s.bytes += bytes;
        s.latency_ns.push_back(ns);
        live.ops.fetch_add(1, std::memory_order_relaxed);
        live.bytes.fetch_add(bytes, std::memory_order_relaxed);
      } else {
        ++s.errors;
        live.errors.fetch_add(1, std::memory_order_relaxed);
        shared_.NoteError(std::string(BenchOpName(op)) + ": " + error);
      }
    }
  }

  const OpStats& stats(BenchOp op) const { return stats_[Index(op)]; }
  LiveCounters live;

 private:
  BenchOp Pick(const OpMix& mix) {
    uint32_t total = mix.Total();
    uint32_t r = total <= 1 ? 0 : static_cast<uint32_t>(rng_() % total);
    for (int i = 0; i < kBenchOpCount; ++i) {
      if (r < mix.weight[i]) return static_cast<BenchOp>(i);
      r -= mix.weight[i];
    }
    return BenchOp::kPut;
  }

  // The next key to use: cyclic for single-op runs, random in mixed ones.
  size_t NextKey() {
    if (shared_.options.mode == "mixed") return static_cast<size_t>(rng_() % key_count_);
    size_t k = cursor_;
    cursor_ = (cursor_ + 1) % key_count_;
    return k;
  }

  std::string Do(BenchOp op, uint64_t* bytes) {
    switch (op) {
      case BenchOp::kPut: {
        size_t k = NextKey();
        std::string e = Put(k);
        if (e.empty()) {
          present_[k] = true;
          *bytes = shared_.options.size;
        }
        return e;
      }
      case BenchOp::kGet:
        return Get(NextKey(), bytes);
      case BenchOp::kDelete:
        return Delete();
      case BenchOp::kList:
        return List();
    }
    return "unknown operation";
  }

  // The global index of this worker's k-th key.
  uint64_t KeyIndex(size_t k) const { return first_key_ + k * stride_; }
  std::string Name(size_t k) const { return BenchKeyName(shared_.options.prefix, KeyIndex(k)); }

  std::string Put(size_t k) {
    auto r =
        client_->PutObject(shared_.options.bucket, Name(k), shared_.bodies.ForKey(KeyIndex(k)));
    if (!r.ok()) return r.status().ToString();
    if (r->status != 200) return Name(k) + ": HTTP " + std::to_string(r->status) + " " + r->body;
    if (r->etag != shared_.bodies.EtagForKey(KeyIndex(k))) {
      return Name(k) + ": ETag " + r->etag + ", expected " + shared_.bodies.EtagForKey(KeyIndex(k));
    }
    return {};
  }

  std::string Get(size_t k, uint64_t* bytes) {
    std::span<const uint8_t> want = shared_.bodies.ForKey(KeyIndex(k));
    BodyChecker check(want);
    BodySink sink = [&check](std::string_view piece) { return check.Feed(piece); };
    auto r = client_->GetObject(shared_.options.bucket, Name(k), sink);
    if (!check.ok()) return Name(k) + ": wrong bytes near offset " + std::to_string(check.offset());
    if (!r.ok()) return r.status().ToString();
    if (!present_[k]) {
      return r->status == 404
                 ? std::string()
                 : Name(k) + ": deleted, but GET answered " + std::to_string(r->status);
    }
    if (r->status != 200) return Name(k) + ": HTTP " + std::to_string(r->status) + " " + r->body;
    if (!check.Complete()) {
      return Name(k) + ": " + std::to_string(check.offset()) + " bytes, expected " +
             std::to_string(want.size());
    }
    *bytes = check.offset();
    return {};
  }

  std::string Delete() {
    size_t k;
    if (shared_.options.mode == "mixed") {
      k = NextKey();
    } else {
      // Each key once; the worker stops when all are gone.
      k = cursor_++;
      if (cursor_ >= key_count_) deleted_all_ = true;
    }
    auto r = client_->DeleteObject(shared_.options.bucket, Name(k));
    if (!r.ok()) return r.status().ToString();
    if (r->status != 204 && r->status != 200) {
      return Name(k) + ": HTTP " + std::to_string(r->status) + " " + r->body;
    }
    present_[k] = false;
    return {};
  }

  std::string List() {
    const auto& o = shared_.options;
    auto r = client_->ListObjectsV2(o.bucket, o.prefix, 1000);
    if (!r.ok()) return r.status().ToString();
    if (r->status != 200) return "HTTP " + std::to_string(r->status) + " " + r->body;
    if (o.mix.Only(BenchOp::kList)) {
      // Nothing changes during a list-only run: the first page holds at least min(keys, 1000)
      // keys (more when earlier runs left keys under the prefix).
      size_t count = 0;
      for (size_t p = r->body.find("<Key>"); p != std::string::npos;
           p = r->body.find("<Key>", p + 5)) {
        ++count;
      }
      if (count < std::min<uint64_t>(o.keys, 1000)) {
        return "listing returned " + std::to_string(count) + " keys, expected at least " +
               std::to_string(std::min<uint64_t>(o.keys, 1000));
      }
    }
    return {};
  }

  Shared& shared_;
  std::unique_ptr<S3Client> client_;
  std::mt19937_64 rng_;
  uint64_t first_key_ = 0;  // This worker owns keys first_key_ + k * stride_, k < key_count_.
  uint64_t stride_ = 1;
  size_t key_count_ = 0;
  std::vector<bool> present_;  // What the server holds for key k, as this worker knows.
  size_t cursor_ = 0;
  bool deleted_all_ = false;
  OpStats stats_[kBenchOpCount];
};

// Prints "\r[  3.0s] 5123 ops/s 20.5 MB/s 0 errors" about once a second until `done`.
void ProgressLoop(std::ostream* out, const std::vector<std::unique_ptr<Worker>>& workers,
                  Clock::time_point start, std::mutex* mu, std::condition_variable* cv,
                  const bool* done) {
  uint64_t last_ops = 0, last_bytes = 0;
  auto last = start;
  std::unique_lock<std::mutex> lock(*mu);
  while (!cv->wait_for(lock, std::chrono::seconds(1), [&] { return *done; })) {
    uint64_t ops = 0, bytes = 0, errors = 0;
    for (const auto& w : workers) {
      ops += w->live.ops.load(std::memory_order_relaxed);
      bytes += w->live.bytes.load(std::memory_order_relaxed);
      errors += w->live.errors.load(std::memory_order_relaxed);
    }
    const auto now = Clock::now();
    const double dt = std::chrono::duration<double>(now - last).count();
    char line[160];
    std::snprintf(line, sizeof line, "\r[%6.1fs] %10.0f ops/s %10.1f MB/s %8llu errors   ",
                  std::chrono::duration<double>(now - start).count(),
                  static_cast<double>(ops - last_ops) / dt,
                  MegabytesPerSecond(bytes - last_bytes, dt),
                  static_cast<unsigned long long>(errors));
    *out << line << std::flush;
    last_ops = ops;
    last_bytes = bytes;
    last = now;
  }
  *out << "\r" << std::string(64, ' ') << "\r" << std::flush;
}

// Runs fn(worker) on every worker, one thread each, and joins them.
void OnAllWorkers(const std::vector<std::unique_ptr<Worker>>& workers,
                  const std::function<void(Worker&)>& fn) {
  std::vector<std::thread> threads;
  threads.reserve(workers.size());
  for (const auto& w : workers) threads.emplace_back([&fn, &w] { fn(*w); });
  for (auto& t : threads) t.join();
}

}  // namespace

BodyPool::BodyPool(uint64_t size, uint64_t seed, uint64_t keys) {
  const uint64_t count = std::clamp<uint64_t>(keys, 1, kMaxBodies);
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + size);
  for (uint64_t b = 0; b < count; ++b) {
    std::vector<uint8_t> body(size);
    for (size_t i = 0; i < body.size(); i += 8) {
      const uint64_t v = rng();
      std::memcpy(body.data() + i, &v, std::min<size_t>(8, body.size() - i));
    }
    etags_.push_back(HexEncode(Md5(std::span<const uint8_t>(body))));
    bodies_.push_back(std::move(body));
  }
}

std::span<const uint8_t> BodyPool::ForKey(uint64_t key_index) const {
  return bodies_[key_index % bodies_.size()];
}

const std::string& BodyPool::EtagForKey(uint64_t key_index) const {
  return etags_[key_index % etags_.size()];
}

bool BodyChecker::Feed(std::string_view piece) {
  if (!ok_) return false;
  if (piece.size() > want_.size() - offset_ ||
      std::memcmp(want_.data() + offset_, piece.data(), piece.size()) != 0) {
    ok_ = false;
    return false;
  }
  offset_ += piece.size();
  return true;
}

std::string BenchKeyName(const std::string& prefix, uint64_t key_index) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%08llu", static_cast<unsigned long long>(key_index));
  return prefix + digits;
}

uint64_t LoadReport::TotalErrors() const {
  uint64_t n = 0;
  for (const auto& s : by_op) n += s.errors;
  return n;
}

Result<LoadReport> RunLoad(const BenchOptions& options, std::ostream* progress) {
  const BodyPool bodies(options.size, options.seed, options.keys);
  Shared shared{options, bodies, {}, {}, {}};
  std::vector<std::unique_ptr<Worker>> workers;
  for (int w = 0; w < options.concurrency; ++w) {
    SHALE_ASSIGN_OR_RETURN(auto client, S3Client::Create(options.client));
    if (w == 0) SHALE_RETURN_IF_ERROR(client->EnsureBucket(options.bucket));
    workers.push_back(std::make_unique<Worker>(&shared, w, std::move(client)));
  }
  LoadReport report;
  if (!options.mix.Only(BenchOp::kPut)) {
    const auto t0 = Clock::now();
    std::mutex mu;
    Status first;
    OnAllWorkers(workers, [&](Worker& w) {
      Status s = w.Prepare();
      std::lock_guard<std::mutex> lock(mu);
      if (!s.ok() && first.ok()) first = s;
    });
    SHALE_RETURN_IF_ERROR(first);
    report.prepare_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    report.prepared_keys = options.keys;
  }

  const double cpu_start = ProcessCpuSeconds();
  const auto start = Clock::now();
  shared.deadline = start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(options.duration_s));
  std::mutex progress_mu;
  std::condition_variable progress_cv;
  bool done = false;
  std::thread progress_thread;
  if (progress != nullptr) {
    progress_thread = std::thread(ProgressLoop, progress, std::cref(workers), start, &progress_mu,
                                  &progress_cv, &done);
  }
  OnAllWorkers(workers, [](Worker& w) { w.Run(); });
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  report.client_cpu_seconds = ProcessCpuSeconds() - cpu_start;
  if (progress_thread.joinable()) {
    {
      std::lock_guard<std::mutex> lock(progress_mu);
      done = true;
    }
    progress_cv.notify_all();
    progress_thread.join();
  }
  for (const auto& w : workers) {
    for (int i = 0; i < kBenchOpCount; ++i) report.by_op[i].Merge(w->stats(BenchOp(i)));
  }
  report.first_errors = std::move(shared.first_errors);
  return report;
}

}  // namespace shale::cli
