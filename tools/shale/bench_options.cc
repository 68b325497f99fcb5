#include "tools/shale/bench_options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <span>

namespace shale::cli {
namespace {

constexpr uint64_t kMaxObjectBytes = uint64_t{5} << 30;
constexpr double kMaxDurationSeconds = 24 * 3600;
constexpr std::string_view kOpNames[kBenchOpCount] = {"put", "get", "delete", "list"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A non-negative decimal number (digits and at most one '.') at the front of `text`; the rest
// is the unit.
Result<double> LeadingNumber(std::string_view text, std::string_view* unit) {
  size_t n = 0;
  while (n < text.size() && (std::isdigit(static_cast<unsigned char>(text[n])) || text[n] == '.')) {
    ++n;
  }
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + n, value);
  if (n == 0 || ec != std::errc() || end != text.data() + n || !std::isfinite(value)) {
    return Status::InvalidArgument("'" + std::string(text) + "' does not start with a number");
  }
  *unit = text.substr(n);
  return value;
}

struct UnitScale {
  std::string_view name;  // Lowercase.
  double scale;
};

// "<number><unit>" with the unit (any case) from `units`: the number times the unit's scale.
Result<double> ScaledNumber(std::string_view text, std::span<const UnitScale> units,
                            std::string_view what) {
  std::string_view unit;
  SHALE_ASSIGN_OR_RETURN(double number, LeadingNumber(text, &unit));
  const std::string u = Lower(unit);
  for (const auto& candidate : units) {
    if (candidate.name == u) return number * candidate.scale;
  }
  return Status::InvalidArgument("unknown " + std::string(what) + " in '" + std::string(text) +
                                 "'");
}

Result<uint64_t> ParseCount(std::string_view text, std::string_view what, uint64_t min,
                            uint64_t max) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return Status::InvalidArgument(std::string(what) + " must be an integer in [" +
                                   std::to_string(min) + ", " + std::to_string(max) + "], not '" +
                                   std::string(text) + "'");
  }
  return v;
}

std::string FromEnv(const GetEnv& getenv, const char* name) {
  const char* v = getenv ? getenv(name) : nullptr;
  return v == nullptr ? std::string() : std::string(v);
}

uint64_t DefaultKeys(std::string_view mode) {
  if (mode == "get" || mode == "list") return 100;
  return 1000;
}

}  // namespace

std::string_view BenchOpName(BenchOp op) { return kOpNames[static_cast<int>(op)]; }

uint32_t OpMix::Total() const {
  uint32_t t = 0;
  for (uint32_t w : weight) t += w;
  return t;
}

bool OpMix::Only(BenchOp op) const { return weight[static_cast<int>(op)] == Total(); }

Result<uint64_t> ParseByteSize(std::string_view text) {
  static constexpr UnitScale kUnits[] = {{"", 1},
                                         {"b", 1},
                                         {"k", 1024.0},
                                         {"kb", 1024.0},
                                         {"kib", 1024.0},
                                         {"m", 1024.0 * 1024},
                                         {"mb", 1024.0 * 1024},
                                         {"mib", 1024.0 * 1024},
                                         {"g", 1024.0 * 1024 * 1024},
                                         {"gb", 1024.0 * 1024 * 1024},
                                         {"gib", 1024.0 * 1024 * 1024}};
  SHALE_ASSIGN_OR_RETURN(double bytes, ScaledNumber(text, kUnits, "size unit (B, KiB, MiB, GiB)"));
  if (bytes < 1 || bytes > static_cast<double>(kMaxObjectBytes) || bytes != std::floor(bytes)) {
    return Status::InvalidArgument("size '" + std::string(text) +
                                   "' must be a whole number of bytes in [1 B, 5 GiB]");
  }
  return static_cast<uint64_t>(bytes);
}

Result<double> ParseDuration(std::string_view text) {
  static constexpr UnitScale kUnits[] = {{"", 1}, {"s", 1}, {"ms", 1e-3}, {"m", 60}, {"min", 60}};
  SHALE_ASSIGN_OR_RETURN(double seconds, ScaledNumber(text, kUnits, "duration unit (ms, s, m)"));
  if (seconds <= 0 || seconds > kMaxDurationSeconds) {
    return Status::InvalidArgument("duration '" + std::string(text) +
                                   "' must be positive and at most a day");
  }
  return seconds;
}

Result<OpMix> ParseMix(std::string_view text) {
  OpMix mix;
  bool seen[kBenchOpCount] = {};
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument("mix item '" + std::string(item) + "' is not op=weight");
    }
    const std::string name = Lower(item.substr(0, eq));
    auto it = std::find(std::begin(kOpNames), std::end(kOpNames), name);
    if (it == std::end(kOpNames)) {
      return Status::InvalidArgument("mix names an unknown operation '" + name +
                                     "' (put, get, delete, list)");
    }
    const int i = static_cast<int>(it - std::begin(kOpNames));
    if (seen[i]) return Status::InvalidArgument("mix names '" + name + "' twice");
    seen[i] = true;
    SHALE_ASSIGN_OR_RETURN(uint64_t w, ParseCount(item.substr(eq + 1), "a mix weight", 0, 1000));
    mix.weight[i] = static_cast<uint32_t>(w);
  }
  if (mix.Total() == 0) return Status::InvalidArgument("mix needs at least one weight > 0");
  return mix;
}

