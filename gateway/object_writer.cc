// The put path: stream the body chunk by chunk, encode and send each chunk's shards while the
// next chunk is read and hashed, then commit the version (gateway/version_commit.h).

#include <algorithm>

#include "gateway/chunk_stream.h"
#include "gateway/cluster_core.h"
#include "gateway/version_commit.h"

namespace shale::gateway {
namespace {

class ObjectWriter {
 public:
  ObjectWriter(ClusterCore& core, const PutRequest& request, const BodySource& body)
      : core_(core),
        request_(request),
        placement_(core.placement().Locate(request.bucket, request.key)),
        nodes_(core.ShardNodes(placement_)),
        stream_(core, nodes_, body, request.size, request.compute, core.hlc().Now()) {}

  Result<ObjectInfo> Run() {
    ChunkBufferPool::Lease first = core_.buffers().Acquire();
    SHALE_ASSIGN_OR_RETURN(size_t len, stream_.Fill(first));
    if (stream_.ended() && len <= core_.config().inline_limit) {
      return WriteInline(std::string_view(reinterpret_cast<const char*>(first.data()), len));
    }
    Result<ObjectInfo> info = WriteErasure(std::move(first), len);
    // Whatever failed after shards went out, they are garbage now.
    if (!info.ok()) stream_.Discard();
    return info;
  }

 private:
  Result<ObjectInfo> WriteErasure(ChunkBufferPool::Lease first, size_t len) {
    SHALE_RETURN_IF_ERROR(stream_.WriteChunks(std::move(first), len));
    ObjectLayout layout = BaseLayout(LayoutKind::kErasure);
    layout.chunk_size = core_.config().chunk_size;
    SHALE_ASSIGN_OR_RETURN(PutDigests digests, Digests());
    CommitOptions options;
    options.missed_shards = stream_.missed_shards();
    return CommitVersion(core_, placement_, Info(digests, EncodeLayout(layout)),
                         request_.versioning, options);
  }

  ObjectLayout BaseLayout(LayoutKind kind) const {
    ObjectLayout l;
    l.kind = kind;
    l.set = placement_.set;
    l.rotation = placement_.rotation;
    l.k = core_.k();
    l.m = core_.m();
    l.data_id = stream_.data_id();
    return l;
  }

  // Runs before_commit over the digests of the whole body.
  Result<PutDigests> Digests() {
    PutDigests d = stream_.Finish();
    if (request_.before_commit) SHALE_RETURN_IF_ERROR(request_.before_commit(d));
    return d;
  }

  ObjectInfo Info(const PutDigests& d, std::string layout) {
    ObjectInfo info;
    info.bucket = request_.bucket;
    info.key = request_.key;
    info.size = d.size;
    info.etag = d.md5_hex;
    info.last_modified_ms = static_cast<int64_t>(core_.clock().NowMicros() / 1000);
    info.owner_id = request_.owner_id;
    info.attributes = request_.attributes;
    for (ChecksumAlgorithm a : request_.store) {
      for (const ObjectChecksum& c : d.checksums) {
        if (c.algorithm == a) info.checksums.push_back(c);
      }
    }
    info.layout = std::move(layout);
    return info;
  }

  // m+1 full copies inline in the records of positions 0..m, metadata-only records elsewhere,
  // all in one round.
  Result<ObjectInfo> WriteInline(std::string_view data) {
    stream_.Hash(data);
    SHALE_ASSIGN_OR_RETURN(PutDigests digests, Digests());
    ObjectLayout layout = BaseLayout(LayoutKind::kReplicated);
    const uint32_t replicas = std::min(core_.m() + 1, core_.set_size());
    layout.replicas = replicas;
    ObjectInfo info = Info(digests, EncodeLayout(layout));
    layout.has_data = true;
    layout.data.assign(data);
    CommitOptions options;
    options.data_layout = EncodeLayout(layout);
    options.replicas = replicas;
    return CommitVersion(core_, placement_, std::move(info), request_.versioning, options);
  }

  ClusterCore& core_;
  const PutRequest& request_;
  const ObjectPlacement placement_;
  const std::vector<NodeClient*> nodes_;
  ChunkStream stream_;  // After nodes_, which it copies.
};

}  // namespace

Result<ObjectInfo> WriteObject(ClusterCore& core, const PutRequest& request,
                               const BodySource& body) {
  return ObjectWriter(core, request, body).Run();
}

}  // namespace shale::gateway
