#include "common/erasure.h"

#include <isa-l/erasure_code.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <climits>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace shale {
namespace {

constexpr int kMaxTotalShards = ErasureCoder::kMaxDataShards + ErasureCoder::kMaxParityShards;
static_assert(kMaxTotalShards <= 32, "loss patterns are uint32_t bitmasks");
// ISA-L expands every matrix coefficient into a 32-byte multiplication table.
constexpr size_t kTableBytesPerCoefficient = 32;
// Decode plans cached per coder. A failed node yields one loss pattern per shard rotation, so a
// handful covers realistic failures; a pattern beyond the cap is still rebuilt correctly, its
// plan computed on the stack for each call. Plans are allocated only when first seen (at most
// 128 x ~2.1 KiB per coder).
constexpr size_t kMaxCachedPlans = 128;
constexpr size_t kPlanSlots = 256;  // Power of two, at most half full: probes end early.
// ISA-L takes an int length.
constexpr size_t kMaxIsalLength = static_cast<size_t>(INT_MAX) & ~(kShardAlignment - 1);

// ISA-L reads its tables in the innermost loop: keep them on whole cache lines.
using CodingTables =
    std::array<uint8_t, ErasureCoder::kMaxDataShards * ErasureCoder::kMaxParityShards *
                            kTableBytesPerCoefficient>;

// How to rebuild one loss pattern: which k shards to read and the tables mapping them to the
// missing shards. Fixed-size, so building one needs no heap.
struct DecodePlan {
  alignas(64) CodingTables tables{};
  uint32_t missing_mask = 0;
  int num_targets = 0;
  std::array<uint8_t, ErasureCoder::kMaxDataShards> sources{};
  std::array<uint8_t, ErasureCoder::kMaxParityShards> targets{};
};

using SourcePointers = std::array<uint8_t*, ErasureCoder::kMaxDataShards>;
using TargetPointers = std::array<uint8_t*, ErasureCoder::kMaxParityShards>;

// Runs ec_encode_data over `len` bytes, in pieces ISA-L's int length can express.
void RunIsal(int k, int rows, const uint8_t* tables, const SourcePointers& in,
             const TargetPointers& out, size_t len) {
  SourcePointers src = in;
  TargetPointers dst = out;
  for (size_t done = 0; done < len;) {
    const size_t piece = std::min(len - done, kMaxIsalLength);
    for (int i = 0; i < k; ++i) src[i] = in[i] + done;
    for (int i = 0; i < rows; ++i) dst[i] = out[i] + done;
    ec_encode_data(static_cast<int>(piece), k, rows, const_cast<uint8_t*>(tables), src.data(),
                   dst.data());
    done += piece;
  }
}

void RunPlan(int k, const DecodePlan& plan, std::span<uint8_t* const> shards, size_t len) {
  SourcePointers in{};
  TargetPointers out{};
  for (int i = 0; i < k; ++i) in[i] = shards[plan.sources[i]];
  for (int t = 0; t < plan.num_targets; ++t) out[t] = shards[plan.targets[t]];
  RunIsal(k, plan.num_targets, plan.tables.data(), in, out, len);
}

// Insert-only open-addressing table of decode plans keyed by loss pattern. Lookups are
// lock-free (an acquire load per probe), so threads rebuilding chunks never contend; inserts
// take a mutex. Plans are never evicted or modified once published, so a pointer obtained from
// Find() stays valid for the cache's lifetime.
class PlanCache {
 public:
  PlanCache() {
    for (auto& slot : slots_) slot.store(nullptr, std::memory_order_relaxed);
  }

  const DecodePlan* Find(uint32_t missing_mask) const {
    for (size_t i = 0, at = Home(missing_mask); i < kPlanSlots; ++i, at = (at + 1) % kPlanSlots) {
      const DecodePlan* plan = slots_[at].load(std::memory_order_acquire);
      if (plan == nullptr) return nullptr;
      if (plan->missing_mask == missing_mask) return plan;
    }
    return nullptr;
  }

