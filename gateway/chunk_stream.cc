// The streaming half of a write: body, digests, chunks encoded and sent with the write quorum.

#include "gateway/chunk_stream.h"

#include <algorithm>
#include <cstring>
#include <variant>

#include "common/crc.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "common/node_fanout.h"
#include "gateway/cluster_core.h"

namespace shale::gateway {
namespace {

template <typename T>
std::string BigEndianBase64(T value) {
  uint8_t bytes[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i)
    bytes[i] = static_cast<uint8_t>(value >> (8 * (sizeof(T) - 1 - i)));
  return Base64Encode(std::span<const uint8_t>(bytes, sizeof(T)));
}

// The running MD5 (ETag) and every requested checksum over the whole body.
class BodyDigests {
 public:
  explicit BodyDigests(const std::vector<ChecksumAlgorithm>& algorithms) {
    for (ChecksumAlgorithm a : algorithms) {
      switch (a) {
        case ChecksumAlgorithm::kCrc32:
          streams_.emplace_back(a, Crc32Stream());
          break;
        case ChecksumAlgorithm::kCrc32c:
          streams_.emplace_back(a, Crc32cStream());
          break;
        case ChecksumAlgorithm::kCrc64Nvme:
          streams_.emplace_back(a, Crc64NvmeStream());
          break;
        case ChecksumAlgorithm::kSha1:
          streams_.emplace_back(a, Sha1Stream());
          break;
        case ChecksumAlgorithm::kSha256:
          streams_.emplace_back(a, Sha256Stream());
          break;
      }
    }
  }

  void Update(std::string_view data) {
    md5_.Update(data);
    for (auto& [algorithm, stream] : streams_) {
      std::visit([&](auto& s) { s.Update(data); }, stream);
    }
  }

  PutDigests Finish(uint64_t size) {
    PutDigests d;
    d.size = size;
    d.md5_hex = HexEncode(md5_.Finish());
    for (auto& [algorithm, stream] : streams_) {
      std::string value = std::visit(
          [](auto& s) -> std::string {
            using S = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<S, Sha1Stream> || std::is_same_v<S, Sha256Stream>) {
              auto digest = s.Finish();
              return Base64Encode(std::span<const uint8_t>(digest.data(), digest.size()));
            } else {
              return BigEndianBase64(s.Finish());
            }
          },
          stream);
      d.checksums.push_back({algorithm, std::move(value)});
    }
    return d;
  }

 private:
  using Stream = std::variant<Crc32Stream, Crc32cStream, Crc64NvmeStream, Sha1Stream, Sha256Stream>;
  Md5Stream md5_;
  std::vector<std::pair<ChecksumAlgorithm, Stream>> streams_;
};

// Pulls the body and enforces its declared size: fewer or more bytes are InvalidArgument.
class BodyReader {
 public:
  BodyReader(const BodySource& source, std::optional<uint64_t> declared)
      : source_(source), declared_(declared) {}

  // Reads until `buf` is full or the body ends; the byte count.
  Result<size_t> Fill(std::span<char> buf) {
    if (declared_) buf = buf.first(std::min<uint64_t>(buf.size(), *declared_ - consumed_));
    size_t got = 0;
    while (got < buf.size() && !ended_) {
      SHALE_ASSIGN_OR_RETURN(size_t n, source_(buf.subspan(got)));
      if (n > buf.size() - got) return Status::Internal("body source overran its buffer");
      if (n == 0) ended_ = true;
      got += n;
    }
    consumed_ += got;
    if (declared_) {
      if (ended_ && consumed_ < *declared_) {
        return Status::InvalidArgument("the body ended after " + std::to_string(consumed_) +
                                       " bytes; " + std::to_string(*declared_) + " declared");
      }
      if (consumed_ == *declared_ && !ended_) {
        // Everything declared arrived: the body must end here.
        char probe[1];
        SHALE_ASSIGN_OR_RETURN(size_t extra, source_(std::span<char>(probe, 1)));
        if (extra != 0) {
          return Status::InvalidArgument("the body is longer than the declared " +
                                         std::to_string(*declared_) + " bytes");
        }
        ended_ = true;
      }
    }
    return got;
  }

  bool ended() const { return ended_; }
  uint64_t consumed() const { return consumed_; }

 private:
  const BodySource& source_;
  const std::optional<uint64_t> declared_;
  uint64_t consumed_ = 0;
  bool ended_ = false;
};

}  // namespace

std::string QuorumMessage(std::string_view what, size_t acks, size_t needed, size_t of,
                          const std::vector<Status>& statuses) {
  std::string msg = std::string(what) + ": " + std::to_string(acks) + " of " + std::to_string(of) +
                    " nodes acknowledged, " + std::to_string(needed) + " needed";
  for (const Status& s : statuses) {
    if (!s.ok()) return msg + " (first error: " + s.ToString() + ")";
  }
  return msg;
}

