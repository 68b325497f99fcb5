// Storage engine benchmark (issue 3). Every engine figure is printed beside a raw reference
// measured in the same run, in the same directory, on the same disk: 1 MiB puts vs a raw
// write+fdatasync loop, 4 KiB puts from many writers vs raw 4 KiB appends, point-get latency vs
// raw pread, and compaction vs a raw read+write+fdatasync of the same bytes.
//
// A plain main rather than Google Benchmark's: the scenarios need many threads, bounded
// durations and latency percentiles. Flags: --help. Output: a markdown table on stdout.

#include <fcntl.h>
#include <lmdb.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "storage/engine.h"

namespace shale::storage {
namespace {

using bench::AddRaw;
using bench::Check;
using bench::Clock;
using bench::Die;
using bench::DieErrno;
using bench::Fdatasync;
using bench::Fmt;
using bench::kMiB;
using bench::LoadAvg;
using bench::OpenOrDie;
using bench::Percentiles;
using bench::PrintMachine;
using bench::RandomBytes;
using bench::RawAppend;
using bench::RunParallel;
using bench::RunResult;
using bench::Since;
using bench::Summarize;
using bench::WriteAll;

struct Flags {
  std::string dir = "/var/tmp";  // Parent of the scratch directory.
  uint64_t big_mib = 1024;       // Bytes per 1 MiB-put run.
  double small_seconds = 10;     // Duration of each 4 KiB-put run.
  int small_writers = 32;
  uint64_t get_shards = 100000;  // 4 KiB shards filled for the get scenario.
  uint64_t get_ops = 200000;     // Gets per thread count.
  uint64_t compact_mib = 512;    // Data filled before deleting ~70% and compacting.
  uint64_t segment_mib = 64;     // segment_size of the compaction scenario.
  double delete_fraction = 0.7;
  uint64_t seed = 0;  // 0: from the clock (printed).
  std::string only = "big,small,get,compact";
};

// ---- Engine helpers ----

std::unique_ptr<Engine> OpenEngine(const std::string& dir, uint64_t segment_size) {
  EngineOptions o;
  o.dir = dir;
  o.node_id = "bench-node";
  o.cluster_id = "bench-cluster";
  o.segment_size = segment_size;
  o.background_compaction = false;
  auto e = Engine::Open(o);
  if (!e.ok()) Die("open engine " + dir, e.status());
  return std::move(e).value();
}

// LMDB's last committed write-transaction id: the engine commits one per group-commit batch,
// so its growth over a run is the number of batches. Read with the engine closed.
uint64_t IndexTxnId(const std::string& engine_dir) {
  MDB_env* env = nullptr;
  if (mdb_env_create(&env) != 0) Die("mdb_env_create", Status::Internal("failed"));
  mdb_env_set_maxdbs(env, 32);
  int rc = mdb_env_open(env, (engine_dir + "/index").c_str(), MDB_RDONLY, 0644);
  if (rc != 0) Die("mdb_env_open", Status::Internal(mdb_strerror(rc)));
  MDB_envinfo info;
  mdb_env_info(env, &info);
  mdb_env_close(env);
  return uint64_t(info.me_last_txnid);
}

std::string ShardId(const char* prefix, uint64_t i) {
  std::string id(prefix);
  id.append(std::to_string(i));  // Not `prefix + ...`: GCC 12 -Wrestrict false positive.
  return id;
}

// Puts `count` shards of `payload` (ids prefix + 0, 1, ...) from `writers` threads, or until
// `seconds` pass, counting the group-commit batches through LMDB's transaction id. The engine
// is opened and closed around the timed part (the open/close transactions are subtracted).
struct PutRun {
  RunResult run;
  uint64_t batches = 0;
  void Add(const PutRun& o) {
    AddRaw(&run, o.run);
    batches += o.batches;
  }
};
PutRun EnginePuts(const std::string& dir, uint64_t segment_size, int writers,
                  const std::string& payload, uint64_t count, double seconds,
                  const std::string& prefix = "s") {
  { OpenEngine(dir, segment_size); }  // Creates the engine on first use.
  const uint64_t txn0 = IndexTxnId(dir);
  { OpenEngine(dir, segment_size); }
  const uint64_t open_close_txns = IndexTxnId(dir) - txn0;
  PutRun out;
  {
    auto engine = OpenEngine(dir, segment_size);
    out.run = RunParallel(writers, count, seconds, [&](uint64_t i, int) {
      Check(engine->PutShard(ShardId(prefix.c_str(), i), payload), "put");
    });
  }
  out.batches = IndexTxnId(dir) - txn0 - 2 * open_close_txns;
  return out;
}

// ---- Scenarios ----

struct Table {
  std::vector<std::string> rows;
  void Add(const std::string& what, const std::string& engine, const std::string& raw,
           const std::string& ratio, const std::string& note) {
    rows.push_back("| " + what + " | " + engine + " | " + raw + " | " + ratio + " | " + note +
                   " |");
    std::printf("%s\n", rows.back().c_str());
    std::fflush(stdout);
  }
};

std::string Mbs(double bytes, double seconds) { return Fmt("%.0f MB/s", bytes / seconds / 1e6); }
std::string Ratio(double a, double b) { return Fmt("%.2f", a / b); }
std::string Lat(const Percentiles& p) {
  return Fmt("%.0f", p.p50_us) + " / " + Fmt("%.0f", p.p99_us) + " µs";
}

// The disk's speed drifts by up to 10x within minutes here (shared VM), so engine and raw runs
// alternate in rounds and each total is summed over all rounds: both see the same disk.
constexpr int kRounds = 8;

void BigPuts(const Flags& f, const std::string& scratch, Table* t) {
  const std::string block = RandomBytes(kMiB, f.seed);
  const uint64_t per_round = std::max<uint64_t>(f.big_mib / kRounds, 16);
  const std::string raw_path = scratch + "/raw-big";
  const std::string dir = scratch + "/big";
  RunResult raw1, raw16;
  PutRun e1, e4;
  for (int round = 0; round < kRounds; ++round) {
    AddRaw(&raw1, RawAppend(raw_path, block, per_round, 1e9, 1));
    e1.Add(EnginePuts(dir, uint64_t{1} << 30, 1, block, per_round, 1e9,
                      "a" + std::to_string(round) + "-"));
    e4.Add(EnginePuts(dir, uint64_t{1} << 30, 4, block, per_round, 1e9,
                      "b" + std::to_string(round) + "-"));
    AddRaw(&raw16, RawAppend(raw_path, block, per_round, 1e9, 16));
  }
  std::filesystem::remove_all(dir);
  const double rb = double(raw1.ops) * kMiB;
  for (const auto& [writers, e] : {std::pair{1, &e1}, std::pair{4, &e4}}) {
    const double eb = double(e->run.ops) * kMiB;
    t->Add("1 MiB PutShard, " + std::to_string(writers) + " writer(s)", Mbs(eb, e->run.seconds),
           Mbs(rb, raw1.seconds) + " (write+fdatasync each)",
           Ratio(eb / e->run.seconds, rb / raw1.seconds),
           Fmt("batch %.2f puts; ", double(e->run.ops) / double(e->batches)) + "put p50/p99 " +
               Lat(Summarize(e->run.latency_ns)) + "; raw write+sync p50/p99 " +
               Lat(Summarize(raw1.latency_ns)));
  }
  double rb16 = double(raw16.ops) * kMiB;
  t->Add("raw 1 MiB writes, fdatasync per 16 MiB", "", Mbs(rb16, raw16.seconds), "",
         "what batching 16 MiB per sync buys on this disk");
}

void SmallPuts(const Flags& f, const std::string& scratch, Table* t) {
  const std::string block = RandomBytes(4096, f.seed + 1);
  const std::string raw_path = scratch + "/raw-small";
  const std::string dir = scratch + "/small";
  const double slice = f.small_seconds / kRounds;
  RunResult raw1, raw32;
  PutRun e;
  for (int round = 0; round < kRounds; ++round) {
    AddRaw(&raw1, RawAppend(raw_path, block, UINT64_MAX, slice / 2, 1));
    e.Add(EnginePuts(dir, uint64_t{1} << 30, f.small_writers, block, UINT64_MAX, slice,
                     "r" + std::to_string(round) + "-"));
    AddRaw(&raw32, RawAppend(raw_path, block, UINT64_MAX, slice / 2, 32));
  }
  std::filesystem::remove_all(dir);
  const double eps = double(e.run.ops) / e.run.seconds;
  const double r1 = double(raw1.ops) / raw1.seconds, r32 = double(raw32.ops) / raw32.seconds;
  t->Add("4 KiB PutShard, " + std::to_string(f.small_writers) + " writers", Fmt("%.0f puts/s", eps),
         Fmt("%.0f appends/s (fdatasync each)", r1), Ratio(eps, r1),
         Fmt("batch %.1f puts, ", double(e.run.ops) / double(e.batches)) +
             Fmt("%.0f batches/s; ", double(e.batches) / e.run.seconds) + "put p50/p99 " +
             Lat(Summarize(e.run.latency_ns)));
  t->Add("4 KiB PutShard vs raw per-32 sync", Fmt("%.0f puts/s", eps),
         Fmt("%.0f appends/s (fdatasync per 32)", r32), Ratio(eps, r32),
         "raw fdatasync p50/p99 per group of 32: " + Lat(Summarize(raw32.latency_ns)) +
             "; per single write: " + Lat(Summarize(raw1.latency_ns)));
}

void ReadWholeFiles(const std::string& dir) {  // Warms the page cache.
  std::string buf(kMiB, '\0');
  for (const auto& ent : std::filesystem::recursive_directory_iterator(dir)) {
    if (!ent.is_regular_file()) continue;
    int fd = OpenOrDie(ent.path().string(), O_RDONLY);
    while (::read(fd, buf.data(), buf.size()) > 0) {
    }
    ::close(fd);
  }
}

void Gets(const Flags& f, const std::string& scratch, Table* t) {
  const std::string dir = scratch + "/get";
  const std::string block = RandomBytes(4096, f.seed + 2);
  const uint64_t n = f.get_shards;
  EnginePuts(dir, uint64_t{1} << 30, 32, block, n, 1e9);
  ReadWholeFiles(dir);
  std::string segment;  // The largest segment file: the raw reference reads from it.
  uintmax_t segment_size = 0;
  for (const auto& ent : std::filesystem::directory_iterator(dir + "/segments")) {
    if (ent.file_size() > segment_size) {
      segment_size = ent.file_size();
      segment = ent.path().string();
    }
  }
  auto engine = OpenEngine(dir, uint64_t{1} << 30);
  for (uint64_t i = 0; i < n; ++i) {  // Maps LMDB's pages and opens the segment readers.
    Check(engine->GetShard(ShardId("s", i)).status(), "warm-up get");
  }
  for (int threads : {1, 2}) {
    std::vector<std::mt19937_64> rngs;
    for (int i = 0; i < threads; ++i) rngs.emplace_back(f.seed + 100 + i);
    RunResult e = RunParallel(threads, f.get_ops, 1e9, [&](uint64_t, int th) {
      auto got = engine->GetShard(ShardId("s", rngs[th]() % n));
      if (!got.ok() || got->size() != block.size()) Die("get", got.status());
    });
    int fd = OpenOrDie(segment, O_RDONLY);
    const uint64_t pages = segment_size / 4096;
    RunResult raw = RunParallel(threads, f.get_ops, 1e9, [&](uint64_t, int th) {
      char buf[4096];
      if (::pread(fd, buf, sizeof buf, off_t(rngs[th]() % pages) * 4096) != sizeof buf) {
        DieErrno("pread");
      }
    });
    ::close(fd);
    Percentiles pe = Summarize(e.latency_ns), pr = Summarize(raw.latency_ns);
    t->Add("4 KiB GetShard, " + std::to_string(threads) + " thread(s), " + std::to_string(n) +
               " shards, warm cache",
           Fmt("%.1f", pe.p50_us) + " / " + Fmt("%.1f", pe.p99_us) + " / " +
               Fmt("%.1f µs", pe.p999_us),
           Fmt("%.1f", pr.p50_us) + " / " + Fmt("%.1f", pr.p99_us) + " / " +
               Fmt("%.1f µs (pread 4 KiB)", pr.p999_us),
           Ratio(pe.p50_us, pr.p50_us) + " (p50)",
           Fmt("%.0f gets/s", double(e.ops) / e.seconds) +
               Fmt(" vs %.0f preads/s", double(raw.ops) / raw.seconds));
  }
  engine.reset();
  std::filesystem::remove_all(dir);
}

uint64_t SegmentBytes(const std::string& dir, std::map<std::string, uint64_t>* sizes) {
  uint64_t total = 0;
  for (const auto& ent : std::filesystem::directory_iterator(dir + "/segments")) {
    (*sizes)[ent.path().filename().string()] = ent.file_size();
    total += ent.file_size();
  }
  return total;
}

void Compaction(const Flags& f, const std::string& scratch, Table* t) {
  const std::string dir = scratch + "/compact";
  const uint64_t seg_size = f.segment_mib * kMiB;
  const std::string block = RandomBytes(64 * 1024, f.seed + 3);
  const uint64_t n = f.compact_mib * kMiB / block.size();
  EnginePuts(dir, seg_size, 8, block, n, 1e9);
  auto engine = OpenEngine(dir, seg_size);
  std::vector<uint64_t> doomed;
  std::mt19937_64 rng(f.seed + 4);
  std::bernoulli_distribution pick(f.delete_fraction);
  for (uint64_t i = 0; i < n; ++i) {
    if (pick(rng)) doomed.push_back(i);
  }
  RunParallel(32, doomed.size(), 1e9, [&](uint64_t i, int) {
    Check(engine->DeleteShard(ShardId("s", doomed[i])), "delete");
  });
  std::map<std::string, uint64_t> before, after;
  const uint64_t before_total = SegmentBytes(dir, &before);
  const auto t0 = Clock::now();
  int steps = 0;
  for (;;) {
    auto step = engine->CompactOnce();
    if (!step.ok()) Die("compact", step.status());
    if (!step->did_work) break;
    ++steps;
  }
  const double secs = Since(t0);
  const uint64_t after_total = SegmentBytes(dir, &after);
  uint64_t removed = 0;  // Bytes of the segments compaction rewrote and deleted.
  for (const auto& [name, size] : before) {
    if (!after.count(name)) removed += size;
  }
  const uint64_t copied = after_total + removed - before_total;  // Appended by the copies.
  for (uint64_t i = 0; i < n; i += 97) {                         // Survivors are still readable.
    auto got = engine->GetShard(ShardId("s", i));
    if (!got.ok() && !got.status().IsNotFound()) Die("get after compaction", got.status());
  }
  engine.reset();
  std::filesystem::remove_all(dir);

  // Raw: read `removed` bytes sequentially, write the same share of them, fdatasync per 8 MiB.
  const std::string in_path = scratch + "/raw-compact-in", out_path = scratch + "/raw-compact-out";
  {
    int fd = OpenOrDie(in_path, O_WRONLY | O_CREAT | O_TRUNC);
    std::string mb = RandomBytes(kMiB, f.seed + 5);
    for (uint64_t done = 0; done < removed; done += kMiB) WriteAll(fd, mb.data(), mb.size());
    Fdatasync(fd);
    ::close(fd);
  }
  const double share = removed ? double(copied) / double(removed) : 0;
  const auto r0 = Clock::now();
  {
    int in = OpenOrDie(in_path, O_RDONLY), out = OpenOrDie(out_path, O_WRONLY | O_CREAT | O_TRUNC);
    std::string buf(kMiB, '\0');
    uint64_t unsynced = 0;
    ssize_t got;
    while ((got = ::read(in, buf.data(), buf.size())) > 0) {
      size_t keep = size_t(double(got) * share);
      WriteAll(out, buf.data(), keep);
      unsynced += keep;
      if (unsynced >= 8 * kMiB) {
        Fdatasync(out);
        unsynced = 0;
      }
    }
    Fdatasync(out);
    ::close(in);
    ::close(out);
  }
  const double raw_secs = Since(r0);
  std::filesystem::remove(in_path);
  std::filesystem::remove(out_path);
  t->Add(Fmt("compaction, %.0f%% deleted, ", f.delete_fraction * 100) + std::to_string(steps) +
             " segments of " + std::to_string(f.segment_mib) + " MiB",
         Mbs(double(removed), secs) + " rewritten (" + Mbs(double(copied), secs) + " copied)",
         Mbs(double(removed), raw_secs) + " read (" + Mbs(double(copied), raw_secs) + " written)",
         Ratio(raw_secs, secs),
         Fmt("%.0f MB reclaimed", double(before_total - after_total) / 1e6) +
             Fmt(" in %.2f s", secs) +
             Fmt(" (%.0f MB/s net)", (before_total - after_total) / secs / 1e6));
}

bool ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    std::string k = a.substr(0, eq), v = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (k == "--dir")
      f->dir = v;
    else if (k == "--big_mib")
      f->big_mib = std::stoull(v);
    else if (k == "--small_seconds")
      f->small_seconds = std::stod(v);
    else if (k == "--small_writers")
      f->small_writers = std::stoi(v);
    else if (k == "--get_shards")
      f->get_shards = std::stoull(v);
    else if (k == "--get_ops")
      f->get_ops = std::stoull(v);
    else if (k == "--compact_mib")
      f->compact_mib = std::stoull(v);
    else if (k == "--segment_mib")
      f->segment_mib = std::stoull(v);
    else if (k == "--delete_fraction")
      f->delete_fraction = std::stod(v);
    else if (k == "--seed")
      f->seed = std::stoull(v);
    else if (k == "--only")
      f->only = v;
    else if (k == "--quick") {
      f->big_mib = 128;
      f->small_seconds = 3;
      f->get_shards = 20000;
      f->get_ops = 50000;
      f->compact_mib = 128;
      f->segment_mib = 16;
    } else {
      std::fprintf(stderr,
                   "usage: engine_bench [--quick] [--dir=/var/tmp] [--big_mib=1024] "
                   "[--small_seconds=10] [--small_writers=32] [--get_shards=100000] "
                   "[--get_ops=200000] [--compact_mib=512] [--segment_mib=64] "
                   "[--delete_fraction=0.7] [--seed=N] [--only=big,small,get,compact]\n");
      return false;
    }
  }
  if (f->seed == 0) f->seed = uint64_t(Clock::now().time_since_epoch().count());
  return true;
}

