// The read path: inline copies straight from the record, erasure-coded chunks from their k data
// shards (only the byte ranges needed, no decoding), parity and ISA-L decoding when a data shard
// is missing, corrupt or unreachable. The next chunk's shards are fetched while the caller
// consumes the current one.

#include <algorithm>
#include <array>
#include <cstring>

#include "common/node_fanout.h"
#include "gateway/cluster_core.h"

namespace shale::gateway {
namespace {

// Serves a range of bytes held in memory (inline objects).
class MemoryReader final : public ObjectReader {
 public:
  MemoryReader(std::string data, size_t begin, size_t end)
      : data_(std::move(data)), pos_(begin), end_(end) {}

  Result<size_t> Read(std::span<char> buf) override {
    size_t n = std::min(buf.size(), end_ - pos_);
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t pos_;
  size_t end_;
};

// Which bytes of one chunk a read needs, and where they sit in its data shards.
struct ChunkPlan {
  uint32_t chunk = 0;
  size_t shard_len = 0;
  std::vector<uint32_t> shards;                   // Data shards touched, ascending.
  std::vector<std::pair<size_t, size_t>> ranges;  // [from, to) within each touched shard.
};

class ErasureReader final : public ObjectReader {
 public:
  ErasureReader(ClusterCore& core, const ObjectInfo& object, ObjectLayout layout, uint64_t begin,
                uint64_t end)
      : core_(core),
        bucket_(object.bucket),
        key_(object.key),
        version_(object.version),
        size_(object.size),
        layout_(std::move(layout)),
        pos_(begin),
        end_(end) {
    ObjectPlacement p{layout_.set, layout_.rotation};
    nodes_ = core.ShardNodes(p);
  }

  Result<size_t> Read(std::span<char> buf) override {
    size_t out = 0;
    while (out < buf.size()) {
      if (piece_ == pieces_.size()) {
        if (pos_ == end_) break;
        SHALE_RETURN_IF_ERROR(LoadNextChunk());
        continue;
      }
      const std::string& p = pieces_[piece_];
      size_t n = std::min(buf.size() - out, p.size() - piece_pos_);
      std::memcpy(buf.data() + out, p.data() + piece_pos_, n);
      out += n;
      piece_pos_ += n;
      if (piece_pos_ == p.size()) {
        ++piece_;
        piece_pos_ = 0;
      }
    }
    return out;
  }

 private:
  // The plan for the chunk holding object byte `at`, up to the end of the chunk or the range.
  ChunkPlan Plan(uint64_t at) const {
    ChunkPlan plan;
    const uint64_t cs = layout_.chunk_size;
    plan.chunk = static_cast<uint32_t>(at / cs);
    const uint64_t chunk_begin = uint64_t{plan.chunk} * cs;
    const uint64_t chunk_len = std::min<uint64_t>(cs, size_ - chunk_begin);
    plan.shard_len = ShardLength(chunk_len, static_cast<int>(layout_.k));
    const uint64_t a = at - chunk_begin;
    const uint64_t b = std::min<uint64_t>(end_, chunk_begin + chunk_len) - chunk_begin;
    const uint64_t L = plan.shard_len;
    for (uint64_t i = a / L; i <= (b - 1) / L; ++i) {
      plan.shards.push_back(static_cast<uint32_t>(i));
      plan.ranges.emplace_back(std::max(a, i * L) - i * L, std::min(b, (i + 1) * L) - i * L);
    }
    return plan;
  }

  PendingFanOut<Result<std::string>> StartHealthy(const ChunkPlan& plan) {
    std::vector<NodeClient*> targets;
    for (uint32_t s : plan.shards) targets.push_back(nodes_[s]);
    return StartFanOut(targets, [plan, data_id = layout_.data_id](NodeClient& n, size_t i) {
      const auto [from, to] = plan.ranges[i];
      return n.GetShard(ShardId(data_id, plan.chunk, plan.shards[i]), from, to - from);
    });
  }

