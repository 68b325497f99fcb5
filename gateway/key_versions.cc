#include "gateway/key_versions.h"

#include <algorithm>
#include <map>

#include "common/node_fanout.h"
#include "gateway/cluster_core.h"

namespace shale::gateway {
namespace {

// Entries per node call; a key rarely has more versions than this.
constexpr uint32_t kPageEntries = 100;
constexpr uint64_t kPageBytes = uint64_t{4} << 20;

// Every version record of exactly `key` that `node` holds, newest first.
Result<std::vector<node_wire::WireVersion>> NodeKeyVersions(NodeClient& node,
                                                            std::string_view bucket,
                                                            std::string_view key) {
  std::vector<node_wire::WireVersion> out;
  NodeListRequest r;
  r.bucket.assign(bucket);
  r.prefix.assign(key);
  r.limit = kPageEntries;
  r.max_bytes = kPageBytes;
  for (;;) {
    SHALE_ASSIGN_OR_RETURN(node_wire::WireVersionPage page, node.ListVersions(r));
    for (node_wire::WireVersion& v : page.versions) {
      // The first key under the prefix is the key itself; anything else ends its versions.
      if (v.key != key) return out;
      out.push_back(std::move(v));
    }
    if (!page.truncated || page.versions.empty()) return out;
    r.start_after_key.emplace(key);
    r.start_after_version = out.back().version;
  }
}

}  // namespace

Result<std::vector<KeyVersion>> ListKeyVersions(ClusterCore& core, std::string_view bucket,
                                                std::string_view key, const ObjectPlacement& p) {
  std::vector<NodeClient*> nodes = core.ShardNodes(p);
  auto results = FanOut(nodes, [&](NodeClient& n) { return NodeKeyVersions(n, bucket, key); });
  size_t answered = 0;
  // Newest first: the largest version id first.
  std::map<VersionId, KeyVersion, std::greater<>> merged;
  for (auto& r : results) {
    if (!r.ok()) continue;
    ++answered;
    for (const node_wire::WireVersion& v : *r) {
      Result<VersionId> id = VersionId::FromBinary(v.version);
      if (!id.ok()) continue;
      KeyVersion& kv = merged[*id];
      if (v.kind == node_wire::WireKind::kPurged) {
        kv.purged = true;
        kv.record.info.bucket.assign(bucket);
        kv.record.info.key.assign(key);
        kv.record.info.version = *id;
        continue;
      }
      Result<ObjectRecord> rec = RecordFromWire(bucket, v);
      if (!rec.ok()) {
        if (kv.record.info.key.empty() && !kv.purged) merged.erase(*id);
        continue;
      }
      if (kv.purged) continue;
      if (kv.record.info.key.empty() || rec->attr_revision > kv.record.attr_revision) {
        kv.record = std::move(*rec);
      }
    }
  }
  if (answered < core.read_quorum()) {
    return Status::Unavailable("version listing of " + std::string(bucket) + "/" +
                               std::string(key) + ": " + std::to_string(answered) + " of " +
                               std::to_string(nodes.size()) + " nodes answered");
  }
  std::vector<KeyVersion> out;
  out.reserve(merged.size());
  for (auto& [id, kv] : merged) out.push_back(std::move(kv));
  return out;
}

std::optional<ObjectRecord> NewestNull(const std::vector<KeyVersion>& versions) {
  for (const KeyVersion& v : versions) {
    if (!v.purged && v.record.info.null_version) return v.record;
  }
  return std::nullopt;
}

}  // namespace shale::gateway
