#pragma once

// Reading segment files (docs/FORMAT.md, "Segment files"): SegmentReader for random reads of
// indexed records, SegmentScanner for start-to-end scans without the index (recovery,
// rebuild-index, scrub). Every byte handed out has passed its CRC; a mismatch is Corruption.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/fs/file_system.h"
#include "common/result.h"
#include "common/status.h"
#include "storage/record.h"
#include "storage/segment_header.h"
#include "storage/segment_writer.h"

namespace shale::storage {

// One whole record, both CRCs verified.
struct Record {
  RecordHeader header;
  RecordExtent location;
  std::string payload;
};

// Random reads of one segment. Thread-safety: all methods are const and may be called
// concurrently (RandomAccessFile::ReadAt is thread-safe).
class SegmentReader {
  // Only the factories below can make one (a public constructor for std::make_unique).
  struct Token {
    explicit Token() = default;
  };

 public:
  // Reads and verifies the segment header. Corruption if it is bad or incomplete.
  static Result<std::unique_ptr<SegmentReader>> Open(std::unique_ptr<fs::RandomAccessFile> file);
  SegmentReader(Token, std::unique_ptr<fs::RandomAccessFile> file, SegmentHeaderInfo header)
      : file_(std::move(file)), header_(std::move(header)) {}

  // The whole record at `offset` (a record boundary, e.g. RecordExtent::offset), payload
  // loaded into memory: meant for small records. Corruption if either CRC fails or the record
  // is cut short by the end of the file.
  Result<Record> ReadRecord(uint64_t offset) const;

  // `length` bytes at `offset_in_payload` of the payload at `location` (from the index).
  // Cost: reads and checksums the WHOLE payload every call (plus its stored CRC), because a
  // flipped bit anywhere must still be detected; a 1 MiB shard costs ~1 MiB of I/O whatever
  // the range. An engine that caches "verified" state may later add a cheaper path. Corruption
  // if the computed CRC differs from the stored one or from location.payload_crc; OutOfRange if
  // the range is outside the payload.
  Result<std::string> ReadPayloadRange(const RecordExtent& location, uint64_t offset_in_payload,
                                       uint64_t length) const;

  // Streaming form of ReadPayloadRange with bounded memory: `sink` receives the range in
  // pieces, in order, as they are read; the CRC check can only finish after the last piece.
  // If this returns non-OK (Corruption included) after the sink got bytes, those bytes are
  // suspect: the caller must abort what it was doing with them (e.g. reset the connection).
  // A non-OK status from `sink` stops the read and is returned.
  Status StreamPayload(const RecordExtent& location, uint64_t offset_in_payload, uint64_t length,
                       const std::function<Status(std::string_view)>& sink) const;

  // Verifies the whole record at `offset` (header CRC, then the payload against its stored CRC,
  // read in pieces with bounded memory) and returns its header: what scrub does per record.
  // Corruption if either CRC fails or the file ends inside the record.
  Result<RecordHeader> VerifyRecord(uint64_t offset) const;

  const SegmentHeaderInfo& header() const { return header_; }
  const fs::RandomAccessFile& file() const { return *file_; }

 private:
  // Reads the payload at `location` and its stored CRC in pieces, handing `sink` the part in
  // [offset_in_payload, +length); returns the CRC32C of the payload as read. Corruption if the
  // computed CRC differs from the stored one (location.payload_crc is not consulted).
  Result<uint32_t> ReadCheckedPayload(const RecordExtent& location, uint64_t offset_in_payload,
                                      uint64_t length,
                                      const std::function<Status(std::string_view)>& sink) const;

  std::unique_ptr<fs::RandomAccessFile> file_;
  SegmentHeaderInfo header_;
};

struct ScanOptions {
  // A record boundary: kSegmentHeaderSize, or the end of a record seen earlier.
  uint64_t start_offset = kSegmentHeaderSize;
  // Scan up to here (e.g. a writer's durable_size()); nullopt: the file's size at Create().
  std::optional<uint64_t> end_offset;
  // The scanner's only buffer; larger payloads are checksummed in pieces of this size.
  size_t buffer_size = size_t{1} << 20;
  // Payloads up to this size are returned in ScannedRecord::payload; larger ones are only
  // verified (read them with SegmentReader when needed).
  uint32_t max_loaded_payload = 64 * 1024;
};

enum class ScanStopReason : uint8_t {
  kNone,        // Not stopped yet.
  kEnd,         // Clean end: the last record ends exactly at the end offset.
  kTornTail,    // The bytes from `offset` to the end hold no whole valid record: truncate there.
  kCorruption,  // A bad record at `offset` with a valid record after it, at `resume_offset`.
  kIOError,     // Reading failed at `offset`; `status` says why.
};

struct ScanStop {
  ScanStopReason reason = ScanStopReason::kNone;
  uint64_t offset = 0;         // kEnd: the end; otherwise where the problem starts.
  uint64_t resume_offset = 0;  // kCorruption only: the next valid record.
  Status status;               // Why (OK for kEnd).
};

struct ScannedRecord {
  RecordHeader header;
  RecordExtent location;
  bool payload_loaded = false;  // payload_length <= ScanOptions::max_loaded_payload.
  std::string payload;
};

// Yields the records of a segment in file order, verifying both CRCs of each, and then stops
// with exactly one ScanStop (the torn-tail vs corruption rule is in docs/FORMAT.md).
// Memory is bounded by buffer_size + max_loaded_payload. Thread-safety: one thread at a time;
// several scanners may share one SegmentReader.
class SegmentScanner {
  // Only the factories below can make one (a public constructor for std::make_unique).
  struct Token {
    explicit Token() = default;
  };

 public:
  // `reader` is borrowed and must outlive the scanner. InvalidArgument for a start offset
  // inside the segment header or past the end, or a buffer smaller than kMaxRecordHeaderSize.
  static Result<std::unique_ptr<SegmentScanner>> Create(const SegmentReader& reader,
                                                        const ScanOptions& options);
  SegmentScanner(Token, const SegmentReader& reader, const ScanOptions& options, uint64_t end);

  // Fills `record` with the next record and returns true, or returns false once stopped.
  bool Next(ScannedRecord* record);
  const ScanStop& stop() const { return stop_; }
  // The record boundary the next call to Next() starts from.
  uint64_t offset() const { return pos_; }

 private:
  // The bytes [offset, offset + min(n, end - offset)) from the buffer, reading if needed;
  // shorter only if the file ends early. n <= buffer_size.
  Result<std::string_view> Window(uint64_t offset, size_t n);
  // The first offset >= from holding a valid record header whose record fits before the end.
  Result<std::optional<uint64_t>> FindNextRecord(uint64_t from);
  // Classifies a bad record at `offset` as torn tail or corruption, and stops.
  void StopAtBadRecord(uint64_t offset, uint64_t search_from, const Status& cause);
  void Stop(ScanStopReason reason, uint64_t offset, Status status, uint64_t resume = 0);

  const SegmentReader& reader_;
  ScanOptions options_;
  uint64_t end_;
  uint64_t pos_;
  std::string buf_;
  uint64_t buf_offset_ = 0;
  ScanStop stop_;
};

std::string_view ScanStopReasonName(ScanStopReason reason);

}  // namespace shale::storage
