// Segment writer/reader throughput over the POSIX file system (page cache; no fdatasync, which
// belongs to the engine's group commit and is measured there).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "common/fs/posix_file_system.h"
#include "storage/segment_reader.h"
#include "storage/segment_writer.h"

namespace shale::storage {
namespace {

std::string BenchPath() {
  const char* base = std::getenv("TMPDIR");
  return std::string(base && *base ? base : "/tmp") + "/shale-segment-bench-" +
         std::to_string(::getpid()) + ".seg";
}

std::unique_ptr<SegmentWriter> NewWriter(fs::FileSystem& fs, const std::string& path) {
  std::filesystem::remove(path);
  auto writer = SegmentWriter::Create(fs, path, {1, "node", "cluster", 0, NewSegmentSalt()});
  if (!writer.ok()) std::abort();
  return std::move(writer).value();
}

// Appends records of state.range(0) bytes; bytes/s is the append rate.
void BM_Append(benchmark::State& state) {
  fs::PosixFileSystem fs;
  const std::string path = BenchPath();
  auto writer = NewWriter(fs, path);
  const std::string payload(static_cast<size_t>(state.range(0)), 'p');
  uint64_t seq = 0;
  for (auto _ : state) {
    if (writer->size() > (uint64_t{512} << 20)) {
      state.PauseTiming();
      writer = NewWriter(fs, path);
      state.ResumeTiming();
    }
    auto loc = writer->Append({RecordType::kShard, "shard-id-0123456789", ++seq, payload});
    benchmark::DoNotOptimize(loc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  writer.reset();
  std::filesystem::remove(path);
}
BENCHMARK(BM_Append)->Arg(4 << 10)->Arg(1 << 20);

// Scans (both CRCs of every record) a 256 MiB segment of state.range(0)-byte records.
void BM_Scan(benchmark::State& state) {
  fs::PosixFileSystem fs;
  const std::string path = BenchPath();
  auto writer = NewWriter(fs, path);
  const std::string payload(static_cast<size_t>(state.range(0)), 'p');
  for (uint64_t seq = 1; writer->size() < (uint64_t{256} << 20); ++seq) {
    if (!writer->Append({RecordType::kShard, "shard-id-0123456789", seq, payload}).ok()) {
      std::abort();
    }
  }
  const uint64_t size = writer->size();
  writer.reset();
  auto file = fs.NewRandomAccessFile(path);
  auto reader = SegmentReader::Open(std::move(file).value());
  for (auto _ : state) {
    ScanOptions options;
    options.max_loaded_payload = 0;
    auto scanner = SegmentScanner::Create(**reader, options);
    ScannedRecord record;
    while ((*scanner)->Next(&record)) {
    }
    if ((*scanner)->stop().reason != ScanStopReason::kEnd) std::abort();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
  std::filesystem::remove(path);
}
BENCHMARK(BM_Scan)->Arg(4 << 10)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace shale::storage

BENCHMARK_MAIN();
