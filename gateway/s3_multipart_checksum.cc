#include "gateway/s3_multipart_checksum.h"

#include "common/encoding.h"
#include "common/hash.h"
#include "gateway/s3_checksum.h"
#include "gateway/s3_crc_combine.h"

namespace shale::gateway {
namespace {

Result<std::string> DecodePartChecksum(ChecksumAlgorithm algorithm, std::string_view base64) {
  Result<std::string> raw = Base64Decode(base64, 64);
  if (!raw.ok() || raw->size() != ChecksumDigestSize(algorithm)) {
    return Status::InvalidArgument("part checksum is not a " +
                                   std::string(ChecksumAlgorithmName(algorithm)) + " value");
  }
  return raw;
}

uint64_t BigEndian(std::string_view raw) {
  uint64_t v = 0;
  for (char ch : raw) v = (v << 8) | static_cast<uint8_t>(ch);
  return v;
}

std::string ToBigEndian(uint64_t v, size_t bytes) {
  std::string raw(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) raw[bytes - 1 - i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return raw;
}

}  // namespace

bool SupportsFullObject(ChecksumAlgorithm algorithm) {
  return algorithm == ChecksumAlgorithm::kCrc32 || algorithm == ChecksumAlgorithm::kCrc32c ||
         algorithm == ChecksumAlgorithm::kCrc64Nvme;
}

bool SupportsComposite(ChecksumAlgorithm algorithm) {
  return algorithm != ChecksumAlgorithm::kCrc64Nvme;
}

Result<std::string> MultipartEtag(const std::vector<std::string>& part_etags) {
  std::string binary;
  for (const std::string& etag : part_etags) {
    Result<std::string> raw = HexDecode(etag);
    if (!raw.ok() || raw->size() != 16) {
      return Status::InvalidArgument("part ETag " + etag + " is not an MD5");
    }
    binary += *raw;
  }
  return HexEncode(Md5(binary)) + "-" + std::to_string(part_etags.size());
}

Result<std::string> CompositeChecksum(ChecksumAlgorithm algorithm,
                                      const std::vector<PartChecksum>& parts) {
  std::string concatenated;
  for (const PartChecksum& part : parts) {
    SHALE_ASSIGN_OR_RETURN(std::string raw, DecodePartChecksum(algorithm, part.base64));
    concatenated += raw;
  }
  PutDigests digests = ComputeDigests(concatenated, {algorithm});
  return digests.checksums.front().base64 + "-" + std::to_string(parts.size());
}

Result<std::string> FullObjectChecksum(ChecksumAlgorithm algorithm,
                                       const std::vector<PartChecksum>& parts) {
  if (!SupportsFullObject(algorithm)) {
    return Status::InvalidArgument(std::string(ChecksumAlgorithmName(algorithm)) +
                                   " cannot be combined as a full-object checksum");
  }
  const size_t width = ChecksumDigestSize(algorithm);
  uint64_t crc = 0;  // The CRC of no bytes (all-ones init and final XOR): neutral.
  for (const PartChecksum& part : parts) {
    SHALE_ASSIGN_OR_RETURN(std::string raw, DecodePartChecksum(algorithm, part.base64));
    uint64_t value = BigEndian(raw);
    switch (algorithm) {
      case ChecksumAlgorithm::kCrc32:
        crc = Crc32Combine(static_cast<uint32_t>(crc), static_cast<uint32_t>(value), part.size);
        break;
      case ChecksumAlgorithm::kCrc32c:
        crc = Crc32cCombine(static_cast<uint32_t>(crc), static_cast<uint32_t>(value), part.size);
        break;
      default:
        crc = Crc64NvmeCombine(crc, value, part.size);
        break;
    }
  }
  return Base64Encode(ToBigEndian(crc, width));
}

}  // namespace shale::gateway
