#include "gateway/s3_headers.h"

#include <array>

#include "gateway/ascii.h"
#include "gateway/s3_error.h"

namespace shale::gateway {
namespace {

constexpr std::string_view kMetaPrefix = "x-amz-meta-";

// The standard headers: HTTP name, response-* override name, attribute member.
struct StandardHeader {
  std::string_view header;
  std::string_view override_param;
  std::string ObjectAttributes::*member;
};

const std::array<StandardHeader, 6> kStandard = {{
    {"content-type", "response-content-type", &ObjectAttributes::content_type},
    {"content-encoding", "response-content-encoding", &ObjectAttributes::content_encoding},
    {"content-disposition", "response-content-disposition", &ObjectAttributes::content_disposition},
    {"content-language", "response-content-language", &ObjectAttributes::content_language},
    {"cache-control", "response-cache-control", &ObjectAttributes::cache_control},
    {"expires", "response-expires", &ObjectAttributes::expires},
}};

// Canonical response spelling ("Content-Type") of a lowercase header name.
std::string Canonical(std::string_view lower) {
  std::string out(lower);
  bool start = true;
  for (char& c : out) {
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    start = c == '-';
  }
  return out;
}

// Content-Encoding without the "aws-chunked" token, which describes the transfer (the server
// decoded it), not the object; S3 does not store it either.
std::string WithoutAwsChunked(std::string_view value) {
  std::string out;
  while (true) {
    size_t comma = value.find(',');
    std::string_view token = TrimOws(value.substr(0, comma));
    if (!token.empty() && !EqualsIgnoreCase(token, "aws-chunked")) {
      if (!out.empty()) out += ", ";
      out += token;
    }
    if (comma == std::string_view::npos) return out;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

Result<ObjectAttributes> AttributesFromHeaders(const std::vector<S3Header>& headers) {
  ObjectAttributes out;
  size_t meta_bytes = 0;
  for (const S3Header& h : headers) {
    if (h.name.size() > kMetaPrefix.size() &&
        h.name.compare(0, kMetaPrefix.size(), kMetaPrefix) == 0) {
      std::string name = h.name.substr(kMetaPrefix.size());
      meta_bytes += name.size() + h.value.size();
      if (meta_bytes > kMaxUserMetadataBytes) return MakeS3Error(S3ErrorCode::kMetadataTooLarge);
      out.user_metadata.emplace_back(std::move(name), h.value);
      continue;
    }
    for (const StandardHeader& s : kStandard) {
      if (h.name == s.header) out.*s.member = h.value;
    }
  }
  out.content_encoding = WithoutAwsChunked(out.content_encoding);
  return out;
}

void AppendAttributeHeaders(const ObjectAttributes& attributes, std::vector<S3Header>* out) {
  for (const StandardHeader& s : kStandard) {
    const std::string& value = attributes.*s.member;
    if (s.header == "content-type") {
      out->push_back(
          {Canonical(s.header), value.empty() ? std::string(kDefaultContentType) : value});
    } else if (!value.empty()) {
      out->push_back({Canonical(s.header), value});
    }
  }
  for (const auto& [name, value] : attributes.user_metadata) {
    out->push_back({std::string(kMetaPrefix) + name, value});
  }
}

void ApplyResponseOverrides(const std::vector<QueryParam>& query, std::vector<S3Header>* headers) {
  for (const StandardHeader& s : kStandard) {
    const QueryParam* param = nullptr;
    for (const QueryParam& p : query) {
      if (p.name == s.override_param) param = &p;
    }
    if (param == nullptr) continue;
    std::string name = Canonical(s.header);
    bool replaced = false;
    for (S3Header& h : *headers) {
      if (h.name == name) {
        h.value = param->value;
        replaced = true;
      }
    }
    if (!replaced) headers->push_back({name, param->value});
  }
}

std::string QuoteEtag(std::string_view etag) {
  std::string out = "\"";
  out += etag;
  out += '"';
  return out;
}

}  // namespace shale::gateway
