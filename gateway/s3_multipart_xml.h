#pragma once

// The request bodies of multipart uploads and bucket versioning, parsed into plain values:
// CompleteMultipartUpload (the part list a client assembles) and VersioningConfiguration.
// Pure functions over untrusted bytes with explicit limits (fuzzed by
// tests/fuzz/s3_complete_multipart_fuzz.cc); every malformed body is MalformedXML, except a
// versioning Status other than Enabled/Suspended (IllegalVersioningConfigurationException).
// Thread-safety: pure functions.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/object_info.h"
#include "common/result.h"

namespace shale::gateway {

inline constexpr uint32_t kMaxPartNumber = 10'000;
// 10,000 parts of PartNumber, a quoted ETag and up to one checksum each, with room for
// whitespace: S3's own body limit is of this order.
inline constexpr size_t kMaxCompleteBodyBytes = 4 * 1024 * 1024;

struct CompletedPart {
  uint32_t part_number = 0;
  std::string etag;                       // Without quotes.
  std::vector<ObjectChecksum> checksums;  // ChecksumCRC32, ... as given (base64).
};

// <CompleteMultipartUpload><Part><PartNumber/><ETag/><ChecksumCRC32/>...</Part>...
// At least one and at most kMaxPartNumber parts; PartNumber a decimal integer and ETag present
// in each (order and existence are the handler's to check).
Result<std::vector<CompletedPart>> ParseCompleteMultipartUpload(std::string_view body);

struct VersioningConfiguration {
  std::optional<BucketVersioning> status;  // kEnabled or kSuspended; nullopt: not given.
  std::optional<bool> mfa_delete;          // MfaDelete Enabled / Disabled.
};

Result<VersioningConfiguration> ParseVersioningConfiguration(std::string_view body);

}  // namespace shale::gateway
