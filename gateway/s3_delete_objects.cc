// DeleteObjects (POST /bucket?delete): up to 1000 keys, Quiet mode, integrity header required.

#include "gateway/ascii.h"
#include "gateway/object_key.h"
#include "gateway/s3_checksum.h"
#include "gateway/s3_ops.h"
#include "gateway/s3_xml.h"
#include "gateway/xml_writer.h"

namespace shale::gateway {
namespace {

constexpr size_t kMaxDeleteKeys = 1000;
constexpr size_t kMaxDeleteBody = 4 * 1024 * 1024;

struct DeleteEntry {
  std::string key;
  std::string version_id;
};

}  // namespace

Status DeleteObjects(S3Call& c) {
  S3Request& r = c.request;
  // As S3: the body's integrity must be declared (Content-MD5 or a flexible checksum).
  SHALE_ASSIGN_OR_RETURN(ChecksumRequest integrity, ParseChecksumRequest(r.headers));
  if (!integrity.content_md5 && !integrity.algorithm) {
    return MakeS3Error(S3ErrorCode::kInvalidRequest,
                       "Missing required header for this request: Content-MD5");
  }
  SHALE_ASSIGN_OR_RETURN(std::string body,
                         ReadSmallBody(r, kMaxDeleteBody, S3ErrorCode::kMalformedXML));
  std::vector<ChecksumAlgorithm> algorithms;
  if (integrity.algorithm) algorithms.push_back(*integrity.algorithm);
  SHALE_RETURN_IF_ERROR(VerifyChecksums(integrity, ComputeDigests(body, algorithms), r.trailers));

  SHALE_ASSIGN_OR_RETURN(XmlElement root, ParseS3Xml(body, XmlLimits{}));
  if (root.LocalName() != "Delete") return MalformedXml();
  bool quiet = false;
  if (const XmlElement* q = root.FindChild("Quiet")) {
    std::string_view text = TrimOws(q->text);
    if (text != "true" && text != "false") return MalformedXml();
    quiet = text == "true";
  }
  std::vector<DeleteEntry> entries;
  for (const XmlElement* object : root.FindChildren("Object")) {
    const XmlElement* key = object->FindChild("Key");
    if (key == nullptr) return MalformedXml();
    const XmlElement* version = object->FindChild("VersionId");
    entries.push_back({key->text, version ? version->text : std::string()});
  }
  if (entries.empty() || entries.size() > kMaxDeleteKeys) return MalformedXml();

  XmlWriter w;
  w.Open("DeleteResult", kS3Xmlns);
  for (const DeleteEntry& entry : entries) {
    Status s = ValidateObjectKey(entry.key);
    if (s.ok() && !entry.version_id.empty() && entry.version_id != "null") {
      s = MakeS3Error(S3ErrorCode::kNotImplemented, "Deleting a version is not implemented");
    }
    if (s.ok()) s = c.store.Delete(r.bucket, entry.key);
    if (s.ok()) {
      if (quiet) continue;
      w.Open("Deleted");
      w.Element("Key", entry.key);
      if (!entry.version_id.empty()) w.Element("VersionId", entry.version_id);
      w.Close();
      continue;
    }
    S3Error error = S3ErrorFromStatus(MapStoreError(s, S3ErrorCode::kNoSuchBucket));
    w.Open("Error");
    w.Element("Key", entry.key);
    if (!entry.version_id.empty()) w.Element("VersionId", entry.version_id);
    w.Element("Code", GetS3ErrorInfo(error.code).code);
    w.Element("Message", error.message);
    w.Close();
  }
  return SendXml(c, 200, std::move(w).Finish());
}

}  // namespace shale::gateway
