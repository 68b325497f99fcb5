#pragma once

// CRC32C as the segment format uses it: extending a finished CRC with more bytes (the reader
// and writer checksum large payloads piece by piece). A thin adapter over common/crc.h, which
// owns the one implementation.

#include <cstdint>
#include <string_view>

#include "common/crc.h"

namespace shale::storage {

// Extends a finished CRC32C `crc` (0 for an empty prefix) with `data`.
inline uint32_t Crc32cExtend(uint32_t crc, std::string_view data) {
  using Traits = crc_internal::Crc32cTraits;
  uint32_t reg = Traits::Update(~crc, reinterpret_cast<const uint8_t*>(data.data()), data.size());
  return Traits::Finish(reg);
}

}  // namespace shale::storage
