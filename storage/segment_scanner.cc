// SegmentScanner (declared in segment_reader.h).
#include <algorithm>

#include "storage/byte_codec.h"
#include "storage/crc32c.h"
#include "storage/segment_format.h"
#include "storage/segment_reader.h"

namespace shale::storage {

std::string_view ScanStopReasonName(ScanStopReason reason) {
  switch (reason) {
    case ScanStopReason::kNone:
      return "none";
    case ScanStopReason::kEnd:
      return "end";
    case ScanStopReason::kTornTail:
      return "torn tail";
    case ScanStopReason::kCorruption:
      return "corruption";
    case ScanStopReason::kIOError:
      return "I/O error";
  }
  return "unknown";
}

Result<std::unique_ptr<SegmentScanner>> SegmentScanner::Create(const SegmentReader& reader,
                                                               const ScanOptions& options) {
  uint64_t end = 0;
  if (options.end_offset.has_value()) {
    end = *options.end_offset;
  } else {
    SHALE_ASSIGN_OR_RETURN(end, reader.file().Size());
  }
  if (options.start_offset < kSegmentHeaderSize || options.start_offset > end) {
    return Status::InvalidArgument("scan start " + std::to_string(options.start_offset) +
                                   " outside [" + std::to_string(kSegmentHeaderSize) + ", " +
                                   std::to_string(end) + "]");
  }
  if (options.buffer_size < kMaxRecordHeaderSize) {
    return Status::InvalidArgument("scan buffer smaller than the largest record header");
  }
  return std::make_unique<SegmentScanner>(Token(), reader, options, end);
}

SegmentScanner::SegmentScanner(Token, const SegmentReader& reader, const ScanOptions& options,
                               uint64_t end)
    : reader_(reader), options_(options), end_(end), pos_(options.start_offset) {}

Result<std::string_view> SegmentScanner::Window(uint64_t offset, size_t n) {
  const uint64_t want_end = std::min<uint64_t>(offset + n, end_);
  if (offset >= buf_offset_ && want_end <= buf_offset_ + buf_.size()) {
    return std::string_view(buf_).substr(offset - buf_offset_, want_end - offset);
  }
  buf_.resize(std::min<uint64_t>(options_.buffer_size, end_ - offset));
  size_t got = 0;
  while (got < buf_.size()) {
    auto n_read = reader_.file().ReadAt(offset + got, std::span(buf_).subspan(got));
    if (!n_read.ok()) {
      buf_.clear();
      return n_read.status();
    }
    if (*n_read == 0) break;  // The file is shorter than end_: the caller sees fewer bytes.
    got += *n_read;
  }
  buf_.resize(got);
  buf_offset_ = offset;
  return std::string_view(buf_).substr(0, std::min<uint64_t>(got, want_end - offset));
}

void SegmentScanner::Stop(ScanStopReason reason, uint64_t offset, Status status, uint64_t resume) {
  stop_.reason = reason;
  stop_.offset = offset;
  stop_.resume_offset = resume;
  stop_.status = std::move(status);
}

Result<std::optional<uint64_t>> SegmentScanner::FindNextRecord(uint64_t from) {
  char magic_bytes[4];
  EncodeFixedAt<uint32_t>(magic_bytes, kRecordMagic);
  const std::string_view magic(magic_bytes, 4);
  uint64_t pos = from;
  while (pos + kRecordOverhead <= end_) {
    // Search what is buffered from pos on before reading again: with a magic every few bytes
    // (user data can hold anything), refilling a whole buffer per candidate would be quadratic.
    std::string_view window;
    if (pos >= buf_offset_ && pos - buf_offset_ + magic.size() <= buf_.size()) {
      window = std::string_view(buf_).substr(pos - buf_offset_);
    } else {
      SHALE_ASSIGN_OR_RETURN(window, Window(pos, options_.buffer_size));
      if (window.size() < magic.size()) break;
    }
    const size_t hit = window.find(magic);
    if (hit == std::string_view::npos) {
      pos += window.size() - (magic.size() - 1);  // A magic may straddle the window's end.
      continue;
    }
    const uint64_t candidate = pos + hit;
    SHALE_ASSIGN_OR_RETURN(std::string_view header_bytes, Window(candidate, kMaxRecordHeaderSize));
    auto header = DecodeRecordHeader(header_bytes, reader_.header().salt);
    if (header.ok() && candidate + header->record_size() <= end_) {
      return std::optional<uint64_t>(candidate);
    }
    pos = candidate + 1;
  }
  return std::optional<uint64_t>();
}

void SegmentScanner::StopAtBadRecord(uint64_t offset, uint64_t search_from, const Status& cause) {
  auto next = FindNextRecord(search_from);
  if (!next.ok()) {
    Stop(ScanStopReason::kIOError, offset, next.status());
  } else if (next->has_value()) {
    Stop(ScanStopReason::kCorruption, offset, cause, **next);
  } else {
    Stop(ScanStopReason::kTornTail, offset, cause);
  }
}

bool SegmentScanner::Next(ScannedRecord* record) {
  if (stop_.reason != ScanStopReason::kNone) return false;
  const uint64_t x = pos_;
  if (x >= end_) {
    Stop(ScanStopReason::kEnd, x, Status::OK());
    return false;
  }
  auto header_bytes = Window(x, kMaxRecordHeaderSize);
  if (!header_bytes.ok()) {
    Stop(ScanStopReason::kIOError, x, header_bytes.status());
    return false;
  }
  auto decoded = DecodeRecordHeader(*header_bytes, reader_.header().salt);
  if (!decoded.ok()) {
    if (IsIncomplete(decoded.status())) {
      // The window is short only at the end: a header cut by the end is a torn tail.
      Stop(ScanStopReason::kTornTail, x, decoded.status());
    } else {
      StopAtBadRecord(x, x + 1, decoded.status());
    }
    return false;
  }
  RecordHeader header = std::move(decoded).value();
  const uint64_t total = header.record_size();
  if (total > end_ - x) {
    Stop(ScanStopReason::kTornTail, x,
         Status::OutOfRange("record of " + std::to_string(total) + " bytes passes the end " +
                            std::to_string(end_)));
    return false;
  }
  // Checksum the payload in buffer-sized pieces, keeping it if it is small enough.
  const uint64_t payload_offset = x + header.encoded_size();
  const bool load = header.payload_length <= options_.max_loaded_payload;
  record->payload.clear();
  uint32_t crc = 0;
  for (uint64_t done = 0; done < header.payload_length;) {
    const size_t want = std::min<uint64_t>(options_.buffer_size, header.payload_length - done);
    auto piece = Window(payload_offset + done, want);
    if (!piece.ok()) {
      Stop(ScanStopReason::kIOError, x, piece.status());
      return false;
    }
    if (piece->size() < want) {  // The file is shorter than end_.
      Stop(ScanStopReason::kTornTail, x, Status::OutOfRange("file ends inside a payload"));
      return false;
    }
    crc = Crc32cExtend(crc, *piece);
    if (load) record->payload.append(*piece);
    done += want;
  }
  auto trailer = Window(payload_offset + header.payload_length, kRecordCrcSize);
  if (!trailer.ok()) {
    Stop(ScanStopReason::kIOError, x, trailer.status());
    return false;
  }
  if (trailer->size() < kRecordCrcSize) {
    Stop(ScanStopReason::kTornTail, x, Status::OutOfRange("file ends inside a payload CRC"));
    return false;
  }
  if (DecodeFixed<uint32_t>(trailer->data()) != crc) {
    StopAtBadRecord(x, x + total, Status::Corruption("payload CRC mismatch"));
    return false;
  }
  record->location = RecordExtent{x, total, payload_offset, header.payload_length, crc};
  record->payload_loaded = load;
  record->header = std::move(header);
  pos_ = x + total;
  return true;
}

}  // namespace shale::storage
