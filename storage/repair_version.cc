#include "storage/repair_version.h"

#include <map>
#include <memory>

#include "common/erasure.h"

namespace shale::storage {
namespace {

using node_wire::ShardCheck;
using node_wire::WireKind;

// What one shard check is charged to the throttle, in bytes: its share of a CheckShards call.
constexpr uint64_t kCheckCost = 64;

// Node errors that mean "could not ask" rather than "the node says so".
bool Unreachable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kTimeout;
}

void Fail(RepairOutcome& out, std::string problem) {
  out.incomplete = true;
  if (out.problem.empty()) out.problem = std::move(problem);
}

// The answers of node `node` for `ids`; nullopt entries when it did not answer.
std::vector<std::optional<ShardCheck>> CheckOn(NodeClient* node,
                                               const std::vector<std::string>& ids) {
  std::vector<std::optional<ShardCheck>> out(ids.size());
  for (size_t start = 0; start < ids.size(); start += node_wire::kMaxCheckIds) {
    const size_t end = std::min(ids.size(), start + node_wire::kMaxCheckIds);
    std::vector<std::string> batch(ids.begin() + start, ids.begin() + end);
    Result<std::vector<ShardCheck>> r = node->CheckShards(batch);
    if (!r.ok() || r->size() != batch.size()) return out;
    for (size_t i = 0; i < batch.size(); ++i) out[start + i] = std::move((*r)[i]);
  }
  return out;
}

// Chunk index and shard position encoded in a data-path shard id (checked by ShardDataId).
uint32_t ShardChunk(std::string_view id) {
  uint32_t c = 0;
  for (int i = 17; i < 21; ++i) c = (c << 8) | static_cast<uint8_t>(id[i]);
  return c;
}

}  // namespace

RepairOutcome& RepairOutcome::operator+=(const RepairOutcome& o) {
  records_copied += o.records_copied;
  shards_repaired += o.shards_repaired;
  shard_bytes += o.shard_bytes;
  bytes_moved += o.bytes_moved;
  degraded = degraded || o.degraded;
  if (o.incomplete && !incomplete) problem = o.problem;
  incomplete = incomplete || o.incomplete;
  return *this;
}

bool HeldVersion::all_answered() const {
  for (bool a : answered) {
    if (!a) return false;
  }
  return true;
}

HeldVersion VersionRepairer::ReadVersion(std::string_view bucket, std::string_view key,
                                         const NodeVersionId& version) const {
  HeldVersion out;
  out.held.resize(set_->size());
  out.answered.assign(set_->size(), true);
  for (uint32_t j = 0; j < set_->size(); ++j) {
    Result<node_wire::WireVersion> r = set_->nodes[j]->GetVersion(bucket, key, version);
    if (r.ok()) {
      out.held[j] = std::move(*r);
    } else if (Unreachable(r.status())) {
      out.answered[j] = false;
    }  // NotFound, or a record the node found corrupt: it must be written again.
  }
  return out;
}

RepairOutcome VersionRepairer::RepairVersion(std::string_view bucket, std::string_view key,
                                             const NodeVersionId& version) const {
  return RepairHeld(bucket, key, version, ReadVersion(bucket, key, version));
}

RepairOutcome VersionRepairer::RepairHeld(std::string_view bucket, std::string_view key,
                                          const NodeVersionId& version,
                                          const HeldVersion& copies) const {
  RepairOutcome out;
  // Reading costs too: a sweep over healthy data is paced by what it reads.
  for (const HeldRecord& h : copies.held) out.bytes_moved += h ? h->payload.size() : 0;
  std::optional<size_t> winner = PickWinner(copies.held);
  if (!winner) return out;
  const node_wire::WireVersion& w = *copies.held[*winner];
  RecordPlan plan = PlanRecordWrites(copies.held, *winner);
  if (plan.inline_bytes_lost) {
    out.degraded = true;
    Fail(out, "no copy holds the inline bytes");
  }
  for (uint32_t j = 0; j < set_->size(); ++j) {
    if (!plan.writes[j]) continue;
    out.degraded = true;
    if (!copies.answered[j]) {
      Fail(out, "node " + std::to_string(j) + " of the set is down");
      continue;
    }
    Status s = set_->nodes[j]->PutVersion(bucket, key, version, plan.writes[j]->payload,
                                          plan.writes[j]->kind);
    if (!s.ok()) {
      Fail(out, s.ToString());
      continue;
    }
    ++out.records_copied;
    out.bytes_moved += plan.writes[j]->payload.size();
  }
  if (w.kind == WireKind::kObject) out += RepairShardsOf(w);
  return out;
}

