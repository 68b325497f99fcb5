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
  std::optional<std::string> version_id;  // As given.
};

// One entry's delete, as DeleteObject does it.
Result<DeleteOutcome> DeleteOne(S3Call& c, const DeleteEntry& entry) {
  SHALE_RETURN_IF_ERROR(ValidateObjectKey(entry.key));
  VersionSelector version;
  if (entry.version_id) {
    Result<VersionSelector> parsed = VersionSelector::Parse(*entry.version_id);
    if (!parsed.ok()) {
      return MakeS3Error(S3ErrorCode::kNoSuchVersion, "Invalid version id specified");
    }
    version = *parsed;
  }
  Result<DeleteOutcome> outcome =
      c.store.DeleteObject({c.request.bucket, entry.key, version, c.bucket.versioning});
  if (!outcome.ok()) return MapStoreError(outcome.status(), S3ErrorCode::kNoSuchBucket);
  return outcome;
}

}  // namespace

Status DeleteObjects(S3Call& c) {
  S3Request& r = c.request;
  SHALE_ASSIGN_OR_RETURN(std::string body,
                         ReadCheckedBody(r, kMaxDeleteBody, BodyIntegrity::kRequired));
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
    entries.push_back(
        {key->text, version ? std::optional<std::string>(version->text) : std::nullopt});
  }
  if (entries.empty() || entries.size() > kMaxDeleteKeys) return MalformedXml();

  XmlWriter w;
  w.Open("DeleteResult", kS3Xmlns);
  for (const DeleteEntry& entry : entries) {
    Result<DeleteOutcome> outcome = DeleteOne(c, entry);
    if (outcome.ok()) {
      if (quiet) continue;
      w.Open("Deleted");
      w.Element("Key", entry.key);
      if (entry.version_id) w.Element("VersionId", *entry.version_id);
      if (outcome->delete_marker && outcome->version &&
          (entry.version_id || c.bucket.versioning != BucketVersioning::kUnversioned)) {
        w.Element("DeleteMarker", "true");
        w.Element("DeleteMarkerVersionId", S3VersionId(*outcome->version));
      }
      w.Close();
      continue;
    }
    S3Error error = S3ErrorFromStatus(outcome.status());
    w.Open("Error");
    w.Element("Key", entry.key);
    if (entry.version_id) w.Element("VersionId", *entry.version_id);
    w.Element("Code", GetS3ErrorInfo(error.code).code);
    w.Element("Message", error.message);
    w.Close();
  }
  return SendXml(c, 200, std::move(w).Finish());
}

}  // namespace shale::gateway
