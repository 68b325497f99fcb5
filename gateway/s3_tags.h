#pragma once

// Object tag sets: the Tagging XML body of PutObjectTagging / GetObjectTagging, the
// x-amz-tagging header of PutObject (a query string "k1=v1&k2=v2"), and AWS's limits:
// at most kMaxTags tags, keys of 1..kMaxTagKeyChars characters, values of at most
// kMaxTagValueChars characters, valid UTF-8, unique keys, no "aws:" prefix -> InvalidTag.
// Malformed XML -> MalformedXML; an unparsable header -> InvalidArgument.
//
// Thread-safety: pure functions.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace shale::gateway {

using TagSet = std::vector<std::pair<std::string, std::string>>;

inline constexpr size_t kMaxTags = 10;
inline constexpr size_t kMaxTagKeyChars = 128;
inline constexpr size_t kMaxTagValueChars = 256;

Status ValidateTagSet(const TagSet& tags);
Result<TagSet> ParseTaggingHeader(std::string_view value);
Result<TagSet> ParseTaggingXml(std::string_view body);
// <Tagging xmlns="..."><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>
std::string RenderTaggingXml(const TagSet& tags);

}  // namespace shale::gateway