  Status LoadNextChunk() {
    ChunkPlan plan;
    std::vector<Result<std::string>> got;
    if (prefetch_ && prefetch_plan_.chunk == pos_ / layout_.chunk_size) {
      plan = std::move(prefetch_plan_);
      got = prefetch_->Wait();
      prefetch_.reset();
    } else {
      prefetch_.reset();
      plan = Plan(pos_);
      got = StartHealthy(plan).Wait();
    }
    uint64_t chunk_end = std::min<uint64_t>(end_, (uint64_t{plan.chunk} + 1) * layout_.chunk_size);
    // Fetch the next chunk while the caller consumes this one.
    if (chunk_end < end_) {
      prefetch_plan_ = Plan(chunk_end);
      prefetch_.emplace(StartHealthy(prefetch_plan_));
    }
    pieces_.clear();
    piece_ = 0;
    piece_pos_ = 0;
    std::vector<bool> failed(nodes_.size(), false);
    bool healthy = true;
    for (size_t i = 0; i < got.size(); ++i) {
      const auto [from, to] = plan.ranges[i];
      if (!got[i].ok() || got[i]->size() != to - from) {
        failed[plan.shards[i]] = true;
        healthy = false;
        if (!got[i].ok()) errors_.push_back(got[i].status());
      }
    }
    if (healthy) {
      for (auto& r : got) pieces_.push_back(std::move(*r));
    } else {
      SHALE_RETURN_IF_ERROR(Reconstruct(plan, failed));
    }
    pos_ = chunk_end;
    return Status::OK();
  }

  // Rebuilds the plan's pieces from any k of the chunk's shards, over the smallest window of
  // shard bytes that covers every piece (Reed-Solomon works byte position by byte position).
  Status Reconstruct(const ChunkPlan& plan, std::vector<bool> failed) {
    size_t lo = plan.shard_len, hi = 0;
    for (const auto& [from, to] : plan.ranges) {
      lo = std::min(lo, from);
      hi = std::max(hi, to);
    }
    const size_t window = hi - lo;
    const size_t n = nodes_.size();
    std::vector<NodeClient*> targets;
    std::vector<uint32_t> positions;
    for (uint32_t s = 0; s < n; ++s) {
      if (!failed[s]) {
        targets.push_back(nodes_[s]);
        positions.push_back(s);
      }
    }
    auto got = FanOut(targets, [&](NodeClient& node, size_t i) {
      return node.GetShard(ShardId(layout_.data_id, plan.chunk, positions[i]), lo, window);
    });
    std::vector<bool> present(n, false);
    size_t good = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i].ok() && got[i]->size() == window) {
        present[positions[i]] = true;
        ++good;
      } else {
        failed[positions[i]] = true;
        if (!got[i].ok()) errors_.push_back(got[i].status());
      }
    }
    core_.HintRepair(nodes_, present, bucket_, key_, version_,
                     "chunk " + std::to_string(plan.chunk) + ": shard missing or bad at " +
                         Positions(failed, true));
    if (good < layout_.k) {
      bool unreachable = std::any_of(errors_.begin(), errors_.end(), [](const Status& s) {
        return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kTimeout;
      });
      std::string msg = "chunk " + std::to_string(plan.chunk) + " of " + key_ + ": only " +
                        std::to_string(good) + " of " + std::to_string(n) + " shards readable, " +
                        std::to_string(layout_.k) + " needed";
      return unreachable ? Status::Unavailable(msg) : Status::Corruption(msg);
    }
    ChunkBufferPool::Lease buffer = core_.buffers().Acquire();
    std::vector<uint8_t*> shards(n);
    for (size_t s = 0; s < n; ++s) shards[s] = buffer.data() + s * window;
    for (size_t i = 0; i < got.size(); ++i) {
      if (present[positions[i]]) std::memcpy(shards[positions[i]], got[i]->data(), window);
    }
    std::array<bool, ErasureCoder::kMaxDataShards + ErasureCoder::kMaxParityShards> flags{};
    for (size_t s = 0; s < n; ++s) flags[s] = present[s];
    SHALE_RETURN_IF_ERROR(
        core_.coder().Reconstruct(shards, std::span<const bool>(flags.data(), n), window));
    for (size_t i = 0; i < plan.shards.size(); ++i) {
      const auto [from, to] = plan.ranges[i];
      pieces_.emplace_back(reinterpret_cast<const char*>(shards[plan.shards[i]]) + (from - lo),
                           to - from);
    }
    return Status::OK();
  }

