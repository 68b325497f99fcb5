#include "common/object_record.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace shale {
namespace {

// Little-endian fixed-width integers and u32-length-prefixed strings.
class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) { Fixed(v, 4); }
  void U64(uint64_t v) { Fixed(v, 8); }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void Version(const VersionId& v) {
    VersionId::Binary b = v.ToBinary();
    out_.append(reinterpret_cast<const char*>(b.data()), b.size());
  }
  void Reserve(size_t n) { out_.reserve(n); }
  std::string Take() { return std::move(out_); }

 private:
  void Fixed(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view in, std::string_view what) : in_(in), what_(what) {}

  bool U8(uint8_t* v) {
    if (in_.empty()) return Fail();
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool U32(uint32_t* v) {
    uint64_t x;
    if (!Fixed(&x, 4)) return false;
    *v = static_cast<uint32_t>(x);
    return true;
  }
  bool U64(uint64_t* v) { return Fixed(v, 8); }
  bool Str(std::string* s) {
    uint32_t n;
    if (!U32(&n) || n > in_.size()) return Fail();
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool Version(VersionId* v) {
    if (in_.size() < VersionId::kBinarySize) return Fail();
    auto r = VersionId::FromBinary(std::span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(in_.data()), VersionId::kBinarySize));
    if (!r.ok()) return Fail();
    *v = *r;
    in_.remove_prefix(VersionId::kBinarySize);
    return true;
  }
  bool Pairs(std::vector<std::pair<std::string, std::string>>* pairs) {
    uint32_t n;
    // Each pair takes at least 8 bytes: a count beyond the bytes left is a lie.
    if (!U32(&n) || n > in_.size() / 8) return Fail();
    pairs->resize(n);
    for (auto& [a, b] : *pairs) {
      if (!Str(&a) || !Str(&b)) return false;
    }
    return true;
  }
  bool AtEnd() { return in_.empty() || Fail(); }
  Status Error() const {
    return Status::Corruption(std::string(what_) + ": truncated or malformed");
  }

 private:
  bool Fixed(uint64_t* v, int bytes) {
    if (in_.size() < static_cast<size_t>(bytes)) return Fail();
    uint64_t x = 0;
    for (int i = bytes - 1; i >= 0; --i) x = (x << 8) | static_cast<uint8_t>(in_[i]);
    *v = x;
    in_.remove_prefix(bytes);
    return true;
  }
  bool Fail() { return false; }

  std::string_view in_;
  std::string_view what_;
};

void WritePairs(Writer& w, const std::vector<std::pair<std::string, std::string>>& pairs) {
  w.U32(static_cast<uint32_t>(pairs.size()));
  for (const auto& [a, b] : pairs) {
    w.Str(a);
    w.Str(b);
  }
}

void WriteChecksums(Writer& w, const std::vector<ObjectChecksum>& checksums) {
  w.U32(static_cast<uint32_t>(checksums.size()));
  for (const ObjectChecksum& c : checksums) {
    w.U8(static_cast<uint8_t>(c.algorithm));
    w.Str(c.base64);
  }
}

bool ReadChecksums(Reader& r, std::vector<ObjectChecksum>* out) {
  uint32_t count;
  if (!r.U32(&count) || count > 16) return false;
  out->resize(count);
  for (ObjectChecksum& c : *out) {
    uint8_t algorithm;
    if (!r.U8(&algorithm) || algorithm > static_cast<uint8_t>(ChecksumAlgorithm::kSha256) ||
        !r.Str(&c.base64)) {
      return false;
    }
    c.algorithm = static_cast<ChecksumAlgorithm>(algorithm);
  }
  return true;
}

constexpr uint32_t kMaxParts = 10000;

}  // namespace

std::string EncodeLayout(const ObjectLayout& l) {
  Writer w;
  w.Reserve(64 + l.data.size());
  w.U8(kLayoutFormat);
  w.U8(static_cast<uint8_t>(l.kind));
  w.U32(l.set);
  w.U32(l.rotation);
  w.U32(l.k);
  w.U32(l.m);
  w.U64(l.chunk_size);
  w.Version(l.data_id);
  w.U32(l.replicas);
  w.U8(l.has_data ? 1 : 0);
  if (l.has_data) w.Str(l.data);
  w.U32(static_cast<uint32_t>(l.parts.size()));
  for (const PartExtent& p : l.parts) {
    w.U32(p.part_number);
    w.U64(p.size);
    w.U64(p.chunk_size);
    w.Version(p.data_id);
    w.Str(p.etag);
    WriteChecksums(w, p.checksums);
  }
  return w.Take();
}

