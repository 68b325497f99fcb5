#include "common/crc.h"

#include <isa-l/crc.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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
// "jones" polynomial differs; crc64_rocksoft_refl arrives in 2.31), so it is done here: a
// table-driven slicing-by-8 loop, plus carry-less multiplication (PCLMULQDQ) folding for long
// buffers on CPUs that have it.
constexpr uint64_t kCrc64NvmePolyReflected = 0x9a6c9329ac4bc9b5ULL;
constexpr uint64_t kCrc64NvmePolyNormal = 0xad93d23594c93659ULL;

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

uint64_t Crc64NvmeTable(uint64_t reg, const uint8_t* data, size_t len) {
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

#if defined(__x86_64__)

// Folding: a 16-byte block V followed (D bits later) by W can be replaced by
// (V * x^D mod P) + W without changing the CRC. Loaded little-endian, V's low qword H holds
// degrees 127..64 and its high qword L degrees 63..0, each bit-reflected; so
// V * x^D = H * x^(D+64) + L * x^D. A carry-less product of two reflected 64-bit values lands one
// degree low, which the constants absorb: multiplying by x^e uses reflect(x^(e-1) mod P).
constexpr uint64_t Reflect64(uint64_t v) {
  uint64_t r = 0;
  for (int i = 0; i < 64; ++i) r |= ((v >> i) & 1) << (63 - i);
  return r;
}

constexpr uint64_t FoldConstant(int exponent) {
  uint64_t r = 1;  // x^0, in normal (unreflected) order.
  for (int i = 0; i < exponent - 1; ++i) r = (r << 1) ^ ((r >> 63) ? kCrc64NvmePolyNormal : 0);
  return Reflect64(r);
}

__attribute__((target("pclmul,sse2"))) inline __m128i Fold(__m128i v, __m128i constants,
                                                           __m128i next) {
  const __m128i high = _mm_clmulepi64_si128(v, constants, 0x00);  // H * x^(D+64).
  const __m128i low = _mm_clmulepi64_si128(v, constants, 0x11);   // L * x^D.
  return _mm_xor_si128(_mm_xor_si128(high, low), next);
}

__attribute__((target("pclmul,sse2"))) uint64_t Crc64NvmeClmul(uint64_t reg, const uint8_t* data,
                                                               size_t len) {
  // Eight independent lanes of 16 bytes keep the multiplier busy despite its latency.
  constexpr size_t kLanes = 8;
  constexpr size_t kStride = kLanes * 16;
  static constexpr uint64_t kStrideHigh = FoldConstant(kStride * 8 + 64);
  static constexpr uint64_t kStrideLow = FoldConstant(kStride * 8);
  static constexpr uint64_t kBlockHigh = FoldConstant(128 + 64);
  static constexpr uint64_t kBlockLow = FoldConstant(128);
  const __m128i k_stride =
      _mm_set_epi64x(static_cast<int64_t>(kStrideLow), static_cast<int64_t>(kStrideHigh));
  const __m128i k128 =
      _mm_set_epi64x(static_cast<int64_t>(kBlockLow), static_cast<int64_t>(kBlockHigh));
  auto load = [](const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); };
  __m128i x[kLanes];
  for (size_t i = 0; i < kLanes; ++i) x[i] = load(data + 16 * i);
  // The running register is XORed into the first 8 bytes, exactly as the table loop does.
  x[0] = _mm_xor_si128(x[0], _mm_set_epi64x(0, static_cast<int64_t>(reg)));
  data += kStride;
  len -= kStride;
  for (; len >= kStride; data += kStride, len -= kStride) {
    for (size_t i = 0; i < kLanes; ++i) x[i] = Fold(x[i], k_stride, load(data + 16 * i));
  }
  for (size_t i = 1; i < kLanes; ++i) x[i] = Fold(x[i - 1], k128, x[i]);
  __m128i acc = x[kLanes - 1];
  for (; len >= 16; data += 16, len -= 16) acc = Fold(acc, k128, load(data));
  // The remaining 16-byte block plus tail hold the whole CRC: finish them with the tables,
  // starting from a zero register since the initial value is already folded in.
  alignas(16) uint8_t block[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(block), acc);
  return Crc64NvmeTable(Crc64NvmeTable(0, block, sizeof(block)), data, len);
}

// Below this the table loop is as fast; the folding loop needs one full stride anyway.
constexpr size_t kClmulMinLength = 128;

bool HasPclmul() {
  static const bool has = __builtin_cpu_supports("pclmul");
  return has;
}

#endif  // __x86_64__

}  // namespace

uint64_t Crc64NvmeTraits::Update(uint64_t reg, const uint8_t* data, size_t len) {
#if defined(__x86_64__)
  if (len >= kClmulMinLength && HasPclmul()) return Crc64NvmeClmul(reg, data, len);
#endif
  return Crc64NvmeTable(reg, data, len);
}

}  // namespace shale::crc_internal
