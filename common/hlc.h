#pragma once

// Version ids and the hybrid logical clock that mints them. A VersionId orders every write of
// the cluster: wall time first, then a logical counter (several writes in one microsecond, or a
// clock that stalled or stepped back), then the origin (the gateway or node that minted it), so
// two writes never tie and "newest wins" picks the same winner everywhere.
//
// Encodings (all order-preserving; these bytes are stored in index keys and records, so they
// never change without a format version bump):
//   binary   16 bytes big-endian: wall (8) | logical (4) | origin (4); memcmp order == operator<
//   inverted bitwise NOT of the binary form; memcmp order is newest first (index keys)
//   text     32 lowercase hex chars of the binary form (the S3 versionId); strcmp order ==
//            operator<; URL-safe.

#include <array>
#include <compare>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"

namespace shale {

// A value type; thread-safe like any value.
struct VersionId {
  static constexpr size_t kBinarySize = 16;
  static constexpr size_t kTextSize = 32;
  using Binary = std::array<uint8_t, kBinarySize>;

  uint64_t wall_micros = 0;  // Microseconds since the Unix epoch.
  uint32_t logical = 0;      // Tie-breaker within one wall_micros.
  uint32_t origin = 0;       // Id of the minting process; distinct minters never collide.

  friend auto operator<=>(const VersionId&, const VersionId&) = default;
  friend bool operator==(const VersionId&, const VersionId&) = default;

  Binary ToBinary() const;
  Binary ToInverted() const;  // Bitwise NOT of ToBinary(): sorts newest first.
  std::string ToText() const;

  // Strict decoders: exactly kBinarySize bytes / exactly kTextSize lowercase hex chars.
  static Result<VersionId> FromBinary(std::span<const uint8_t> bytes);
  static Result<VersionId> FromInverted(std::span<const uint8_t> bytes);
  static Result<VersionId> FromText(std::string_view text);
};

struct HybridLogicalClockOptions {
  // Observe() refuses ids whose wall time is further than this ahead of the local clock: one
  // peer with a wildly wrong clock (or a forged id) must not drag every later version id into
  // the far future.
  uint64_t max_observed_lead_micros = 3'600'000'000ull;  // One hour.
};

// Mints VersionIds that are strictly increasing per instance, whatever the wall clock does:
// if it stalls or steps backwards, the last wall time is kept and the logical counter grows
// (ids then run ahead of the wall clock until it catches up). Observe() folds in ids minted
// elsewhere so later ids sort after them (a peer whose clock runs ahead drags this clock
// forward with it: that is the HLC trade-off, bounded by max_observed_lead_micros).
// Thread-safe: Now() and Observe() may be called concurrently.
class HybridLogicalClock {
 public:
  // `clock` must outlive this object.
  HybridLogicalClock(const Clock& clock, uint32_t origin, HybridLogicalClockOptions options = {})
      : clock_(clock), origin_(origin), options_(options) {}
  HybridLogicalClock(const HybridLogicalClock&) = delete;
  HybridLogicalClock& operator=(const HybridLogicalClock&) = delete;

  // A new id, greater than every id this instance returned or observed before.
  VersionId Now();
  // Records that `seen` exists: every later Now() is greater than `seen`. InvalidArgument (and
  // no change) if `seen` is more than max_observed_lead_micros ahead of the local wall clock.
  Status Observe(const VersionId& seen);

  uint32_t origin() const { return origin_; }

 private:
  const Clock& clock_;
  const uint32_t origin_;
  const HybridLogicalClockOptions options_;
  std::mutex mu_;
  uint64_t last_wall_ = 0;     // Guarded by mu_.
  uint32_t last_logical_ = 0;  // Guarded by mu_.
};

}  // namespace shale
