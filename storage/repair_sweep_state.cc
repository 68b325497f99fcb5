#include "storage/repair_sweep_state.h"

#include <cstring>

#include "common/crc.h"
#include "common/fs/file_util.h"

namespace shale::storage {
namespace {

constexpr uint8_t kRunning = 1;
constexpr uint8_t kHasCursor = 2;
constexpr size_t kMaxName = 2048;

void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutStr(std::string& out, std::string_view s) {
  out.push_back(static_cast<char>(s.size() & 0xff));
  out.push_back(static_cast<char>((s.size() >> 8) & 0xff));
  out.append(s);
}

// Reads little-endian fields from untrusted bytes, never past their end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U8(uint8_t& v) {
    if (in_.empty()) return false;
    v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool Fixed(size_t n, uint64_t& v) {
    if (in_.size() < n) return false;
    v = 0;
    for (size_t i = n; i-- > 0;) v = (v << 8) | static_cast<uint8_t>(in_[i]);
    in_.remove_prefix(n);
    return true;
  }
  bool Str(std::string& s) {
    uint64_t len = 0;
    if (!Fixed(2, len) || len > kMaxName || in_.size() < len) return false;
    s.assign(in_.substr(0, len));
    in_.remove_prefix(len);
    return true;
  }
  bool Bytes(uint8_t* out, size_t n) {
    if (in_.size() < n) return false;
    std::memcpy(out, in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool empty() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

std::string EncodeSweepState(const SweepState& s) {
  std::string out(kSweepStateMagic, sizeof(kSweepStateMagic));
  out.push_back(static_cast<char>(kSweepStateFormat));
  out.push_back(static_cast<char>((s.running ? kRunning : 0) | (s.cursor ? kHasCursor : 0)));
  PutStr(out, s.bucket);
  PutStr(out, s.prefix);
  out.push_back(static_cast<char>(s.range_index));
  if (s.cursor) {
    PutStr(out, s.cursor->bucket);
    PutStr(out, s.cursor->key);
    out.append(reinterpret_cast<const char*>(s.cursor->version.data()), s.cursor->version.size());
  }
  PutU64(out, s.scanned);
  PutU64(out, s.total_estimate);
  PutU64(out, s.started_ms);
  PutU64(out, s.last_completed_ms);
  PutU32(out, Crc32c(out));
  return out;
}

Result<SweepState> DecodeSweepState(std::string_view bytes) {
  const auto bad = [](const char* what) {
    return Status::Corruption(std::string("repair sweep state: ") + what);
  };
  if (bytes.size() > kMaxSweepStateSize) return bad("too large");
  if (bytes.size() < sizeof(kSweepStateMagic) + 6) return bad("truncated");
  if (std::memcmp(bytes.data(), kSweepStateMagic, sizeof(kSweepStateMagic)) != 0) {
    return bad("bad magic");
  }
  Reader crc_reader(bytes.substr(bytes.size() - 4));
  uint64_t crc = 0;
  (void)crc_reader.Fixed(4, crc);  // Four bytes are there (checked above).
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  if (Crc32c(body) != crc) return bad("checksum mismatch");
  Reader r(body.substr(sizeof(kSweepStateMagic)));
  SweepState s;
  uint8_t format = 0, flags = 0;
  if (!r.U8(format) || format != kSweepStateFormat) return bad("unknown format");
  if (!r.U8(flags) || (flags & ~(kRunning | kHasCursor)) != 0) return bad("bad flags");
  s.running = (flags & kRunning) != 0;
  if (!r.Str(s.bucket) || !r.Str(s.prefix) || !r.U8(s.range_index)) return bad("truncated");
  if (flags & kHasCursor) {
    NodeScanPosition p;
    if (!r.Str(p.bucket) || !r.Str(p.key) || !r.Bytes(p.version.data(), p.version.size())) {
      return bad("truncated cursor");
    }
    s.cursor = std::move(p);
  }
  if (!r.Fixed(8, s.scanned) || !r.Fixed(8, s.total_estimate) || !r.Fixed(8, s.started_ms) ||
      !r.Fixed(8, s.last_completed_ms)) {
    return bad("truncated counters");
  }
  if (!r.empty()) return bad("trailing bytes");
  return s;
}

Result<SweepState> LoadSweepState(fs::FileSystem& fs, const std::string& dir) {
  const std::string path = dir + "/" + kSweepStateFile;
  SHALE_ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (!exists) return SweepState{};
  SHALE_ASSIGN_OR_RETURN(std::string bytes, fs::ReadFileToString(fs, path, kMaxSweepStateSize));
  return DecodeSweepState(bytes);
}

Status SaveSweepState(fs::FileSystem& fs, const std::string& dir, const SweepState& state) {
  return fs::WriteFileAtomically(fs, dir + "/" + kSweepStateFile, EncodeSweepState(state));
}

}  // namespace shale::storage
