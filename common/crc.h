#pragma once

// Cyclic redundancy checks used by Shale:
//  - CRC32C (Castagnoli, iSCSI): every record header and payload on disk, every shard on the
//    wire. Hardware-accelerated through ISA-L.
//  - CRC32 (ISO-HDLC, the zlib/gzip CRC, ISA-L) and CRC64/NVME (our own PCLMULQDQ folding with
//    a table-driven fallback, since ISA-L 2.30 lacks it): the `x-amz-checksum-crc32` and
//    `x-amz-checksum-crc64nvme` values S3 clients send and expect back.
//
// Each comes in two shapes with identical results: a one-shot function (`Crc32c(data)`) and a
// streaming value type (`Crc32cStream`) fed with Update() in any number of pieces. Values are
// returned in their natural integer form (check value of "123456789": CRC32C 0xe3069283,
// CRC32 0xcbf43926, CRC64/NVME 0xae8b14860a799888); byte order for storage or headers is the
// caller's choice (S3 wants big-endian, then base64).
//
// Thread-safety: the functions are pure; a stream is a plain value (one writer at a time).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace shale {

namespace crc_internal {

// A CRC variant: the register type, the register's initial value, how bytes advance the
// register and how the register becomes the published value.
struct Crc32cTraits {
  using Value = uint32_t;
  static constexpr Value kInit = ~Value{0};
  static Value Update(Value reg, const uint8_t* data, size_t len);
  static constexpr Value Finish(Value reg) { return ~reg; }
};

struct Crc32Traits {
  using Value = uint32_t;
  // ISA-L's crc32_gzip_refl() inverts on entry and exit, so its register is the published value.
  static constexpr Value kInit = 0;
  static Value Update(Value reg, const uint8_t* data, size_t len);
  static constexpr Value Finish(Value reg) { return reg; }
};

struct Crc64NvmeTraits {
  using Value = uint64_t;
  static constexpr Value kInit = ~Value{0};
  static Value Update(Value reg, const uint8_t* data, size_t len);
  static constexpr Value Finish(Value reg) { return ~reg; }
};

}  // namespace crc_internal

// Streaming CRC. Finish() does not consume the stream: more Update() calls may follow and
// Finish() then covers everything fed so far. Copy it to fork a running CRC.
template <typename Traits>
class CrcStream {
 public:
  using Value = typename Traits::Value;

  CrcStream& Update(std::span<const uint8_t> data) {
    reg_ = Traits::Update(reg_, data.data(), data.size());
    return *this;
  }
  CrcStream& Update(std::string_view data) {
    reg_ = Traits::Update(reg_, reinterpret_cast<const uint8_t*>(data.data()), data.size());
    return *this;
  }
  Value Finish() const { return Traits::Finish(reg_); }
  void Reset() { reg_ = Traits::kInit; }

 private:
  Value reg_ = Traits::kInit;
};

using Crc32cStream = CrcStream<crc_internal::Crc32cTraits>;
using Crc32Stream = CrcStream<crc_internal::Crc32Traits>;
using Crc64NvmeStream = CrcStream<crc_internal::Crc64NvmeTraits>;

inline uint32_t Crc32c(std::string_view data) { return Crc32cStream().Update(data).Finish(); }
inline uint32_t Crc32c(std::span<const uint8_t> data) {
  return Crc32cStream().Update(data).Finish();
}
inline uint32_t Crc32(std::string_view data) { return Crc32Stream().Update(data).Finish(); }
inline uint32_t Crc32(std::span<const uint8_t> data) { return Crc32Stream().Update(data).Finish(); }
inline uint64_t Crc64Nvme(std::string_view data) { return Crc64NvmeStream().Update(data).Finish(); }
inline uint64_t Crc64Nvme(std::span<const uint8_t> data) {
  return Crc64NvmeStream().Update(data).Finish();
}

}  // namespace shale
