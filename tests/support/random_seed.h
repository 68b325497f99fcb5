#pragma once

// The seed of a randomized test: SHALE_TEST_SEED from the environment when set (to replay a
// failure), a fresh random one otherwise. Printed once per process so every failure log holds
// what is needed to replay it.

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace shale::testing {

inline uint64_t TestSeed() {
  static const uint64_t seed = [] {
    uint64_t s = 0;
    if (const char* env = std::getenv("SHALE_TEST_SEED"); env != nullptr && *env != '\0') {
      s = std::strtoull(env, nullptr, 0);
    } else {
      std::random_device rd;
      s = (uint64_t{rd()} << 32) ^ rd();
    }
    std::printf("Random seed: SHALE_TEST_SEED=%" PRIu64 "\n", s);
    std::fflush(stdout);
    return s;
  }();
  return seed;
}

}  // namespace shale::testing
