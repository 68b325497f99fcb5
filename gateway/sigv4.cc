// Signing half of sigv4.h: canonical request, string to sign, key derivation, verification.
#include "gateway/sigv4.h"

#include <algorithm>
#include <utility>

#include "common/encoding.h"
#include "gateway/ascii.h"
#include "gateway/s3_error.h"

namespace shale::gateway {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

bool IsHeaderSpace(char c) { return c == ' ' || c == '\t'; }

// Trimall: no leading/trailing whitespace, runs of whitespace become one space.
void AppendTrimmed(std::string_view value, std::string* out) {
  bool pending_space = false;
  bool started = false;
  for (char c : value) {
    if (IsHeaderSpace(c)) {
      pending_space = started;
      continue;
    }
    if (pending_space) *out += ' ';
    pending_space = false;
    started = true;
    *out += c;
  }
}

Status Mismatch(std::string_view detail) {
  return MakeS3Error(S3ErrorCode::kSignatureDoesNotMatch, detail);
}

Result<std::string> CanonicalQuery(std::string_view raw_query, bool presigned) {
  SHALE_ASSIGN_OR_RETURN(std::vector<QueryParam> params, ParseQuery(raw_query));
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const auto& p : params) {
    if (presigned && p.name == "X-Amz-Signature") continue;
    encoded.emplace_back(UriEncode(p.name, UriEncodeMode::kComponent),
                         UriEncode(p.value, UriEncodeMode::kComponent));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

}  // namespace

Result<std::string> BuildCanonicalRequest(const SigV4Request& request, const SigV4Auth& auth,
                                          std::string_view payload_hash) {
  std::string out(request.method);
  out += '\n';
  SHALE_ASSIGN_OR_RETURN(std::string path,
                         PercentDecode(request.raw_path, PercentDecodeMode::kPath));
  out += path.empty() ? "/" : UriEncode(path, UriEncodeMode::kPath);
  out += '\n';
  SHALE_ASSIGN_OR_RETURN(
      std::string query,
      CanonicalQuery(request.raw_query, auth.kind == SigV4Auth::Kind::kPresigned));
  out += query;
  out += '\n';
  // Canonical headers in the order SignedHeaders gives (clients send it sorted); repeated
  // headers are joined with ',' in the order received.
  for (const auto& name : auth.signed_headers) {
    out += name;
    out += ':';
    bool found = false;
    for (const auto& h : request.headers) {
      if (h.name.size() != name.size() || AsciiLower(h.name) != name) continue;
      if (found) out += ',';
      AppendTrimmed(h.value, &out);
      found = true;
    }
    if (!found) return Mismatch("A signed header is missing from the request: " + name);
    out += '\n';
  }
  out += '\n';
  for (size_t i = 0; i < auth.signed_headers.size(); ++i) {
    if (i > 0) out += ';';
    out += auth.signed_headers[i];
  }
  out += '\n';
  out += payload_hash;
  return out;
}

std::string BuildStringToSign(std::string_view amz_date, const CredentialScope& scope,
                              std::string_view canonical_request) {
  std::string out(kSigV4Algorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope.ToString();
  out += '\n';
  out += HexEncode(Sha256(canonical_request));
  return out;
}

Sha256Digest DeriveSigningKey(std::string_view secret_access_key, const CredentialScope& scope) {
  std::string k_secret = "AWS4";
  k_secret += secret_access_key;
  Sha256Digest k = HmacSha256(k_secret, scope.date);
  k = HmacSha256(k, Bytes(scope.region));
  k = HmacSha256(k, Bytes(scope.service));
  return HmacSha256(k, Bytes("aws4_request"));
}

std::string SignString(const Sha256Digest& signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key, Bytes(string_to_sign)));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

Result<Sha256Digest> VerifyRequestSignature(const SigV4Request& request, const SigV4Auth& auth,
                                            std::string_view secret_access_key,
                                            std::string_view payload_hash) {
  SHALE_ASSIGN_OR_RETURN(std::string canonical, BuildCanonicalRequest(request, auth, payload_hash));
  Sha256Digest key = DeriveSigningKey(secret_access_key, auth.scope);
  std::string expected = SignString(key, BuildStringToSign(auth.amz_date, auth.scope, canonical));
  if (!ConstantTimeEquals(expected, auth.signature)) return Mismatch({});
  return key;
}

Status CheckSignedHeadersCover(const SigV4Request& request, const SigV4Auth& auth) {
  for (const auto& h : request.headers) {
    std::string name = AsciiLower(h.name);
    if (name.compare(0, 6, "x-amz-") != 0) continue;
    if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), name) ==
        auth.signed_headers.end()) {
      return MakeS3Error(S3ErrorCode::kAccessDenied,
                         "There were headers present in the request which were not signed");
    }
  }
  return Status::OK();
}

namespace {
std::string JoinLines(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) out += '\n';
    out += p;
  }
  return out;
}
}  // namespace

std::string ChunkStringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view previous_signature, std::string_view chunk_sha256) {
  return JoinLines({"AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous_signature,
                    kEmptySha256Hex, chunk_sha256});
}

std::string TrailerStringToSign(std::string_view amz_date, std::string_view scope,
                                std::string_view previous_signature,
                                std::string_view trailers_sha256) {
  return JoinLines(
      {"AWS4-HMAC-SHA256-TRAILER", amz_date, scope, previous_signature, trailers_sha256});
}

}  // namespace shale::gateway