int Main(int argc, char** argv) {
  Flags f;
  if (!ParseFlags(argc, argv, &f)) return 2;
  std::string tmpl = f.dir + "/shale-engine-bench-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) DieErrno("mkdtemp " + tmpl);
  const std::string scratch = tmpl;
  PrintMachine(scratch);
  std::printf(
      "seed %llu; big %llu MiB, small %.0f s x %d writers, get %llu shards x %llu ops, "
      "compaction %llu MiB in %llu MiB segments\n\n",
      (unsigned long long)f.seed, (unsigned long long)f.big_mib, f.small_seconds, f.small_writers,
      (unsigned long long)f.get_shards, (unsigned long long)f.get_ops,
      (unsigned long long)f.compact_mib, (unsigned long long)f.segment_mib);
  std::printf(
      "| scenario | engine | raw reference | engine/raw | notes |\n|---|---|---|---|---|\n");
  Table t;
  auto want = [&](const char* s) {
    return ("," + f.only + ",").find(std::string(",") + s + ",") != std::string::npos;
  };
  if (want("big")) BigPuts(f, scratch, &t);
  if (want("small")) SmallPuts(f, scratch, &t);
  if (want("get")) Gets(f, scratch, &t);
  if (want("compact")) Compaction(f, scratch, &t);
  std::printf("\nload average at end: %s\n", LoadAvg().c_str());
  std::filesystem::remove_all(scratch);
  return 0;
}

}  // namespace
}  // namespace shale::storage

int main(int argc, char** argv) { return shale::storage::Main(argc, argv); }
