#pragma once

// ChunkStream: the streaming half of every write of bytes (a put, a part of a multipart upload):
// pull the body, enforce its declared size, hash it (MD5 and the requested checksums), and send
// it as erasure-coded chunks to one erasure set — while one chunk's shards are in flight, the
// next is read, hashed and encoded, so memory stays at two chunk buffers whatever the size.
// What becomes visible (the version or part record) is the caller's business; this only writes
// shards named ShardId(data_id, chunk, position).
// Thread-safety: one stream, one thread; the ClusterCore and the body source are borrowed and
// must outlive it.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/hlc.h"
#include "common/node_client.h"
#include "common/node_fanout.h"
#include "gateway/chunk_buffer_pool.h"
#include "gateway/object_store.h"

namespace shale::gateway {

class ClusterCore;

// "what: 3 of 6 nodes acknowledged, 5 needed (first error: ...)".
std::string QuorumMessage(std::string_view what, size_t acks, size_t needed, size_t of,
                          const std::vector<Status>& statuses);

class ChunkStream {
 public:
  // `nodes` is the set in shard order (ClusterCore::ShardNodes); `declared`: the exact body
  // length when known (InvalidArgument if the body delivers more or fewer bytes).
  ChunkStream(ClusterCore& core, std::vector<NodeClient*> nodes, const BodySource& body,
              std::optional<uint64_t> declared, const std::vector<ChecksumAlgorithm>& compute,
              const VersionId& data_id);
  ~ChunkStream();
  ChunkStream(const ChunkStream&) = delete;
  ChunkStream& operator=(const ChunkStream&) = delete;

  // Reads up to one chunk of the body into `lease` (at its start): the byte count.
  Result<size_t> Fill(const ChunkBufferPool::Lease& lease);
  bool ended() const;
  // Hashes bytes the caller stores itself (inline objects).
  void Hash(std::string_view data);
  // Encodes and sends `first` (holding `first_len` bytes from Fill) and every following chunk
  // of the body; Unavailable when a chunk misses the write quorum.
  Status WriteChunks(ChunkBufferPool::Lease first, size_t first_len);
  // The digests of everything read (call once, after the body ended).
  PutDigests Finish();

  const VersionId& data_id() const { return data_id_; }
  const std::vector<NodeClient*>& nodes() const { return nodes_; }
  uint32_t chunks() const { return chunks_; }  // Chunks whose shards went out (or may have).
  // By set position: some shard of some chunk was not acknowledged there (a repair hint).
  const std::vector<bool>& missed_shards() const { return missed_shards_; }
  // Deletes, in the background, every shard sent so far (the write failed or was refused).
  void Discard();

 private:
  class Impl;
  Status Encode(const ChunkBufferPool::Lease& buffer, size_t len);
  Status Collect(uint32_t chunk, PendingFanOut<Status>& sends);

  ClusterCore& core_;
  const std::vector<NodeClient*> nodes_;
  const VersionId data_id_;
  std::unique_ptr<Impl> impl_;  // Body reader and digests.
  uint32_t chunks_ = 0;
  std::vector<bool> missed_shards_;
};

}  // namespace shale::gateway
