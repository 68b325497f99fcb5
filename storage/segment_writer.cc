#include "storage/segment_writer.h"

#include <utility>
#include <vector>

#include "common/fs/file_util.h"
#include "storage/byte_codec.h"
#include "storage/crc32c.h"
#include "storage/segment_format.h"

namespace shale::storage {
namespace {

// Records whose payload is at most this are written with one Append (one syscall).
constexpr size_t kCoalesceLimit = 64 * 1024;
// Small appends are held back up to this many bytes before they are written.
constexpr size_t kPendingLimit = 1024 * 1024;

std::string TrailerBytes(uint32_t crc) {
  std::string out;
  PutFixed<uint32_t>(&out, crc);
  return out;
}

}  // namespace

SegmentWriter::SegmentWriter(Token, std::unique_ptr<fs::AppendableFile> file,
                             SegmentHeaderInfo header, uint64_t size)
    : file_(std::move(file)),
      header_(std::move(header)),
      path_(file_->path()),
      size_(size),
      durable_size_(size) {}

SegmentWriter::~SegmentWriter() {
  if (file_ != nullptr && !closed_) (void)file_->Close();  // Destruction path: nobody to tell.
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(fs::FileSystem& fs,
                                                             const std::string& path,
                                                             const SegmentHeaderInfo& info) {
  SHALE_ASSIGN_OR_RETURN(std::string header, EncodeSegmentHeader(info));
  SHALE_ASSIGN_OR_RETURN(auto file, fs.NewAppendableFile(path, fs::OpenMode::kCreateNew));
  Status s = file->Append(header);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = fs.SyncDir(fs::ParentDir(path));
  if (!s.ok()) {
    // A half-made segment holds no record: remove it so recovery never sees it.
    (void)file->Close();        // Failing anyway; the removal below matters more.
    (void)fs.RemoveFile(path);  // Best effort; recovery also drops header-only files.
    return s.WithContext("create segment " + path);
  }
  return std::make_unique<SegmentWriter>(Token(), std::move(file), info, kSegmentHeaderSize);
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::OpenForAppend(fs::FileSystem& fs,
                                                                    const std::string& path,
                                                                    uint64_t durable_end) {
  if (durable_end < kSegmentHeaderSize) {
    return Status::InvalidArgument("durable end " + std::to_string(durable_end) +
                                   " is inside the segment header of " + path);
  }
  SegmentHeaderInfo info;
  {
    SHALE_ASSIGN_OR_RETURN(auto reader, fs.NewRandomAccessFile(path));
    std::vector<char> buf(kSegmentHeaderSize);
    SHALE_ASSIGN_OR_RETURN(size_t n, reader->ReadAt(0, buf));
    auto decoded = DecodeSegmentHeader(std::span<const char>(buf.data(), n));
    if (!decoded.ok()) return decoded.status().WithContext(path);
    info = std::move(decoded).value();
  }
  SHALE_ASSIGN_OR_RETURN(auto file, fs.NewAppendableFile(path, fs::OpenMode::kCreateOrAppend));
  if (file->Size() < durable_end) {
    return Status::InvalidArgument("durable end " + std::to_string(durable_end) +
                                   " is past the end of " + path + " (" +
                                   std::to_string(file->Size()) + " bytes)");
  }
  if (file->Size() > durable_end) {
    SHALE_RETURN_IF_ERROR(file->Truncate(durable_end));
    SHALE_RETURN_IF_ERROR(file->Sync());
  }
  return std::make_unique<SegmentWriter>(Token(), std::move(file), std::move(info), durable_end);
}

Status SegmentWriter::CheckWritable() const {
  if (closed_) return Status::FailedPrecondition("segment writer closed: " + path_);
  if (poisoned_) return Status::FailedPrecondition("segment writer poisoned: " + path_);
  return Status::OK();
}

Status SegmentWriter::Poison(const Status& cause) {
  poisoned_ = true;
  in_record_ = false;
  pending_.clear();
  // Best effort: the engine abandons this segment anyway, and recovery's scan truncates a
  // tail that survives here.
  if (file_->Size() > durable_size_) (void)file_->Truncate(durable_size_);
  size_ = durable_size_;
  return cause.WithContext("segment " + path_ + " poisoned");
}

Status SegmentWriter::Write(std::string_view data) {
  // A group commit appends many small records and then syncs once: gathering them saves one
  // write(2) per record. Nothing reads the file before Sync() (the index points at records only
  // after the batch's sync), so holding them back changes nothing anyone can observe.
  if (data.size() <= kCoalesceLimit && pending_.size() + data.size() <= kPendingLimit) {
    pending_.append(data);
    size_ += data.size();
    return Status::OK();
  }
  SHALE_RETURN_IF_ERROR(Flush());
  Status s = file_->Append(data);
  if (!s.ok()) return Poison(s);
  size_ += data.size();
  return Status::OK();
}

Status SegmentWriter::Flush() {
  if (pending_.empty()) return Status::OK();
  Status s = file_->Append(pending_);
  pending_.clear();
  if (!s.ok()) return Poison(s);
  return Status::OK();
}

Status SegmentWriter::EncodeHeader(const RecordSpec& spec, uint32_t payload_length) {
  RecordHeader header;
  header.type = spec.type;
  header.sequence = spec.sequence;
  header.id = std::string(spec.id);
  header.payload_length = payload_length;
  scratch_.clear();
  return EncodeRecordHeader(header, header_.salt, &scratch_);
}

Result<RecordExtent> SegmentWriter::Append(const RecordSpec& spec) {
  SHALE_RETURN_IF_ERROR(CheckWritable());
  if (in_record_) return Status::FailedPrecondition("a streamed record is open");
  if (spec.payload.size() > kMaxPayloadLength) {
    return Status::InvalidArgument("payload of " + std::to_string(spec.payload.size()) +
                                   " bytes over the maximum");
  }
  const auto payload_length = static_cast<uint32_t>(spec.payload.size());
  SHALE_RETURN_IF_ERROR(EncodeHeader(spec, payload_length));
  RecordExtent loc;
  loc.offset = size_;
  loc.payload_offset = size_ + scratch_.size();
  loc.payload_length = payload_length;
  loc.payload_crc = Crc32c(spec.payload);
  loc.length = scratch_.size() + uint64_t{payload_length} + kRecordCrcSize;
  if (spec.payload.size() <= kCoalesceLimit) {
    scratch_.append(spec.payload);
    PutFixed<uint32_t>(&scratch_, loc.payload_crc);
    SHALE_RETURN_IF_ERROR(Write(scratch_));
  } else {
    SHALE_RETURN_IF_ERROR(Write(scratch_));
    SHALE_RETURN_IF_ERROR(Write(spec.payload));
    SHALE_RETURN_IF_ERROR(Write(TrailerBytes(loc.payload_crc)));
  }
  return loc;
}

Status SegmentWriter::BeginRecord(const RecordSpec& spec, uint32_t payload_length) {
  SHALE_RETURN_IF_ERROR(CheckWritable());
  if (in_record_) return Status::FailedPrecondition("a streamed record is already open");
  if (!spec.payload.empty()) {
    return Status::InvalidArgument("BeginRecord takes the payload through AppendPayload");
  }
  SHALE_RETURN_IF_ERROR(EncodeHeader(spec, payload_length));
  SHALE_RETURN_IF_ERROR(Flush());
  open_ = RecordExtent{};
  open_.offset = size_;
  open_.payload_offset = size_ + scratch_.size();
  open_.payload_length = payload_length;
  open_.length = scratch_.size() + uint64_t{payload_length} + kRecordCrcSize;
  open_written_ = 0;
  SHALE_RETURN_IF_ERROR(Write(scratch_));
  in_record_ = true;
  return Status::OK();
}

Status SegmentWriter::AppendPayload(std::string_view piece) {
  SHALE_RETURN_IF_ERROR(CheckWritable());
  if (!in_record_) return Status::FailedPrecondition("no streamed record is open");
  if (piece.size() > open_.payload_length - open_written_) {
    return Status::InvalidArgument("payload piece past the declared length " +
                                   std::to_string(open_.payload_length));
  }
  SHALE_RETURN_IF_ERROR(Write(piece));
  open_.payload_crc = Crc32cExtend(open_.payload_crc, piece);
  open_written_ += piece.size();
  return Status::OK();
}

Result<RecordExtent> SegmentWriter::FinishRecord() {
  SHALE_RETURN_IF_ERROR(CheckWritable());
  if (!in_record_) return Status::FailedPrecondition("no streamed record is open");
  if (open_written_ != open_.payload_length) {
    return Status::FailedPrecondition("streamed payload has " + std::to_string(open_written_) +
                                      " of " + std::to_string(open_.payload_length) +
                                      " declared bytes");
  }
  SHALE_RETURN_IF_ERROR(Write(TrailerBytes(open_.payload_crc)));
  in_record_ = false;
  return open_;
}

Status SegmentWriter::AbortRecord() {
  SHALE_RETURN_IF_ERROR(CheckWritable());
  if (!in_record_) return Status::FailedPrecondition("no streamed record is open");
  in_record_ = false;
  pending_.clear();  // Held-back bytes belong to the record being cut (it began after a flush).
  Status s = file_->Truncate(open_.offset);
  if (!s.ok()) return Poison(s);
  size_ = open_.offset;
  return Status::OK();
}

Status SegmentWriter::Sync() {
  SHALE_RETURN_IF_ERROR(CheckWritable());
  if (in_record_) return Status::FailedPrecondition("sync with a streamed record open");
  SHALE_RETURN_IF_ERROR(Flush());
  Status s = file_->Sync();
  if (!s.ok()) return Poison(s);
  durable_size_ = size_;
  return Status::OK();
}

Status SegmentWriter::Close() {
  if (closed_) return Status::FailedPrecondition("segment writer already closed: " + path_);
  closed_ = true;
  Status flushed = poisoned_ ? Status::OK() : Flush();
  Status closed = file_->Close();
  return flushed.ok() ? closed : flushed;
}

}  // namespace shale::storage
