// Streamed shard puts: a large shard is written on the caller's thread into a segment file of
// its own, so group commit never waits for it and it is never buffered whole; the writer
// thread only indexes and seals that segment once it is synced (WriteOp::kAdoptSegment).
//
// Crash safety: until the adopt commits, the segment has no index stats. A crash mid-stream
// leaves a torn record that recovery cuts (an empty unindexed segment is then removed); a crash
// after the sync but before the adopt leaves a whole record that recovery indexes like any
// unindexed record (an unacknowledged put may survive; an acknowledged one is always indexed).

#include <string>
#include <vector>

#include "common/fs/file_util.h"
#include "common/log.h"
#include "storage/engine_impl.h"
#include "storage/segment_format.h"

namespace shale::storage {
namespace {

constexpr size_t kStreamBufferSize = 256 * 1024;

// Removes a streamed put's segment that never got indexed. Best effort: recovery indexes or
// cuts whatever is left, and only the sequence order decides what a survivor means.
void DiscardStreamSegment(fs::FileSystem& fs, SegmentWriter* writer, const std::string& path) {
  if (writer) (void)writer->Close();  // The file is deleted next; nothing to flush.
  Status removed = fs.RemoveFile(path);
  if (!removed.ok()) log::Warn("cannot remove a failed streamed segment", {{"cause", removed}});
  (void)fs.SyncDir(fs::ParentDir(path));  // Best effort, see above.
}

}  // namespace

Result<ShardInfo> Engine::Impl::PutShardStream(std::string_view id, uint64_t length,
                                               const ShardSource& source) {
  SHALE_ASSIGN_OR_RETURN(Target target, ShardTarget(id));
  if (length > kMaxPayloadLength) {
    return Status::InvalidArgument("shard of " + std::to_string(length) + " bytes is over the " +
                                   std::to_string(kMaxPayloadLength) + "-byte limit");
  }
  if (read_only_) {
    std::lock_guard<std::mutex> lock(status_mu_);
    return Status::ReadOnly(read_only_reason_);
  }
  SHALE_ASSIGN_OR_RETURN(auto space, fs_->GetSpaceInfo(options_.dir));
  const uint64_t need = kSegmentHeaderSize + kRecordOverhead + target.record_id.size() + length;
  if (space.available_bytes < reserve_bytes_ + need) {
    return Status::NoSpace("data directory " + options_.dir + " is full (" +
                           std::to_string(space.available_bytes) + " bytes free, reserve " +
                           std::to_string(reserve_bytes_) + ")");
  }

  // The sequence goes into the record header, so it is taken now: "newer wins" orders this put
  // by its start.
  const uint64_t sequence = next_sequence_.fetch_add(1);
  uint32_t segment_id = 0;
  SHALE_ASSIGN_OR_RETURN(auto writer, CreateSegment(&segment_id));
  const std::string path = SegmentPath(segment_id);
  auto fail = [&](const Status& s) {
    if (writer && !writer->poisoned()) (void)writer->AbortRecord();  // The file goes anyway.
    DiscardStreamSegment(*fs_, writer.get(), path);
    return s;
  };

  Status s = writer->BeginRecord(RecordSpec{RecordType::kShard, target.record_id, sequence, {}},
                                 static_cast<uint32_t>(length));
  if (!s.ok()) return fail(s);
  std::vector<char> buf(std::min<uint64_t>(kStreamBufferSize, std::max<uint64_t>(length, 1)));
  uint64_t got = 0;
  while (got < length) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), length - got));
    auto n = source(std::span<char>(buf.data(), want));
    if (!n.ok()) return fail(n.status());
    if (*n == 0) {
      return fail(Status::InvalidArgument("shard stream ended after " + std::to_string(got) +
                                          " of " + std::to_string(length) + " bytes"));
    }
    if (*n > want) return fail(Status::Internal("shard source overfilled its buffer"));
    s = writer->AppendPayload(std::string_view(buf.data(), *n));
    if (!s.ok()) return fail(s);
    got += *n;
  }
  auto ext = writer->FinishRecord();
  if (!ext.ok()) return fail(ext.status());
  s = writer->Sync();
  if (s.ok()) s = writer->Close();
  writer.reset();
  if (!s.ok()) return fail(s);

  WriteOp op;
  op.kind = WriteOp::Kind::kAdoptSegment;
  op.target = &target;
  op.segment_id = segment_id;
  op.extent = &*ext;
  op.sequence = sequence;
  s = Submit(op);
  // Not indexed (the batch failed before or in its index commit): nothing refers to the file.
  if (!s.ok()) return fail(s);
  return ShardInfo{length, ext->payload_crc, sequence, false};
}

}  // namespace shale::storage
