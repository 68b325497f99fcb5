// Fuzz target for the SigV4 parsers and canonicalization (gateway/sigv4.h). The input is used
// whole as an Authorization header, a presigned query string and an X-Amz-Date, then split into
// lines as a request: line 1 the raw path, line 2 the raw query, the rest "name:value" headers.
// Properties: nothing crashes; parsed credentials are well-formed; canonicalization is
// deterministic and a signature computed over a request verifies against that same request.
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/query.h"
#include "gateway/sigv4.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

std::vector<std::string_view> Lines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= s.size() && out.size() < 64) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string_view::npos) nl = s.size();
    out.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale::gateway;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto header_auth = ParseAuthorizationHeader(input);
  if (header_auth.ok()) {
    Require(header_auth->signature.size() == 64);
    Require(header_auth->scope.date.size() == 8);
    Require(!header_auth->signed_headers.empty());
  }
  auto params = ParseQuery(input);
  if (params.ok()) {
    auto presigned = ParsePresignedAuth(*params);
    if (presigned.ok()) {
      Require(presigned->expires_seconds >= 1 &&
              presigned->expires_seconds <= kMaxPresignedExpirySeconds);
      (void)CheckRequestTime(*presigned, 0);  // Only must not crash or overflow.
    }
  }
  (void)ParseAmzDate(input);  // Only must not crash.

  std::vector<std::string_view> lines = Lines(input);
  std::vector<HeaderField> headers;
  SigV4Auth auth;
  auth.scope = {"AK", "20260101", "us-east-1", "s3"};
  auth.amz_date = "20260101T000000Z";
  for (size_t i = 2; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == std::string_view::npos) continue;
    headers.push_back({lines[i].substr(0, colon), lines[i].substr(colon + 1)});
    std::string lower(lines[i].substr(0, colon));
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auth.signed_headers.push_back(lower);
  }
  SigV4Request request{"PUT", lines[0], lines.size() > 1 ? lines[1] : std::string_view(), headers};
  auto parsed = ParseRequestAuth(request, params.ok() ? *params : std::vector<QueryParam>{});
  (void)parsed;  // Only must not crash.
  auto creq = BuildCanonicalRequest(request, auth, kUnsignedPayload);
  auto again = BuildCanonicalRequest(request, auth, kUnsignedPayload);
  Require(creq.ok() == again.ok());
  if (creq.ok()) {
    Require(*creq == *again);
    auto key = DeriveSigningKey("secret", auth.scope);
    auth.signature = SignString(key, BuildStringToSign(auth.amz_date, auth.scope, *creq));
    Require(VerifyRequestSignature(request, auth, "secret", kUnsignedPayload).ok());
  }
  return 0;
}
