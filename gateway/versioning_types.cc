#include "gateway/versioning_types.h"

namespace shale::gateway {

Result<VersionSelector> VersionSelector::Parse(std::string_view text) {
  if (text == "null") return Null();
  auto id = VersionId::FromText(text);
  if (!id.ok()) return Status::InvalidArgument("Invalid version id specified");
  return VersionSelector(std::optional<VersionId>(*id));
}

std::string S3VersionId(const ObjectInfo& info) {
  return info.null_version ? "null" : info.version.ToText();
}

}  // namespace shale::gateway