Result<ObjectLayout> DecodeLayout(std::string_view bytes) {
  Reader r(bytes, "object layout");
  ObjectLayout l;
  uint8_t format, kind, has_data;
  if (!r.U8(&format) || format < 1 || format > kLayoutFormat || !r.U8(&kind) ||
      kind > (format == 1 ? 2 : 3) || !r.U32(&l.set) || !r.U32(&l.rotation) || !r.U32(&l.k) ||
      !r.U32(&l.m) || !r.U64(&l.chunk_size) || !r.Version(&l.data_id) || !r.U32(&l.replicas) ||
      !r.U8(&has_data) || has_data > 1) {
    return r.Error();
  }
  l.kind = static_cast<LayoutKind>(kind);
  l.has_data = has_data == 1;
  if (l.has_data && !r.Str(&l.data)) return r.Error();
  if (format >= 2) {
    uint32_t parts;
    if (!r.U32(&parts) || parts > kMaxParts) return r.Error();
    l.parts.resize(parts);
    for (PartExtent& p : l.parts) {
      if (!r.U32(&p.part_number) || !r.U64(&p.size) || !r.U64(&p.chunk_size) ||
          !r.Version(&p.data_id) || !r.Str(&p.etag) || !ReadChecksums(r, &p.checksums)) {
        return r.Error();
      }
    }
  }
  if (!r.AtEnd()) return r.Error();
  const bool parts_ok = l.kind == LayoutKind::kMultipart
                            ? !l.parts.empty() && std::all_of(l.parts.begin(), l.parts.end(),
                                                              [](const PartExtent& p) {
                                                                return p.chunk_size > 0 &&
                                                                       p.part_number >= 1 &&
                                                                       p.part_number <= kMaxParts;
                                                              })
                            : l.parts.empty();
  if (!parts_ok) return Status::Corruption("object layout: inconsistent parts");
  if (l.kind != LayoutKind::kNone &&
      (l.k == 0 || l.k > 16 || l.m > 4 || l.rotation >= l.k + l.m ||
       (l.kind == LayoutKind::kErasure && l.chunk_size == 0) ||
       (l.kind == LayoutKind::kReplicated && (l.replicas == 0 || l.replicas > l.k + l.m)))) {
    return Status::Corruption("object layout: inconsistent fields");
  }
  return l;
}

std::string EncodeObjectRecord(const ObjectInfo& info, const VersionId& attr_revision) {
  Writer w;
  w.Reserve(256 + info.layout.size());
  w.U8(kObjectRecordFormat);
  w.Version(attr_revision);
  w.U64(info.size);
  w.U64(static_cast<uint64_t>(info.last_modified_ms));
  w.Str(info.etag);
  w.Str(info.owner_id);
  const ObjectAttributes& a = info.attributes;
  for (const std::string* s : {&a.content_type, &a.content_encoding, &a.content_disposition,
                               &a.content_language, &a.cache_control, &a.expires}) {
    w.Str(*s);
  }
  WritePairs(w, a.user_metadata);
  WritePairs(w, a.tags);
  WriteChecksums(w, info.checksums);
  w.Str(info.layout);
  w.U8(info.null_version ? 1 : 0);
  return w.Take();
}

Result<ObjectRecord> DecodeObjectRecord(std::string_view payload) {
  Reader r(payload, "object version record");
  ObjectRecord rec;
  ObjectInfo& info = rec.info;
  ObjectAttributes& a = info.attributes;
  uint8_t format;
  uint64_t modified;
  if (!r.U8(&format) || format < 1 || format > kObjectRecordFormat ||
      !r.Version(&rec.attr_revision) || !r.U64(&info.size) || !r.U64(&modified) ||
      !r.Str(&info.etag) || !r.Str(&info.owner_id) || !r.Str(&a.content_type) ||
      !r.Str(&a.content_encoding) || !r.Str(&a.content_disposition) ||
      !r.Str(&a.content_language) || !r.Str(&a.cache_control) || !r.Str(&a.expires) ||
      !r.Pairs(&a.user_metadata) || !r.Pairs(&a.tags) || !ReadChecksums(r, &info.checksums) ||
      !r.Str(&info.layout)) {
    return r.Error();
  }
  info.last_modified_ms = static_cast<int64_t>(modified);
  info.null_version = true;  // Format 1 predates versioning: every object was a null version.
  if (format >= 2) {
    uint8_t flags;
    if (!r.U8(&flags) || flags > 1) return r.Error();
    info.null_version = (flags & 1) != 0;
  }
  if (!r.AtEnd()) return r.Error();
  return rec;
}

