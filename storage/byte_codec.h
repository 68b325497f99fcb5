#pragma once

// Fixed-width integer encoding for every on-disk format of the engine (segment records, index
// values and keys): little-endian for values, big-endian where the bytes are part of an
// ordered key. ByteReader checks every length, so decoding stored bytes never reads out of
// bounds. Thread-safety: plain values.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shale::storage {

inline void PutLE(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
inline void PutBE(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
// Typed forms for the segment format: little-endian, width = sizeof(T).
template <typename T>
inline void PutFixed(std::string* out, T value) {
  PutLE(out, static_cast<uint64_t>(value), sizeof(T));
}
template <typename T>
inline void EncodeFixedAt(char* dst, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) dst[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}
// Precondition: `src` holds at least sizeof(T) bytes (callers check bounds first).
template <typename T>
inline T DecodeFixed(const char* src) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value |= static_cast<T>(static_cast<T>(static_cast<uint8_t>(src[i])) << (8 * i));
  }
  return value;
}

inline std::string BigEndian64(uint64_t v) {
  std::string s;
  PutBE(&s, v, 8);
  return s;
}
inline std::string BigEndian32(uint32_t v) {
  std::string s;
  PutBE(&s, v, 4);
  return s;
}
inline uint64_t GetBE(std::string_view in, size_t bytes) {  // Precondition: in.size() >= bytes.
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

// Consumes a byte string front to back; any read past the end sets failed() and yields 0/"".
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  uint64_t LE(size_t bytes) {
    if (!Have(bytes)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) v |= uint64_t{static_cast<uint8_t>(in_[i])} << (8 * i);
    in_.remove_prefix(bytes);
    return v;
  }
  uint8_t U8() { return static_cast<uint8_t>(LE(1)); }
  uint16_t U16() { return static_cast<uint16_t>(LE(2)); }
  uint32_t U32() { return static_cast<uint32_t>(LE(4)); }
  uint64_t U64() { return LE(8); }
  std::string_view Bytes(size_t n) {
    if (!Have(n)) return {};
    std::string_view v = in_.substr(0, n);
    in_.remove_prefix(n);
    return v;
  }
  std::string_view Rest() { return Bytes(in_.size()); }
  bool failed() const { return failed_; }
  // True when every byte was consumed without a failed read.
  bool Done() const { return !failed_ && in_.empty(); }

 private:
  bool Have(size_t n) {
    if (failed_ || in_.size() < n) failed_ = true;
    return !failed_;
  }
  std::string_view in_;
  bool failed_ = false;
};

}  // namespace shale::storage
