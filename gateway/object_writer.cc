// The put path: stream the body chunk by chunk, encode and send each chunk's shards while the
// next chunk is read and hashed, then commit the version record with the write quorum.

#include <algorithm>

#include "gateway/chunk_stream.h"
#include "gateway/cluster_core.h"

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
    ObjectInfo info = Info(digests, EncodeLayout(layout));
    SHALE_RETURN_IF_ERROR(Commit(info, nullptr, 0));
    return info;
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
    info.version = core_.hlc().Now();
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

  // Writes the version record to all k+m nodes. `data_layout` (inline objects) is the layout
  // with the bytes, stored at positions 0..replicas-1; the others get info.layout. If a node
  // already holds a version newer than ours (another gateway's clock runs ahead of ours), the
  // record is taken back and written again under an id minted after that one, so a put that
  // happened later never hides behind an earlier one.
  Status Commit(ObjectInfo& info, const std::string* data_layout, uint32_t replicas) {
    for (int attempt = 0;; ++attempt) {
      const std::string meta_payload = EncodeObjectRecord(info, info.version);
      std::string data_payload;
      if (data_layout != nullptr) {
        ObjectInfo with_data = info;
        with_data.layout = *data_layout;
        data_payload = EncodeObjectRecord(with_data, info.version);
      }
      RecordRound round = core_.WriteRecords(
          info.bucket, info.key, nodes_, info.version, node_wire::WireKind::kObject,
          [&](size_t i) {
            return std::string_view(data_layout != nullptr && i < replicas ? data_payload
                                                                           : meta_payload);
          },
          /*read_previous=*/true);
      Status quorum = CheckQuorum(round, data_layout != nullptr ? replicas : 0);
      if (quorum.ok() && round.newer && attempt < 2) {
        (void)core_.hlc().Observe(*round.newer);  // A refused (far-future) id: retried anyway.
        quorum = Status::Aborted("a newer version exists");
      }
      if (!quorum.ok()) {
        core_.RollBackRecords(info.bucket, info.key, nodes_, info.version);
        if (quorum.code() == StatusCode::kAborted) {
          info.version = core_.hlc().Now();
          continue;
        }
        return quorum;
      }
      std::vector<bool> complete(nodes_.size());
      bool all = true;
      for (size_t i = 0; i < nodes_.size(); ++i) {
        complete[i] = round.status[i].ok() && !stream_.missed_shards()[i];
        all &= complete[i];
      }
      if (!all) {
        core_.HintRepair(nodes_, complete, info.bucket, info.key, info.version,
                         "put missed records or shards at " + Positions(complete, false));
      }
      for (const ObjectRecord& old : round.superseded) {
        core_.CleanUp(info.bucket, old, placement_);
      }
      return Status::OK();
    }
  }

  // The write quorum of records, and for inline objects (replicas > 0) enough copies: as many
  // losses survivable as for an erasure-coded chunk written with the quorum (write_quorum - k).
  Status CheckQuorum(const RecordRound& round, uint32_t replicas) const {
    if (round.acks < core_.write_quorum()) {
      return Status::Unavailable(QuorumMessage("version record write quorum lost", round.acks,
                                               core_.write_quorum(), nodes_.size(), round.status));
    }
    if (replicas == 0) return Status::OK();
    const size_t needed = std::max<size_t>(1, core_.write_quorum() - core_.k() + 1);
    size_t acks = 0;
    for (uint32_t i = 0; i < replicas; ++i) acks += round.status[i].ok() ? 1 : 0;
    if (acks >= needed) return Status::OK();
    return Status::Unavailable(
        QuorumMessage("inline replica write quorum lost", acks, needed, replicas, round.status));
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
    const std::string data_layout = EncodeLayout(layout);
    SHALE_RETURN_IF_ERROR(Commit(info, &data_layout, replicas));
    return info;
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