  ClusterCore& core_;
  const std::string bucket_;
  const std::string key_;
  const VersionId version_;
  const uint64_t size_;
  const ObjectLayout layout_;
  std::vector<NodeClient*> nodes_;
  uint64_t pos_;  // Next object byte to load.
  const uint64_t end_;
  std::vector<std::string> pieces_;  // The loaded chunk's bytes of the range, in order.
  size_t piece_ = 0;
  size_t piece_pos_ = 0;
  ChunkPlan prefetch_plan_;
  std::optional<PendingFanOut<Result<std::string>>> prefetch_;
  std::vector<Status> errors_;
};

// Reads a multipart object part after part, each part with an ErasureReader of its own (a part
// is laid out exactly like an erasure-coded object of its size).
class MultipartReader final : public ObjectReader {
 public:
  MultipartReader(ClusterCore& core, const ObjectInfo& object, ObjectLayout layout, uint64_t begin,
                  uint64_t end)
      : core_(core), object_(object), layout_(std::move(layout)), pos_(begin), end_(end) {
    object_.layout.clear();  // Each part reader gets its own layout; the parts list is in layout_.
    // The first part that holds byte `begin` (part_begin_ is that part's first byte).
    while (part_ < layout_.parts.size() && part_begin_ + layout_.parts[part_].size <= pos_) {
      part_begin_ += layout_.parts[part_].size;
      ++part_;
    }
  }

  Result<size_t> Read(std::span<char> buf) override {
    size_t out = 0;
    while (out < buf.size() && pos_ < end_) {
      if (current_ == nullptr) {
        while (part_begin_ + layout_.parts[part_].size <= pos_) {  // Empty parts.
          part_begin_ += layout_.parts[part_].size;
          ++part_;
        }
        current_ = OpenPart();
      }
      SHALE_ASSIGN_OR_RETURN(size_t n, current_->Read(buf.subspan(out)));
      out += n;
      pos_ += n;
      if (n == 0 || pos_ == part_begin_ + layout_.parts[part_].size) {
        if (pos_ != part_begin_ + layout_.parts[part_].size && pos_ < end_) {
          return Status::Internal("part reader ended early");
        }
        current_.reset();
        part_begin_ += layout_.parts[part_].size;
        ++part_;
      }
    }
    return out;
  }

 private:
  std::unique_ptr<ErasureReader> OpenPart() {
    const PartExtent& p = layout_.parts[part_];
    ObjectLayout part_layout;  // Field by field: copying the part list would cost O(parts).
    part_layout.kind = LayoutKind::kErasure;
    part_layout.set = layout_.set;
    part_layout.rotation = layout_.rotation;
    part_layout.k = layout_.k;
    part_layout.m = layout_.m;
    part_layout.data_id = p.data_id;
    part_layout.chunk_size = p.chunk_size;
    ObjectInfo part_object = object_;  // Repair hints name the object version.
    part_object.size = p.size;
    const uint64_t to = std::min(end_, part_begin_ + p.size) - part_begin_;
    return std::make_unique<ErasureReader>(core_, part_object, std::move(part_layout),
                                           pos_ - part_begin_, to);
  }

  ClusterCore& core_;
  ObjectInfo object_;
  const ObjectLayout layout_;
  uint64_t pos_;  // Next object byte to return.
  const uint64_t end_;
  size_t part_ = 0;          // The part holding pos_.
  uint64_t part_begin_ = 0;  // Object offset of that part's first byte.
  std::unique_ptr<ErasureReader> current_;
};

}  // namespace

