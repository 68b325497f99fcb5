#include "storage/tombstone.h"

#include "storage/byte_codec.h"

namespace shale::storage {

std::string EncodeTombstonePayload(const TombstonePayload& payload) {
  std::string out;
  out.reserve(kTombstonePayloadSize);
  PutLE(&out, kTombstonePayloadVersion, 1);
  PutLE(&out, payload.target_segment_id, 4);
  PutLE(&out, payload.target_sequence, 8);
  return out;
}

Result<TombstonePayload> DecodeTombstonePayload(std::string_view bytes) {
  ByteReader in(bytes);
  uint8_t version = in.U8();
  TombstonePayload p;
  p.target_segment_id = in.U32();
  p.target_sequence = in.U64();
  if (!in.Done() || version != kTombstonePayloadVersion) {
    return Status::Corruption("tombstone payload is not a version-1 payload of 13 bytes");
  }
  return p;
}

}  // namespace shale::storage
