#include "gateway/s3_multipart_xml.h"

#include <charconv>

#include "gateway/ascii.h"
#include "gateway/s3_checksum.h"
#include "gateway/s3_error.h"
#include "gateway/s3_xml.h"

namespace shale::gateway {
namespace {

constexpr ChecksumAlgorithm kAlgorithms[] = {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                                             ChecksumAlgorithm::kCrc64Nvme,
                                             ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256};

std::string_view Unquote(std::string_view etag) {
  etag = TrimOws(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

}  // namespace

Result<std::vector<CompletedPart>> ParseCompleteMultipartUpload(std::string_view body) {
  XmlLimits limits;
  limits.max_bytes = kMaxCompleteBodyBytes;
  limits.max_depth = 4;
  limits.max_elements = 1 + kMaxPartNumber * 8;
  SHALE_ASSIGN_OR_RETURN(XmlElement root, ParseS3Xml(body, limits));
  if (root.LocalName() != "CompleteMultipartUpload") return MalformedXml();
  std::vector<const XmlElement*> parts = root.FindChildren("Part");
  if (parts.empty() || parts.size() > kMaxPartNumber) return MalformedXml();
  std::vector<CompletedPart> out;
  out.reserve(parts.size());
  for (const XmlElement* part : parts) {
    const XmlElement* number = part->FindChild("PartNumber");
    const XmlElement* etag = part->FindChild("ETag");
    if (number == nullptr || etag == nullptr) return MalformedXml();
    std::string_view text = TrimOws(number->text);
    CompletedPart parsed;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed.part_number);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      return MalformedXml();
    }
    parsed.etag = std::string(Unquote(etag->text));
    for (ChecksumAlgorithm algorithm : kAlgorithms) {
      std::string name = "Checksum" + std::string(ChecksumAlgorithmName(algorithm));
      if (const XmlElement* sum = part->FindChild(name)) {
        parsed.checksums.push_back({algorithm, std::string(TrimOws(sum->text))});
      }
    }
    out.push_back(std::move(parsed));
  }
  return out;
}

Result<VersioningConfiguration> ParseVersioningConfiguration(std::string_view body) {
  XmlLimits limits;
  limits.max_bytes = 4096;
  limits.max_depth = 4;
  limits.max_elements = 16;
  SHALE_ASSIGN_OR_RETURN(XmlElement root, ParseS3Xml(body, limits));
  if (root.LocalName() != "VersioningConfiguration") return MalformedXml();
  VersioningConfiguration out;
  if (const XmlElement* status = root.FindChild("Status")) {
    std::string_view text = TrimOws(status->text);
    if (text == "Enabled") {
      out.status = BucketVersioning::kEnabled;
    } else if (text == "Suspended") {
      out.status = BucketVersioning::kSuspended;
    } else {
      return MakeS3Error(S3ErrorCode::kIllegalVersioningConfigurationException);
    }
  }
  if (const XmlElement* mfa = root.FindChild("MfaDelete")) {
    std::string_view text = TrimOws(mfa->text);
    if (text != "Enabled" && text != "Disabled") {
      return MakeS3Error(S3ErrorCode::kIllegalVersioningConfigurationException);
    }
    out.mfa_delete = text == "Enabled";
  }
  return out;
}

}  // namespace shale::gateway
