// The read path: index lookups through snapshots, payloads through cached segment readers.

#include "common/log.h"
#include "storage/engine_impl.h"

namespace shale::storage {

Result<std::shared_ptr<const SegmentReader>> Engine::Impl::Reader(uint32_t segment_id) {
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    auto it = readers_.find(segment_id);
    if (it != readers_.end()) return it->second;
  }
  // Opened outside the lock: a slow disk must not stall reads of other segments.
  SHALE_ASSIGN_OR_RETURN(auto file, fs_->NewRandomAccessFile(SegmentPath(segment_id)));
  SHALE_ASSIGN_OR_RETURN(auto reader, SegmentReader::Open(std::move(file)));
  std::shared_ptr<const SegmentReader> shared = std::move(reader);
  std::lock_guard<std::mutex> lock(readers_mu_);
  auto [it, inserted] = readers_.emplace(segment_id, shared);
  return it->second;
}

void Engine::Impl::ForgetReader(uint32_t segment_id) {
  std::lock_guard<std::mutex> lock(readers_mu_);
  readers_.erase(segment_id);
}

Status Engine::Impl::WithShard(
    std::string_view id,
    const std::function<Status(const SegmentReader&, const ShardEntry&)>& read) {
  // A concurrent compaction may move the shard and remove its old segment between the index
  // lookup and the open: look it up again then.
  constexpr int kAttempts = 3;
  Status last;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    SHALE_ASSIGN_OR_RETURN(ShardEntry e, index_->GetShard(id));
    if (e.flags & kEntryBad) {
      return Status::Corruption("shard is marked bad and awaits repair");
    }
    auto reader = Reader(e.location.segment_id);
    if (!reader.ok()) {
      last = reader.status();
      if (last.IsNotFound()) continue;
      return last;
    }
    Status s = read(**reader, e);
    if (!s.IsCorruption()) return s;
    // Never hand out wrong bytes; mark the shard bad so repair rebuilds it from other nodes.
    log::Error("corrupt shard", {{"dir", options_.dir},
                                 {"segment", uint64_t{e.location.segment_id}},
                                 {"offset", e.location.offset},
                                 {"cause", s}});
    auto target = ShardTarget(id);
    if (target.ok()) {
      WriteOp op;
      op.kind = WriteOp::Kind::kMarkBad;
      op.target = &*target;
      op.reason = "read found a bad checksum";
      Status marked = Submit(op);
      if (!marked.ok()) log::Warn("could not mark a corrupt shard bad", {{"cause", marked}});
    }
    return s;
  }
  return last;
}

namespace {

// The payload range [begin, end) of a shard entry, clamped to its end, and its extent.
struct ShardRange {
  RecordExtent ext;
  uint64_t begin = 0;
  uint64_t length = 0;
};

ShardRange RangeOf(const ShardEntry& e, uint64_t offset, uint64_t length) {
  ShardRange r;
  uint64_t end = offset >= e.payload_length
                     ? e.payload_length
                     : offset + std::min<uint64_t>(length, e.payload_length - offset);
  r.begin = std::min<uint64_t>(offset, e.payload_length);
  r.length = end - r.begin;
  r.ext.offset = e.location.offset;
  r.ext.length = e.location.length;
  r.ext.payload_offset = e.location.offset + e.payload_offset;
  r.ext.payload_length = e.payload_length;
  r.ext.payload_crc = e.payload_crc32c;
  return r;
}

}  // namespace

Result<std::string> Engine::Impl::ReadShard(std::string_view id, uint64_t offset, uint64_t length) {
  std::string out;
  SHALE_RETURN_IF_ERROR(WithShard(id, [&](const SegmentReader& reader, const ShardEntry& e) {
    ShardRange r = RangeOf(e, offset, length);
    SHALE_ASSIGN_OR_RETURN(out, reader.ReadPayloadRange(r.ext, r.begin, r.length));
    return Status::OK();
  }));
  return out;
}

Status Engine::Impl::StreamShard(std::string_view id, uint64_t offset, uint64_t length,
                                 const ShardSink& sink) {
  return WithShard(id, [&](const SegmentReader& reader, const ShardEntry& e) {
    ShardRange r = RangeOf(e, offset, length);
    return reader.StreamPayload(r.ext, r.begin, r.length, sink);
  });
}

}  // namespace shale::storage
