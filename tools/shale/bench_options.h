#pragma once

// What `shale bench` was asked to do: the parsed command line (see BenchCommand() in bench.cc for
// the option table) and the small value parsers behind it. Pure functions; the environment is
// passed in so tests can supply their own.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "tools/shale/cli.h"
#include "tools/shale/s3_client.h"

namespace shale::cli {

enum class BenchOp : uint8_t { kPut, kGet, kDelete, kList };
inline constexpr int kBenchOpCount = 4;
std::string_view BenchOpName(BenchOp op);

// Relative weights of the operations of `--op mixed` ("get=70,put=25,delete=5,list=0"); all
// other modes are a mix with one non-zero weight.
struct OpMix {
  uint32_t weight[kBenchOpCount] = {};
  uint32_t Total() const;
  bool Only(BenchOp op) const;  // Every other weight is zero.
};

struct BenchOptions {
  S3ClientOptions client;
  std::string bucket = "shale-bench";
  std::string prefix = "bench/";
  bool load = false;  // An S3 load was asked for (--op); false for `--raw` alone.
  std::string mode;   // "put", "get", "delete", "list" or "mixed".
  OpMix mix;
  uint64_t size = 4096;
  int concurrency = 1;
  double duration_s = 10;
  uint64_t keys = 0;  // Always >= concurrency after parsing.
  uint64_t seed = 1;
  bool json = false;
  bool progress = false;  // A live line on stderr (set when stderr is a terminal).
  bool raw = false;
  std::string raw_dir = "/var/tmp";
  double raw_seconds = 1;
  int ec_k = 4;
  int ec_m = 2;
};

// "4096", "4k", "4KiB", "4KB" (binary multiples throughout: k/KiB/KB = 1024), "1m", "1MiB",
// "1g". InvalidArgument for anything else, zero, or more than 5 GiB (S3's single PUT limit).
Result<uint64_t> ParseByteSize(std::string_view text);
// "10" or "10s", "500ms", "2m": seconds, > 0 and at most a day.
Result<double> ParseDuration(std::string_view text);
// "get=70,put=25,delete=5" (any order, omitted ops weigh 0, at least one weight > 0).
Result<OpMix> ParseMix(std::string_view text);
// "4+2": k in [1,16], m in [0,4].
Result<std::pair<int, int>> ParseErasure(std::string_view text);

using GetEnv = std::function<const char*(const char*)>;
// Turns parsed options into BenchOptions. Credentials: --access-key/--secret-key, else
// SHALE_ACCESS_KEY/SHALE_SECRET_KEY, else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (each pair
// taken whole from one source). Default key counts: put 1000 (overwritten cyclically), get 100,
// delete 1000, list 100, mixed 1000.
Result<BenchOptions> BenchOptionsFromArgs(const Args& args, const GetEnv& getenv);

}  // namespace shale::cli
