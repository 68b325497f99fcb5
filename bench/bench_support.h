#pragma once

// Shared by the bench/ programs that are plain mains (not Google Benchmark): timing, latency
// percentiles, raw-disk reference loops and a description of the machine. Everything dies
// loudly on an unexpected error: a benchmark has no caller to report to.
// Thread-safety: free functions; RunParallel runs `op` on several threads at once.

#include <fcntl.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"

namespace shale::bench {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kMiB = uint64_t{1} << 20;

[[noreturn]] inline void Die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}
inline void Check(const Status& s, const std::string& what) {
  if (!s.ok()) Die(what, s);
}
[[noreturn]] inline void DieErrno(const std::string& what) {
  Die(what, Status::FromErrno(errno, what));
}

inline double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

inline std::string Fmt(const char* format, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, a);
  return buf;
}

inline std::string LoadAvg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// ---- Latency samples ----

struct Percentiles {
  double p50_us = 0, p99_us = 0, p999_us = 0, mean_us = 0;
};

inline Percentiles Summarize(std::vector<uint64_t> ns) {
  Percentiles p;
  if (ns.empty()) return p;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    return ns[std::min(ns.size() - 1, size_t(q * double(ns.size())))] / 1e3;
  };
  p.p50_us = at(0.50);
  p.p99_us = at(0.99);
  p.p999_us = at(0.999);
  double sum = 0;
  for (uint64_t v : ns) sum += double(v);
  p.mean_us = sum / double(ns.size()) / 1e3;
  return p;
}

// What a timed run did: wall time, operations, and one latency sample per operation.
struct RunResult {
  double seconds = 0;
  uint64_t ops = 0;
  std::vector<uint64_t> latency_ns;
};

// Runs `threads` workers calling op(i) for i = 0, 1, ... (shared counter) until `count` ops
// or `seconds` elapse; returns elapsed seconds, fills the per-op latencies.
inline RunResult RunParallel(int threads, uint64_t count, double seconds,
                             const std::function<void(uint64_t, int)>& op) {
  std::atomic<uint64_t> next{0};
  std::vector<std::vector<uint64_t>> lat(threads);
  const auto t0 = Clock::now();
  const auto deadline =
      t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (;;) {
        uint64_t i = next.fetch_add(1);
        if (i >= count) return;
        auto s = Clock::now();
        if (s >= deadline) return;
        op(i, t);
        lat[t].push_back(uint64_t(std::chrono::nanoseconds(Clock::now() - s).count()));
      }
    });
  }
  for (auto& th : pool) th.join();
  RunResult r;
  r.seconds = Since(t0);
  for (auto& v : lat) r.latency_ns.insert(r.latency_ns.end(), v.begin(), v.end());
  r.ops = r.latency_ns.size();
  return r;
}

// ---- Raw references ----

inline int OpenOrDie(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) DieErrno("open " + path);
  return fd;
}

inline void WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) DieErrno("write");
    p += w;
    n -= size_t(w);
  }
}

inline void Fdatasync(int fd) {
  if (::fdatasync(fd) != 0) DieErrno("fdatasync");
}

// Appends `block`-byte write()s to a new file, one fdatasync per `per_sync` writes (and one at
// the end), until `max_ops` writes or `seconds` elapse. Latency is per synced group.
inline RunResult RawAppend(const std::string& path, const std::string& block, uint64_t max_ops,
                           double seconds, uint64_t per_sync) {
  int fd = OpenOrDie(path, O_WRONLY | O_CREAT | O_TRUNC);
  RunResult r;
  const auto t0 = Clock::now();
  auto group = t0;
  for (uint64_t i = 0; i < max_ops; ++i) {
    WriteAll(fd, block.data(), block.size());
    ++r.ops;
    if (r.ops % per_sync == 0) {
      Fdatasync(fd);
      auto now = Clock::now();
      r.latency_ns.push_back(uint64_t(std::chrono::nanoseconds(now - group).count()));
      group = now;
      if (std::chrono::duration<double>(now - t0).count() >= seconds) break;
    }
  }
  Fdatasync(fd);
  r.seconds = Since(t0);
  ::close(fd);
  std::filesystem::remove(path);
  return r;
}

inline std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  return s;
}

// Accumulates `r` into `total` (rounds of one scenario).
inline void AddRaw(RunResult* total, const RunResult& r) {
  total->seconds += r.seconds;
  total->ops += r.ops;
  total->latency_ns.insert(total->latency_ns.end(), r.latency_ns.begin(), r.latency_ns.end());
}

// ---- Machine ----

inline std::string CpuInfo(const std::string& field) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) {
      auto colon = line.find(':');
      return colon == std::string::npos ? "" : line.substr(colon + 2);
    }
  }
  return "";
}

inline std::string FsTypeName(long type) {
  switch (static_cast<unsigned long>(type)) {
    case 0xEF53:
      return "ext4";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x01021994:
      return "tmpfs";
    case 0x794c7630:
      return "overlayfs";
    case 0x2FC12FC1:
      return "zfs";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(type));
      return hex;
    }
  }
}

inline void PrintMachine(const std::string& dir) {
  struct utsname u;
  ::uname(&u);
  struct statfs sf;
  struct statvfs sv;
  if (::statfs(dir.c_str(), &sf) != 0 || ::statvfs(dir.c_str(), &sv) != 0) DieErrno("statfs");
  std::string flags = " " + CpuInfo("flags") + " ";
  std::string wanted;
  for (const char* f : {"avx2", "avx512f", "sha_ni", "pclmulqdq", "vpclmulqdq"}) {
    if (flags.find(std::string(" ") + f + " ") != std::string::npos) wanted += std::string(f) + " ";
  }
  std::printf("## Machine\n\n| | |\n|---|---|\n");
  std::printf("| CPU | %s, nproc = %ld |\n", CpuInfo("model name").c_str(),
              ::sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("| CPU flags | %s|\n", wanted.c_str());
  std::printf("| Kernel | %s %s |\n", u.sysname, u.release);
  std::printf("| Scratch dir | `%s` (%s, %.1f GiB free of %.1f GiB) |\n", dir.c_str(),
              FsTypeName(sf.f_type).c_str(), double(sv.f_bavail) * sv.f_frsize / double(1 << 30),
              double(sv.f_blocks) * sv.f_frsize / double(1 << 30));
  std::printf("| Load average at start | %s |\n\n", LoadAvg().c_str());
}

}  // namespace shale::bench