Result<std::string> ReadInlineData(ClusterCore& core, const ObjectInfo& object,
                                   ObjectLayout layout) {
  if (layout.has_data) return std::move(layout.data);
  std::vector<NodeClient*> nodes = core.ShardNodes({layout.set, layout.rotation});
  Status last = Status::Unavailable("no replica holder answered");
  std::vector<bool> bad(nodes.size(), false);
  for (uint32_t i = 0; i < layout.replicas && i < nodes.size(); ++i) {
    Result<node_wire::WireVersion> wire =
        nodes[i]->GetVersion(object.bucket, object.key, object.version.ToBinary());
    Result<ObjectRecord> rec = wire.ok() ? RecordFromWire(object.bucket, *wire) : wire.status();
    Result<ObjectLayout> held = rec.ok() ? DecodeLayout(rec->info.layout) : rec.status();
    if (held.ok() && held->has_data && held->data.size() == object.size) {
      if (i > 0) {
        std::vector<bool> healthy(nodes.size(), false);
        healthy[i] = true;
        core.HintRepair(nodes, healthy, object.bucket, object.key, object.version,
                        "inline copy missing or bad at " + Positions(bad, true));
      }
      return std::move(held->data);
    }
    bad[i] = true;
    last = held.ok() ? Status::Corruption("replica record without its data") : held.status();
  }
  return last;
}

Result<std::unique_ptr<ObjectReader>> OpenObjectReader(ClusterCore& core, const ObjectInfo& object,
                                                       uint64_t offset, uint64_t length) {
  if (object.delete_marker) return Status::NotFound("the version is a delete marker");
  SHALE_ASSIGN_OR_RETURN(ObjectLayout layout, DecodeLayout(object.layout));
  const uint64_t begin = std::min(offset, object.size);
  const uint64_t end = begin + std::min(length, object.size - begin);
  switch (layout.kind) {
    case LayoutKind::kReplicated: {
      SHALE_ASSIGN_OR_RETURN(std::string data, ReadInlineData(core, object, std::move(layout)));
      if (data.size() != object.size) return Status::Corruption("inline data has the wrong size");
      return std::unique_ptr<ObjectReader>(
          std::make_unique<MemoryReader>(std::move(data), begin, end));
    }
    case LayoutKind::kErasure:
      if (layout.k != core.k() || layout.k + layout.m != core.set_size()) {
        return Status::FailedPrecondition("object written with another erasure configuration");
      }
      return std::unique_ptr<ObjectReader>(
          std::make_unique<ErasureReader>(core, object, std::move(layout), begin, end));
    case LayoutKind::kMultipart: {
      if (layout.k != core.k() || layout.k + layout.m != core.set_size()) {
        return Status::FailedPrecondition("object written with another erasure configuration");
      }
      uint64_t total = 0;
      for (const PartExtent& p : layout.parts) total += p.size;
      if (total != object.size) return Status::Corruption("multipart parts do not add up");
      return std::unique_ptr<ObjectReader>(
          std::make_unique<MultipartReader>(core, object, std::move(layout), begin, end));
    }
    case LayoutKind::kNone:
      break;
  }
  return Status::Corruption("object without a data layout");
}

Result<PartRange> ObjectPartRange(const ObjectInfo& object, uint32_t part_number) {
  SHALE_ASSIGN_OR_RETURN(ObjectLayout layout, DecodeLayout(object.layout));
  if (layout.kind != LayoutKind::kMultipart) {
    if (part_number != 1) {
      return Status::InvalidArgument("part " + std::to_string(part_number) +
                                     " of an object of one part");
    }
    return PartRange{0, object.size, 1};
  }
  // N counts the parts in object order (the part count S3 returns is their number).
  const auto count = static_cast<uint32_t>(layout.parts.size());
  if (part_number < 1 || part_number > count) {
    return Status::InvalidArgument("part " + std::to_string(part_number) + " of an object of " +
                                   std::to_string(count) + " parts");
  }
  PartRange range;
  range.parts_count = count;
  for (uint32_t i = 0; i + 1 < part_number; ++i) range.offset += layout.parts[i].size;
  range.length = layout.parts[part_number - 1].size;
  return range;
}

}  // namespace shale::gateway