class ChunkStream::Impl {
 public:
  Impl(const BodySource& body, std::optional<uint64_t> declared,
       const std::vector<ChecksumAlgorithm>& compute)
      : reader(body, declared), digests(compute) {}
  BodyReader reader;
  BodyDigests digests;
};

ChunkStream::ChunkStream(ClusterCore& core, std::vector<NodeClient*> nodes, const BodySource& body,
                         std::optional<uint64_t> declared,
                         const std::vector<ChecksumAlgorithm>& compute, const VersionId& data_id)
    : core_(core),
      nodes_(std::move(nodes)),
      data_id_(data_id),
      impl_(std::make_unique<Impl>(body, declared, compute)),
      missed_shards_(nodes_.size(), false) {}

ChunkStream::~ChunkStream() = default;

Result<size_t> ChunkStream::Fill(const ChunkBufferPool::Lease& lease) {
  return impl_->reader.Fill(
      std::span<char>(reinterpret_cast<char*>(lease.data()), core_.config().chunk_size));
}

bool ChunkStream::ended() const { return impl_->reader.ended(); }

void ChunkStream::Hash(std::string_view data) { impl_->digests.Update(data); }

PutDigests ChunkStream::Finish() { return impl_->digests.Finish(impl_->reader.consumed()); }

void ChunkStream::Discard() {
  if (chunks_ > 0) core_.DiscardShards(nodes_, data_id_, chunks_);
}

// Sends chunk after chunk: while one chunk's shards are in flight, the next is read, hashed
// and encoded. Two chunk buffers per upload, whatever the object's size.
Status ChunkStream::WriteChunks(ChunkBufferPool::Lease first, size_t first_len) {
  // The chunk in flight; its buffer is declared first so that it outlives the sends.
  ChunkBufferPool::Lease sending_buffer;
  uint32_t sending_chunk = 0;
  PendingFanOut<Status> sending;
  ChunkBufferPool::Lease current = std::move(first);
  size_t len = first_len;
  for (;;) {
    if (len == 0 && chunks_ > 0) break;  // The body ended on a chunk boundary.
    SHALE_RETURN_IF_ERROR(Encode(current, len));
    const size_t shard_len = ShardLength(len, static_cast<int>(core_.k()));
    const uint8_t* base = current.data();
    const uint32_t chunk = chunks_++;
    const VersionId data_id = data_id_;
    auto sends = StartFanOut(nodes_, [=](NodeClient& n, size_t i) {
      return n.PutShard(
          ShardId(data_id, chunk, static_cast<uint32_t>(i)),
          std::string_view(reinterpret_cast<const char*>(base) + i * shard_len, shard_len));
    });
    if (!sending.empty()) SHALE_RETURN_IF_ERROR(Collect(sending_chunk, sending));
    sending = std::move(sends);
    sending_buffer = std::move(current);
    sending_chunk = chunk;
    if (ended()) break;
    current = core_.buffers().Acquire();
    SHALE_ASSIGN_OR_RETURN(len, Fill(current));
  }
  return Collect(sending_chunk, sending);
}

// Hashes the chunk's `len` bytes at the start of `buffer`, pads them into k data shards and
// computes the m parity shards behind them.
Status ChunkStream::Encode(const ChunkBufferPool::Lease& buffer, size_t len) {
  uint8_t* base = buffer.data();
  Hash(std::string_view(reinterpret_cast<const char*>(base), len));
  const int k = static_cast<int>(core_.k());
  const int m = static_cast<int>(core_.m());
  const size_t shard_len = ShardLength(len, k);
  // The chunk's bytes are already where the data shards go: shard i is bytes [i*L, (i+1)*L).
  std::memset(base + len, 0, k * shard_len - len);
  std::vector<const uint8_t*> data(k);
  std::vector<uint8_t*> parity(m);
  for (int i = 0; i < k; ++i) data[i] = base + i * shard_len;
  for (int i = 0; i < m; ++i) parity[i] = base + (k + i) * shard_len;
  return core_.coder().Encode(data, parity, shard_len);
}

Status ChunkStream::Collect(uint32_t chunk, PendingFanOut<Status>& sends) {
  std::vector<Status> statuses = sends.Wait();
  size_t acks = 0;
  for (const Status& s : statuses) acks += s.ok() ? 1 : 0;
  if (acks < core_.write_quorum()) {
    return Status::Unavailable(
        QuorumMessage("chunk " + std::to_string(chunk) + " write quorum lost", acks,
                      core_.write_quorum(), nodes_.size(), statuses));
  }
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (!statuses[i].ok()) missed_shards_[i] = true;
  }
  return Status::OK();
}

}  // namespace shale::gateway
