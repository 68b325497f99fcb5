#include "storage/segment_reader.h"

#include <algorithm>
#include <vector>

#include "storage/byte_codec.h"
#include "storage/crc32c.h"
#include "storage/segment_format.h"

namespace shale::storage {
namespace {

// Pieces in which the reader checksums payloads: bounds its memory per call.
constexpr size_t kReadPiece = size_t{1} << 20;

// Reads until `out` is full or the file ends; returns the byte count.
Result<size_t> ReadFully(const fs::RandomAccessFile& file, uint64_t offset, std::span<char> out) {
  size_t done = 0;
  while (done < out.size()) {
    SHALE_ASSIGN_OR_RETURN(size_t n, file.ReadAt(offset + done, out.subspan(done)));
    if (n == 0) break;
    done += n;
  }
  return done;
}

std::string At(uint64_t offset) { return "at offset " + std::to_string(offset); }

}  // namespace

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(
    std::unique_ptr<fs::RandomAccessFile> file) {
  std::vector<char> buf(kSegmentHeaderSize);
  SHALE_ASSIGN_OR_RETURN(size_t n, ReadFully(*file, 0, buf));
  auto header = DecodeSegmentHeader(std::span<const char>(buf.data(), n));
  if (!header.ok()) return header.status().WithContext(file->path());
  return std::make_unique<SegmentReader>(Token(), std::move(file), std::move(header).value());
}

Result<Record> SegmentReader::ReadRecord(uint64_t offset) const {
  if (offset < kSegmentHeaderSize) {
    return Status::InvalidArgument("record offset " + std::to_string(offset) +
                                   " inside the segment header");
  }
  // One read covers the header and, for small records, the whole record.
  std::string buf(kMaxRecordHeaderSize + 16 * 1024, '\0');
  SHALE_ASSIGN_OR_RETURN(size_t n, ReadFully(*file_, offset, buf));
  auto decoded = DecodeRecordHeader(std::span<const char>(buf.data(), n), header_.salt);
  if (!decoded.ok()) {
    const Status& s = decoded.status();
    if (IsIncomplete(s)) return Status::Corruption("record cut short by end of file " + At(offset));
    return s.WithContext(file_->path() + " " + At(offset));
  }
  Record record;
  record.header = std::move(decoded).value();
  const size_t header_size = record.header.encoded_size();
  const uint64_t total = record.header.record_size();
  if (n < total) {
    buf.resize(total);
    SHALE_ASSIGN_OR_RETURN(size_t more, ReadFully(*file_, offset + n, std::span(buf).subspan(n)));
    if (n + more < total) {
      return Status::Corruption("record cut short by end of file " + At(offset));
    }
  }
  std::string_view payload(buf.data() + header_size, record.header.payload_length);
  uint32_t stored = DecodeFixed<uint32_t>(buf.data() + header_size + payload.size());
  uint32_t crc = Crc32c(payload);
  if (crc != stored) {
    return Status::Corruption("payload CRC mismatch in " + file_->path() + " " + At(offset));
  }
  record.location =
      RecordExtent{offset, total, offset + header_size, record.header.payload_length, crc};
  record.payload.assign(payload);
  return record;
}

Result<RecordHeader> SegmentReader::VerifyRecord(uint64_t offset) const {
  if (offset < kSegmentHeaderSize) {
    return Status::InvalidArgument("record offset " + std::to_string(offset) +
                                   " inside the segment header");
  }
  std::string buf(kMaxRecordHeaderSize, '\0');
  SHALE_ASSIGN_OR_RETURN(size_t n, ReadFully(*file_, offset, buf));
  auto decoded = DecodeRecordHeader(std::span<const char>(buf.data(), n), header_.salt);
  if (!decoded.ok()) {
    const Status& s = decoded.status();
    if (IsIncomplete(s)) return Status::Corruption("record cut short by end of file " + At(offset));
    return s.WithContext(file_->path() + " " + At(offset));
  }
  const RecordHeader& h = *decoded;
  RecordExtent location{offset, h.record_size(), offset + h.encoded_size(), h.payload_length, 0};
  SHALE_RETURN_IF_ERROR(
      ReadCheckedPayload(location, 0, 0, [](std::string_view) { return Status::OK(); }).status());
  return decoded;
}

Status SegmentReader::StreamPayload(const RecordExtent& location, uint64_t offset_in_payload,
                                    uint64_t length,
                                    const std::function<Status(std::string_view)>& sink) const {
  SHALE_ASSIGN_OR_RETURN(uint32_t crc,
                         ReadCheckedPayload(location, offset_in_payload, length, sink));
  if (crc != location.payload_crc) {
    return Status::Corruption("payload CRC mismatch in " + file_->path() + " " +
                              At(location.offset));
  }
  return Status::OK();
}

Result<uint32_t> SegmentReader::ReadCheckedPayload(
    const RecordExtent& location, uint64_t offset_in_payload, uint64_t length,
    const std::function<Status(std::string_view)>& sink) const {
  if (offset_in_payload > location.payload_length ||
      length > location.payload_length - offset_in_payload) {
    return Status::OutOfRange("range [" + std::to_string(offset_in_payload) + ", +" +
                              std::to_string(length) + ") outside a payload of " +
                              std::to_string(location.payload_length) + " bytes");
  }
  const uint64_t range_end = offset_in_payload + length;
  // Payload and its stored CRC, read in pieces.
  const uint64_t total = uint64_t{location.payload_length} + kRecordCrcSize;
  std::string piece(std::min<uint64_t>(total, kReadPiece), '\0');
  std::string trailer;
  uint32_t crc = 0;
  for (uint64_t done = 0; done < total;) {
    const size_t want = std::min<uint64_t>(piece.size(), total - done);
    std::span<char> out(piece.data(), want);
    SHALE_ASSIGN_OR_RETURN(size_t n, ReadFully(*file_, location.payload_offset + done, out));
    if (n < want) {
      return Status::Corruption("payload cut short by end of file " + At(location.offset));
    }
    // Split this piece into payload bytes and trailer bytes.
    const uint64_t payload_left =
        done < location.payload_length ? location.payload_length - done : 0;
    std::string_view data(piece.data(), want);
    std::string_view body = data.substr(0, std::min<uint64_t>(want, payload_left));
    trailer.append(data.substr(body.size()));
    crc = Crc32cExtend(crc, body);
    // The part of the requested range inside this piece.
    const uint64_t lo = std::max(done, offset_in_payload);
    const uint64_t hi = std::min(done + body.size(), range_end);
    if (lo < hi) SHALE_RETURN_IF_ERROR(sink(body.substr(lo - done, hi - lo)));
    done += want;
  }
  const uint32_t stored = DecodeFixed<uint32_t>(trailer.data());
  if (crc != stored) {
    return Status::Corruption("payload CRC mismatch in " + file_->path() + " " +
                              At(location.offset));
  }
  return crc;
}

Result<std::string> SegmentReader::ReadPayloadRange(const RecordExtent& location,
                                                    uint64_t offset_in_payload,
                                                    uint64_t length) const {
  std::string out;
  SHALE_RETURN_IF_ERROR(
      StreamPayload(location, offset_in_payload, length, [&out](std::string_view piece) {
        out.append(piece);
        return Status::OK();
      }));
  return out;
}

}  // namespace shale::storage