RepairOutcome VersionRepairer::RepairShardsOf(const node_wire::WireVersion& record) const {
  RepairOutcome out;
  Result<ObjectLayout> layout = RecordLayout(record);
  if (!layout.ok()) {
    Fail(out, "undecodable record: " + layout.status().ToString());
    return out;
  }
  Result<std::vector<ErasureExtent>> extents = RecordExtents(record);
  if (!extents.ok() || extents->empty()) return out;
  if (layout->k != set_->k || layout->k + layout->m != set_->size()) {
    Fail(out, "layout erasure code does not match the set");
    return out;
  }
  for (const ErasureExtent& e : *extents) out += RepairExtent(e, layout->rotation);
  return out;
}

RepairOutcome VersionRepairer::RepairExtent(const ErasureExtent& extent, uint32_t rotation) const {
  RepairOutcome out;
  const uint32_t n = set_->size();
  const uint64_t chunks = ChunkCount(extent);
  // One CheckShards per node: every chunk's shard at that node's set position.
  std::vector<std::vector<std::optional<ShardCheck>>> answers(n);
  for (uint32_t j = 0; j < n; ++j) {
    const uint32_t pos = SetPosition(j, rotation, n);
    std::vector<std::string> ids;
    ids.reserve(chunks);
    for (uint64_t c = 0; c < chunks; ++c) {
      ids.push_back(ShardId(extent.data_id, static_cast<uint32_t>(c), pos));
    }
    answers[j] = CheckOn(set_->nodes[j], ids);
  }
  out.bytes_moved += kCheckCost * n * chunks;
  for (uint64_t c = 0; c < chunks; ++c) {
    std::vector<std::string> ids(n);
    std::vector<std::optional<ShardCheck>> checks(n);
    for (uint32_t i = 0; i < n; ++i) {
      ids[i] = ShardId(extent.data_id, static_cast<uint32_t>(c), i);
      checks[i] = answers[NodeInSet(i, rotation, n)][c];
    }
    const uint64_t len = ShardLength(ChunkLength(extent, c), static_cast<int>(set_->k));
    ChunkPlan plan = PlanChunk(checks, len);
    if (plan.good.size() + plan.rebuild.size() < n) Fail(out, "a node of the set is down");
    if (!plan.rebuild.empty()) out += RebuildChunk(ids, rotation, plan, len);
  }
  return out;
}

RepairOutcome VersionRepairer::RebuildChunk(const std::vector<std::string>& ids, uint32_t rotation,
                                            const ChunkPlan& plan, uint64_t shard_length) const {
  RepairOutcome out;
  out.degraded = true;
  const uint32_t n = set_->size();
  std::vector<std::string> buffers(n, std::string(shard_length, '\0'));
  std::vector<bool> present(n, false);
  std::vector<uint32_t> targets = plan.rebuild;
  uint32_t have = 0;
  for (uint32_t i : plan.good) {
    if (have == set_->k) break;
    Result<std::string> got = set_->nodes[NodeInSet(i, rotation, n)]->GetShard(ids[i]);
    if (!got.ok() || got->size() != shard_length) {
      if (got.ok() || !Unreachable(got.status())) targets.push_back(i);  // A bad copy.
      continue;
    }
    buffers[i] = std::move(*got);
    present[i] = true;
    out.bytes_moved += shard_length;
    ++have;
  }
  if (have < set_->k) {
    Fail(out, "fewer than k good shards of " + ShardDataId(ids[0]).value_or(VersionId{}).ToText());
    return out;
  }
  Result<ErasureCoder> coder =
      ErasureCoder::Create(static_cast<int>(set_->k), static_cast<int>(n - set_->k));
  if (!coder.ok()) {
    Fail(out, coder.status().ToString());
    return out;
  }
  std::vector<uint8_t*> ptrs(n);
  for (uint32_t i = 0; i < n; ++i) ptrs[i] = reinterpret_cast<uint8_t*>(buffers[i].data());
  std::unique_ptr<bool[]> flags = std::make_unique<bool[]>(n);  // vector<bool> has no span.
  for (uint32_t i = 0; i < n; ++i) flags[i] = present[i];
  Status s = coder->Reconstruct(ptrs, std::span<const bool>(flags.get(), n), shard_length);
  if (!s.ok()) {
    Fail(out, s.ToString());
    return out;
  }
  for (uint32_t i : targets) {
    Status put = set_->nodes[NodeInSet(i, rotation, n)]->PutShard(ids[i], buffers[i]);
    if (!put.ok()) {
      Fail(out, put.ToString());
      continue;
    }
    ++out.shards_repaired;
    out.shard_bytes += shard_length;
    out.bytes_moved += shard_length;
  }
  return out;
}

