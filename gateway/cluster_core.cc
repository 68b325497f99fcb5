#include "gateway/cluster_core.h"

#include <algorithm>

#include "common/node_fanout.h"

namespace shale::gateway {

BackgroundQueue::BackgroundQueue(size_t max_queued, std::chrono::milliseconds delay)
    : max_queued_(max_queued), delay_(delay), thread_([this] { Run(); }) {}

BackgroundQueue::~BackgroundQueue() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BackgroundQueue::Post(std::function<void()> work) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= max_queued_) return;  // Left to repair's sweeps.
    queue_.push_back({std::chrono::steady_clock::now() + delay_, std::move(work)});
  }
  cv_.notify_all();
}

void BackgroundQueue::Drain() {
  std::unique_lock lock(mu_);
  ++flushing_;
  cv_.notify_all();
  cv_.wait(lock, [this] { return queue_.empty() && !busy_; });
  --flushing_;
}

void BackgroundQueue::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (queue_.empty()) {
      if (stop_) return;  // Everything posted has run.
      cv_.wait(lock);
      continue;
    }
    const auto due = queue_.front().due;
    if (!stop_ && flushing_ == 0 && std::chrono::steady_clock::now() < due) {
      cv_.wait_until(lock, due);
      continue;
    }
    std::function<void()> work = std::move(queue_.front().work);
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    work();
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

namespace {

// Idle chunk buffers kept for reuse, in bytes (the rest is freed).
constexpr size_t kIdleBufferBytes = 128 * kMiB;

// A chunk's k data and m parity shards back to back.
size_t BufferSize(const ClusterConfig& config) {
  return config.erasure.set_size() * ShardLength(config.chunk_size, config.erasure.k);
}

}  // namespace

bool NewerRecord(const ObjectRecord& a, const ObjectRecord& b) {
  if (a.info.version != b.info.version) return a.info.version > b.info.version;
  return a.attr_revision > b.attr_revision;
}

ClusterCore::ClusterCore(const ClusterConfig& config, std::vector<NodeClient*> nodes,
                         ErasureCoder coder, uint32_t origin, const Clock* clock)
    : config_(config),
      nodes_(std::move(nodes)),
      placement_(static_cast<uint32_t>(config.nodes.size()), config.erasure.set_size()),
      coder_(std::move(coder)),
      clock_(clock),
      hlc_(*clock, origin),
      buffers_(BufferSize(config),
               /*keep=*/std::max<size_t>(2, kIdleBufferBytes / BufferSize(config))),
      hinter_(/*max_queued=*/10000, std::chrono::milliseconds(0)),
      // Superseded data is deleted after a grace period, so a GET that found the old version
      // just before an overwrite can still read it.
      cleaner_(/*max_queued=*/100000, kCleanupGrace) {}

std::vector<NodeClient*> ClusterCore::ShardNodes(const ObjectPlacement& p) const {
  std::vector<NodeClient*> out(set_size());
  for (uint32_t i = 0; i < set_size(); ++i) out[i] = nodes_[placement_.NodeFor(p, i)];
  return out;
}

namespace {

void PickNewest(QuorumRead& q) {
  q.newest.reset();
  for (const RecordAnswer& a : q.answers) {
    if (a.record && (!q.newest || NewerRecord(*a.record, *q.newest))) q.newest = *a.record;
  }
}

}  // namespace

