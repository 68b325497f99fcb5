#include "gateway/s3_crc_combine.h"

namespace shale::gateway {
namespace {

// Polynomials in the reflected bit order (bit 0 is the coefficient of x^(width-1)).
constexpr uint32_t kCrc32Poly = 0xedb88320u;
constexpr uint32_t kCrc32cPoly = 0x82f63b78u;
constexpr uint64_t kCrc64NvmePoly = 0x9a6c9329ac4bc9b5ull;

// a * b mod P, both reflected (the top bit is x^0).
template <typename T>
T MultiplyModP(T a, T b, T poly) {
  constexpr T kTop = T{1} << (sizeof(T) * 8 - 1);
  T product = 0;
  for (T m = kTop; m != 0; m >>= 1) {
    if (a & m) product ^= b;
    b = (b & 1) ? static_cast<T>((b >> 1) ^ poly) : static_cast<T>(b >> 1);
  }
  return product;
}

// x^(8 * bytes) mod P, by squaring x^8 along the bits of `bytes`.
template <typename T>
T XPowBytesModP(uint64_t bytes, T poly) {
  constexpr T kTop = T{1} << (sizeof(T) * 8 - 1);
  T result = kTop;      // x^0.
  T power = kTop >> 8;  // x^8: one byte.
  while (bytes != 0) {
    if (bytes & 1) result = MultiplyModP<T>(power, result, poly);
    power = MultiplyModP<T>(power, power, poly);
    bytes >>= 1;
  }
  return result;
}

template <typename T>
T Combine(T crc_a, T crc_b, uint64_t length_b, T poly) {
  return MultiplyModP<T>(XPowBytesModP<T>(length_b, poly), crc_a, poly) ^ crc_b;
}

}  // namespace

uint32_t Crc32Combine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  return Combine<uint32_t>(crc_a, crc_b, length_b, kCrc32Poly);
}
uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  return Combine<uint32_t>(crc_a, crc_b, length_b, kCrc32cPoly);
}
uint64_t Crc64NvmeCombine(uint64_t crc_a, uint64_t crc_b, uint64_t length_b) {
  return Combine<uint64_t>(crc_a, crc_b, length_b, kCrc64NvmePoly);
}

}  // namespace shale::gateway
