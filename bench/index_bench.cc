// Index throughput: durable batched puts (as group commit issues them), point reads, and
// listings over long keys. Real LMDB files in a temp dir; default (durable) sync mode.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "storage/index.h"

namespace shale::storage {
namespace {

// A fresh index in a temp dir, removed afterwards. Benchmarks are a program edge: abort on error.
class BenchIndex {
 public:
  BenchIndex() {
    char tmpl[] = "/tmp/shale-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    dir_ = tmpl;
    auto r = Index::Open(dir_ + "/index", IndexOptions{});
    if (!r.ok()) std::abort();
    index_ = std::move(r).value();
  }
  ~BenchIndex() {
    index_.reset();
    std::filesystem::remove_all(dir_);
  }
  Index& operator*() { return *index_; }
  Index* operator->() { return index_.get(); }

 private:
  std::string dir_;
  std::unique_ptr<Index> index_;
};

std::string ShardId(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "shard-%016llx", static_cast<unsigned long long>(i));
  return buf;
}

std::string LongKey(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08llu", static_cast<unsigned long long>(i));
  return std::string(1000, 'k') + buf;
}

void Check(const Status& s) {
  if (!s.ok()) std::abort();
}

void BM_ApplyShardBatch(benchmark::State& state) {
  BenchIndex index;
  const int per_batch = static_cast<int>(state.range(0));
  uint64_t n = 0;
  for (auto _ : state) {
    IndexBatch b;
    for (int i = 0; i < per_batch; ++i, ++n) {
      b.PutShard(ShardId(n), ShardEntry{{1, n * 4096, 4096}, 64, 4000, 0, n, 0});
    }
    b.AddSegmentTotalBytes(1, uint64_t(per_batch) * 4096);
    Check(index->Apply(b));
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}
BENCHMARK(BM_ApplyShardBatch)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime();

void BM_ApplyLongKeyVersionBatch(benchmark::State& state) {
  BenchIndex index;
  uint64_t n = 0;
  std::string payload(300, 'p');
  for (auto _ : state) {
    IndexBatch b;
    for (int i = 0; i < 100; ++i, ++n) {
      b.PutVersion("bucket", LongKey(n), VersionId{1}, MetadataEntry{{1, n, 400}, n, 0, payload});
    }
    Check(index->Apply(b));
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}
BENCHMARK(BM_ApplyLongKeyVersionBatch)->UseRealTime();

void BM_GetShard(benchmark::State& state) {
  BenchIndex index;
  constexpr uint64_t kShards = 100000;
  for (uint64_t base = 0; base < kShards; base += 1000) {
    IndexBatch b;
    for (uint64_t i = base; i < base + 1000; ++i) {
      b.PutShard(ShardId(i), ShardEntry{{1, i * 4096, 4096}, 64, 4000, 0, i, 0});
    }
    Check(index->Apply(b));
  }
  uint64_t i = 0;
  for (auto _ : state) {
    auto r = index->GetShard(ShardId((i++ * 7919) % kShards));
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(i));
}
BENCHMARK(BM_GetShard);

void BM_ListLongKeys(benchmark::State& state) {
  BenchIndex index;
  for (uint64_t base = 0; base < 20000; base += 1000) {
    IndexBatch b;
    for (uint64_t i = base; i < base + 1000; ++i) {
      for (uint8_t v = 1; v <= 2; ++v) {
        b.PutVersion("bucket", LongKey(i), VersionId{v}, MetadataEntry{{1, i, 400}, i, 0, "p"});
      }
    }
    Check(index->Apply(b));
  }
  uint64_t listed = 0;
  for (auto _ : state) {
    auto snap = index->Snapshot();
    ListVersionsOptions o;
    o.bucket = "bucket";
    o.limit = 1000;
    o.latest_only = state.range(0) == 1;
    auto l = snap->ListVersions(o);
    if (!l.ok()) std::abort();
    listed += l->entries.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(listed));
}
BENCHMARK(BM_ListLongKeys)->Arg(0)->Arg(1);

}  // namespace
}  // namespace shale::storage

BENCHMARK_MAIN();
