#include "gateway/query.h"

#include "gateway/ascii.h"
#include "gateway/s3_error.h"

namespace shale::gateway {
namespace {

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

Status TooLong() { return MakeS3Error(S3ErrorCode::kInvalidURI, "The URI is too long"); }

}  // namespace

Result<std::string> PercentDecode(std::string_view text, PercentDecodeMode mode,
                                  size_t max_length) {
  if (text.size() > max_length) return TooLong();
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (text.size() - i < 3) {
        return MakeS3Error(S3ErrorCode::kInvalidURI, "Truncated percent-encoding in the URI");
      }
      int hi = HexDigitValue(text[i + 1]);
      int lo = HexDigitValue(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return MakeS3Error(S3ErrorCode::kInvalidURI, "Invalid percent-encoding in the URI");
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && mode == PercentDecodeMode::kQuery) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::vector<QueryParam>> ParseQuery(std::string_view raw, const QueryLimits& limits) {
  if (raw.size() > limits.max_length) return TooLong();
  std::vector<QueryParam> params;
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t amp = raw.find('&', pos);
    if (amp == std::string_view::npos) amp = raw.size();
    std::string_view segment = raw.substr(pos, amp - pos);
    pos = amp + 1;
    if (segment.empty()) continue;
    if (params.size() >= limits.max_params) {
      return MakeS3Error(S3ErrorCode::kInvalidURI, "Too many query parameters");
    }
    QueryParam param;
    size_t eq = segment.find('=');
    std::string_view name = segment.substr(0, eq);
    SHALE_ASSIGN_OR_RETURN(param.name,
                           PercentDecode(name, PercentDecodeMode::kQuery, limits.max_length));
    if (eq != std::string_view::npos) {
      param.has_value = true;
      SHALE_ASSIGN_OR_RETURN(
          param.value,
          PercentDecode(segment.substr(eq + 1), PercentDecodeMode::kQuery, limits.max_length));
    }
    params.push_back(std::move(param));
  }
  return params;
}

std::string UriEncode(std::string_view bytes, UriEncodeMode mode) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 3 / 2);
  for (char c : bytes) {
    if (IsUnreserved(c) || (c == '/' && mode == UriEncodeMode::kPath)) {
      out += c;
    } else {
      auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
  }
  return out;
}

}  // namespace shale::gateway
