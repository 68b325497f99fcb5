#include "common/placement.h"

#include <string>

#include "common/hash.h"

namespace shale {
namespace {

// SplitMix64's finalizer: a bijective mixer, so distinct (hash, set) pairs score independently.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

}  // namespace

uint64_t PlacementHash(std::string_view bucket, std::string_view key) {
  Sha256Stream sha;
  sha.Update(bucket).Update(std::string_view("\0", 1)).Update(key);
  Sha256Digest d = sha.Finish();
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | d[i];
  return h;
}

Placement::Placement(uint32_t node_count, uint32_t set_size)
    : set_count_(set_size == 0 ? 0 : node_count / set_size), set_size_(set_size) {}

ObjectPlacement Placement::Locate(std::string_view bucket, std::string_view key) const {
  uint64_t h = PlacementHash(bucket, key);
  ObjectPlacement p;
  // Rendezvous: the set with the highest score wins. A set's score depends only on the object
  // and the set's index, so appending sets moves only the objects the new sets win.
  uint64_t best = 0;
  for (uint32_t s = 0; s < set_count_; ++s) {
    uint64_t score = Mix(h ^ Mix(uint64_t{s} + 1));
    if (s == 0 || score > best) {
      best = score;
      p.set = s;
    }
  }
  p.rotation = static_cast<uint32_t>(Mix(h ^ 0x726f746174696f6eull) % set_size_);
  return p;
}

}  // namespace shale