Result<std::pair<int, int>> ParseErasure(std::string_view text) {
  const size_t plus = text.find('+');
  if (plus == std::string_view::npos) {
    return Status::InvalidArgument("erasure layout '" + std::string(text) + "' is not K+M");
  }
  SHALE_ASSIGN_OR_RETURN(uint64_t k, ParseCount(text.substr(0, plus), "K", 1, 16));
  SHALE_ASSIGN_OR_RETURN(uint64_t m, ParseCount(text.substr(plus + 1), "M", 0, 4));
  return std::pair<int, int>(static_cast<int>(k), static_cast<int>(m));
}

Result<BenchOptions> BenchOptionsFromArgs(const Args& args, const GetEnv& getenv) {
  BenchOptions o;
  o.raw = args.Has("raw");
  o.load = args.Has("op");
  if (!o.load && !o.raw) {
    return Status::InvalidArgument("nothing to do: give --op (an S3 load), --raw, or both");
  }
  o.client.endpoint = args.Get("endpoint", o.client.endpoint);
  o.client.region = args.Get("region", o.client.region);
  if (args.Has("access-key") != args.Has("secret-key")) {
    return Status::InvalidArgument("--access-key and --secret-key go together");
  }
  if (args.Has("access-key")) {
    o.client.access_key = args.Get("access-key");
    o.client.secret_key = args.Get("secret-key");
  } else if (!FromEnv(getenv, "SHALE_ACCESS_KEY").empty()) {
    o.client.access_key = FromEnv(getenv, "SHALE_ACCESS_KEY");
    o.client.secret_key = FromEnv(getenv, "SHALE_SECRET_KEY");
  } else {
    o.client.access_key = FromEnv(getenv, "AWS_ACCESS_KEY_ID");
    o.client.secret_key = FromEnv(getenv, "AWS_SECRET_ACCESS_KEY");
  }
  if (o.load && (o.client.access_key.empty() || o.client.secret_key.empty())) {
    return Status::InvalidArgument(
        "no credentials: give --access-key/--secret-key or set SHALE_ACCESS_KEY/"
        "SHALE_SECRET_KEY or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
  }
  o.bucket = args.Get("bucket", o.bucket);
  o.prefix = args.Get("prefix", o.prefix);
  o.mode = Lower(args.Get("op", "put"));
  if (o.mode == "mixed") {
    SHALE_ASSIGN_OR_RETURN(o.mix, ParseMix(args.Get("mix", "get=60,put=30,delete=10")));
  } else if (args.Has("mix")) {
    return Status::InvalidArgument("--mix goes with --op mixed");
  } else {
    auto it = std::find(std::begin(kOpNames), std::end(kOpNames), o.mode);
    if (it == std::end(kOpNames)) {
      return Status::InvalidArgument("--op must be put, get, delete, list or mixed, not '" +
                                     o.mode + "'");
    }
    o.mix.weight[it - std::begin(kOpNames)] = 1;
  }
  if (args.Has("size")) {
    SHALE_ASSIGN_OR_RETURN(o.size, ParseByteSize(args.Get("size")));
  }
  if (args.Has("concurrency")) {
    SHALE_ASSIGN_OR_RETURN(uint64_t c,
                           ParseCount(args.Get("concurrency"), "--concurrency", 1, 1024));
    o.concurrency = static_cast<int>(c);
  }
  if (args.Has("duration")) {
    SHALE_ASSIGN_OR_RETURN(o.duration_s, ParseDuration(args.Get("duration")));
  }
  o.keys = DefaultKeys(o.mode);
  if (args.Has("keys")) {
    SHALE_ASSIGN_OR_RETURN(o.keys, ParseCount(args.Get("keys"), "--keys", 1, 100'000'000));
  }
  // Each worker owns the keys i with i % concurrency == worker, so it always knows what they
  // hold; every worker needs one.
  o.keys = std::max<uint64_t>(o.keys, static_cast<uint64_t>(o.concurrency));
  if (args.Has("seed")) {
    SHALE_ASSIGN_OR_RETURN(o.seed, ParseCount(args.Get("seed"), "--seed", 0, UINT64_MAX));
  }
  o.json = args.Has("json");
  o.raw_dir = args.Get("raw-dir", o.raw_dir);
  if (args.Has("raw-seconds")) {
    SHALE_ASSIGN_OR_RETURN(o.raw_seconds, ParseDuration(args.Get("raw-seconds")));
  }
  if (args.Has("ec")) {
    SHALE_ASSIGN_OR_RETURN(auto km, ParseErasure(args.Get("ec")));
    o.ec_k = km.first;
    o.ec_m = km.second;
  }
  return o;
}

}  // namespace shale::cli
