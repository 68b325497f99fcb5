// `shale bench`: a load generator over the S3 API (bench_load.h) and the raw limits of the
// machine (bench_raw.h), measured in one run and printed as a table or JSON (bench_report.h).
//
// Payloads are sent as UNSIGNED-PAYLOAD: a hex SHA-256 body hash would cost the client ~0.6 ms
// per MiB on the same cores the server uses and make the server hash every body a second time
// (SHA-256 beside its MD5), so the figures would measure SigV4 payload hashing rather than the
// store. Integrity is checked end to end instead: every PUT's ETag must be the body's MD5 and
// every GET's bytes are compared with what was put.

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "tools/shale/bench_load.h"
#include "tools/shale/bench_options.h"
#include "tools/shale/bench_raw.h"
#include "tools/shale/bench_report.h"
#include "tools/shale/commands.h"

namespace shale::cli {
namespace {

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

Status CheckBenchArgs(const Args& args) {
  return BenchOptionsFromArgs(args, [](const char* name) { return std::getenv(name); }).status();
}

Status RunBench(const Args& args, Io& io) {
  SHALE_ASSIGN_OR_RETURN(BenchOptions options, BenchOptionsFromArgs(args, [](const char* name) {
                           return std::getenv(name);
                         }));
  options.progress = !options.json && ::isatty(STDERR_FILENO) == 1;
  BenchResults results;
  results.machine = MachineDescription();
  results.load_average = LoadAverage();
  std::vector<RawLimit> raw;
  if (options.raw) {
    RawOptions ro;
    ro.dir = options.raw_dir;
    ro.seconds = options.raw_seconds;
    ro.ec_k = options.ec_k;
    ro.ec_m = options.ec_m;
    SHALE_ASSIGN_OR_RETURN(raw, MeasureRawLimits(ro));
    results.raw = &raw;
  }
  LoadReport load;
  if (options.load) {
    SHALE_ASSIGN_OR_RETURN(load, RunLoad(options, options.progress ? &io.err : nullptr));
    results.load = &load;
  }
  io.out << (options.json ? FormatBenchJson(options, results) : FormatBenchText(options, results))
         << std::flush;
  if (options.load && load.TotalErrors() > 0) {
    return Status::Aborted(std::to_string(load.TotalErrors()) +
                           " operations failed or returned wrong data (see above)");
  }
  return Status::OK();
}

}  // namespace

CommandSpec BenchCommand() {
  CommandSpec c;
  c.name = "bench";
  c.summary =
      "Load an S3 endpoint (put/get/delete/list/mixed) and/or measure the machine's raw limits.";
  c.options = {
      {"op", "OP", "put, get, delete, list or mixed (get/delete/list/mixed put their keys first)"},
      {"mix", "MIX", "weights for --op mixed (default get=60,put=30,delete=10)"},
      {"endpoint", "URL", "S3 endpoint (default http://127.0.0.1:9000)"},
      {"access-key", "KEY", "access key (default $SHALE_ACCESS_KEY, else $AWS_ACCESS_KEY_ID)"},
      {"secret-key", "KEY", "secret key (default $SHALE_SECRET_KEY, else $AWS_SECRET_ACCESS_KEY)"},
      {"region", "REGION", "SigV4 region (default us-east-1)"},
      {"bucket", "NAME", "bucket, created if missing (default shale-bench)"},
      {"prefix", "PREFIX", "key prefix (default bench/)"},
      {"size", "BYTES", "object size: 4KiB, 1MiB, ... (default 4KiB)"},
      {"concurrency", "N", "parallel workers, one connection each (default 1)"},
      {"duration", "TIME", "timed phase: 10s, 500ms, 1m (default 10s)"},
      {"keys", "N", "distinct keys (default put 1000, get 100, delete 1000, list 100, mixed 1000)"},
      {"seed", "N", "seed of the object bodies (default 1)"},
      {"json", "", "print one JSON document instead of tables"},
      {"raw", "", "also measure raw limits: MD5, SHA-256, CRC32C, RS encode, disk appends"},
      {"raw-dir", "DIR", "directory for the raw disk loops (default /var/tmp)"},
      {"raw-seconds", "TIME", "time per raw measurement (default 1s)"},
      {"ec", "K+M", "erasure layout of the raw encode measurement (default 4+2)"},
  };
  c.check = CheckBenchArgs;
  c.run = RunBench;
  return c;
}

}  // namespace shale::cli
