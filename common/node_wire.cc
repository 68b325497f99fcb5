#include "common/node_wire.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstring>

#include "common/encoding.h"

namespace shale::node_wire {
namespace {

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U16(uint16_t v) { Fixed(v, 2); }
  void U32(uint32_t v) { Fixed(v, 4); }
  void U64(uint64_t v) { Fixed(v, 8); }
  void Bytes(std::string_view b) { out_.append(b); }
  std::string Take() { return std::move(out_); }

 private:
  void Fixed(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

// Reads fields front to back; every read checks the bytes left.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v) {
    uint64_t x;
    if (!Fixed(1, &x)) return false;
    *v = static_cast<uint8_t>(x);
    return true;
  }
  bool U16(uint16_t* v) {
    uint64_t x;
    if (!Fixed(2, &x)) return false;
    *v = static_cast<uint16_t>(x);
    return true;
  }
  bool U32(uint32_t* v) {
    uint64_t x;
    if (!Fixed(4, &x)) return false;
    *v = static_cast<uint32_t>(x);
    return true;
  }
  bool U64(uint64_t* v) { return Fixed(8, v); }
  bool Bytes(size_t n, std::string* out) {
    if (in_.size() < n) return false;
    out->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }
  size_t left() const { return in_.size(); }

 private:
  bool Fixed(int n, uint64_t* v) {
    if (in_.size() < static_cast<size_t>(n)) return false;
    uint64_t x = 0;
    for (int i = 0; i < n; ++i) x |= uint64_t{static_cast<uint8_t>(in_[i])} << (8 * i);
    in_.remove_prefix(n);
    *v = x;
    return true;
  }
  std::string_view in_;
};

Status Truncated(std::string_view what) {
  return Status::Corruption(std::string(what) + ": truncated or malformed body");
}

// A count read from the wire, checked against the limit and the smallest entry size so a
// hostile count cannot make the decoder reserve memory the body does not back.
bool ReadCount(Reader& r, size_t limit, size_t min_entry, uint32_t* count) {
  return r.U32(count) && *count <= limit && r.left() / min_entry >= *count;
}

// One shard entry of a check response or a shard page.
void WriteShardCheck(Writer& w, const ShardCheck& c) {
  w.U8(static_cast<uint8_t>(c.id.size()));
  w.Bytes(c.id);
  w.U8(static_cast<uint8_t>((c.present ? 1 : 0) | (c.healthy ? 2 : 0)));
  w.U64(c.length);
  w.U32(c.crc32c);
}
constexpr size_t kMinShardCheckSize = 1 + 1 + 8 + 4;

bool ReadShardCheck(Reader& r, ShardCheck* c) {
  uint8_t len, flags;
  if (!r.U8(&len) || !r.Bytes(len, &c->id) || !r.U8(&flags) || !r.U64(&c->length) ||
      !r.U32(&c->crc32c) || flags > 3) {
    return false;
  }
  c->present = flags & 1;
  c->healthy = flags & 2;
  return true;
}

// One GET /v1/list entry (also the tail of a GET /v1/scan entry).
void WriteVersionEntry(Writer& w, const WireVersion& v) {
  w.U32(static_cast<uint32_t>(v.key.size()));
  w.Bytes(v.key);
  w.Bytes(std::string_view(reinterpret_cast<const char*>(v.version.data()), v.version.size()));
  w.U8(static_cast<uint8_t>(v.kind));
  w.U64(v.sequence);
  w.U32(static_cast<uint32_t>(v.payload.size()));
  w.Bytes(v.payload);
}
constexpr size_t kMinVersionEntrySize = 4 + 16 + 1 + 8 + 4;

bool ReadVersion(Reader& r, std::array<uint8_t, 16>* version) {
  std::string raw;
  if (!r.Bytes(16, &raw)) return false;
  std::memcpy(version->data(), raw.data(), 16);
  return true;
}

bool ReadVersionEntry(Reader& r, WireVersion* v) {
  uint32_t key_len, payload_len;
  uint8_t kind;
  if (!r.U32(&key_len) || !r.Bytes(key_len, &v->key) || !ReadVersion(r, &v->version) ||
      !r.U8(&kind) || kind > static_cast<uint8_t>(WireKind::kPurged) || !r.U64(&v->sequence) ||
      !r.U32(&payload_len) || !r.Bytes(payload_len, &v->payload)) {
    return false;
  }
  v->kind = static_cast<WireKind>(kind);
  return true;
}

// A u16-length-prefixed string of min..max bytes.
bool ReadText16(Reader& r, size_t min, size_t max, std::string* out) {
  uint16_t len;
  return r.U16(&len) && len >= min && len <= max && r.Bytes(len, out);
}

// Writes a u16-length-prefixed string, cut to `max` bytes.
void WriteText16(Writer& w, std::string_view s, size_t max) {
  s = s.substr(0, std::min(s.size(), max));
  w.U16(static_cast<uint16_t>(s.size()));
  w.Bytes(s);
}

// A page header: u8 truncated (0 or 1) and the entry count.
bool ReadPageHeader(Reader& r, size_t min_entry, bool* truncated, uint32_t* count) {
  uint8_t t;
  if (!r.U8(&t) || t > 1 || !ReadCount(r, kMaxListEntries, min_entry, count)) return false;
  *truncated = t == 1;
  return true;
}

}  // namespace

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated:
      return 403;
    case StatusCode::kNoSpace:
      return 507;
    case StatusCode::kReadOnly:
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kTimeout:
      return 504;
    case StatusCode::kFailedPrecondition:
      return 412;
    case StatusCode::kOutOfRange:
      return 416;
    case StatusCode::kNotSupported:
      return 501;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

