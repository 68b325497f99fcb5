#pragma once

// The arithmetic of a completed multipart object's integrity values, as S3 defines it:
//   ETag: hex MD5 of the concatenated binary MD5s of the parts, then "-<part count>".
//   COMPOSITE checksum: the algorithm over the concatenated binary part checksums, base64,
//   then "-<part count>".
//   FULL_OBJECT checksum (CRC32, CRC32C, CRC64NVME only): the CRC of the whole object, combined
//   from the part CRCs and sizes (gateway/s3_crc_combine.h), base64 of the big-endian value.
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/object_info.h"
#include "common/result.h"

namespace shale::gateway {

// InvalidArgument when an ETag is not 32 hex digits.
Result<std::string> MultipartEtag(const std::vector<std::string>& part_etags);

struct PartChecksum {
  std::string base64;
  uint64_t size = 0;
};

// InvalidArgument when a value is not base64 of the algorithm's digest size, or for
// FULL_OBJECT with an algorithm other than a CRC.
Result<std::string> CompositeChecksum(ChecksumAlgorithm algorithm,
                                      const std::vector<PartChecksum>& parts);
Result<std::string> FullObjectChecksum(ChecksumAlgorithm algorithm,
                                       const std::vector<PartChecksum>& parts);

// Whether `algorithm` may be combined as FULL_OBJECT (the CRCs) / COMPOSITE (all but CRC64NVME).
bool SupportsFullObject(ChecksumAlgorithm algorithm);
bool SupportsComposite(ChecksumAlgorithm algorithm);

}  // namespace shale::gateway
