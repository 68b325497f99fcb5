// Fuzz target for the multipart and versioning request-body parsers (gateway/s3_multipart_xml.h).
// Byte 0 picks the parser (bit 0: VersioningConfiguration); the rest is the body.
// Properties: nothing crashes; every failure is an S3 error (MalformedXML or, for versioning,
// IllegalVersioningConfigurationException); a parsed part list holds 1..10000 parts with
// unquoted ETags.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/s3_error.h"
#include "gateway/s3_multipart_xml.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale::gateway;
  if (size < 1) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    auto parsed = ParseVersioningConfiguration(body);
    if (!parsed.ok()) {
      S3ErrorCode code = S3ErrorFromStatus(parsed.status()).code;
      Require(code == S3ErrorCode::kMalformedXML ||
              code == S3ErrorCode::kIllegalVersioningConfigurationException);
    }
    return 0;
  }
  auto parts = ParseCompleteMultipartUpload(body);
  if (!parts.ok()) {
    Require(S3ErrorFromStatus(parts.status()).code == S3ErrorCode::kMalformedXML);
    return 0;
  }
  Require(!parts->empty() && parts->size() <= kMaxPartNumber);
  for (const CompletedPart& part : *parts) {
    Require(part.etag.size() < 2 || part.etag.front() != '"' || part.etag.back() != '"');
  }
  return 0;
}
