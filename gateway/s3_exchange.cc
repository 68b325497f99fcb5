#include "gateway/s3_exchange.h"

namespace shale::gateway {

std::optional<std::string_view> S3Request::Header(std::string_view name) const {
  for (const S3Header& h : headers) {
    if (h.name == name) return std::string_view(h.value);
  }
  return std::nullopt;
}

std::optional<std::string_view> S3Request::Query(std::string_view name) const {
  for (const QueryParam& p : query) {
    if (p.name == name) return std::string_view(p.value);
  }
  return std::nullopt;
}

}  // namespace shale::gateway
