#include "tools/shale/bench_raw.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "common/crc.h"
#include "common/erasure.h"
#include "common/hash.h"
#include "tools/shale/bench_stats.h"

namespace shale::cli {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMiB = size_t{1} << 20;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<uint8_t> RandomBuffer(size_t n) {
  std::mt19937_64 rng(42);
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i + 8 <= n; i += 8) {
    const uint64_t v = rng();
    std::memcpy(b.data() + i, &v, 8);
  }
  return b;
}

// Calls `step` (which processes `bytes_per_step` bytes) for `seconds`; returns MB/s.
double CpuRate(double seconds, size_t bytes_per_step, const std::function<void()>& step) {
  step();  // Warm up (tables, page faults).
  uint64_t steps = 0;
  const auto t0 = Clock::now();
  do {
    for (int i = 0; i < 8; ++i) step();
    steps += 8;
  } while (Since(t0) < seconds);
  return MegabytesPerSecond(steps * bytes_per_step, Since(t0));
}

// A file descriptor closed (and its file removed) on scope exit.
class ScratchFile {
 public:
  explicit ScratchFile(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  ~ScratchFile() {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(path_.c_str());
    }
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// Appends `block` and fdatasyncs after each append, for `seconds`.
Result<RawLimit> DiskAppends(const std::string& dir, size_t block_size, double seconds) {
  ScratchFile file(dir + "/shale-bench-raw." + std::to_string(::getpid()));
  if (file.fd() < 0) return Status::FromErrno(errno, "creating " + file.path());
  const std::vector<uint8_t> block = RandomBuffer(block_size);
  std::vector<uint64_t> latency;
  const auto t0 = Clock::now();
  do {
    const auto s = Clock::now();
    size_t done = 0;
    while (done < block.size()) {
      ssize_t w = ::write(file.fd(), block.data() + done, block.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return Status::FromErrno(errno, "writing " + file.path());
      done += static_cast<size_t>(w);
    }
    if (::fdatasync(file.fd()) != 0) return Status::FromErrno(errno, "fdatasync " + file.path());
    latency.push_back(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - s).count()));
  } while (Since(t0) < seconds);
  const double elapsed = Since(t0);
  RawLimit r;
  r.ops_per_s = static_cast<double>(latency.size()) / elapsed;
  r.mb_per_s = MegabytesPerSecond(latency.size() * block_size, elapsed);
  LatencySummary sum = SummarizeLatencies(&latency);
  r.p50_us = sum.p50_us;
  r.p99_us = sum.p99_us;
  return r;
}

}  // namespace

std::string MachineDescription() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) model = line.substr(colon + 2);
      break;
    }
  }
  return model + ", " + std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) + " cores";
}

Result<std::vector<RawLimit>> MeasureRawLimits(const RawOptions& o) {
  std::vector<RawLimit> out;
  const std::vector<uint8_t> buf = RandomBuffer(kMiB);
  const std::span<const uint8_t> data(buf);
  auto cpu = [&](std::string name, std::string description, const std::function<void()>& step,
                 size_t bytes) {
    RawLimit r;
    r.name = std::move(name);
    r.description = std::move(description);
    r.mb_per_s = CpuRate(o.seconds, bytes, step);
    out.push_back(std::move(r));
  };
  Md5Stream md5;
  cpu(
      "md5_1core", "MD5 of 1 MiB, one core", [&] { (void)md5.Update(data).Finish(); }, kMiB);
  Sha256Stream sha;
  cpu(
      "sha256_1core", "SHA-256 of 1 MiB, one core", [&] { (void)sha.Update(data).Finish(); }, kMiB);
  volatile uint32_t crc_sink = 0;
  cpu(
      "crc32c_1core", "CRC32C of 1 MiB, one core", [&] { crc_sink = Crc32c(data); }, kMiB);

  SHALE_ASSIGN_OR_RETURN(ErasureCoder coder, ErasureCoder::Create(o.ec_k, o.ec_m));
  const size_t shard = ShardLength(kMiB, o.ec_k);
  std::vector<uint8_t> stripe(shard * static_cast<size_t>(o.ec_k + o.ec_m));
  SHALE_RETURN_IF_ERROR(SplitChunk(data, o.ec_k, std::span<uint8_t>(stripe).first(shard * o.ec_k)));
  std::vector<const uint8_t*> in;
  std::vector<uint8_t*> parity;
  for (int i = 0; i < o.ec_k; ++i) in.push_back(stripe.data() + shard * i);
  for (int i = 0; i < o.ec_m; ++i) parity.push_back(stripe.data() + shard * (o.ec_k + i));
  Status encode_status;
  cpu(
      "rs_encode_1core",
      "ISA-L RS(" + std::to_string(o.ec_k) + "," + std::to_string(o.ec_m) +
          ") encode of a 1 MiB chunk (data bytes), one core",
      [&] {
        Status s = coder.Encode(in, parity, shard);
        if (!s.ok()) encode_status = s;
      },
      kMiB);
  SHALE_RETURN_IF_ERROR(encode_status);

  // MD5 on every core at once: what many PUT streams can hash together.
  {
    const unsigned n = std::max(1u, std::thread::hardware_concurrency());
    std::vector<double> rates(n);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < n; ++t) {
      threads.emplace_back([&, t] {
        Md5Stream m;
        rates[t] = CpuRate(o.seconds, kMiB, [&] { (void)m.Update(data).Finish(); });
      });
    }
    for (auto& t : threads) t.join();
    RawLimit r;
    r.name = "md5_all_cores";
    r.description = "MD5 of 1 MiB, " + std::to_string(n) + " threads together";
    for (double v : rates) r.mb_per_s += v;
    out.push_back(std::move(r));
  }

  SHALE_ASSIGN_OR_RETURN(RawLimit big, DiskAppends(o.dir, kMiB, o.seconds * 2));
  big.name = "disk_1mib_fdatasync";
  big.description = "1 MiB appends, fdatasync after each, in " + o.dir;
  out.push_back(std::move(big));
  SHALE_ASSIGN_OR_RETURN(RawLimit small, DiskAppends(o.dir, 4096, o.seconds * 2));
  small.name = "disk_4kib_fdatasync";
  small.description = "4 KiB appends, fdatasync after each, in " + o.dir;
  out.push_back(std::move(small));
  return out;
}

}  // namespace shale::cli