StatusCode StatusCodeFromName(std::string_view name) {
  for (int c = 0; c <= static_cast<int>(StatusCode::kInternal); ++c) {
    if (StatusCodeName(static_cast<StatusCode>(c)) == name) return static_cast<StatusCode>(c);
  }
  return StatusCode::kInternal;
}

std::string EncodeError(const Status& status) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("code");
  std::string_view name = StatusCodeName(status.code());
  w.String(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  w.Key("message");
  w.String(status.message().data(), static_cast<rapidjson::SizeType>(status.message().size()));
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

Status DecodeError(int http_status, std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("code") && doc["code"].IsString() &&
      doc.HasMember("message") && doc["message"].IsString()) {
    StatusCode code = StatusCodeFromName(doc["code"].GetString());
    if (code != StatusCode::kOk) {
      return Status(code,
                    std::string_view(doc["message"].GetString(), doc["message"].GetStringLength()));
    }
  }
  std::string msg = "HTTP " + std::to_string(http_status);
  switch (http_status) {
    case 400:
      return Status::InvalidArgument(msg);
    case 403:
      return Status::Unauthenticated(msg);
    case 404:
      return Status::NotFound(msg);
    case 503:
      return Status::Unavailable(msg);
    default:
      return Status::Internal(msg);
  }
}

std::string EncodeCheckRequest(const std::vector<std::string>& ids) {
  Writer w;
  for (const auto& id : ids) {
    w.U8(static_cast<uint8_t>(id.size()));
    w.Bytes(id);
  }
  return w.Take();
}

Result<std::vector<std::string>> DecodeCheckRequest(std::string_view body) {
  Reader r(body);
  std::vector<std::string> ids;
  while (!r.done()) {
    if (ids.size() == kMaxCheckIds) return Status::InvalidArgument("too many ids to check");
    uint8_t len;
    std::string id;
    if (!r.U8(&len) || len == 0 || !r.Bytes(len, &id)) {
      return Status::InvalidArgument("malformed check request");
    }
    ids.push_back(std::move(id));
  }
  return ids;
}

std::string EncodeRepairHint(const RepairHint& hint) {
  Writer w;
  // Names are never cut (a different key would be queued): over-long ones still frame
  // correctly up to the u16 limit and the node refuses them.
  WriteText16(w, hint.bucket, UINT16_MAX);
  WriteText16(w, hint.key, UINT16_MAX);
  w.Bytes(std::string_view(reinterpret_cast<const char*>(hint.version.data()), 16));
  WriteText16(w, hint.reason, kMaxHintReasonSize);
  return w.Take();
}

