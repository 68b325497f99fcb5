#pragma once

// `shale bench --raw`: the raw limits of this machine, measured in the same run as an S3 load so
// each S3 figure can be read beside what the hardware gave at that moment. Per core (one
// thread): MD5 (the ETag, the ceiling of one PUT stream), SHA-256, ISA-L RS(k,m) encode through
// ErasureCoder, CRC32C; MD5 on every core at once; the disk under `raw_dir`: 1 MiB appends with
// an fdatasync after each, and 4 KiB appends fdatasync'd one by one — the same loops as
// bench/engine_bench.cc's raw references, so the figures compare with docs/BENCHMARKS.md.
//
// Thread-safety: MeasureRawLimits runs from one thread (it starts and joins its own).

#include <string>
#include <vector>

#include "common/result.h"

namespace shale::cli {

struct RawOptions {
  std::string dir = "/var/tmp";  // Where the disk loops write (a scratch file, removed after).
  double seconds = 1;            // Per measurement.
  int ec_k = 4;
  int ec_m = 2;
};

struct RawLimit {
  std::string name;  // "md5_1core", "sha256_1core", "rs_encode_1core", "crc32c_1core",
                     // "md5_all_cores", "disk_1mib_fdatasync", "disk_4kib_fdatasync".
  std::string description;
  double mb_per_s = 0;   // Bytes hashed / encoded (data bytes) / written, 10^6 per MB.
  double ops_per_s = 0;  // Disk loops: appends per second; 0 elsewhere.
  double p50_us = 0;     // Disk loops: write + fdatasync latency; 0 elsewhere.
  double p99_us = 0;
};

Result<std::vector<RawLimit>> MeasureRawLimits(const RawOptions& options);

// "AMD EPYC, 2 cores" from /proc/cpuinfo and the online CPU count.
std::string MachineDescription();

}  // namespace shale::cli
