// Throughput of the common/ primitives, and the overhead of ErasureCoder over calling ISA-L
// directly on the same buffers. Results and the commands to reproduce: docs/BENCHMARKS.md.
#include <benchmark/benchmark.h>
#include <isa-l/erasure_code.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "common/crc.h"
#include "common/erasure.h"
#include "common/hash.h"

namespace shale {
namespace {

struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};

// k+m shards of shard_len bytes each, 64-byte aligned, data shards filled with random bytes.
class StripeBuffers {
 public:
  StripeBuffers(int k, int m, size_t shard_len) : k_(k), shard_len_(shard_len) {
    buffer_.reset(static_cast<uint8_t*>(std::aligned_alloc(kShardAlignment, (k + m) * shard_len)));
    std::mt19937_64 rng(42);
    for (size_t i = 0; i < k * shard_len; ++i) buffer_.get()[i] = static_cast<uint8_t>(rng());
    std::memset(buffer_.get() + k * shard_len, 0, m * shard_len);
    for (int i = 0; i < k + m; ++i) shards_.push_back(buffer_.get() + i * shard_len);
  }
  std::vector<uint8_t*>& shards() { return shards_; }
  std::vector<const uint8_t*> data() const { return {shards_.begin(), shards_.begin() + k_}; }
  std::vector<uint8_t*> parity() const { return {shards_.begin() + k_, shards_.end()}; }
  size_t shard_len() const { return shard_len_; }

 private:
  int k_;
  size_t shard_len_;
  std::unique_ptr<uint8_t[], FreeDeleter> buffer_;
  std::vector<uint8_t*> shards_;
};

// Arguments of the erasure benchmarks: k, m, chunk bytes.
void ErasureArgs(benchmark::internal::Benchmark* b) {
  b->Args({4, 2, 1 << 20})->Args({8, 3, 1 << 20})->Args({4, 2, 64 << 10})->Args({4, 2, 4 << 20});
}

void BM_CoderEncode(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  const int m = static_cast<int>(state.range(1));
  const size_t chunk = static_cast<size_t>(state.range(2));
  auto coder = ErasureCoder::Create(k, m);
  StripeBuffers stripe(k, m, ShardLength(chunk, k));
  const auto data = stripe.data();
  const auto parity = stripe.parity();
  for (auto _ : state) {
    benchmark::DoNotOptimize(coder->Encode(data, parity, stripe.shard_len()));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * k * stripe.shard_len()));
}
BENCHMARK(BM_CoderEncode)->Apply(ErasureArgs);

void BM_RawIsalEncode(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  const int m = static_cast<int>(state.range(1));
  const size_t chunk = static_cast<size_t>(state.range(2));
  StripeBuffers stripe(k, m, ShardLength(chunk, k));
  std::vector<uint8_t> matrix((k + m) * k);
  alignas(64) std::array<uint8_t, 16 * 4 * 32> tables{};  // As aligned as the coder's.
  gf_gen_cauchy1_matrix(matrix.data(), k + m, k);
  ec_init_tables(k, m, matrix.data() + k * k, tables.data());
  std::vector<uint8_t*>& shards = stripe.shards();
  for (auto _ : state) {
    ec_encode_data(static_cast<int>(stripe.shard_len()), k, m, tables.data(), shards.data(),
                   shards.data() + k);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * k * stripe.shard_len()));
}
BENCHMARK(BM_RawIsalEncode)->Apply(ErasureArgs);

// Two data shards (0 and 1) lost: the common and most expensive repair of a 2-parity layout.
void BM_CoderReconstructTwoLost(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  const int m = static_cast<int>(state.range(1));
  const size_t chunk = static_cast<size_t>(state.range(2));
  auto coder = ErasureCoder::Create(k, m);
  StripeBuffers stripe(k, m, ShardLength(chunk, k));
  (void)coder->Encode(stripe.data(), stripe.parity(), stripe.shard_len());  // Checked in tests.
  std::array<bool, 20> present;
  present.fill(true);
  present[0] = present[1] = false;
  const std::span<const bool> flags(present.data(), k + m);
  for (auto _ : state) {
    benchmark::DoNotOptimize(coder->Reconstruct(stripe.shards(), flags, stripe.shard_len()));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * k * stripe.shard_len()));
}
BENCHMARK(BM_CoderReconstructTwoLost)->Apply(ErasureArgs);