Result<RepairHint> DecodeRepairHint(std::string_view body) {
  Reader r(body);
  RepairHint hint;
  if (!ReadText16(r, 1, kMaxHintBucketSize, &hint.bucket) ||
      !ReadText16(r, 0, kMaxHintKeySize, &hint.key) || !ReadVersion(r, &hint.version) ||
      !ReadText16(r, 0, kMaxHintReasonSize, &hint.reason) || !r.done()) {
    return Status::InvalidArgument("malformed repair hint");
  }
  return hint;
}

std::string EncodeCheckResponse(const std::vector<ShardCheck>& checks) {
  Writer w;
  w.U32(static_cast<uint32_t>(checks.size()));
  for (const auto& c : checks) WriteShardCheck(w, c);
  return w.Take();
}

Result<std::vector<ShardCheck>> DecodeCheckResponse(std::string_view body) {
  Reader r(body);
  uint32_t count;
  if (!ReadCount(r, kMaxCheckIds, kMinShardCheckSize, &count)) return Truncated("check response");
  std::vector<ShardCheck> out(count);
  for (auto& c : out) {
    if (!ReadShardCheck(r, &c)) return Truncated("check response");
  }
  if (!r.done()) return Truncated("check response");
  return out;
}

std::string EncodeVersionPage(const WireVersionPage& page) {
  Writer w;
  w.U8(page.truncated ? 1 : 0);
  w.U32(static_cast<uint32_t>(page.versions.size()));
  for (const auto& v : page.versions) WriteVersionEntry(w, v);
  return w.Take();
}

Result<WireVersionPage> DecodeVersionPage(std::string_view body) {
  Reader r(body);
  WireVersionPage page;
  uint32_t count;
  if (!ReadPageHeader(r, kMinVersionEntrySize, &page.truncated, &count)) {
    return Truncated("version list");
  }
  page.versions.resize(count);
  for (auto& v : page.versions) {
    if (!ReadVersionEntry(r, &v)) return Truncated("version list");
  }
  if (!r.done()) return Truncated("version list");
  return page;
}

std::string EncodeBucketList(const std::vector<WireBucket>& buckets) {
  Writer w;
  w.U32(static_cast<uint32_t>(buckets.size()));
  for (const auto& b : buckets) {
    w.U32(static_cast<uint32_t>(b.name.size()));
    w.Bytes(b.name);
    w.U32(static_cast<uint32_t>(b.payload.size()));
    w.Bytes(b.payload);
  }
  return w.Take();
}

Result<std::vector<WireBucket>> DecodeBucketList(std::string_view body) {
  Reader r(body);
  uint32_t count;
  if (!ReadCount(r, kMaxListEntries * 10, 8, &count)) return Truncated("bucket list");
  std::vector<WireBucket> out(count);
  for (auto& b : out) {
    uint32_t name_len, payload_len;
    if (!r.U32(&name_len) || !r.Bytes(name_len, &b.name) || !r.U32(&payload_len) ||
        !r.Bytes(payload_len, &b.payload)) {
      return Truncated("bucket list");
    }
  }
  if (!r.done()) return Truncated("bucket list");
  return out;
}

std::string EncodeScanPage(const WireScanPage& page) {
  Writer w;
  w.U8(page.truncated ? 1 : 0);
  w.U32(static_cast<uint32_t>(page.entries.size()));
  for (const auto& e : page.entries) {
    WriteText16(w, e.bucket, UINT16_MAX);
    WriteVersionEntry(w, e.version);
  }
  return w.Take();
}

Result<WireScanPage> DecodeScanPage(std::string_view body) {
  Reader r(body);
  WireScanPage page;
  uint32_t count;
  if (!ReadPageHeader(r, 2 + 1 + kMinVersionEntrySize, &page.truncated, &count)) {
    return Truncated("scan page");
  }
  page.entries.resize(count);
  for (auto& e : page.entries) {
    if (!ReadText16(r, 1, kMaxHintBucketSize, &e.bucket) || !ReadVersionEntry(r, &e.version)) {
      return Truncated("scan page");
    }
  }
  if (!r.done()) return Truncated("scan page");
  return page;
}

std::string EncodeShardPage(const WireShardPage& page) {
  Writer w;
  w.U8(page.truncated ? 1 : 0);
  w.U32(static_cast<uint32_t>(page.shards.size()));
  for (const auto& c : page.shards) WriteShardCheck(w, c);
  return w.Take();
}

