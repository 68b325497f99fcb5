#pragma once

// Small helpers shared by the node tests.

#include <cstdint>
#include <random>
#include <string>

#include "common/node_client.h"

namespace shale::testing {

// Deterministic bytes for a seed, so a test can recompute what it wrote.
inline std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

// A version id whose order is that of `last`.
inline NodeVersionId Version(uint8_t last) {
  NodeVersionId v{};
  v[0] = 0x01;
  v[15] = last;
  return v;
}

}  // namespace shale::testing
