#include "gateway/s3_tags.h"

#include "gateway/object_key.h"
#include "gateway/query.h"
#include "gateway/s3_error.h"
#include "gateway/s3_xml.h"
#include "gateway/xml.h"
#include "gateway/xml_writer.h"

namespace shale::gateway {
namespace {

size_t CodePoints(std::string_view utf8) {
  size_t n = 0;
  for (char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

Status InvalidTag(std::string_view message) {
  return MakeS3Error(S3ErrorCode::kInvalidTag, message);
}

}  // namespace

Status ValidateTagSet(const TagSet& tags) {
  if (tags.size() > kMaxTags) return InvalidTag("Object tags cannot be greater than 10");
  for (size_t i = 0; i < tags.size(); ++i) {
    const auto& [key, value] = tags[i];
    if (key.empty() || !IsValidUtf8(key)) {
      return InvalidTag("The TagKey you have provided is invalid");
    }
    if (!IsValidUtf8(value)) return InvalidTag("The TagValue you have provided is invalid");
    if (CodePoints(key) > kMaxTagKeyChars) {
      return InvalidTag("The TagKey you have provided is too long, max 128");
    }
    if (CodePoints(value) > kMaxTagValueChars) {
      return InvalidTag("The TagValue you have provided is too long, max 256");
    }
    if (key.compare(0, 4, "aws:") == 0) {
      return InvalidTag("Your TagKey cannot be prefixed with aws:");
    }
    for (size_t j = 0; j < i; ++j) {
      if (tags[j].first == key) return InvalidTag("Cannot provide multiple Tags with the same key");
    }
  }
  return Status::OK();
}

Result<TagSet> ParseTaggingHeader(std::string_view value) {
  Result<std::vector<QueryParam>> params = ParseQuery(value);
  if (!params.ok()) {
    return MakeS3Error(S3ErrorCode::kInvalidArgument,
                       "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL "
                       "query parameters without tag name duplicates.");
  }
  TagSet tags;
  for (QueryParam& p : *params) tags.emplace_back(std::move(p.name), std::move(p.value));
  SHALE_RETURN_IF_ERROR(ValidateTagSet(tags));
  return tags;
}

Result<TagSet> ParseTaggingXml(std::string_view body) {
  XmlLimits limits;
  limits.max_bytes = 64 * 1024;
  limits.max_elements = 256;
  SHALE_ASSIGN_OR_RETURN(XmlElement root, ParseS3Xml(body, limits));
  const XmlElement* set = root.FindChild("TagSet");
  if (root.LocalName() != "Tagging" || set == nullptr) return MalformedXml();
  TagSet tags;
  for (const XmlElement* tag : set->FindChildren("Tag")) {
    const XmlElement* key = tag->FindChild("Key");
    const XmlElement* value = tag->FindChild("Value");
    if (key == nullptr || value == nullptr) return MalformedXml();
    tags.emplace_back(key->text, value->text);
  }
  SHALE_RETURN_IF_ERROR(ValidateTagSet(tags));
  return tags;
}

std::string RenderTaggingXml(const TagSet& tags) {
  XmlWriter w;
  w.Open("Tagging", kS3Xmlns);
  w.Open("TagSet");
  for (const auto& [key, value] : tags) {
    w.Open("Tag");
    w.Element("Key", key);
    w.Element("Value", value);
    w.Close();
  }
  return std::move(w).Finish();
}

}  // namespace shale::gateway
