#pragma once

// Which bucket and key an S3 request names: path style ("/bucket/key", any Host) or
// virtual-hosted style (Host "<bucket>.<domain>[:port]", path "/key") when a domain is
// configured. Pure function over untrusted input (fuzzed: tests/fuzz/request_address_fuzz.cc).
// Errors: InvalidURI (bad percent-encoding, a path not starting with '/', an empty bucket
// before a key). Bucket names and keys are not validated here (object_key.h, by the handlers).
// Thread-safety: pure function.

#include <string>
#include <string_view>

#include "common/result.h"

namespace shale::gateway {

struct RequestAddress {
  std::string bucket;  // Empty: the service (ListBuckets).
  std::string key;     // Percent-decoded; empty: the request names no object.
};

// `raw_path` is the request target's path (still percent-encoded, without "?query"); `host` the
// Host header as received; `domain` the configured domain (empty: path style only).
Result<RequestAddress> ResolveRequestAddress(std::string_view raw_path, std::string_view host,
                                             std::string_view domain);

// The Host header without its port, lowercased ("[::1]:9000" -> "::1").
std::string HostWithoutPort(std::string_view host);

}  // namespace shale::gateway