// The same repair with decode tables computed once, outside the loop.
void BM_RawIsalDecodeTwoLost(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  const int m = static_cast<int>(state.range(1));
  const size_t chunk = static_cast<size_t>(state.range(2));
  StripeBuffers stripe(k, m, ShardLength(chunk, k));
  std::vector<uint8_t> matrix((k + m) * k);
  gf_gen_cauchy1_matrix(matrix.data(), k + m, k);
  // Survivors: shards 2 .. k+1; their encode rows, inverted, give the lost data rows 0 and 1.
  std::vector<uint8_t> rows(k * k);
  std::vector<uint8_t> inverse(k * k);
  std::vector<uint8_t*> sources;
  for (int r = 0; r < k; ++r) {
    std::memcpy(&rows[r * k], &matrix[(r + 2) * k], k);
    sources.push_back(stripe.shards()[r + 2]);
  }
  if (gf_invert_matrix(rows.data(), inverse.data(), k) != 0) std::abort();
  alignas(64) std::array<uint8_t, 16 * 4 * 32> tables{};
  ec_init_tables(k, 2, inverse.data(), tables.data());
  std::vector<uint8_t*> targets = {stripe.shards()[0], stripe.shards()[1]};
  for (auto _ : state) {
    ec_encode_data(static_cast<int>(stripe.shard_len()), k, 2, tables.data(), sources.data(),
                   targets.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * k * stripe.shard_len()));
}
BENCHMARK(BM_RawIsalDecodeTwoLost)->Apply(ErasureArgs);

constexpr size_t kHashInput = 1 << 20;

const std::vector<uint8_t>& HashInput() {
  static const std::vector<uint8_t> input = [] {
    std::vector<uint8_t> v(kHashInput);
    std::mt19937_64 rng(7);
    for (auto& b : v) b = static_cast<uint8_t>(rng());
    return v;
  }();
  return input;
}

template <typename Fn>
void RunOverInput(benchmark::State& state, Fn fn) {
  const std::span<const uint8_t> input(HashInput());
  for (auto _ : state) benchmark::DoNotOptimize(fn(input));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
}

void BM_Crc32c(benchmark::State& state) {
  RunOverInput(state, [](std::span<const uint8_t> in) { return Crc32c(in); });
}
BENCHMARK(BM_Crc32c);

void BM_Crc32(benchmark::State& state) {
  RunOverInput(state, [](std::span<const uint8_t> in) { return Crc32(in); });
}
BENCHMARK(BM_Crc32);

void BM_Crc64Nvme(benchmark::State& state) {
  RunOverInput(state, [](std::span<const uint8_t> in) { return Crc64Nvme(in); });
}
BENCHMARK(BM_Crc64Nvme);

void BM_Md5(benchmark::State& state) {
  RunOverInput(state, [](std::span<const uint8_t> in) { return Md5(in); });
}
BENCHMARK(BM_Md5);

void BM_Sha256(benchmark::State& state) {
  RunOverInput(state, [](std::span<const uint8_t> in) { return Sha256(in); });
}
BENCHMARK(BM_Sha256);

// SigV4 derives its signing key with four HMACs of short strings per request.
void BM_HmacSha256Short(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        HmacSha256("AWS4wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HmacSha256Short);

void BM_HmacSha256StreamShort(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(HmacSha256Stream("AWS4wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
                                 .Update("20130524")
                                 .Finish());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HmacSha256StreamShort);

void BM_Sha256Short(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Sha256("20130524"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sha256Short);

}  // namespace
}  // namespace shale

BENCHMARK_MAIN();
