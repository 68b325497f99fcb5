// Parsing half of sigv4.h: credentials from the Authorization header or the presigned query,
// X-Amz-Date, and the time checks.
#include <algorithm>
#include <string>

#include "gateway/ascii.h"
#include "gateway/s3_error.h"
#include "gateway/sigv4.h"

namespace shale::gateway {
namespace {

constexpr std::string_view kTerminator = "aws4_request";

Status HeaderMalformed(std::string_view detail) {
  return MakeS3Error(S3ErrorCode::kAuthorizationHeaderMalformed, detail);
}
Status QueryMalformed(std::string_view detail) {
  return MakeS3Error(S3ErrorCode::kAuthorizationQueryParametersError, detail);
}
Status SigV2NotSupported() {
  return MakeS3Error(S3ErrorCode::kInvalidRequest,
                     "The authorization mechanism you have provided is not supported. Please use "
                     "AWS4-HMAC-SHA256.");
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// RFC 9110 token characters, lowercase only (SignedHeaders must be lowercase).
bool IsLowerToken(std::string_view s) {
  constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           kSpecials.find(c) != std::string_view::npos;
  });
}

// "AK/20130524/us-east-1/s3/aws4_request". `bad` builds the error of the caller's flavour.
template <typename Bad>
Result<CredentialScope> ParseCredential(std::string_view text, Bad bad) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  for (;;) {
    size_t slash = text.find('/', pos);
    parts.push_back(text.substr(pos, slash == std::string_view::npos ? slash : slash - pos));
    if (slash == std::string_view::npos || parts.size() > 5) break;
    pos = slash + 1;
  }
  if (parts.size() != 5) {
    return bad(
        "the Credential is malformed; expecting "
        "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  }
  CredentialScope scope;
  scope.access_key_id = std::string(parts[0]);
  scope.date = std::string(parts[1]);
  scope.region = std::string(parts[2]);
  scope.service = std::string(parts[3]);
  if (scope.access_key_id.empty() || scope.access_key_id.size() > 128) {
    return bad("the Credential has an invalid access key id");
  }
  if (scope.date.size() != 8 || !IsDigits(scope.date)) {
    return bad("the Credential has an invalid date; expecting YYYYMMDD");
  }
  if (scope.region.empty() || scope.region.size() > 64 || !IsLowerToken(scope.region)) {
    return bad("the Credential has an invalid region");
  }
  if (scope.service != "s3") return bad("the Credential's service must be 's3'");
  if (parts[4] != kTerminator) return bad("the Credential must end with 'aws4_request'");
  return scope;
}

template <typename Bad>
Result<std::vector<std::string>> ParseSignedHeaders(std::string_view text, Bad bad) {
  std::vector<std::string> names;
  size_t pos = 0;
  for (;;) {
    size_t semi = text.find(';', pos);
    std::string_view name = text.substr(pos, semi == std::string_view::npos ? semi : semi - pos);
    if (!IsLowerToken(name))
      return bad("SignedHeaders must be lowercase header names joined by ';'");
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      return bad("SignedHeaders names a header twice");
    }
    if (names.size() >= kMaxSignedHeaders) return bad("SignedHeaders names too many headers");
    names.emplace_back(name);
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  if (std::find(names.begin(), names.end(), "host") == names.end()) {
    return bad("SignedHeaders must include 'host'");
  }
  return names;
}

template <typename Bad>
Result<std::string> ParseSignature(std::string_view text, Bad bad) {
  if (!IsSignatureHex(text)) {
    return bad("the Signature must be 64 lowercase hexadecimal digits");
  }
  return std::string(text);
}

int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  // Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic Gregorian calendar.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::string CredentialScope::ToString() const {
  return date + "/" + region + "/" + service + "/" + std::string(kTerminator);
}

Result<int64_t> ParseAmzDate(std::string_view text) {
  auto bad = [] {
    return MakeS3Error(S3ErrorCode::kAccessDenied,
                       "AWS authentication requires a valid Date or x-amz-date header");
  };
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z' || !IsDigits(text.substr(0, 8)) ||
      !IsDigits(text.substr(9, 6))) {
    return bad();
  }
  auto num = [&](size_t pos, size_t len) {
    int64_t v = 0;
    for (size_t i = 0; i < len; ++i) v = v * 10 + (text[pos + i] - '0');
    return v;
  };
  int64_t year = num(0, 4), month = num(4, 2), day = num(6, 2);
  int64_t hour = num(9, 2), minute = num(11, 2), second = num(13, 2);
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return bad();
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int64_t month_days = kDaysInMonth[month - 1] + (month == 2 && leap ? 1 : 0);
  if (day > month_days || hour > 23 || minute > 59 || second > 59) return bad();
  return DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

Result<SigV4Auth> ParseAuthorizationHeader(std::string_view value) {
  if (value.size() > kMaxAuthorizationBytes) return HeaderMalformed("the header is too long");
  if (value.substr(0, 4) == "AWS ") return SigV2NotSupported();
  if (value.substr(0, kSigV4Algorithm.size()) != kSigV4Algorithm ||
      value.size() == kSigV4Algorithm.size() || value[kSigV4Algorithm.size()] != ' ') {
    return HeaderMalformed("the authorization header must start with 'AWS4-HMAC-SHA256 '");
  }
  std::string_view rest = value.substr(kSigV4Algorithm.size() + 1);
  SigV4Auth auth;
  bool have_credential = false, have_headers = false, have_signature = false;
  auto bad = [](std::string_view d) { return HeaderMalformed(d); };
  size_t pos = 0;
  for (;;) {
    size_t comma = rest.find(',', pos);
    std::string_view part =
        TrimOws(rest.substr(pos, comma == std::string_view::npos ? comma : comma - pos));
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return HeaderMalformed("each component must have the form Key=Value");
    }
    std::string_view key = part.substr(0, eq);
    std::string_view val = part.substr(eq + 1);
    if (key == "Credential" && !have_credential) {
      SHALE_ASSIGN_OR_RETURN(auth.scope, ParseCredential(val, bad));
      have_credential = true;
    } else if (key == "SignedHeaders" && !have_headers) {
      SHALE_ASSIGN_OR_RETURN(auth.signed_headers, ParseSignedHeaders(val, bad));
      have_headers = true;
    } else if (key == "Signature" && !have_signature) {
      SHALE_ASSIGN_OR_RETURN(auth.signature, ParseSignature(val, bad));
      have_signature = true;
    } else {
      return HeaderMalformed("unknown or repeated component in the authorization header");
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  if (!have_credential || !have_headers || !have_signature) {
    return HeaderMalformed(
        "the authorization header needs Credential, SignedHeaders and Signature");
  }
  return auth;
}

Result<SigV4Auth> ParsePresignedAuth(std::span<const QueryParam> params) {
  constexpr std::string_view kNames[] = {"X-Amz-Algorithm",     "X-Amz-Credential",
                                         "X-Amz-Date",          "X-Amz-Expires",
                                         "X-Amz-SignedHeaders", "X-Amz-Signature"};
  const QueryParam* found[6] = {};
  for (const auto& p : params) {
    for (size_t i = 0; i < 6; ++i) {
      if (p.name == kNames[i]) {
        if (found[i] != nullptr) return QueryMalformed("an X-Amz-* parameter is repeated");
        found[i] = &p;
      }
    }
  }
  for (const QueryParam* p : found) {
    if (p == nullptr) {
      return QueryMalformed(
          "Query-string authentication version 4 requires the X-Amz-Algorithm, "
          "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
          "X-Amz-Expires parameters.");
    }
  }
  auto bad = [](std::string_view d) { return QueryMalformed(d); };
  if (found[0]->value != kSigV4Algorithm) {
    return QueryMalformed("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  SigV4Auth auth;
  auth.kind = SigV4Auth::Kind::kPresigned;
  SHALE_ASSIGN_OR_RETURN(auth.scope, ParseCredential(found[1]->value, bad));
  auth.amz_date = found[2]->value;
  auto time = ParseAmzDate(auth.amz_date);
  if (!time.ok())
    return QueryMalformed("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  auth.request_time = *time;
  const std::string& expires = found[3]->value;
  if (!IsDigits(expires) || expires.size() > 7) {
    return QueryMalformed("X-Amz-Expires should be a number");
  }
  auth.expires_seconds = std::stoll(expires);
  if (auth.expires_seconds < 1) return QueryMalformed("X-Amz-Expires must be non-negative");
  if (auth.expires_seconds > kMaxPresignedExpirySeconds) {
    return QueryMalformed("X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  SHALE_ASSIGN_OR_RETURN(auth.signed_headers, ParseSignedHeaders(found[4]->value, bad));
  SHALE_ASSIGN_OR_RETURN(auth.signature, ParseSignature(found[5]->value, bad));
  if (auth.amz_date.substr(0, 8) != auth.scope.date) {
    return QueryMalformed("Invalid credential date. Date is not the same as X-Amz-Date.");
  }
  return auth;
}

Result<std::optional<SigV4Auth>> ParseRequestAuth(const SigV4Request& request,
                                                  std::span<const QueryParam> params) {
  const HeaderField* authorization = nullptr;
  const HeaderField* amz_date = nullptr;
  for (const auto& h : request.headers) {
    if (EqualsIgnoreCase(h.name, "authorization")) {
      if (authorization != nullptr) return HeaderMalformed("repeated Authorization header");
      authorization = &h;
    } else if (EqualsIgnoreCase(h.name, "x-amz-date")) {
      amz_date = &h;
    }
  }
  bool presigned = false;
  for (const auto& p : params) {
    if (p.name == "AWSAccessKeyId") return SigV2NotSupported();
    if (p.name == "X-Amz-Algorithm" || p.name == "X-Amz-Credential" ||
        p.name == "X-Amz-Signature") {
      presigned = true;
    }
  }
  if (authorization != nullptr && presigned) {
    return MakeS3Error(S3ErrorCode::kInvalidArgument,
                       "Only one auth mechanism allowed; only the X-Amz-Algorithm query "
                       "parameter, Signature query string parameter or the Authorization header "
                       "should be specified");
  }
  if (authorization != nullptr) {
    SHALE_ASSIGN_OR_RETURN(SigV4Auth auth, ParseAuthorizationHeader(authorization->value));
    if (amz_date == nullptr) {
      return MakeS3Error(S3ErrorCode::kAccessDenied,
                         "AWS authentication requires a valid Date or x-amz-date header");
    }
    auth.amz_date = std::string(TrimOws(amz_date->value));
    SHALE_ASSIGN_OR_RETURN(auth.request_time, ParseAmzDate(auth.amz_date));
    if (auth.amz_date.substr(0, 8) != auth.scope.date) {
      return HeaderMalformed("Invalid credential date. Date is not the same as X-Amz-Date.");
    }
    return std::optional<SigV4Auth>(std::move(auth));
  }
  if (!presigned) return std::optional<SigV4Auth>();
  SHALE_ASSIGN_OR_RETURN(SigV4Auth auth, ParsePresignedAuth(params));
  return std::optional<SigV4Auth>(std::move(auth));
}

Status CheckRequestTime(const SigV4Auth& auth, int64_t now) {
  if (auth.kind == SigV4Auth::Kind::kHeader) {
    int64_t diff = auth.request_time - now;
    if (diff > kMaxClockSkewSeconds || diff < -kMaxClockSkewSeconds) {
      return MakeS3Error(S3ErrorCode::kRequestTimeTooSkewed);
    }
    return Status::OK();
  }
  if (auth.request_time - now > kMaxClockSkewSeconds) {
    return MakeS3Error(S3ErrorCode::kRequestTimeTooSkewed, "Request is not valid yet");
  }
  if (now > auth.request_time + auth.expires_seconds) {
    return MakeS3Error(S3ErrorCode::kRequestExpired);
  }
  return Status::OK();
}

}  // namespace shale::gateway
