#include "storage/index_codec.h"

#include <algorithm>

#include "storage/byte_codec.h"

namespace shale::storage {
namespace {

Status Bad(std::string_view what) {
  return Status::Corruption(std::string("index value: bad ") + std::string(what) +
                            "; rebuild the index with `shale rebuild-index --data DIR`");
}

// Reads the version byte; false if it is missing or unknown.
bool ReadVersion(ByteReader& r) { return r.U8() == kIndexValueVersion && !r.failed(); }

void PutLocation(std::string* out, const RecordLocation& l) {
  PutLE(out, l.segment_id, 4);
  PutLE(out, l.offset, 8);
  PutLE(out, l.length, 4);
}

RecordLocation ReadLocation(ByteReader& r) {
  RecordLocation l;
  l.segment_id = r.U32();
  l.offset = r.U64();
  l.length = r.U32();
  return l;
}

// Records are shards, versions or buckets; repair items may also be object hints.
bool ValidKind(uint8_t k) { return k >= 1 && k <= 3; }
bool ValidRepairKind(uint8_t k) { return k >= 1 && k <= 4; }

void PutText(std::string* out, std::string_view s) {
  s = s.substr(0, std::min(s.size(), kMaxRepairTextSize));
  PutLE(out, s.size(), 2);
  out->append(s);
}

}  // namespace

std::string EncodeShardEntry(const ShardEntry& e) {
  std::string out;
  out.push_back(static_cast<char>(kIndexValueVersion));
  PutLocation(&out, e.location);
  PutLE(&out, e.payload_offset, 4);
  PutLE(&out, e.payload_length, 4);
  PutLE(&out, e.payload_crc32c, 4);
  PutLE(&out, e.sequence, 8);
  out.push_back(static_cast<char>(e.flags));
  return out;
}

Result<ShardEntry> DecodeShardEntry(std::string_view bytes) {
  ByteReader r(bytes);
  if (!ReadVersion(r)) return Bad("shard entry version");
  ShardEntry e;
  e.location = ReadLocation(r);
  e.payload_offset = r.U32();
  e.payload_length = r.U32();
  e.payload_crc32c = r.U32();
  e.sequence = r.U64();
  e.flags = r.U8();
  if (!r.Done()) return Bad("shard entry length");
  return e;
}

std::string EncodeMetadataEntry(const MetadataEntry& e) {
  std::string out;
  out.reserve(34 + e.payload.size());
  out.push_back(static_cast<char>(kIndexValueVersion));
  PutLocation(&out, e.location);
  PutLE(&out, e.sequence, 8);
  out.push_back(static_cast<char>(e.flags));
  PutLE(&out, e.payload.size(), 4);
  out.append(e.payload);
  return out;
}

Result<MetadataEntry> DecodeMetadataEntry(std::string_view bytes) {
  ByteReader r(bytes);
  if (!ReadVersion(r)) return Bad("metadata entry version");
  MetadataEntry e;
  e.location = ReadLocation(r);
  e.sequence = r.U64();
  e.flags = r.U8();
  uint32_t n = r.U32();
  e.payload = std::string(r.Bytes(n));
  if (!r.Done()) return Bad("metadata entry length");
  return e;
}

std::string EncodeSegmentStats(const SegmentStats& s) {
  std::string out;
  out.push_back(static_cast<char>(kIndexValueVersion));
  PutLE(&out, s.live_bytes, 8);
  PutLE(&out, s.total_bytes, 8);
  PutLE(&out, s.indexed_up_to, 8);
  out.push_back(s.sealed ? 1 : 0);
  return out;
}

Result<SegmentStats> DecodeSegmentStats(std::string_view bytes) {
  ByteReader r(bytes);
  if (!ReadVersion(r)) return Bad("segment stats version");
  SegmentStats s;
  s.live_bytes = r.U64();
  s.total_bytes = r.U64();
  s.indexed_up_to = r.U64();
  uint8_t sealed = r.U8();
  if (!r.Done() || sealed > 1) return Bad("segment stats length");
  s.sealed = sealed == 1;
  return s;
}

std::string EncodeSegmentRecordRef(const SegmentRecordRef& ref) {
  std::string out;
  out.push_back(static_cast<char>(kIndexValueVersion));
  out.push_back(static_cast<char>(ref.kind));
  PutLE(&out, ref.length, 4);
  out.append(ref.id);
  return out;
}

Result<SegmentRecordRef> DecodeSegmentRecordRef(uint64_t offset, std::string_view bytes) {
  ByteReader r(bytes);
  if (!ReadVersion(r)) return Bad("segment record ref version");
  SegmentRecordRef ref;
  ref.offset = offset;
  uint8_t kind = r.U8();
  ref.length = r.U32();
  ref.id = std::string(r.Rest());
  if (r.failed() || !ValidKind(kind)) return Bad("segment record ref");
  ref.kind = static_cast<RecordKind>(kind);
  return ref;
}

std::string EncodeRepairItem(const RepairItem& item) {
  std::string out;
  out.push_back(static_cast<char>(kIndexValueVersion));
  out.push_back(static_cast<char>(item.kind));
  PutLE(&out, item.enqueue_time_ms, 8);
  PutText(&out, item.id);
  PutText(&out, item.reason);
  return out;
}

Result<RepairItem> DecodeRepairItem(uint64_t seq, std::string_view bytes) {
  ByteReader r(bytes);
  if (!ReadVersion(r)) return Bad("repair item version");
  RepairItem item;
  item.seq = seq;
  uint8_t kind = r.U8();
  item.enqueue_time_ms = r.U64();
  item.id = std::string(r.Bytes(r.U16()));
  item.reason = std::string(r.Bytes(r.U16()));
  if (!r.Done() || !ValidRepairKind(kind)) return Bad("repair item");
  item.kind = static_cast<RecordKind>(kind);
  return item;
}

}  // namespace shale::storage