Result<ObjectRecord> RecordFromWire(std::string_view bucket, const node_wire::WireVersion& wire) {
  SHALE_ASSIGN_OR_RETURN(ObjectRecord rec, DecodeObjectRecord(wire.payload));
  SHALE_ASSIGN_OR_RETURN(rec.info.version, VersionId::FromBinary(wire.version));
  rec.info.bucket.assign(bucket);
  rec.info.key = wire.key;
  rec.info.delete_marker = wire.kind == node_wire::WireKind::kDeleteMarker;
  return rec;
}

std::string ShardId(const VersionId& data_id, uint32_t chunk, uint32_t shard) {
  std::string id(22, '\0');
  id[0] = 'c';
  VersionId::Binary b = data_id.ToBinary();
  std::memcpy(id.data() + 1, b.data(), b.size());
  for (int i = 0; i < 4; ++i) id[17 + i] = static_cast<char>(chunk >> (8 * (3 - i)));
  id[21] = static_cast<char>(shard);
  return id;
}

std::vector<ErasureExtent> ErasureExtents(const ObjectLayout& layout, uint64_t object_size) {
  std::vector<ErasureExtent> out;
  if (layout.kind == LayoutKind::kErasure) {
    out.push_back({layout.data_id, object_size, layout.chunk_size});
  } else if (layout.kind == LayoutKind::kMultipart) {
    out.reserve(layout.parts.size());
    for (const PartExtent& p : layout.parts) out.push_back({p.data_id, p.size, p.chunk_size});
  }
  return out;
}

uint64_t ChunkCount(const ErasureExtent& extent) {
  if (extent.chunk_size == 0) return 0;
  return (extent.size + extent.chunk_size - 1) / extent.chunk_size;
}

std::string UploadsBucket(std::string_view bucket) { return std::string(bucket) + ":uploads"; }
std::string PartsBucket(std::string_view bucket) { return std::string(bucket) + ":parts"; }

std::string PartKey(const VersionId& upload_id, uint32_t part_number) {
  char number[8];
  std::snprintf(number, sizeof(number), "%05u", part_number);
  return upload_id.ToText() + "/" + number;
}

Result<VersionId> ShardDataId(std::string_view shard_id) {
  if (shard_id.size() != 22 || shard_id[0] != 'c') {
    return Status::Corruption("not a data path shard id");
  }
  return VersionId::FromBinary(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(shard_id.data()) + 1, 16));
}

std::string EncodeBucketRecord(const BucketRecord& record) {
  Writer w;
  w.U8(kBucketRecordFormat);
  w.Version(record.revision);
  w.U8(record.deleted ? 1 : 0);
  w.Str(record.info.owner_id);
  w.U64(static_cast<uint64_t>(record.info.created_ms));
  w.Str(record.info.region);
  w.Str(record.info.cors_json);
  w.U8(static_cast<uint8_t>(record.info.versioning));
  return w.Take();
}

Result<BucketRecord> DecodeBucketRecord(std::string_view name, std::string_view payload) {
  Reader r(payload, "bucket record");
  BucketRecord rec;
  uint8_t format, deleted;
  uint64_t created;
  if (!r.U8(&format) || format < 1 || format > kBucketRecordFormat || !r.Version(&rec.revision) ||
      !r.U8(&deleted) || deleted > 1 || !r.Str(&rec.info.owner_id) || !r.U64(&created) ||
      !r.Str(&rec.info.region) || !r.Str(&rec.info.cors_json)) {
    return r.Error();
  }
  if (format >= 2) {
    uint8_t versioning;
    if (!r.U8(&versioning) || versioning > 2) return r.Error();
    rec.info.versioning = static_cast<BucketVersioning>(versioning);
  }
  if (!r.AtEnd()) return r.Error();
  rec.deleted = deleted == 1;
  rec.info.name.assign(name);
  rec.info.created_ms = static_cast<int64_t>(created);
  return rec;
}

}  // namespace shale
