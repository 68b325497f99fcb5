#include "storage/node_query.h"

#include <charconv>

namespace shale::storage {

const std::string* FindParam(const internal_auth::QueryParams& params, std::string_view name) {
  for (const auto& [n, v] : params) {
    if (n == name) return &v;
  }
  return nullptr;
}

Result<uint64_t> ParseDecimal(std::string_view s, std::string_view what) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    return Status::InvalidArgument(std::string(what) + " is not a decimal integer");
  }
  return v;
}

Result<uint32_t> ParseLimit(const internal_auth::QueryParams& params, uint32_t dflt, uint32_t max) {
  const std::string* v = FindParam(params, "limit");
  if (v == nullptr) return dflt;
  auto limit = ParseDecimal(*v, "limit");
  if (!limit.ok() || *limit == 0 || *limit > max) {
    return Status::InvalidArgument("limit must be 1.." + std::to_string(max));
  }
  return static_cast<uint32_t>(*limit);
}

}  // namespace shale::storage
