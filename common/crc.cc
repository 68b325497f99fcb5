#include "common/crc.h"

#include <isa-l/crc.h>

#include <array>
#include <climits>

namespace shale::crc_internal {

uint32_t Crc32cTraits::Update(uint32_t reg, const uint8_t* data, size_t len) {
  // crc32_iscsi() takes an int length: feed it at most INT_MAX bytes at a time.
  while (len > 0) {
    const size_t piece = len < static_cast<size_t>(INT_MAX) ? len : static_cast<size_t>(INT_MAX);
    reg = crc32_iscsi(const_cast<uint8_t*>(data), static_cast<int>(piece), reg);
    data += piece;
    len -= piece;
  }
  return reg;
}

uint32_t Crc32Traits::Update(uint32_t reg, const uint8_t* data, size_t len) {
  if (len == 0) return reg;
  return crc32_gzip_refl(reg, data, len);
}

namespace {

// CRC64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5). ISA-L 2.30 has no such function (its
// "jones" polynomial differs), so this is a table-driven slicing-by-8 implementation: several
// GB/s, well above the MD5 every PUT computes anyway.
constexpr uint64_t kCrc64NvmePolyReflected = 0x9a6c9329ac4bc9b5ULL;

using Crc64Tables = std::array<std::array<uint64_t, 256>, 8>;

constexpr Crc64Tables MakeCrc64Tables() {
  Crc64Tables t{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t crc = i;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc >> 1) ^ ((crc & 1) ? kCrc64NvmePolyReflected : 0);
    }
    t[0][i] = crc;
  }
  for (size_t j = 1; j < t.size(); ++j) {
    for (size_t i = 0; i < 256; ++i) {
      t[j][i] = (t[j - 1][i] >> 8) ^ t[0][t[j - 1][i] & 0xff];
    }
  }
  return t;
}

constexpr Crc64Tables kCrc64Tables = MakeCrc64Tables();

uint64_t LoadLittleEndian64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];  // Compiles to one load on x86-64.
  return v;
}

}  // namespace

uint64_t Crc64NvmeTraits::Update(uint64_t reg, const uint8_t* data, size_t len) {
  const auto& t = kCrc64Tables;
  while (len >= 8) {
    reg ^= LoadLittleEndian64(data);
    reg = t[7][reg & 0xff] ^ t[6][(reg >> 8) & 0xff] ^ t[5][(reg >> 16) & 0xff] ^
          t[4][(reg >> 24) & 0xff] ^ t[3][(reg >> 32) & 0xff] ^ t[2][(reg >> 40) & 0xff] ^
          t[1][(reg >> 48) & 0xff] ^ t[0][reg >> 56];
    data += 8;
    len -= 8;
  }
  while (len > 0) {
    reg = (reg >> 8) ^ t[0][(reg ^ *data) & 0xff];
    ++data;
    --len;
  }
  return reg;
}

}  // namespace shale::crc_internal
