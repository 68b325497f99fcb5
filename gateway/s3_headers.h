#pragma once

// Object attributes as HTTP headers, both ways: the standard headers S3 stores (Content-Type,
// Content-Encoding, Content-Disposition, Content-Language, Cache-Control, Expires) and user
// metadata (x-amz-meta-*, at most kMaxUserMetadataBytes: the sum of the UTF-8 bytes of every
// name (without the prefix) and value, as S3 counts -> MetadataTooLarge), and the response-*
// query overrides of GetObject.
//
// Thread-safety: pure functions.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "gateway/object_store.h"
#include "gateway/s3_exchange.h"

namespace shale::gateway {

inline constexpr size_t kMaxUserMetadataBytes = 2048;
inline constexpr std::string_view kDefaultContentType = "binary/octet-stream";

// The attributes a PutObject (or a CopyObject with REPLACE) sets; tags are left empty. The
// "aws-chunked" token of Content-Encoding (the transfer encoding of streaming uploads) is not
// stored, as in S3.
Result<ObjectAttributes> AttributesFromHeaders(const std::vector<S3Header>& headers);

// Appends Content-Type (kDefaultContentType when none was stored), the other stored standard
// headers and x-amz-meta-* to `out`.
void AppendAttributeHeaders(const ObjectAttributes& attributes, std::vector<S3Header>* out);

// Applies response-content-type, -content-language, -expires, -cache-control,
// -content-disposition and -content-encoding: each replaces (or adds) its header in `headers`.
void ApplyResponseOverrides(const std::vector<QueryParam>& query, std::vector<S3Header>* headers);

// "\"<etag>\"".
std::string QuoteEtag(std::string_view etag);

}  // namespace shale::gateway
