#pragma once

// Query-parameter helpers of the node's HTTP handlers (NodeService): pure functions over the
// already split and percent-decoded parameters (common/internal_auth.h, ParseQuery).
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/internal_auth.h"
#include "common/result.h"

namespace shale::storage {

// The first parameter named `name`, or nullptr.
const std::string* FindParam(const internal_auth::QueryParams& params, std::string_view name);
// A decimal u64; InvalidArgument naming `what` otherwise.
Result<uint64_t> ParseDecimal(std::string_view s, std::string_view what);
// An optional decimal parameter in 1..max (default `dflt` when absent).
Result<uint32_t> ParseLimit(const internal_auth::QueryParams& params, uint32_t dflt, uint32_t max);

}  // namespace shale::storage
