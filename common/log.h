#pragma once

// Structured logging: one line per event, logfmt-style key=value pairs:
//   ts=2026-11-23T21:30:03.123456Z level=info msg="node ready" req=8f3a... node=n1
// Values are quoted when they hold spaces, quotes, '=', '\' or control chars, with '"', '\' and
// control chars escaped, so a value can never forge a second line or an extra field.
// Thread-safety: every function may be called from any thread; each line reaches the sink in
// one call, and calls to the sink are serialized, so lines never interleave.

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/clock.h"
#include "common/status.h"

namespace shale::log {

enum class Level : uint8_t { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

std::string_view LevelName(Level level);  // "debug", "info", "warn", "error".
// Accepts the names above (case-insensitive) and "warning".
bool ParseLevel(std::string_view name, Level* level);

// One key=value pair. Holds views: build Fields inline in the logging call, never store them.
// Building Fields costs a few stores; values that are expensive to compute should be guarded
// with Enabled().
class Field {
 public:
  Field(std::string_view key, std::string_view value) : key_(key), kind_(kString), str_(value) {}
  Field(std::string_view key, const char* value) : Field(key, std::string_view(value)) {}
  Field(std::string_view key, const std::string& value) : Field(key, std::string_view(value)) {}
  Field(std::string_view key, bool value) : key_(key), kind_(kBool), u_(value ? 1 : 0) {}
  Field(std::string_view key, double value) : key_(key), kind_(kDouble), d_(value) {}
  template <typename T,
            typename = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>>
  Field(std::string_view key, T value) : key_(key) {
    if constexpr (std::is_signed_v<T>) {
      kind_ = kInt;
      i_ = value;
    } else {
      kind_ = kUint;
      u_ = value;
    }
  }
  // Logs status.ToString() ("OK" when OK), formatted only if the line is written.
  Field(std::string_view key, const Status& status) : key_(key), kind_(kStatus), status_(&status) {}

  // Appends ` key=value` (with quoting) to `out`.
  void AppendTo(std::string& out) const;

 private:
  enum Kind : uint8_t { kString, kStatus, kInt, kUint, kBool, kDouble };
  std::string_view key_;
  Kind kind_ = kString;
  std::string_view str_;
  const Status* status_ = nullptr;  // Borrowed for the duration of the logging call.
  int64_t i_ = 0;
  uint64_t u_ = 0;
  double d_ = 0;
};

using Fields = std::initializer_list<Field>;
// Receives one complete line, ending in '\n'. Called with the logging mutex held.
using Sink = std::function<void(std::string_view line)>;

// Minimum level that is written (default info).
void SetLevel(Level level);
Level GetLevel();
inline bool Enabled(Level level);
// Reads SHALE_LOG_LEVEL if set; InvalidArgument (level unchanged) if it names no level.
Status InitFromEnvironment();

// Replaces the sink (nullptr restores the default: stderr) and returns the previous one.
Sink SetSink(Sink sink);
// Replaces the clock used for ts= (nullptr restores the system clock). `clock` must outlive
// its use by the logger.
void SetClock(const Clock* clock);

// Formats one line (without writing it); exposed for tests and for tools that print events.
std::string FormatLine(uint64_t wall_micros, Level level, std::string_view msg, Fields fields);
// Writes one event if `level` is enabled.
void Write(Level level, std::string_view msg, Fields fields = {});

inline void Debug(std::string_view msg, Fields fields = {}) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, msg, fields);
}
inline void Info(std::string_view msg, Fields fields = {}) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, msg, fields);
}
inline void Warn(std::string_view msg, Fields fields = {}) {
  if (Enabled(Level::kWarn)) Write(Level::kWarn, msg, fields);
}
inline void Error(std::string_view msg, Fields fields = {}) {
  if (Enabled(Level::kError)) Write(Level::kError, msg, fields);
}

// A fresh random request id: 16 lowercase hex chars (64 random bits; not a counter, so ids
// from different processes do not collide in merged logs).
std::string RequestId();

namespace internal {
extern std::atomic<uint8_t> min_level;  // Read inline so a disabled level costs one load.
}  // namespace internal
inline bool Enabled(Level level) {
  return static_cast<uint8_t>(level) >= internal::min_level.load(std::memory_order_relaxed);
}

}  // namespace shale::log
