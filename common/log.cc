#include "common/log.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <random>

namespace shale::log {
namespace internal {
std::atomic<uint8_t> min_level{static_cast<uint8_t>(Level::kInfo)};
}  // namespace internal

namespace {

struct State {
  std::mutex mu;
  Sink sink;  // Guarded by mu; empty means stderr.
};

State& GlobalState() {
  static State state;
  return state;
}

std::atomic<const Clock*> g_clock{nullptr};

void WriteToStderr(std::string_view line) {
  while (!line.empty()) {
    ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // Nowhere left to report a failing stderr.
    }
    line.remove_prefix(static_cast<size_t>(n));
  }
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

void AppendValue(std::string& out, std::string_view v) {
  if (!NeedsQuotes(v)) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (unsigned char c : v) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static constexpr char kHex[] = "0123456789abcdef";
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

// Keys come from our code, but a key must never be able to break the format either.
void AppendKey(std::string& out, std::string_view key) {
  if (key.empty()) {
    out.push_back('_');
    return;
  }
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    out.push_back(ok ? c : '_');
  }
}

template <typename T>
void AppendNumber(std::string& out, T v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, ec == std::errc() ? end : buf);
}

void AppendTimestamp(std::string& out, uint64_t micros) {
  time_t secs = static_cast<time_t>(micros / 1'000'000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[40];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                        static_cast<unsigned>(micros % 1'000'000));
  out.append(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

}  // namespace

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "unknown";
}

bool ParseLevel(std::string_view name, Level* level) {
  std::string lower;
  for (char c : name) lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  if (lower == "debug")
    *level = Level::kDebug;
  else if (lower == "info")
    *level = Level::kInfo;
  else if (lower == "warn" || lower == "warning")
    *level = Level::kWarn;
  else if (lower == "error")
    *level = Level::kError;
  else
    return false;
  return true;
}

void Field::AppendTo(std::string& out) const {
  out.push_back(' ');
  AppendKey(out, key_);
  out.push_back('=');
  switch (kind_) {
    case kString:
      AppendValue(out, str_);
      break;
    case kStatus:
      AppendValue(out, status_->ToString());
      break;
    case kInt:
      AppendNumber(out, i_);
      break;
    case kUint:
      AppendNumber(out, u_);
      break;
    case kBool:
      out.append(u_ != 0 ? "true" : "false");
      break;
    case kDouble:
      if (std::isfinite(d_)) {
        AppendNumber(out, d_);
      } else {
        out.append(std::isnan(d_) ? "NaN" : (d_ > 0 ? "+Inf" : "-Inf"));
      }
      break;
  }
}

void SetLevel(Level level) {
  internal::min_level.store(static_cast<uint8_t>(level), std::memory_order_relaxed);
}

Level GetLevel() { return static_cast<Level>(internal::min_level.load(std::memory_order_relaxed)); }

Status InitFromEnvironment() {
  const char* env = std::getenv("SHALE_LOG_LEVEL");
  if (env == nullptr || *env == '\0') return Status::OK();
  Level level;
  if (!ParseLevel(env, &level)) {
    return Status::InvalidArgument(std::string("SHALE_LOG_LEVEL: \"") + env +
                                   "\" is not one of debug, info, warn, error");
  }
  SetLevel(level);
  return Status::OK();
}

Sink SetSink(Sink sink) {
  State& state = GlobalState();
  std::lock_guard<std::mutex> lock(state.mu);
  Sink old = std::move(state.sink);
  state.sink = std::move(sink);
  return old;
}

void SetClock(const Clock* clock) { g_clock.store(clock, std::memory_order_release); }

std::string FormatLine(uint64_t wall_micros, Level level, std::string_view msg, Fields fields) {
  std::string line;
  line.reserve(128);
  line.append("ts=");
  AppendTimestamp(line, wall_micros);
  line.append(" level=");
  line.append(LevelName(level));
  line.append(" msg=");
  AppendValue(line, msg);
  for (const Field& f : fields) f.AppendTo(line);
  line.push_back('\n');
  return line;
}

void Write(Level level, std::string_view msg, Fields fields) {
  if (!Enabled(level)) return;
  const Clock* clock = g_clock.load(std::memory_order_acquire);
  uint64_t now =
      (clock != nullptr ? *clock : static_cast<const Clock&>(SystemClock::Default())).NowMicros();
  std::string line = FormatLine(now, level, msg, fields);
  State& state = GlobalState();
  std::lock_guard<std::mutex> lock(state.mu);
  if (state.sink) {
    state.sink(line);
  } else {
    WriteToStderr(line);
  }
}

std::string RequestId() {
  // Per-thread generator seeded from the OS: no lock on the request path.
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }());
  uint64_t v = rng();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[i] = kHex[v & 0xf];
    v >>= 4;
  }
  return out;
}

}  // namespace shale::log
