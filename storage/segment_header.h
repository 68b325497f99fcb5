#pragma once

// Pure encode/decode of the fixed-size segment header (docs/FORMAT.md, "Segment header") and
// segment file naming. Thread-safety: free functions; safe to call concurrently.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"

namespace shale::storage {

struct SegmentHeaderInfo {
  uint64_t segment_id = 0;
  std::string node_id;     // 1..kMaxNodeIdLength bytes.
  std::string cluster_id;  // 1..kMaxClusterIdLength bytes.
  uint64_t created_unix_micros = 0;
  // Seeds every record header CRC of the segment (see record.h). Pick it with NewSegmentSalt().
  uint64_t salt = 0;

  friend bool operator==(const SegmentHeaderInfo&, const SegmentHeaderInfo&) = default;
};

// A random salt for a new segment (std::random_device).
uint64_t NewSegmentSalt();

// Exactly kSegmentHeaderSize bytes. InvalidArgument if an id length is out of bounds.
Result<std::string> EncodeSegmentHeader(const SegmentHeaderInfo& info);

// Decodes the first kSegmentHeaderSize bytes of `bytes`. Corruption (with the reason) for a
// short buffer, bad magic, unsupported version, bad lengths, nonzero reserved bytes or a CRC
// mismatch.
Result<SegmentHeaderInfo> DecodeSegmentHeader(std::span<const char> bytes);

// "00000042.seg" for id 42 (at least 8 digits; ids past 99999999 just grow).
std::string SegmentFileName(uint64_t segment_id);
// The id of a segment file name, or nullopt if `name` is not one.
std::optional<uint64_t> ParseSegmentFileName(std::string_view name);

}  // namespace shale::storage
