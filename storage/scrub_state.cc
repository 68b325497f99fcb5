#include "storage/scrub_state.h"

#include "storage/byte_codec.h"

namespace shale::storage {

std::string EncodeScrubState(const ScrubState& s) {
  std::string out;
  out.reserve(kScrubStateSize);
  out.push_back(static_cast<char>(kScrubStateVersion));
  out.push_back(static_cast<char>(s.running ? 1 : 0));
  PutLE(&out, s.segment_id, 4);
  PutLE(&out, s.offset, 8);
  PutLE(&out, s.pass_started_ms, 8);
  PutLE(&out, s.last_pass_completed_ms, 8);
  PutLE(&out, s.pass_bytes_done, 8);
  PutLE(&out, s.pass_bytes_total, 8);
  return out;
}

Result<ScrubState> DecodeScrubState(std::string_view bytes) {
  ByteReader r(bytes);
  ScrubState s;
  const uint8_t version = r.U8();
  const uint8_t running = r.U8();
  s.segment_id = r.U32();
  s.offset = r.U64();
  s.pass_started_ms = r.U64();
  s.last_pass_completed_ms = r.U64();
  s.pass_bytes_done = r.U64();
  s.pass_bytes_total = r.U64();
  if (!r.Done() || version != kScrubStateVersion || running > 1) {
    return Status::Corruption("bad scrub state in the index meta table");
  }
  s.running = running == 1;
  return s;
}

}  // namespace shale::storage
