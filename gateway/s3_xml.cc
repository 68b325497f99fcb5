#include "gateway/s3_xml.h"

#include "gateway/s3_error.h"

namespace shale::gateway {

Status MalformedXml() { return MakeS3Error(S3ErrorCode::kMalformedXML); }

Result<XmlElement> ParseS3Xml(std::string_view body, const XmlLimits& limits) {
  Result<XmlElement> root = ParseXml(body, limits);
  if (!root.ok()) return MalformedXml();
  return root;
}

}  // namespace shale::gateway
