#pragma once

// What a PUT says about its body's integrity, and the check of it against what the data path
// computed: Content-MD5, one x-amz-checksum-<alg> header, or an aws-chunked trailer announced
// by x-amz-trailer, with x-amz-sdk-checksum-algorithm naming the algorithm.
//
// Rules (as S3):
//   Content-MD5 that is not base64 of 16 bytes -> InvalidDigest; mismatch -> BadDigest.
//   More than one x-amz-checksum-* value (headers, or a header and a trailer) -> InvalidRequest.
//   A value that is not base64 of the algorithm's digest size -> InvalidRequest.
//   x-amz-sdk-checksum-algorithm naming an unknown algorithm, or another one than the header
//   or trailer -> InvalidRequest; alone, it asks the server to compute and store that checksum.
//   x-amz-trailer naming anything but x-amz-checksum-<alg> -> InvalidRequest; the trailer then
//   missing or unparsable once the body ended -> MalformedTrailerError.
//   Checksum mismatch -> BadDigest "The CRC32 you specified did not match the calculated
//   checksum."
//
// Thread-safety: pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "gateway/object_store.h"
#include "gateway/s3_exchange.h"

namespace shale::gateway {

// "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256".
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm);
// "x-amz-checksum-crc32", ...
std::string_view ChecksumHeaderName(ChecksumAlgorithm algorithm);
// Case-insensitive algorithm name ("crc32", "CRC64NVME", ...).
std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name);
// Bytes of the algorithm's digest (4, 4, 8, 20, 32).
size_t ChecksumDigestSize(ChecksumAlgorithm algorithm);

struct ChecksumRequest {
  std::optional<std::string> content_md5;  // The 16 raw bytes.
  std::optional<ChecksumAlgorithm> algorithm;
  std::string expected_base64;  // The header's value; empty for a trailer or sdk-algorithm only.
  bool from_trailer = false;
};

// The digests a put would compute over `data` (small bodies the handlers hold in memory).
PutDigests ComputeDigests(std::string_view data, const std::vector<ChecksumAlgorithm>& algorithms);

Result<ChecksumRequest> ParseChecksumRequest(const std::vector<S3Header>& headers);

// Checks `digests` (computed by the data path) against the request; `trailers` are the body's
// trailing headers (may be nullptr when there were none).
Status VerifyChecksums(const ChecksumRequest& request, const PutDigests& digests,
                       const std::vector<S3Header>* trailers);

}  // namespace shale::gateway
