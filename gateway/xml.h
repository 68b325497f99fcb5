#pragma once

// A small, bounded, non-validating XML parser for S3 request bodies (CreateBucketConfiguration,
// Delete, CompleteMultipartUpload, VersioningConfiguration, CORSConfiguration, Tagging).
//
// Accepted: an optional UTF-8 BOM and XML declaration, comments, one root element, nested
// elements with attributes, character data, CDATA sections, the five predefined entities and
// decimal/hex character references to XML 1.0 Chars. Line ends in text are normalized to "\n".
// Rejected with MalformedXML: DOCTYPE (hence every ENTITY declaration: no entity is ever
// expanded), any other named entity, processing instructions other than the declaration,
// invalid UTF-8, control characters, mismatched or unterminated tags, duplicate attributes,
// text outside the root, and any input over the limits below (checked before or while parsing,
// so the work done is linear in the input and the recursion depth is bounded).
//
// Thread-safety: pure function; the DOM is a plain value.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace shale::gateway {

struct XmlAttribute {
  std::string name;
  std::string value;  // Entities resolved.
};

struct XmlElement {
  std::string name;  // As written, including any namespace prefix ("s3:Key").
  std::vector<XmlAttribute> attributes;
  std::string text;  // All character data directly inside this element, concatenated.
  std::vector<XmlElement> children;

  // The name without its namespace prefix.
  std::string_view LocalName() const;
  // First child whose local name is `local`, or nullptr.
  const XmlElement* FindChild(std::string_view local) const;
  std::vector<const XmlElement*> FindChildren(std::string_view local) const;
};

struct XmlLimits {
  // Defaults fit the largest S3 bodies: DeleteObjects names up to 1000 keys of up to 1024
  // bytes (escaped, with VersionIds), CompleteMultipartUpload up to 10000 parts of up to 7
  // elements each. Callers parsing smaller kinds (CreateBucketConfiguration, Versioning...)
  // should pass tighter limits.
  size_t max_bytes = 4 * 1024 * 1024;
  size_t max_depth = 32;
  size_t max_elements = 80'000;
  size_t max_attributes = 16;  // Per element.
  size_t max_name_bytes = 256;
};

Result<XmlElement> ParseXml(std::string_view document, const XmlLimits& limits = {});

}  // namespace shale::gateway