Result<QuorumRead> ClusterCore::ReadRecords(std::string_view bucket, std::string_view key,
                                            const ObjectPlacement& p,
                                            std::optional<VersionId> version) {
  std::vector<NodeClient*> nodes = ShardNodes(p);
  std::optional<NodeVersionId> wanted;
  if (version) wanted = version->ToBinary();
  auto results = FanOut(nodes, [&](NodeClient& n) { return n.GetVersion(bucket, key, wanted); });
  QuorumRead q;
  q.answers.resize(nodes.size());
  bool purged = false;
  for (size_t i = 0; i < results.size(); ++i) {
    RecordAnswer& a = q.answers[i];
    if (!results[i].ok()) {
      a.status = results[i].status();
      if (a.status.code() == StatusCode::kNotFound) ++q.answered;
      continue;
    }
    ++q.answered;
    if (results[i]->kind == node_wire::WireKind::kPurged) {
      a.purged = purged = true;
      continue;
    }
    Result<ObjectRecord> rec = RecordFromWire(bucket, *results[i]);
    if (!rec.ok()) {
      // A record that does not decode counts as missing there, and gets repaired.
      a.status = rec.status();
      continue;
    }
    a.record = std::move(*rec);
  }
  if (q.answered < read_quorum()) {
    return Status::Unavailable("read quorum lost: " + std::to_string(q.answered) + " of " +
                               std::to_string(nodes.size()) + " nodes answered, " +
                               std::to_string(read_quorum()) + " needed");
  }
  if (version && purged) {
    // Purged anywhere is purged: the nodes still holding it get the tombstone from repair.
    for (RecordAnswer& a : q.answers) a.record.reset();
    std::vector<bool> holds(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) holds[i] = q.answers[i].purged;
    HintRepair(nodes, holds, bucket, key, *version, "purge tombstone missing somewhere");
    return q;
  }
  PickNewest(q);
  if (!version) SHALE_RETURN_IF_ERROR(DropMissedPurges(bucket, key, nodes, q));
  if (q.newest) {
    (void)hlc_.Observe(q.newest->info.version);  // A far-future id is refused; reads go on.
    std::vector<bool> stale(nodes.size()), current(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
      const RecordAnswer& a = q.answers[i];
      stale[i] = a.status.code() == StatusCode::kNotFound ||
                 a.status.code() == StatusCode::kCorruption ||
                 (a.record && NewerRecord(*q.newest, *a.record));
      current[i] = a.record && !NewerRecord(*q.newest, *a.record);
    }
    if (std::find(stale.begin(), stale.end(), true) != stale.end()) {
      HintRepair(nodes, current, bucket, key, q.newest->info.version,
                 "missing or stale version record at " + Positions(stale, true));
    }
  }
  return q;
}

Status ClusterCore::DropMissedPurges(std::string_view bucket, std::string_view key,
                                     std::span<NodeClient* const> nodes, QuorumRead& q) {
  // Nodes skip purged versions when asked for the newest, so the nodes that answered with
  // something older than the newest may know it was purged. Bounded: each pass drops one version.
  for (int pass = 0; pass < 4 && q.newest; ++pass) {
    const VersionId newest = q.newest->info.version;
    std::vector<NodeClient*> ask;
    for (size_t i = 0; i < nodes.size(); ++i) {
      const RecordAnswer& a = q.answers[i];
      bool answered = a.status.ok() || a.status.code() == StatusCode::kNotFound;
      if (answered && (!a.record || a.record->info.version < newest)) ask.push_back(nodes[i]);
    }
    if (ask.empty()) return Status::OK();
    auto checks = FanOut(ask, [&](NodeClient& n) -> bool {
      auto v = n.GetVersion(bucket, key, newest.ToBinary());
      return v.ok() && v->kind == node_wire::WireKind::kPurged;
    });
    if (std::find(checks.begin(), checks.end(), true) == checks.end()) return Status::OK();
    std::vector<bool> missed(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
      RecordAnswer& a = q.answers[i];
      if (a.record && a.record->info.version == newest) {
        a.record.reset();
        a.status = Status::NotFound("purged");
        missed[i] = true;
      }
    }
    std::vector<bool> healthy(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) healthy[i] = !missed[i] && q.answers[i].status.ok();
    HintRepair(nodes, healthy, bucket, key, newest,
               "purge tombstone missed at " + Positions(missed, true));
    PickNewest(q);
  }
  return Status::OK();
}

std::string Positions(const std::vector<bool>& flags, bool value) {
  std::string out = "positions ";
  bool first = true;
  for (size_t i = 0; i < flags.size(); ++i) {
    if (flags[i] != value) continue;
    if (!first) out += ",";
    out += std::to_string(i);
    first = false;
  }
  return out;
}

void HintMisses(ClusterCore& core, std::span<NodeClient* const> nodes, const RecordRound& round,
                std::string_view bucket, std::string_view key, const VersionId& version,
                std::string_view what) {
  if (round.acks == nodes.size()) return;
  std::vector<bool> acked(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) acked[i] = round.status[i].ok();
  core.HintRepair(nodes, acked, bucket, key, version,
                  std::string(what) + " record missed at " + Positions(acked, false));
}

void ClusterCore::HintRepair(std::span<NodeClient* const> nodes, const std::vector<bool>& healthy,
                             std::string_view bucket, std::string_view key,
                             const VersionId& version, std::string reason) {
  repair_hints_.fetch_add(1, std::memory_order_relaxed);
  node_wire::RepairHint hint;
  hint.bucket.assign(bucket);
  hint.key.assign(key);
  hint.version = version.ToBinary();
  hint.reason = std::move(reason);
  {
    // The same object found degraded by many reads is hinted once (until the set is reset).
    std::string id = hint.bucket + '\0' + hint.key + '\0' +
                     std::string(hint.version.begin(), hint.version.end()) + hint.reason;
    std::lock_guard lock(hints_mu_);
    if (recent_hints_.size() >= 10000) recent_hints_.clear();
    if (!recent_hints_.insert(std::move(id)).second) return;
  }
  std::vector<NodeClient*> targets;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i < healthy.size() && healthy[i]) targets.push_back(nodes[i]);
  }
  hinter_.Post([targets = std::move(targets), hint = std::move(hint)] {
    for (NodeClient* node : targets) {
      if (node->EnqueueRepair(hint).ok()) return;
    }
    // No node took it: the anti-entropy sweep of repair finds the damage later.
  });
}

