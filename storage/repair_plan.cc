#include "storage/repair_plan.h"

#include <algorithm>

#include "common/erasure.h"

namespace shale::storage {
namespace {

using node_wire::WireKind;
using node_wire::WireVersion;

// The attribute revision of an object record or delete marker; nullopt if it does not decode.
std::optional<VersionId> Revision(const WireVersion& w) {
  Result<ObjectRecord> r = DecodeObjectRecord(w.payload);
  if (!r.ok()) return std::nullopt;
  return r->attr_revision;
}

// A decoded record of the winning revision and its replicated layout, if it is one.
struct Decoded {
  ObjectRecord record;
  ObjectLayout layout;
};
std::optional<Decoded> DecodeReplicated(const WireVersion& w) {
  if (w.kind != WireKind::kObject) return std::nullopt;
  Result<ObjectRecord> r = DecodeObjectRecord(w.payload);
  if (!r.ok()) return std::nullopt;
  Result<ObjectLayout> l = DecodeLayout(r->info.layout);
  if (!l.ok() || l->kind != LayoutKind::kReplicated) return std::nullopt;
  return Decoded{std::move(*r), std::move(*l)};
}

// The payloads replica holders and the other positions must carry for a replicated winner:
// taken from copies of the same revision when there are any (no re-encoding), else derived.
struct ReplicaPayloads {
  std::optional<std::string> with_data;
  std::string without_data;
};
ReplicaPayloads ReplicatedPayloads(const std::vector<HeldRecord>& held, const Decoded& winner) {
  ReplicaPayloads out;
  std::optional<std::string> without;
  for (const HeldRecord& h : held) {
    if (!h) continue;
    std::optional<Decoded> d = DecodeReplicated(*h);
    if (!d || d->record.attr_revision != winner.record.attr_revision) continue;
    if (d->layout.has_data && d->layout.data.size() == d->record.info.size) {
      if (!out.with_data) out.with_data = h->payload;
    } else if (!d->layout.has_data && !without) {
      without = h->payload;
    }
  }
  if (without) {
    out.without_data = *without;
  } else {
    ObjectLayout stripped = winner.layout;
    stripped.has_data = false;
    stripped.data.clear();
    ObjectInfo info = winner.record.info;
    info.layout = EncodeLayout(stripped);
    out.without_data = EncodeObjectRecord(info, winner.record.attr_revision);
  }
  return out;
}

bool Holds(const HeldRecord& h, const RecordWrite& want) {
  return h && h->kind == want.kind && h->payload == want.payload;
}

}  // namespace

std::optional<size_t> PickWinner(const std::vector<HeldRecord>& held) {
  std::optional<size_t> best;
  std::optional<VersionId> best_rev;
  for (size_t i = 0; i < held.size(); ++i) {
    if (!held[i]) continue;
    if (held[i]->kind == WireKind::kPurged) return i;  // Final: nothing outranks it.
  }
  for (size_t i = 0; i < held.size(); ++i) {
    if (!held[i]) continue;
    std::optional<VersionId> rev = Revision(*held[i]);
    if (!best || (rev && (!best_rev || *rev > *best_rev))) {
      best = i;
      best_rev = rev;
    }
  }
  return best;
}

RecordPlan PlanRecordWrites(const std::vector<HeldRecord>& held, size_t winner) {
  RecordPlan plan;
  plan.writes.resize(held.size());
  const WireVersion& w = *held[winner];
  const uint32_t n = static_cast<uint32_t>(held.size());
  std::optional<Decoded> replicated = DecodeReplicated(w);
  ReplicaPayloads payloads;
  if (replicated) {
    payloads = ReplicatedPayloads(held, *replicated);
    plan.inline_bytes_lost = !payloads.with_data.has_value();
  }
  for (uint32_t j = 0; j < n; ++j) {
    RecordWrite want{w.payload, w.kind};
    if (replicated) {
      const uint32_t pos = SetPosition(j, replicated->layout.rotation, n);
      if (pos < replicated->layout.replicas) {
        if (!payloads.with_data) continue;  // Nothing better to give a holder.
        want.payload = *payloads.with_data;
      } else {
        want.payload = payloads.without_data;
      }
    }
    if (held[j] && held[j]->kind == WireKind::kPurged) continue;  // Never replaced.
    if (!Holds(held[j], want)) plan.writes[j] = std::move(want);
  }
  return plan;
}

bool RecordsAgree(const std::vector<HeldRecord>& held) {
  std::optional<size_t> winner = PickWinner(held);
  if (!winner) return true;
  RecordPlan plan = PlanRecordWrites(held, *winner);
  return !plan.inline_bytes_lost &&
         std::none_of(plan.writes.begin(), plan.writes.end(),
                      [](const std::optional<RecordWrite>& w) { return w.has_value(); });
}

Result<ObjectLayout> RecordLayout(const node_wire::WireVersion& record) {
  SHALE_ASSIGN_OR_RETURN(ObjectRecord r, DecodeObjectRecord(record.payload));
  return DecodeLayout(r.info.layout);
}

Result<std::vector<ErasureExtent>> RecordExtents(const node_wire::WireVersion& record) {
  if (record.kind != WireKind::kObject) return std::vector<ErasureExtent>{};
  SHALE_ASSIGN_OR_RETURN(ObjectRecord r, DecodeObjectRecord(record.payload));
  SHALE_ASSIGN_OR_RETURN(ObjectLayout layout, DecodeLayout(r.info.layout));
  return ErasureExtents(layout, r.info.size);
}

uint64_t ChunkLength(const ErasureExtent& extent, uint64_t chunk) {
  const uint64_t start = chunk * extent.chunk_size;
  if (start >= extent.size) return 0;
  return std::min(extent.chunk_size, extent.size - start);
}

ChunkPlan PlanChunk(const std::vector<std::optional<node_wire::ShardCheck>>& checks,
                    uint64_t shard_length) {
  ChunkPlan plan;
  for (uint32_t i = 0; i < checks.size(); ++i) {
    if (!checks[i]) continue;  // Its node did not answer: neither a source nor a target.
    const node_wire::ShardCheck& c = *checks[i];
    if (c.present && c.healthy && c.length == shard_length) {
      plan.good.push_back(i);
    } else {
      plan.rebuild.push_back(i);
    }
  }
  return plan;
}

std::string EncodePurgePayload(uint64_t purge_time_ms) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((purge_time_ms >> (8 * i)) & 0xff);
  return out;
}

uint64_t DecodePurgeTimeMs(std::string_view payload) {
  if (payload.size() != 8) return 0;
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(payload[i]);
  return v;
}

bool TombstoneDroppable(const std::vector<HeldRecord>& held, uint64_t cutoff_ms) {
  bool any = false;
  for (const HeldRecord& h : held) {
    if (!h) continue;
    if (h->kind != WireKind::kPurged) return false;
    const uint64_t t = DecodePurgeTimeMs(h->payload);
    if (t == 0 || t >= cutoff_ms) return false;
    any = true;
  }
  return any;
}

}  // namespace shale::storage
