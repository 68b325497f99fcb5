#pragma once

// Shared bits of the S3 handlers' XML: the namespace of every response document, and request
// body parsing that turns any parse failure into MalformedXML.
// Thread-safety: pure functions.

#include <string_view>

#include "common/result.h"
#include "common/status.h"
#include "gateway/xml.h"

namespace shale::gateway {

inline constexpr std::string_view kS3Xmlns = "http://s3.amazonaws.com/doc/2006-03-01/";

// MakeS3Error(kMalformedXML).
Status MalformedXml();
Result<XmlElement> ParseS3Xml(std::string_view body, const XmlLimits& limits);

}  // namespace shale::gateway