void ClusterCore::CleanUp(const ObjectRecord& old, const ObjectPlacement& p,
                          const std::vector<VersionId>& keep_data) {
  Result<ObjectLayout> layout = DecodeLayout(old.info.layout);
  if (!layout.ok()) return;  // Nothing known to delete: orphan collection finds the shards.
  std::vector<std::string> shard_ids;
  for (const ErasureExtent& extent : ErasureExtents(*layout, old.info.size)) {
    if (std::find(keep_data.begin(), keep_data.end(), extent.data_id) != keep_data.end()) continue;
    const uint64_t chunks = ChunkCount(extent);
    for (uint64_t c = 0; c < chunks; ++c) {
      for (uint32_t s = 0; s < layout->k + layout->m; ++s) {
        shard_ids.push_back(ShardId(extent.data_id, static_cast<uint32_t>(c), s));
      }
    }
  }
  if (shard_ids.empty()) return;
  std::vector<NodeClient*> nodes = ShardNodes(p);
  const uint32_t n = layout->k + layout->m;
  cleaner_.Post([nodes = std::move(nodes), shard_ids = std::move(shard_ids), n] {
    FanOut(nodes, [&](NodeClient& node, size_t i) {
      for (size_t s = i; s < shard_ids.size(); s += n) {
        (void)node.DeleteShard(shard_ids[s]);  // Best effort: orphan collection finishes.
      }
      return 0;
    });
  });
}

RecordRound ClusterCore::WriteRecords(std::string_view bucket, std::string_view key,
                                      std::span<NodeClient* const> nodes, const VersionId& version,
                                      node_wire::WireKind kind,
                                      const std::function<std::string_view(size_t)>& payload,
                                      bool read_previous) {
  struct Outcome {
    Status put;
    std::optional<node_wire::WireVersion> previous;
  };
  const NodeVersionId binary = version.ToBinary();
  auto outcomes = FanOut(nodes, [&](NodeClient& n, size_t i) {
    Outcome o;
    if (read_previous) {
      Result<node_wire::WireVersion> prev = n.GetVersion(bucket, key, std::nullopt);
      if (prev.ok()) o.previous = std::move(*prev);
    }
    o.put = n.PutVersion(bucket, key, binary, payload(i), kind);
    return o;
  });
  RecordRound round;
  round.status.reserve(outcomes.size());
  for (Outcome& o : outcomes) {
    if (o.put.ok()) ++round.acks;
    round.status.push_back(std::move(o.put));
    if (!o.previous) continue;
    Result<ObjectRecord> rec = RecordFromWire(bucket, *o.previous);
    if (!rec.ok() || rec->info.version == version) continue;
    if (rec->info.version > version) {
      if (!round.newer || *round.newer < rec->info.version) round.newer = rec->info.version;
      continue;
    }
    (void)hlc_.Observe(rec->info.version);  // Only orders later ids; a refusal changes nothing.
    bool seen =
        std::any_of(round.superseded.begin(), round.superseded.end(),
                    [&](const ObjectRecord& r) { return r.info.version == rec->info.version; });
    if (!seen) round.superseded.push_back(std::move(*rec));
  }
  return round;
}

void ClusterCore::RollBackRecords(std::string_view bucket, std::string_view key,
                                  std::span<NodeClient* const> nodes, const VersionId& version) {
  const NodeVersionId binary = version.ToBinary();
  FanOut(nodes, [&](NodeClient& n, size_t i) {
    // A node that did not acknowledge may still have stored it: try every node. Best effort; a
    // record that survives on a node that is down now is outvoted by newer writes.
    (void)n.DeleteVersion(bucket, key, binary);  // NotFound is the common answer.
    return i;
  });
}

void ClusterCore::DiscardShards(std::span<NodeClient* const> nodes, const VersionId& data_id,
                                uint32_t chunks) {
  std::vector<NodeClient*> targets(nodes.begin(), nodes.end());
  cleaner_.Post([targets = std::move(targets), data_id, chunks] {
    FanOut(targets, [&](NodeClient& node, size_t i) {
      for (uint32_t c = 0; c < chunks; ++c) {
        (void)node.DeleteShard(ShardId(data_id, c, static_cast<uint32_t>(i)));  // Best effort.
      }
      return 0;
    });
  });
}

}  // namespace shale::gateway
