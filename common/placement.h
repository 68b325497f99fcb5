#pragma once

// Placement: which nodes hold an object. The cluster's nodes, in config order, form erasure sets
// of k+m consecutive nodes; an object's set is chosen by rendezvous (highest random weight)
// hashing of (bucket, key), and within the set shard i of every chunk goes to position
// (i + rotation) % (k+m), the rotation coming from the same hash so parity load spreads evenly.
// The hash is part of the storage format (docs/FORMAT.md, "Placement"): changing it moves every
// object.
// Thread-safety: immutable after construction; safe for concurrent use.

#include <cstdint>
#include <string_view>

namespace shale {

struct ObjectPlacement {
  uint32_t set = 0;       // Index of the erasure set: nodes [set*(k+m), (set+1)*(k+m)).
  uint32_t rotation = 0;  // 0..k+m-1.
};

// The 64-bit placement hash of (bucket, key): the first 8 bytes (big-endian) of
// SHA-256(bucket 0x00 key).
uint64_t PlacementHash(std::string_view bucket, std::string_view key);

class Placement {
 public:
  // `node_count` is a multiple of `set_size` (the config validated it); set_size >= 1.
  Placement(uint32_t node_count, uint32_t set_size);

  uint32_t set_count() const { return set_count_; }
  uint32_t set_size() const { return set_size_; }

  ObjectPlacement Locate(std::string_view bucket, std::string_view key) const;
  // The config index of the node holding shard `shard` (0..k+m-1) of an object placed at `p`.
  uint32_t NodeFor(const ObjectPlacement& p, uint32_t shard) const {
    return p.set * set_size_ + (shard + p.rotation) % set_size_;
  }

 private:
  uint32_t set_count_;
  uint32_t set_size_;
};

}  // namespace shale
