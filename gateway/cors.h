#pragma once

// A bucket's CORS configuration (PutBucketCors XML) and its evaluation against a request.
//
// Parsing (as S3): CORSConfiguration holds 1..100 CORSRule; each rule has at least one
// AllowedOrigin and AllowedMethod (GET, PUT, HEAD, POST, DELETE; anything else ->
// InvalidRequest "Found unsupported HTTP method in CORS config. Unsupported method is X"),
// any number of AllowedHeader / ExposeHeader, an optional ID and MaxAgeSeconds. An origin or
// allowed header may hold at most one '*' wildcard (InvalidRequest otherwise). Structure
// errors -> MalformedXML. The canonical re-rendering (RenderCorsXml) is what the bucket stores
// and what GetBucketCors returns.
//
// Matching: the first rule whose AllowedOrigin matches the Origin (case-sensitive, '*'
// matches any run of characters), whose AllowedMethod lists the method, and (preflight only)
// whose AllowedHeader patterns cover every requested header (case-insensitive).
//
// Thread-safety: pure functions over plain values.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "gateway/s3_exchange.h"

namespace shale::gateway {

inline constexpr size_t kMaxCorsRules = 100;

struct CorsRule {
  std::string id;
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_methods;
  std::vector<std::string> allowed_headers;
  std::vector<std::string> expose_headers;
  std::optional<int64_t> max_age_seconds;
};

struct CorsConfiguration {
  std::vector<CorsRule> rules;
};

Result<CorsConfiguration> ParseCorsXml(std::string_view body);
std::string RenderCorsXml(const CorsConfiguration& config);

// `pattern` with at most one '*' matching any run of characters.
bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case);

// `request_headers` is the comma-separated Access-Control-Request-Headers value (empty for
// actual requests).
const CorsRule* MatchCorsRule(const CorsConfiguration& config, std::string_view origin,
                              std::string_view method, std::string_view request_headers);

// The Access-Control-* headers (and Vary) for a request `rule` matched. Preflights also get
// Allow-Methods, Allow-Headers (echoing the requested ones) and Max-Age.
std::vector<S3Header> CorsResponseHeaders(const CorsRule& rule, std::string_view origin,
                                          bool preflight, std::string_view request_headers);

}  // namespace shale::gateway
