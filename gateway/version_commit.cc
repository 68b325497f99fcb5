#include "gateway/version_commit.h"

#include <algorithm>

#include "common/node_fanout.h"
#include "gateway/chunk_stream.h"
#include "gateway/cluster_core.h"
#include "gateway/key_versions.h"

namespace shale::gateway {
namespace {

// The write quorum of records, and for inline objects (replicas > 0) enough copies: as many
// losses survivable as for an erasure-coded chunk written with the quorum (write_quorum - k).
Status CheckQuorum(const ClusterCore& core, const RecordRound& round, uint32_t replicas) {
  if (round.acks < core.write_quorum()) {
    return Status::Unavailable(QuorumMessage("version record write quorum lost", round.acks,
                                             core.write_quorum(), round.status.size(),
                                             round.status));
  }
  if (replicas == 0) return Status::OK();
  const size_t needed = std::max<size_t>(1, core.write_quorum() - core.k() + 1);
  size_t acks = 0;
  for (uint32_t i = 0; i < replicas && i < round.status.size(); ++i) {
    acks += round.status[i].ok() ? 1 : 0;
  }
  if (acks >= needed) return Status::OK();
  return Status::Unavailable(
      QuorumMessage("inline replica write quorum lost", acks, needed, replicas, round.status));
}

// The null versions older than `info` that the commit of `info` retires.
Result<std::vector<ObjectRecord>> Superseded(ClusterCore& core, const ObjectPlacement& p,
                                             const ObjectInfo& info, BucketVersioning versioning,
                                             RecordRound& round) {
  std::vector<ObjectRecord> out;
  if (versioning == BucketVersioning::kEnabled) return out;
  for (ObjectRecord& old : round.superseded) {
    if (old.info.null_version) out.push_back(std::move(old));
  }
  if (versioning == BucketVersioning::kSuspended) {
    // The previous null version may lie under versions of an Enabled period: every version of
    // the key is looked at, not only each node's newest.
    SHALE_ASSIGN_OR_RETURN(std::vector<KeyVersion> all,
                           ListKeyVersions(core, info.bucket, info.key, p));
    for (KeyVersion& v : all) {
      if (v.purged || !v.record.info.null_version || v.record.info.version >= info.version) {
        continue;
      }
      bool seen = std::any_of(out.begin(), out.end(), [&](const ObjectRecord& r) {
        return r.info.version == v.record.info.version;
      });
      if (!seen) out.push_back(std::move(v.record));
    }
  }
  return out;
}

}  // namespace

std::string PurgePayload(int64_t now_ms) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(static_cast<uint64_t>(now_ms) >> (8 * i));
  return out;
}

Result<ObjectInfo> CommitVersion(ClusterCore& core, const ObjectPlacement& p, ObjectInfo info,
                                 BucketVersioning versioning, const CommitOptions& options) {
  const std::vector<NodeClient*> nodes = core.ShardNodes(p);
  const bool inline_data = !options.data_layout.empty();
  const node_wire::WireKind kind =
      info.delete_marker ? node_wire::WireKind::kDeleteMarker : node_wire::WireKind::kObject;
  info.null_version = versioning != BucketVersioning::kEnabled;
  if (info.last_modified_ms == 0) {
    info.last_modified_ms = static_cast<int64_t>(core.clock().NowMicros() / 1000);
  }
  info.version = core.hlc().Now();
  for (int attempt = 0;; ++attempt) {
    const std::string meta_payload = EncodeObjectRecord(info, info.version);
    std::string data_payload;
    if (inline_data) {
      ObjectInfo with_data = info;
      with_data.layout = options.data_layout;
      data_payload = EncodeObjectRecord(with_data, info.version);
    }
    RecordRound round = core.WriteRecords(
        info.bucket, info.key, nodes, info.version, kind,
        [&](size_t i) {
          return std::string_view(inline_data && i < options.replicas ? data_payload
                                                                      : meta_payload);
        },
        /*read_previous=*/true);
    Status quorum = CheckQuorum(core, round, inline_data ? options.replicas : 0);
    // If a node already holds a newer version (another gateway's clock runs ahead of ours), the
    // record is taken back and written again under an id minted after that one.
    if (quorum.ok() && round.newer && attempt < 2) {
      (void)core.hlc().Observe(*round.newer);  // A refused (far-future) id: retried anyway.
      quorum = Status::Aborted("a newer version exists");
    }
    if (!quorum.ok()) {
      core.RollBackRecords(info.bucket, info.key, nodes, info.version);
      if (quorum.code() == StatusCode::kAborted) {
        info.version = core.hlc().Now();
        continue;
      }
      return quorum;
    }
    std::vector<bool> complete(nodes.size());
    bool all = true;
    for (size_t i = 0; i < nodes.size(); ++i) {
      complete[i] =
          round.status[i].ok() && !(i < options.missed_shards.size() && options.missed_shards[i]);
      all &= complete[i];
    }
    if (!all) {
      core.HintRepair(nodes, complete, info.bucket, info.key, info.version,
                      "put missed records or shards at " + Positions(complete, false));
    }
    Result<std::vector<ObjectRecord>> retired = Superseded(core, p, info, versioning, round);
    if (retired.ok() && !retired->empty()) {
      std::vector<VersionId> keep;
      if (Result<ObjectLayout> layout = DecodeLayout(info.layout); layout.ok()) {
        for (const ErasureExtent& e : ErasureExtents(*layout, info.size)) keep.push_back(e.data_id);
      }
      for (const ObjectRecord& old : *retired) {
        if (PurgeVersion(core, p, old, keep).ok()) continue;
        // Once more later; after that the next write or delete of the key retires it.
        core.PostBackground([&core, p, old, keep] { (void)PurgeVersion(core, p, old, keep); });
      }
    }
    // A listing that failed leaves the previous null version to the next write of the key (or
    // its own delete): the new version is visible and newest either way.
    return info;
  }
}

Status PurgeVersion(ClusterCore& core, const ObjectPlacement& p, const ObjectRecord& old,
                    const std::vector<VersionId>& keep_data) {
  const std::vector<NodeClient*> nodes = core.ShardNodes(p);
  const std::string payload = PurgePayload(static_cast<int64_t>(core.clock().NowMicros() / 1000));
  RecordRound round = core.WriteRecords(
      old.info.bucket, old.info.key, nodes, old.info.version, node_wire::WireKind::kPurged,
      [&](size_t) { return std::string_view(payload); }, /*read_previous=*/false);
  if (round.acks < core.write_quorum()) {
    return Status::Unavailable(QuorumMessage("purge tombstone write quorum lost", round.acks,
                                             core.write_quorum(), nodes.size(), round.status));
  }
  HintMisses(core, nodes, round, old.info.bucket, old.info.key, old.info.version,
             "purge tombstone");
  core.CleanUp(old, p, keep_data);
  return Status::OK();
}

}  // namespace shale::gateway
