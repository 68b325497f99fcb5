#include "tests/support/shard_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace shale::testing {
namespace {

constexpr uint64_t kSegmentHeaderSize = 256;
constexpr uint32_t kRecordMagic = 0x43524853;
constexpr uint64_t kFixedHeaderSize = 24;
constexpr uint64_t kCrcSize = 4;
constexpr uint8_t kShardType = 1;

uint64_t LoadLe(const char* p, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

Status ScanSegment(const std::string& path, std::vector<ShardRecordFile>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("open " + path);
  in.seekg(0, std::ios::end);
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  uint64_t pos = kSegmentHeaderSize;
  char fixed[kFixedHeaderSize];
  while (pos + kFixedHeaderSize <= size) {
    in.seekg(static_cast<std::streamoff>(pos));
    if (!in.read(fixed, kFixedHeaderSize)) return Status::IOError("read " + path);
    if (LoadLe(fixed, 4) != kRecordMagic) {
      return Status::Corruption(path + ": no record magic at offset " + std::to_string(pos));
    }
    const uint8_t type = static_cast<uint8_t>(fixed[5]);
    const uint64_t id_length = LoadLe(fixed + 8, 2);
    const uint64_t payload_length = LoadLe(fixed + 12, 4);
    const uint64_t record_size =
        kFixedHeaderSize + id_length + kCrcSize + payload_length + kCrcSize;
    if (pos + record_size > size) break;  // A torn tail: nothing acknowledged lives there.
    if (type == kShardType) {
      ShardRecordFile r;
      r.segment_path = path;
      r.record_offset = pos;
      r.id.resize(id_length);
      if (!in.read(r.id.data(), static_cast<std::streamsize>(id_length))) {
        return Status::IOError("read " + path);
      }
      r.payload_offset = pos + kFixedHeaderSize + id_length + kCrcSize;
      r.payload_length = static_cast<uint32_t>(payload_length);
      out->push_back(std::move(r));
    }
    pos += record_size;
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<ShardRecordFile>> FindShardRecords(const std::string& data_dir) {
  std::vector<std::string> segments;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir + "/segments", ec)) {
    if (entry.path().extension() == ".seg") segments.push_back(entry.path().string());
  }
  if (ec) return Status::IOError("list " + data_dir + "/segments: " + ec.message());
  std::sort(segments.begin(), segments.end());
  std::vector<ShardRecordFile> out;
  for (const std::string& path : segments) SHALE_RETURN_IF_ERROR(ScanSegment(path, &out));
  return out;
}

Status FlipShardPayloadByte(const ShardRecordFile& record, uint64_t offset_in_payload) {
  if (offset_in_payload >= record.payload_length) {
    return Status::InvalidArgument("offset past the shard's payload");
  }
  // The node is stopped and rereads the file through the page cache: no fsync needed.
  std::fstream file(record.segment_path, std::ios::binary | std::ios::in | std::ios::out);
  const auto at = static_cast<std::streamoff>(record.payload_offset + offset_in_payload);
  char byte = 0;
  if (!file.seekg(at) || !file.read(&byte, 1)) {
    return Status::IOError("read " + record.segment_path);
  }
  byte = static_cast<char>(byte ^ 0xFF);
  if (!file.seekp(at) || !file.write(&byte, 1) || !file.flush()) {
    return Status::IOError("write " + record.segment_path);
  }
  return Status::OK();
}

}  // namespace shale::testing
