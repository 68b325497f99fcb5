#include "common/internal_auth.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>

#include "common/encoding.h"
#include "common/hash.h"

namespace shale::internal_auth {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsLowerHex(std::string_view s, size_t len) {
  return s.size() == len && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Result<int64_t> ParseDate(std::string_view s) {
  if (s.empty() || s.size() > 18) return Status::Unauthenticated("missing or malformed date");
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < 0) {
    return Status::Unauthenticated("missing or malformed date");
  }
  return v;
}

}  // namespace

std::string UriEncode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (unsigned char c : in) {
    if (IsUnreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<std::string> UriDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) {
      return Status::InvalidArgument("truncated percent escape");
    }
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return Status::InvalidArgument("bad percent escape");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Result<QueryParams> ParseQuery(std::string_view raw_query, size_t max_params) {
  QueryParams params;
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view part = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (part.empty()) continue;
    if (params.size() == max_params) return Status::InvalidArgument("too many query parameters");
    size_t eq = part.find('=');
    SHALE_ASSIGN_OR_RETURN(std::string name, UriDecode(part.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      SHALE_ASSIGN_OR_RETURN(value, UriDecode(part.substr(eq + 1)));
    }
    params.emplace_back(std::move(name), std::move(value));
  }
  return params;
}

Result<std::string> CanonicalQuery(std::string_view raw_query) {
  SHALE_ASSIGN_OR_RETURN(QueryParams params, ParseQuery(raw_query));
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += UriEncode(name);
    out.push_back('=');
    out += UriEncode(value);
  }
  return out;
}

Result<std::string> CanonicalString(const SignedFields& fields) {
  SHALE_ASSIGN_OR_RETURN(std::string query, CanonicalQuery(fields.raw_query));
  std::string out(kScheme);
  out.push_back('\n');
  out += fields.method;
  out.push_back('\n');
  out += fields.path;
  out.push_back('\n');
  out += query;
  out.push_back('\n');
  out += std::to_string(fields.date);
  out.push_back('\n');
  out += fields.content_sha256;
  return out;
}

Result<std::string> AuthorizationValue(std::string_view secret, const SignedFields& fields) {
  SHALE_ASSIGN_OR_RETURN(std::string canonical, CanonicalString(fields));
  std::string out(kScheme);
  out.push_back(' ');
  out += HexEncode(HmacSha256(secret, canonical));
  return out;
}

Status VerifyRequest(std::string_view secret, std::string_view method, std::string_view target,
                     const ReceivedAuth& received, int64_t now_seconds) {
  if (received.authorization.empty()) return Status::Unauthenticated("unsigned request");
  SHALE_ASSIGN_OR_RETURN(int64_t date, ParseDate(received.date));
  int64_t skew = date > now_seconds ? date - now_seconds : now_seconds - date;
  if (skew > kMaxClockSkewSeconds) {
    return Status::Unauthenticated("stale date: " + std::to_string(skew) + "s off");
  }
  if (received.content_sha256 != kStreamingSha256 && !IsLowerHex(received.content_sha256, 64)) {
    return Status::Unauthenticated("missing or malformed content sha256");
  }
  size_t q = target.find('?');
  SignedFields fields{method, target.substr(0, q),
                      q == std::string_view::npos ? std::string_view() : target.substr(q + 1), date,
                      received.content_sha256};
  auto expected = AuthorizationValue(secret, fields);
  if (!expected.ok()) return Status::Unauthenticated("malformed query");
  if (received.authorization.size() != expected->size() ||
      CRYPTO_memcmp(received.authorization.data(), expected->data(), expected->size()) != 0) {
    return Status::Unauthenticated("signature mismatch");
  }
  return Status::OK();
}

std::string BodySha256Hex(std::string_view body) { return HexEncode(Sha256(body)); }

}  // namespace shale::internal_auth
