#pragma once

// Little-endian fixed-width integer coding for the on-disk formats. Pure functions; callers
// check bounds before decoding.

#include <cstdint>
#include <cstring>
#include <string>

namespace shale::storage {

template <typename T>
inline void PutFixed(std::string* out, T value) {
  char buf[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i) buf[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  out->append(buf, sizeof(T));
}

template <typename T>
inline void EncodeFixedAt(char* dst, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) dst[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

template <typename T>
inline T DecodeFixed(const char* src) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value |= static_cast<T>(static_cast<T>(static_cast<uint8_t>(src[i])) << (8 * i));
  }
  return value;
}

}  // namespace shale::storage