Result<WireShardPage> DecodeShardPage(std::string_view body) {
  Reader r(body);
  WireShardPage page;
  uint32_t count;
  if (!ReadPageHeader(r, kMinShardCheckSize, &page.truncated, &count)) {
    return Truncated("shard page");
  }
  page.shards.resize(count);
  for (auto& c : page.shards) {
    // Listed shards are present by definition, and ids are never empty.
    if (!ReadShardCheck(r, &c) || !c.present || c.id.empty()) return Truncated("shard page");
  }
  if (!r.done()) return Truncated("shard page");
  return page;
}

std::string EncodeRepairItems(const std::vector<WireRepairItem>& items) {
  Writer w;
  w.U32(static_cast<uint32_t>(items.size()));
  for (const auto& item : items) {
    w.U64(item.seq);
    w.U8(static_cast<uint8_t>(item.kind));
    std::string_view id = item.shard_id;
    id = id.substr(0, std::min(id.size(), kMaxShardIdSize));
    w.U8(static_cast<uint8_t>(id.size()));
    w.Bytes(id);
    WriteText16(w, item.bucket, kMaxHintBucketSize);
    WriteText16(w, item.key, kMaxHintKeySize);
    w.Bytes(std::string_view(reinterpret_cast<const char*>(item.version.data()), 16));
    WriteText16(w, item.reason, UINT16_MAX);
    w.U64(item.enqueue_time_ms);
  }
  return w.Take();
}

Result<std::vector<WireRepairItem>> DecodeRepairItems(std::string_view body) {
  constexpr size_t kMinItemSize = 8 + 1 + 1 + 2 + 2 + 16 + 2 + 8;
  Reader r(body);
  uint32_t count;
  if (!ReadCount(r, kMaxListEntries, kMinItemSize, &count)) return Truncated("repair items");
  std::vector<WireRepairItem> items(count);
  for (auto& item : items) {
    uint8_t kind, id_len;
    if (!r.U64(&item.seq) || !r.U8(&kind) || kind < 1 || kind > 4 || !r.U8(&id_len) ||
        !r.Bytes(id_len, &item.shard_id) || !ReadText16(r, 0, kMaxHintBucketSize, &item.bucket) ||
        !ReadText16(r, 0, kMaxHintKeySize, &item.key) || !ReadVersion(r, &item.version) ||
        !ReadText16(r, 0, UINT16_MAX, &item.reason) || !r.U64(&item.enqueue_time_ms)) {
      return Truncated("repair items");
    }
    item.kind = static_cast<WireRepairKind>(kind);
    // Only the fields of its kind may be set.
    const bool shard = item.kind == WireRepairKind::kShard;
    const bool versioned =
        item.kind == WireRepairKind::kVersion || item.kind == WireRepairKind::kObjectHint;
    if ((!shard && !item.shard_id.empty()) || (shard && !item.bucket.empty()) ||
        (!versioned && !item.key.empty())) {
      return Truncated("repair items");
    }
  }
  if (!r.done()) return Truncated("repair items");
  return items;
}

std::string EncodeRepairSeqs(const std::vector<uint64_t>& seqs) {
  Writer w;
  w.U32(static_cast<uint32_t>(seqs.size()));
  for (uint64_t seq : seqs) w.U64(seq);
  return w.Take();
}

Result<std::vector<uint64_t>> DecodeRepairSeqs(std::string_view body) {
  Reader r(body);
  uint32_t count;
  if (!ReadCount(r, kMaxListEntries, 8, &count) || r.left() != size_t{count} * 8) {
    return Status::InvalidArgument("malformed repair seq list (at most 10000)");
  }
  std::vector<uint64_t> seqs(count);
  for (auto& seq : seqs) (void)r.U64(&seq);  // The length was checked above.
  return seqs;
}

std::string VersionIdToHex(const std::array<uint8_t, 16>& version) {
  return HexEncode(std::span<const uint8_t>(version.data(), version.size()));
}

Result<std::array<uint8_t, 16>> VersionIdFromHex(std::string_view hex) {
  if (hex.size() != 32) return Status::InvalidArgument("version id must be 32 hex digits");
  SHALE_ASSIGN_OR_RETURN(std::string raw, HexDecode(hex));
  std::array<uint8_t, 16> out;
  std::memcpy(out.data(), raw.data(), 16);
  return out;
}

}  // namespace shale::node_wire
