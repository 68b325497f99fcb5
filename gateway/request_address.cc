#include "gateway/request_address.h"

#include "gateway/ascii.h"
#include "gateway/query.h"
#include "gateway/s3_error.h"

namespace shale::gateway {

std::string HostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t end = host.find(']');
    return AsciiLower(end == std::string_view::npos ? host.substr(1) : host.substr(1, end - 1));
  }
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(':') == colon) host = host.substr(0, colon);
  return AsciiLower(host);
}

Result<RequestAddress> ResolveRequestAddress(std::string_view raw_path, std::string_view host,
                                             std::string_view domain) {
  if (raw_path.empty() || raw_path.front() != '/') {
    return MakeS3Error(S3ErrorCode::kInvalidURI, "the request path must start with '/'");
  }
  SHALE_ASSIGN_OR_RETURN(std::string path, PercentDecode(raw_path, PercentDecodeMode::kPath));
  RequestAddress out;
  if (!domain.empty()) {
    std::string h = HostWithoutPort(host);
    std::string d = AsciiLower(domain);
    if (h.size() > d.size() + 1 && h.compare(h.size() - d.size(), d.size(), d) == 0 &&
        h[h.size() - d.size() - 1] == '.') {
      out.bucket = h.substr(0, h.size() - d.size() - 1);
      // A Host is not percent-decoded, so nothing but a forged header puts a '/' there; such a
      // "bucket" could never be addressed path-style (found by the fuzzer).
      if (out.bucket.find('/') != std::string::npos) {
        return MakeS3Error(S3ErrorCode::kInvalidURI, "the Host header names no valid bucket");
      }
      out.key = path.substr(1);
      return out;
    }
  }
  std::string_view rest = std::string_view(path).substr(1);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    out.bucket = std::string(rest);
    return out;
  }
  out.bucket = std::string(rest.substr(0, slash));
  out.key = std::string(rest.substr(slash + 1));
  if (out.bucket.empty() && !out.key.empty()) {
    return MakeS3Error(S3ErrorCode::kInvalidURI, "the request path names no bucket");
  }
  return out;
}

}  // namespace shale::gateway
