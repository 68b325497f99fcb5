// Fuzz target for the segment record parsers: DecodeRecordHeader, the id decoders, the
// segment header decoder, and SegmentScanner over arbitrary bytes placed after a valid
// segment header (in memory). Records in the corpus are encoded with kFuzzSalt.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "storage/record.h"
#include "storage/segment_format.h"
#include "storage/segment_header.h"
#include "storage/segment_reader.h"

namespace shale::storage {
namespace {

constexpr uint64_t kFuzzSalt = 0x5eed5eed5eed5eedULL;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

class MemoryFile : public fs::RandomAccessFile {
 public:
  explicit MemoryFile(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) const override {
    if (offset >= bytes_.size()) return size_t{0};
    size_t n = std::min<uint64_t>(out.size(), bytes_.size() - offset);
    std::memcpy(out.data(), bytes_.data() + offset, n);
    return n;
  }
  Result<uint64_t> Size() const override { return bytes_.size(); }
  const std::string& path() const override { return path_; }

 private:
  std::string bytes_;
  std::string path_ = "memory";
};

void FuzzHeader(std::string_view input) {
  auto header = DecodeRecordHeader(input, kFuzzSalt);
  if (!header.ok()) return;
  // A header that decodes re-encodes to exactly the bytes it came from.
  std::string again;
  Check(EncodeRecordHeader(*header, kFuzzSalt, &again).ok(), "decoded header re-encodes");
  Check(input.substr(0, again.size()) == again, "re-encoded header matches input");
}

void FuzzScan(std::string_view input) {
  auto segment_header = EncodeSegmentHeader({1, "node", "cluster", 0, kFuzzSalt});
  Check(segment_header.ok(), "segment header encodes");
  std::string bytes = *segment_header;
  bytes.append(input);
  const uint64_t size = bytes.size();
  auto reader = SegmentReader::Open(std::make_unique<MemoryFile>(std::move(bytes)));
  Check(reader.ok(), "segment header decodes");
  ScanOptions options;
  options.buffer_size = kMaxRecordHeaderSize;  // Small: exercises piecewise payload checks.
  options.max_loaded_payload = 1024;
  auto scanner = SegmentScanner::Create(**reader, options);
  Check(scanner.ok(), "scanner starts");
  uint64_t expected_offset = kSegmentHeaderSize;
  ScannedRecord record;
  while ((*scanner)->Next(&record)) {
    Check(record.location.offset == expected_offset, "records are contiguous");
    expected_offset += record.location.length;
    Check(expected_offset <= size, "record inside the file");
    auto read = (*reader)->ReadRecord(record.location.offset);
    Check(read.ok() && read->location == record.location, "scanned record reads back");
  }
  const ScanStop& stop = (*scanner)->stop();
  Check(stop.offset == expected_offset, "stop offset is the next record boundary");
  switch (stop.reason) {
    case ScanStopReason::kEnd:
      Check(stop.offset == size, "clean end at the end");
      break;
    case ScanStopReason::kTornTail:
      Check(stop.offset < size, "torn tail before the end");
      break;
    case ScanStopReason::kCorruption:
      Check(stop.resume_offset > stop.offset && stop.resume_offset < size, "resume offset");
      break;
    case ScanStopReason::kIOError:
    case ScanStopReason::kNone:
      Check(false, "in-memory scan ends with end, torn tail or corruption");
  }
}

}  // namespace

void FuzzOne(std::string_view input) {
  FuzzHeader(input);
  (void)DecodeVersionRecordId(input);  // Must not crash; the outcome is irrelevant here.
  (void)DecodeTombstoneId(input);      // Same.
  (void)DecodeSegmentHeader(input);
  FuzzScan(input);
}

}  // namespace shale::storage

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  shale::storage::FuzzOne(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
