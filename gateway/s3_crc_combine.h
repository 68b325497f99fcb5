#pragma once

// CRC combination for S3's FULL_OBJECT multipart checksums: the CRC of A||B from CRC(A),
// CRC(B) and the length of B, without the bytes. Valid for the reflected CRCs S3 uses with an
// all-ones initial value and final XOR (CRC32, CRC32C, CRC64/NVME — common/crc.h), because
// for those CRC(A||B) = CRC(A) * x^(8*len(B)) mod P  xor  CRC(B) (the register's affine parts
// cancel); the multiplication works in the reflected bit order, O(log len) squarings.
//
// Thread-safety: pure functions.

#include <cstdint>

namespace shale::gateway {

uint32_t Crc32Combine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);
uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);
uint64_t Crc64NvmeCombine(uint64_t crc_a, uint64_t crc_b, uint64_t length_b);

}  // namespace shale::gateway
