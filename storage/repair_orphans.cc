#include "storage/repair_orphans.h"

#include <string>
#include <vector>

namespace shale::storage {
namespace {

struct Candidate {
  uint32_t node = 0;
  std::string id;
  uint64_t length = 0;
  VersionId data_id;
};

constexpr uint32_t kShardPage = 1000;

Status ListCandidates(const RepairSet& set, uint32_t j, const LiveDataIds& live,
                      uint64_t cutoff_micros, std::vector<Candidate>* out) {
  std::string after;
  while (true) {
    SHALE_ASSIGN_OR_RETURN(node_wire::WireShardPage page,
                           set.nodes[j]->ListShards(after, kShardPage));
    for (const node_wire::ShardCheck& s : page.shards) {
      Result<VersionId> data_id = ShardDataId(s.id);
      if (!data_id.ok()) continue;  // Not a data path shard: not ours to judge.
      if (data_id->wall_micros >= cutoff_micros || live.count(*data_id) != 0) continue;
      out->push_back({j, s.id, s.length, *data_id});
    }
    if (!page.truncated || page.shards.empty()) return Status::OK();
    after = page.shards.back().id;
  }
}

}  // namespace

Status AddLiveDataIds(const VersionGroup& group, LiveDataIds* live) {
  std::optional<size_t> winner = PickWinner(group.copies.held);
  if (!winner || group.copies.held[*winner]->kind == node_wire::WireKind::kPurged) {
    return Status::OK();
  }
  for (const HeldRecord& h : group.copies.held) {
    if (!h) continue;
    Result<std::vector<ErasureExtent>> extents = RecordExtents(*h);
    if (!extents.ok()) {
      return extents.status().WithContext("record of " + group.bucket + "/" + group.key);
    }
    for (const ErasureExtent& e : *extents) live->insert(e.data_id);
  }
  return Status::OK();
}

Result<LiveDataIds> ScanLiveDataIds(const RepairSet& set) {
  LiveDataIds live;
  MergedScan scan(&set, ScanRange{}, std::nullopt);
  while (std::optional<VersionGroup> g = scan.Next()) {
    SHALE_RETURN_IF_ERROR(AddLiveDataIds(*g, &live));
  }
  if (!scan.all_answered()) return Status::Unavailable("a node of the set did not answer its scan");
  return live;
}

Result<OrphanResult> CollectOrphans(const RepairSet& set, const LiveDataIds& live,
                                    uint64_t cutoff_micros) {
  std::vector<Candidate> candidates;
  for (uint32_t j = 0; j < set.size(); ++j) {
    SHALE_RETURN_IF_ERROR(ListCandidates(set, j, live, cutoff_micros, &candidates));
  }
  OrphanResult out;
  if (candidates.empty()) return out;
  SHALE_ASSIGN_OR_RETURN(LiveDataIds again, ScanLiveDataIds(set));
  for (const Candidate& c : candidates) {
    if (again.count(c.data_id) != 0) continue;
    Status s = set.nodes[c.node]->DeleteShard(c.id);
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
    ++out.shards_deleted;
    out.bytes_deleted += c.length;
  }
  return out;
}

}  // namespace shale::storage
