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
  auto text = [&w](std::string_view s, size_t limit) {
    s = s.substr(0, std::min(s.size(), limit));
    w.U16(static_cast<uint16_t>(s.size()));
    w.Bytes(s);
  };
  // Names are never cut (a different key would be queued): over-long ones still frame
  // correctly up to the u16 limit and the node refuses them.
  text(hint.bucket, UINT16_MAX);
  text(hint.key, UINT16_MAX);
  w.Bytes(std::string_view(reinterpret_cast<const char*>(hint.version.data()), 16));
  text(hint.reason, kMaxHintReasonSize);
  return w.Take();
}

Result<RepairHint> DecodeRepairHint(std::string_view body) {
  Reader r(body);
  auto text = [&r](size_t min, size_t limit, std::string* out) {
    uint16_t len;
    return r.U16(&len) && len >= min && len <= limit && r.Bytes(len, out);
  };
  RepairHint hint;
  std::string version;
  if (!text(1, kMaxHintBucketSize, &hint.bucket) || !text(0, kMaxHintKeySize, &hint.key) ||
      !r.Bytes(16, &version) || !text(0, kMaxHintReasonSize, &hint.reason) || !r.done()) {
    return Status::InvalidArgument("malformed repair hint");
  }
  std::memcpy(hint.version.data(), version.data(), 16);
  return hint;
}

std::string EncodeCheckResponse(const std::vector<ShardCheck>& checks) {
  Writer w;
  w.U32(static_cast<uint32_t>(checks.size()));
  for (const auto& c : checks) {
    w.U8(static_cast<uint8_t>(c.id.size()));
    w.Bytes(c.id);
    w.U8(static_cast<uint8_t>((c.present ? 1 : 0) | (c.healthy ? 2 : 0)));
    w.U64(c.length);
    w.U32(c.crc32c);
  }
  return w.Take();
}

Result<std::vector<ShardCheck>> DecodeCheckResponse(std::string_view body) {
  Reader r(body);
  uint32_t count;
  if (!ReadCount(r, kMaxCheckIds, 15, &count)) return Truncated("check response");
  std::vector<ShardCheck> out(count);
  for (auto& c : out) {
    uint8_t len, flags;
    if (!r.U8(&len) || !r.Bytes(len, &c.id) || !r.U8(&flags) || !r.U64(&c.length) ||
        !r.U32(&c.crc32c) || flags > 3) {
      return Truncated("check response");
    }
    c.present = flags & 1;
    c.healthy = flags & 2;
  }
  if (!r.done()) return Truncated("check response");
  return out;
}

std::string EncodeVersionPage(const WireVersionPage& page) {
  Writer w;
  w.U8(page.truncated ? 1 : 0);
  w.U32(static_cast<uint32_t>(page.versions.size()));
  for (const auto& v : page.versions) {
    w.U32(static_cast<uint32_t>(v.key.size()));
    w.Bytes(v.key);
    w.Bytes(std::string_view(reinterpret_cast<const char*>(v.version.data()), v.version.size()));
    w.U8(static_cast<uint8_t>(v.kind));
    w.U64(v.sequence);
    w.U32(static_cast<uint32_t>(v.payload.size()));
    w.Bytes(v.payload);
  }
  return w.Take();
}

Result<WireVersionPage> DecodeVersionPage(std::string_view body) {
  Reader r(body);
  WireVersionPage page;
  uint8_t truncated;
  uint32_t count;
  if (!r.U8(&truncated) || truncated > 1 || !ReadCount(r, kMaxListEntries, 33, &count)) {
    return Truncated("version list");
  }
  page.truncated = truncated == 1;
  page.versions.resize(count);
  for (auto& v : page.versions) {
    uint32_t key_len, payload_len;
    std::string version;
    uint8_t kind;
    if (!r.U32(&key_len) || !r.Bytes(key_len, &v.key) || !r.Bytes(16, &version) || !r.U8(&kind) ||
        kind > static_cast<uint8_t>(WireKind::kPurged) || !r.U64(&v.sequence) ||
        !r.U32(&payload_len) || !r.Bytes(payload_len, &v.payload)) {
      return Truncated("version list");
    }
    std::memcpy(v.version.data(), version.data(), 16);
    v.kind = static_cast<WireKind>(kind);
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