  // Publishes a copy of `plan` and returns it (or the copy another thread published first);
  // nullptr when the cache is full.
  const DecodePlan* Insert(const DecodePlan& plan) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t at = Home(plan.missing_mask);
    for (;; at = (at + 1) % kPlanSlots) {
      const DecodePlan* existing = slots_[at].load(std::memory_order_relaxed);
      if (existing == nullptr) break;
      if (existing->missing_mask == plan.missing_mask) return existing;
    }
    if (owned_.size() >= kMaxCachedPlans) return nullptr;
    owned_.push_back(std::make_unique<DecodePlan>(plan));
    slots_[at].store(owned_.back().get(), std::memory_order_release);
    return owned_.back().get();
  }

 private:
  static size_t Home(uint32_t missing_mask) {
    return (missing_mask * 0x9e3779b1u) >> 24;  // Fibonacci hashing onto 256 slots.
  }
  static_assert(kPlanSlots == 256 && kMaxCachedPlans < kPlanSlots);

  std::array<std::atomic<const DecodePlan*>, kPlanSlots> slots_;
  std::mutex mu_;
  std::vector<std::unique_ptr<DecodePlan>> owned_;  // Guarded by mu_.
};

}  // namespace

struct ErasureCoder::State {
  int k = 0;
  int m = 0;
  std::vector<uint8_t> encode_matrix;  // (k + m) rows of k coefficients; the top k are identity.
  alignas(64) CodingTables encode_tables{};  // Tables for the m parity rows.
  // Keyed by the bitmask of missing shards: a plan always reads the first k present shards, so
  // the mask alone determines it.
  mutable PlanCache plans;

  Status BuildPlan(uint32_t missing_mask, DecodePlan& plan) const;
};

size_t ShardLength(size_t chunk_len, int k) {
  assert(k >= 1 && k <= ErasureCoder::kMaxDataShards);
  const size_t per_shard = chunk_len / k + (chunk_len % k != 0 ? 1 : 0);
  return (per_shard + kShardAlignment - 1) / kShardAlignment * kShardAlignment;
}

Status SplitChunk(std::span<const uint8_t> chunk, int k, std::span<uint8_t> out) {
  if (k < 1 || k > ErasureCoder::kMaxDataShards) {
    return Status::InvalidArgument("SplitChunk: k out of range");
  }
  if (out.size() != k * ShardLength(chunk.size(), k)) {
    return Status::InvalidArgument("SplitChunk: output is not k * ShardLength(chunk) bytes");
  }
  // Data shards are consecutive slices of the chunk, so the layout is the chunk then zeros.
  if (!chunk.empty()) std::memcpy(out.data(), chunk.data(), chunk.size());
  std::memset(out.data() + chunk.size(), 0, out.size() - chunk.size());
  return Status::OK();
}

Result<ErasureCoder> ErasureCoder::Create(int k, int m) {
  if (k < 1 || k > kMaxDataShards || m < 0 || m > kMaxParityShards) {
    return Status::InvalidArgument("erasure coding needs 1 <= k <= 16 and 0 <= m <= 4, got k=" +
                                   std::to_string(k) + " m=" + std::to_string(m));
  }
  auto state = std::make_unique<State>();
  state->k = k;
  state->m = m;
  state->encode_matrix.resize(static_cast<size_t>((k + m) * k));
  gf_gen_cauchy1_matrix(state->encode_matrix.data(), k + m, k);
  if (m > 0) {
    ec_init_tables(k, m, state->encode_matrix.data() + k * k, state->encode_tables.data());
  }
  return ErasureCoder(std::move(state));
}

ErasureCoder::ErasureCoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
ErasureCoder::ErasureCoder(ErasureCoder&&) noexcept = default;
ErasureCoder& ErasureCoder::operator=(ErasureCoder&&) noexcept = default;
ErasureCoder::~ErasureCoder() = default;

int ErasureCoder::data_shards() const { return state_->k; }
int ErasureCoder::parity_shards() const { return state_->m; }

