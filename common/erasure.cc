#include "common/erasure.h"

#include <isa-l/erasure_code.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <climits>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace shale {
namespace {

constexpr int kMaxTotalShards = ErasureCoder::kMaxDataShards + ErasureCoder::kMaxParityShards;
static_assert(kMaxTotalShards <= 32, "loss patterns are uint32_t bitmasks");
// ISA-L expands every matrix coefficient into a 32-byte multiplication table.
constexpr size_t kTableBytesPerCoefficient = 32;
// Decode plans kept per coder. A failed node produces one loss pattern per shard rotation, so a
// few dozen cover realistic failures; each plan is at most 16 * 4 * 32 = 2 KiB of tables.
constexpr size_t kMaxCachedPlans = 64;
// ISA-L takes an int length.
constexpr size_t kMaxIsalLength = static_cast<size_t>(INT_MAX) & ~(kShardAlignment - 1);

// How to rebuild one loss pattern: which k shards to read and the tables mapping them to the
// missing shards. Immutable once built, shared by every thread rebuilding that pattern.
struct DecodePlan {
  std::array<uint8_t, ErasureCoder::kMaxDataShards> sources{};
  std::array<uint8_t, ErasureCoder::kMaxParityShards> targets{};
  int num_targets = 0;
  std::vector<uint8_t> tables;
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

}  // namespace

struct ErasureCoder::State {
  int k = 0;
  int m = 0;
  std::vector<uint8_t> encode_matrix;  // (k + m) rows of k coefficients; the top k are identity.
  std::vector<uint8_t> encode_tables;  // Tables for the m parity rows.

  mutable std::mutex mu;
  // Keyed by the bitmask of missing shards; the plan always reads the first k present shards,
  // so the mask alone determines it.
  mutable std::unordered_map<uint32_t, std::shared_ptr<const DecodePlan>> plans;  // Guarded by mu.

  Result<std::shared_ptr<const DecodePlan>> BuildPlan(uint32_t missing_mask) const;
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
  state->encode_tables.resize(static_cast<size_t>(k * m) * kTableBytesPerCoefficient);
  if (m > 0) {
    ec_init_tables(k, m, state->encode_matrix.data() + k * k, state->encode_tables.data());
  }
  state->plans.reserve(kMaxCachedPlans);
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

Result<std::shared_ptr<const DecodePlan>> ErasureCoder::State::BuildPlan(
    uint32_t missing_mask) const {
  auto plan = std::make_shared<DecodePlan>();
  int num_sources = 0;
  for (int i = 0; i < k + m; ++i) {
    if (missing_mask & (1u << i)) {
      plan->targets[plan->num_targets++] = static_cast<uint8_t>(i);
    } else if (num_sources < k) {
      plan->sources[num_sources++] = static_cast<uint8_t>(i);
    }
  }
  // The rows of the encode matrix that produced the chosen sources, inverted, map the sources
  // back to the data shards.
  std::array<uint8_t, kMaxDataShards * kMaxDataShards> rows{};
  std::array<uint8_t, kMaxDataShards * kMaxDataShards> inverse{};
  for (int r = 0; r < k; ++r) {
    std::memcpy(&rows[r * k], &encode_matrix[plan->sources[r] * k], k);
  }
  if (gf_invert_matrix(rows.data(), inverse.data(), k) != 0) {
    return Status::Internal("erasure decode matrix is singular (Cauchy matrix invariant broken)");
  }
  // A missing data shard is its row of the inverse; a missing parity shard is its encode row
  // applied to the recovered data, i.e. encode_row x inverse.
  std::vector<uint8_t> decode(static_cast<size_t>(plan->num_targets * k));
  for (int t = 0; t < plan->num_targets; ++t) {
    const int target = plan->targets[t];
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
  plan->tables.resize(decode.size() * kTableBytesPerCoefficient);
  ec_init_tables(k, plan->num_targets, decode.data(), plan->tables.data());
  return std::shared_ptr<const DecodePlan>(std::move(plan));
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

  std::shared_ptr<const DecodePlan> plan;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    auto it = state_->plans.find(missing_mask);
    if (it != state_->plans.end()) plan = it->second;
  }
  if (!plan) {
    // Built outside the lock: two threads may build the same plan; both are correct.
    SHALE_ASSIGN_OR_RETURN(plan, state_->BuildPlan(missing_mask));
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->plans.size() >= kMaxCachedPlans) state_->plans.erase(state_->plans.begin());
    state_->plans.emplace(missing_mask, plan);
  }

  SourcePointers in{};
  TargetPointers out{};
  for (int i = 0; i < k; ++i) in[i] = shards[plan->sources[i]];
  for (int t = 0; t < plan->num_targets; ++t) out[t] = shards[plan->targets[t]];
  RunIsal(k, plan->num_targets, plan->tables.data(), in, out, shard_len);
  return Status::OK();
}

}  // namespace shale
