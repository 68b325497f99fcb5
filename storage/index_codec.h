#pragma once

// Byte layouts of the index's LMDB values (little-endian, each starting with a layout version
// byte, documented in FORMAT.md). Decoders are pure functions that validate every length and
// return Corruption on any mismatch; they are fuzzed (tests/fuzz/index_codec_fuzz.cc).
// Thread-safe.

#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/index_types.h"

namespace shale::storage {

inline constexpr uint8_t kIndexValueVersion = 1;
inline constexpr size_t kMaxShardIdSize = 255;
inline constexpr size_t kMaxRepairTextSize = 65535;

std::string EncodeShardEntry(const ShardEntry& e);
Result<ShardEntry> DecodeShardEntry(std::string_view bytes);

std::string EncodeMetadataEntry(const MetadataEntry& e);
Result<MetadataEntry> DecodeMetadataEntry(std::string_view bytes);

std::string EncodeSegmentStats(const SegmentStats& s);
Result<SegmentStats> DecodeSegmentStats(std::string_view bytes);

// `by_segment` value: the kind, length and id of the record at (segment, offset).
std::string EncodeSegmentRecordRef(const SegmentRecordRef& r);
// `offset` comes from the key.
Result<SegmentRecordRef> DecodeSegmentRecordRef(uint64_t offset, std::string_view bytes);

// `repair` value (seq comes from the key). Id and reason are truncated to kMaxRepairTextSize.
std::string EncodeRepairItem(const RepairItem& r);
Result<RepairItem> DecodeRepairItem(uint64_t seq, std::string_view bytes);

}  // namespace shale::storage