Status ErasureCoder::Encode(std::span<const uint8_t* const> data, std::span<uint8_t* const> parity,
                            size_t shard_len) const {
  const int k = state_->k;
  const int m = state_->m;
  if (data.size() != static_cast<size_t>(k) || parity.size() != static_cast<size_t>(m)) {
    return Status::InvalidArgument("Encode: expected k data and m parity buffers");
  }
  if (m == 0 || shard_len == 0) return Status::OK();
  SourcePointers in{};
  TargetPointers out{};
  for (int i = 0; i < k; ++i) {
    if (data[i] == nullptr) return Status::InvalidArgument("Encode: null data buffer");
    in[i] = const_cast<uint8_t*>(data[i]);  // ISA-L only reads its sources.
  }
  for (int i = 0; i < m; ++i) {
    if (parity[i] == nullptr) return Status::InvalidArgument("Encode: null parity buffer");
    out[i] = parity[i];
  }
  RunIsal(k, m, state_->encode_tables.data(), in, out, shard_len);
  return Status::OK();
}

Status ErasureCoder::State::BuildPlan(uint32_t missing_mask, DecodePlan& plan) const {
  plan.missing_mask = missing_mask;
  plan.num_targets = 0;
  int num_sources = 0;
  for (int i = 0; i < k + m; ++i) {
    if (missing_mask & (1u << i)) {
      plan.targets[plan.num_targets++] = static_cast<uint8_t>(i);
    } else if (num_sources < k) {
      plan.sources[num_sources++] = static_cast<uint8_t>(i);
    }
  }
  // The rows of the encode matrix that produced the chosen sources, inverted, map the sources
  // back to the data shards.
  std::array<uint8_t, kMaxDataShards * kMaxDataShards> rows{};
  std::array<uint8_t, kMaxDataShards * kMaxDataShards> inverse{};
  for (int r = 0; r < k; ++r) {
    std::memcpy(&rows[r * k], &encode_matrix[plan.sources[r] * k], k);
  }
  if (gf_invert_matrix(rows.data(), inverse.data(), k) != 0) {
    return Status::Internal("erasure decode matrix is singular (Cauchy matrix invariant broken)");
  }
  // A missing data shard is its row of the inverse; a missing parity shard is its encode row
  // applied to the recovered data, i.e. encode_row x inverse.
  std::array<uint8_t, kMaxDataShards * kMaxParityShards> decode{};
  for (int t = 0; t < plan.num_targets; ++t) {
    const int target = plan.targets[t];
    for (int j = 0; j < k; ++j) {
      uint8_t coefficient = 0;
      if (target < k) {
        coefficient = inverse[target * k + j];
      } else {
        for (int i = 0; i < k; ++i) {
          coefficient ^= gf_mul(encode_matrix[target * k + i], inverse[i * k + j]);
        }
      }
      decode[t * k + j] = coefficient;
    }
  }
  ec_init_tables(k, plan.num_targets, decode.data(), plan.tables.data());
  return Status::OK();
}

Status ErasureCoder::Reconstruct(std::span<uint8_t* const> shards, std::span<const bool> present,
                                 size_t shard_len) const {
  const int k = state_->k;
  const int n = k + state_->m;
  if (shards.size() != static_cast<size_t>(n) || present.size() != static_cast<size_t>(n)) {
    return Status::InvalidArgument("Reconstruct: expected k+m shard buffers and flags");
  }
  uint32_t missing_mask = 0;
  int missing = 0;
  for (int i = 0; i < n; ++i) {
    if (shards[i] == nullptr) return Status::InvalidArgument("Reconstruct: null shard buffer");
    if (!present[i]) {
      missing_mask |= 1u << i;
      ++missing;
    }
  }
  if (missing == 0) return Status::OK();
  if (missing > state_->m) {
    return Status::FailedPrecondition(std::to_string(missing) + " of " + std::to_string(n) +
                                      " shards missing; at most " + std::to_string(state_->m) +
                                      " can be rebuilt");
  }
  if (shard_len == 0) return Status::OK();

  if (const DecodePlan* cached = state_->plans.Find(missing_mask)) {
    RunPlan(k, *cached, shards, shard_len);
    return Status::OK();
  }
  DecodePlan fresh;
  SHALE_RETURN_IF_ERROR(state_->BuildPlan(missing_mask, fresh));
  const DecodePlan* published = state_->plans.Insert(fresh);
  // A full cache leaves this call with its own plan: correct, just slower.
  RunPlan(k, published != nullptr ? *published : fresh, shards, shard_len);
  return Status::OK();
}

}  // namespace shale