RepairOutcome VersionRepairer::RepairShardId(std::string_view shard_id) const {
  RepairOutcome out;
  Result<VersionId> data_id = ShardDataId(shard_id);
  if (!data_id.ok()) return out;  // Not a data path shard: nothing repair knows how to rebuild.
  const uint32_t n = set_->size();
  const uint32_t chunk = ShardChunk(shard_id);
  std::vector<std::string> ids(n);
  for (uint32_t i = 0; i < n; ++i) ids[i] = ShardId(*data_id, chunk, i);
  // Where do the healthy shards sit? Each one gives the rotation; the most common length wins.
  std::map<uint32_t, uint32_t> rotation_votes;
  std::map<uint64_t, uint32_t> length_votes;
  std::vector<std::vector<std::optional<ShardCheck>>> answers(n);
  for (uint32_t j = 0; j < n; ++j) {
    answers[j] = CheckOn(set_->nodes[j], ids);
    for (uint32_t i = 0; i < n; ++i) {
      const auto& a = answers[j][i];
      if (!a || !a->present || !a->healthy) continue;
      ++rotation_votes[(j + n - i) % n];
      ++length_votes[a->length];
    }
  }
  if (rotation_votes.empty()) return out;  // No healthy shard anywhere: gone, or an orphan.
  auto most = [](const auto& votes) {
    auto best = votes.begin();
    for (auto it = votes.begin(); it != votes.end(); ++it) {
      if (it->second > best->second) best = it;
    }
    return best->first;
  };
  const uint32_t rotation = most(rotation_votes);
  const uint64_t length = most(length_votes);
  std::vector<std::optional<ShardCheck>> checks(n);
  for (uint32_t i = 0; i < n; ++i) checks[i] = answers[NodeInSet(i, rotation, n)][i];
  ChunkPlan plan = PlanChunk(checks, length);
  if (!plan.rebuild.empty()) out += RebuildChunk(ids, rotation, plan, length);
  return out;
}

RepairOutcome VersionRepairer::PurgeEverywhere(std::string_view bucket, std::string_view key,
                                               const NodeVersionId& version,
                                               uint64_t purge_time_ms) const {
  RepairOutcome out;
  out.degraded = true;
  const std::string payload = EncodePurgePayload(purge_time_ms);
  for (NodeClient* node : set_->nodes) {
    Status s = node->PutVersion(bucket, key, version, payload, WireKind::kPurged);
    if (!s.ok()) {
      Fail(out, s.ToString());
      continue;
    }
    ++out.records_copied;
  }
  return out;
}

RepairOutcome VersionRepairer::RepairBucket(std::string_view name) const {
  RepairOutcome out;
  const uint32_t n = set_->size();
  std::vector<std::optional<BucketRecord>> held(n);
  std::vector<std::string> payloads(n);
  std::optional<uint32_t> best;
  for (uint32_t j = 0; j < n; ++j) {
    Result<std::string> r = set_->nodes[j]->GetBucket(name);
    if (!r.ok()) continue;
    Result<BucketRecord> rec = DecodeBucketRecord(name, *r);
    if (!rec.ok()) continue;
    held[j] = std::move(*rec);
    payloads[j] = std::move(*r);
    if (!best || held[j]->revision > held[*best]->revision) best = j;
  }
  if (!best) return out;
  for (uint32_t j = 0; j < n; ++j) {
    if (held[j] && held[j]->revision >= held[*best]->revision) continue;
    out.degraded = true;
    Status s = set_->nodes[j]->PutBucket(name, payloads[*best]);
    if (!s.ok()) {
      Fail(out, s.ToString());
      continue;
    }
    ++out.records_copied;
  }
  return out;
}

}  // namespace shale::storage
