#include "common/hlc.h"

#include <limits>

namespace shale {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void PutBigEndian(uint64_t v, int bytes, uint8_t* out) {
  for (int i = bytes - 1; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

uint64_t GetBigEndian(const uint8_t* in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | in[i];
  return v;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // Uppercase is rejected: one id has exactly one text form.
}

}  // namespace

VersionId::Binary VersionId::ToBinary() const {
  Binary out;
  PutBigEndian(wall_micros, 8, out.data());
  PutBigEndian(logical, 4, out.data() + 8);
  PutBigEndian(origin, 4, out.data() + 12);
  return out;
}

VersionId::Binary VersionId::ToInverted() const {
  Binary out = ToBinary();
  for (uint8_t& b : out) b = static_cast<uint8_t>(~b);
  return out;
}

std::string VersionId::ToText() const {
  Binary bin = ToBinary();
  std::string out(kTextSize, '0');
  for (size_t i = 0; i < kBinarySize; ++i) {
    out[2 * i] = kHexDigits[bin[i] >> 4];
    out[2 * i + 1] = kHexDigits[bin[i] & 0xf];
  }
  return out;
}

Result<VersionId> VersionId::FromBinary(std::span<const uint8_t> bytes) {
  if (bytes.size() != kBinarySize) {
    return Status::InvalidArgument("version id: expected 16 bytes, got " +
                                   std::to_string(bytes.size()));
  }
  VersionId id;
  id.wall_micros = GetBigEndian(bytes.data(), 8);
  id.logical = static_cast<uint32_t>(GetBigEndian(bytes.data() + 8, 4));
  id.origin = static_cast<uint32_t>(GetBigEndian(bytes.data() + 12, 4));
  return id;
}

Result<VersionId> VersionId::FromInverted(std::span<const uint8_t> bytes) {
  if (bytes.size() != kBinarySize) return FromBinary(bytes);  // Same error.
  Binary bin;
  for (size_t i = 0; i < kBinarySize; ++i) bin[i] = static_cast<uint8_t>(~bytes[i]);
  return FromBinary(bin);
}

Result<VersionId> VersionId::FromText(std::string_view text) {
  if (text.size() != kTextSize) {
    return Status::InvalidArgument("version id: expected 32 lowercase hex chars, got " +
                                   std::to_string(text.size()) + " chars");
  }
  Binary bin;
  for (size_t i = 0; i < kBinarySize; ++i) {
    int hi = HexValue(text[2 * i]);
    int lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("version id: not lowercase hex at position " +
                                     std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    bin[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return FromBinary(bin);
}

VersionId HybridLogicalClock::Now() {
  const uint64_t physical = clock_.NowMicros();
  std::lock_guard<std::mutex> lock(mu_);
  if (physical > last_wall_) {
    last_wall_ = physical;
    last_logical_ = 0;
  } else if (last_logical_ == std::numeric_limits<uint32_t>::max()) {
    // 4 billion ids in one microsecond: borrow the next microsecond rather than wrap.
    ++last_wall_;
    last_logical_ = 0;
  } else {
    ++last_logical_;
  }
  return VersionId{last_wall_, last_logical_, origin_};
}

Status HybridLogicalClock::Observe(const VersionId& seen) {
  const uint64_t physical = clock_.NowMicros();
  if (seen.wall_micros > physical &&
      seen.wall_micros - physical > options_.max_observed_lead_micros) {
    return Status::InvalidArgument("version id " + seen.ToText() + " is " +
                                   std::to_string(seen.wall_micros - physical) +
                                   " us ahead of the local clock");
  }
  std::lock_guard<std::mutex> lock(mu_);
  // Now() increments past (last_wall_, last_logical_), so reaching `seen` is enough: the next
  // id differs from it in (wall, logical) and therefore also beats it whatever its origin.
  if (seen.wall_micros > last_wall_ ||
      (seen.wall_micros == last_wall_ && seen.logical > last_logical_)) {
    last_wall_ = seen.wall_micros;
    last_logical_ = seen.logical;
  }
  return Status::OK();
}

}  // namespace shale
