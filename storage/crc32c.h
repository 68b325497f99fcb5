#pragma once

// CRC32C (Castagnoli) for the segment format, through ISA-L. Private to storage/ until
// common/crc.h lands: every call site goes through these two functions, so switching is a
// one-line change here.

#include <isa-l/crc.h>

#include <cstdint>
#include <string_view>

namespace shale::storage {

// Extends a finished CRC32C `crc` (0 for an empty prefix) with `data`.
inline uint32_t Crc32cExtend(uint32_t crc, std::string_view data) {
  // ISA-L takes an int length: feed huge buffers in pieces.
  constexpr size_t kMaxPiece = size_t{1} << 30;
  uint32_t state = crc ^ ~0u;
  while (!data.empty()) {
    size_t n = data.size() < kMaxPiece ? data.size() : kMaxPiece;
    state = crc32_iscsi(reinterpret_cast<unsigned char*>(const_cast<char*>(data.data())),
                        static_cast<int>(n), state);
    data.remove_prefix(n);
  }
  return state ^ ~0u;
}

inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

}  // namespace shale::storage
