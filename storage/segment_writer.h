#pragma once

// SegmentWriter appends records to one segment file (docs/FORMAT.md, "Segment files").
//
// Durability: the writer never syncs on its own (except when creating the file); the engine's
// group commit calls Sync() and only then acknowledges. durable_size() is the size at the last
// successful Sync().
//
// Poisoning: after a failed Append/Sync/FinishRecord the file's unsynced tail is in an unknown
// state, so the writer truncates back to durable_size() (best effort) and refuses every later
// write with FailedPrecondition. Every record appended since the last Sync() is lost with it:
// the engine fails the whole batch and opens a new segment.
//
// Thread-safety: not thread-safe; one writer thread owns it.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/fs/file_system.h"
#include "common/result.h"
#include "common/status.h"
#include "storage/record.h"
#include "storage/segment_header.h"

namespace shale::storage {

// What a record is, without its bytes' layout. `id` and `payload` are borrowed for the call.
struct RecordSpec {
  RecordType type = RecordType::kShard;
  std::string_view id;  // Encoded per type (see record.h).
  uint64_t sequence = 0;
  std::string_view payload;
};

// Where an appended record lives: what the index stores.
struct RecordExtent {
  uint64_t offset = 0;          // Of the record's first byte in the segment file.
  uint64_t length = 0;          // Whole record, both CRCs included.
  uint64_t payload_offset = 0;  // Of the payload's first byte in the segment file.
  uint32_t payload_length = 0;
  uint32_t payload_crc = 0;  // CRC32C of the payload.

  friend bool operator==(const RecordExtent&, const RecordExtent&) = default;
};

class SegmentWriter {
  // Only the factories below can make one (a public constructor for std::make_unique).
  struct Token {
    explicit Token() = default;
  };

 public:
  // Creates `path` (which must not exist), writes the segment header, syncs the file and its
  // parent directory, so the new segment is durable before any record goes in.
  static Result<std::unique_ptr<SegmentWriter>> Create(fs::FileSystem& fs, const std::string& path,
                                                       const SegmentHeaderInfo& info);
  // Reopens an existing segment after recovery: verifies its header, then truncates anything
  // past `durable_end` (the end of its last whole record, from a scan) and syncs. Corruption if
  // the header is bad; InvalidArgument if `durable_end` is before the first record or past the
  // end of the file.
  static Result<std::unique_ptr<SegmentWriter>> OpenForAppend(fs::FileSystem& fs,
                                                              const std::string& path,
                                                              uint64_t durable_end);

  SegmentWriter(Token, std::unique_ptr<fs::AppendableFile> file, SegmentHeaderInfo header,
                uint64_t size);
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Appends one whole record. InvalidArgument (writer not poisoned) if the spec breaks a
  // format limit; FailedPrecondition if poisoned or a streamed record is open.
  Result<RecordExtent> Append(const RecordSpec& spec);

  // Streaming append of a large payload with bounded memory: BeginRecord writes the header
  // (spec.payload must be empty; `payload_length` is declared up front), AppendPayload adds
  // pieces, FinishRecord checks the declared length was met and writes the payload CRC.
  // AbortRecord drops the open record (truncating to its start) and keeps the writer usable.
  Status BeginRecord(const RecordSpec& spec, uint32_t payload_length);
  Status AppendPayload(std::string_view piece);
  Result<RecordExtent> FinishRecord();
  Status AbortRecord();

  // Makes everything appended so far durable. FailedPrecondition while a streamed record is
  // open (its bytes would become durable half-written).
  Status Sync();
  // Closes the file without syncing. Later calls fail with FailedPrecondition.
  Status Close();

  uint64_t size() const { return size_; }  // Offset of the next record.
  uint64_t durable_size() const { return durable_size_; }
  bool poisoned() const { return poisoned_; }
  const SegmentHeaderInfo& header() const { return header_; }
  const std::string& path() const { return path_; }

 private:
  SegmentWriter(std::unique_ptr<fs::AppendableFile> file, SegmentHeaderInfo header, uint64_t size);
  Status CheckWritable() const;
  // Encodes the header of `spec` into scratch_; InvalidArgument leaves the writer usable.
  Status EncodeHeader(const RecordSpec& spec, uint32_t payload_length);
  // Appends to the file, poisoning the writer on failure.
  Status Write(std::string_view data);
  // Writes what Write() held back (small records of one group commit go out in one call).
  Status Flush();
  // Poisons the writer and returns `cause` (with context).
  Status Poison(const Status& cause);

  std::unique_ptr<fs::AppendableFile> file_;
  SegmentHeaderInfo header_;
  std::string path_;
  uint64_t size_;
  uint64_t durable_size_;
  bool poisoned_ = false;
  bool closed_ = false;
  std::string scratch_;  // Reused for header encoding and small records.
  std::string pending_;  // Small appends not yet handed to the file; flushed before Sync.

  // The open streamed record, if any.
  bool in_record_ = false;
  RecordExtent open_;
  uint64_t open_written_ = 0;
};

}  // namespace shale::storage
