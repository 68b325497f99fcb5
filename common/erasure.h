#pragma once

// Reed-Solomon erasure coding of chunks into k data + m parity shards (ISA-L, Cauchy matrix).
//
// The code is systematic: data shards are the chunk's bytes, parity shards are computed from
// them. Any k of the k+m shards rebuild the others. The generator is ISA-L's
// gf_gen_cauchy1_matrix(k+m, k) over GF(2^8); every square submatrix of a Cauchy matrix is
// invertible, so every pattern of up to m losses is recoverable (ISA-L's Vandermonde-style
// gf_gen_rs_matrix is not always). Parity bytes are part of the storage format: changing the
// matrix or the shard layout makes existing parity useless.
//
// Thread-safety: after Create(), Encode() and Reconstruct() may be called concurrently from any
// number of threads on one coder. Encode reads immutable tables. Reconstruct finds the decode
// plan of a loss pattern without locking; only the first use of a pattern takes a mutex to
// publish its plan. Moving or destroying a coder requires that no call is in flight.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "common/result.h"
#include "common/status.h"

namespace shale {

// Shard lengths are multiples of this (a format constant: readers recompute ShardLength), so in a
// 64-byte aligned buffer holding a stripe's shards back to back every shard starts on a cache
// line.
inline constexpr size_t kShardAlignment = 64;

// Bytes per shard when a chunk of `chunk_len` bytes is split into `k` data shards: ceil(chunk_len
// / k) rounded up to kShardAlignment, so ISA-L's vector loops cover each shard without a scalar
// tail; padding adds less than 64 bytes per shard. Data shard i holds
// chunk bytes [i*L, (i+1)*L); bytes past the chunk's end are zero. 0 for an empty chunk.
// `k` must be in [1, ErasureCoder::kMaxDataShards].
size_t ShardLength(size_t chunk_len, int k);

// Copies `chunk` into `out` as k consecutive data shards of ShardLength(chunk.size(), k) bytes,
// zero-filling the padding. `out` must hold exactly k * ShardLength(chunk.size(), k) bytes.
Status SplitChunk(std::span<const uint8_t> chunk, int k, std::span<uint8_t> out);

class ErasureCoder {
 public:
  static constexpr int kMaxDataShards = 16;
  static constexpr int kMaxParityShards = 4;

  // k in [1, 16], m in [0, 4]; InvalidArgument otherwise.
  static Result<ErasureCoder> Create(int k, int m);

  ErasureCoder(ErasureCoder&&) noexcept;
  ErasureCoder& operator=(ErasureCoder&&) noexcept;
  ~ErasureCoder();

  int data_shards() const;
  int parity_shards() const;
  int total_shards() const { return data_shards() + parity_shards(); }

  // Computes the m parity shards from the k data shards, each `shard_len` bytes (any length;
  // see ShardLength). InvalidArgument if the span sizes are not k and m. Allocates nothing.
  // Parity buffers must not overlap data buffers.
  Status Encode(std::span<const uint8_t* const> data, std::span<uint8_t* const> parity,
                size_t shard_len) const;

  // Rebuilds in place every shard i with present[i] == false, data or parity, from the others.
  // `shards` and `present` have k+m entries (data shards first); buffers of missing shards are
  // overwritten, those of present shards are only read. More than m missing shards fail with
  // FailedPrecondition and leave every buffer untouched. Decode plans are cached per loss
  // pattern (up to 128 per coder, never evicted; later patterns are planned per call), so only
  // the first use of a pattern allocates.
  Status Reconstruct(std::span<uint8_t* const> shards, std::span<const bool> present,
                     size_t shard_len) const;

 private:
  struct State;
  explicit ErasureCoder(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
};

}  // namespace shale
