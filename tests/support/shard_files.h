#pragma once

// Finds shard records in a stopped node's segment files and damages them, for tests of
// corruption handling on real node processes. Parses the record layout of docs/FORMAT.md
// ("Segment files") on its own rather than through storage/, so a test keeps checking the
// documented bytes even if the engine's reader changes. Only walks segments written by a node
// that stopped cleanly (every record valid); it does not resynchronise after damage.
// Thread-safety: plain functions over files; the node must not be writing them.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace shale::testing {

struct ShardRecordFile {
  std::string segment_path;
  uint64_t record_offset = 0;   // Of the record's first byte in the segment file.
  std::string id;               // The shard id (raw bytes).
  uint64_t payload_offset = 0;  // Of the payload's first byte in the segment file.
  uint32_t payload_length = 0;
};

// Every shard record (type 1) in `data_dir`/segments/*.seg, in segment then file order. Shards
// that were deleted or replaced still appear until compaction removes them.
Result<std::vector<ShardRecordFile>> FindShardRecords(const std::string& data_dir);

// XORs the byte at `offset_in_payload` of the record's payload with 0xFF, in place.
Status FlipShardPayloadByte(const ShardRecordFile& record, uint64_t offset_in_payload);

}  // namespace shale::testing
