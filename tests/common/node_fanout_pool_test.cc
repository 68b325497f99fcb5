// FanOut's worker pool: results in client order, calls that block all run at once, fan-outs
// nested inside calls and more concurrent calls than workers still finish, a pending fan-out
// waits for its calls when destroyed or reassigned.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/node_fanout.h"

namespace shale {
namespace {

// A NodeClient whose calls are never made: FanOut only needs distinct pointers.
class NullNode final : public NodeClient {
 public:
  explicit NullNode(int node_id) : id(node_id) {}
  const int id;
  Status PutShard(std::string_view, std::string_view) override { return Status::OK(); }
  Result<std::string> GetShard(std::string_view, uint64_t, uint64_t) override {
    return std::string();
  }
  Status DeleteShard(std::string_view) override { return Status::OK(); }
  Result<std::vector<node_wire::ShardCheck>> CheckShards(const std::vector<std::string>&) override {
    return std::vector<node_wire::ShardCheck>{};
  }
  Status PutVersion(std::string_view, std::string_view, const NodeVersionId&, std::string_view,
                    node_wire::WireKind) override {
    return Status::OK();
  }
  Result<node_wire::WireVersion> GetVersion(std::string_view, std::string_view,
                                            std::optional<NodeVersionId>) override {
    return Status::NotFound("none");
  }
  Status DeleteVersion(std::string_view, std::string_view, const NodeVersionId&) override {
    return Status::OK();
  }
  Result<node_wire::WireVersionPage> ListVersions(const NodeListRequest&) override {
    return node_wire::WireVersionPage{};
  }
  Status PutBucket(std::string_view, std::string_view) override { return Status::OK(); }
  Result<std::string> GetBucket(std::string_view) override { return std::string(); }
  Status DeleteBucket(std::string_view) override { return Status::OK(); }
  Result<std::vector<node_wire::WireBucket>> ListBuckets() override {
    return std::vector<node_wire::WireBucket>{};
  }
  Status EnqueueRepair(const node_wire::RepairHint&) override { return Status::OK(); }
  Status Health() override { return Status::OK(); }
  Result<std::string> StatusJson() override { return std::string(); }
  Result<std::string> MetricsText() override { return std::string(); }
};

struct Nodes {
  explicit Nodes(int n) {
    for (int i = 0; i < n; ++i) owned.push_back(std::make_unique<NullNode>(i));
    for (auto& o : owned) ptrs.push_back(o.get());
  }
  std::vector<std::unique_ptr<NullNode>> owned;
  std::vector<NodeClient*> ptrs;
};

TEST(NodeFanOutPoolTest, ResultsComeBackInClientOrder) {
  Nodes nodes(9);
  auto ids = FanOut(nodes.ptrs, [](NodeClient& c) { return static_cast<NullNode&>(c).id; });
  auto indexes = FanOut(nodes.ptrs, [](NodeClient&, size_t i) { return i * 10; });
  ASSERT_EQ(ids.size(), 9u);
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(ids[i], i);
    EXPECT_EQ(indexes[i], static_cast<size_t>(i) * 10);
  }
  EXPECT_TRUE(FanOut(std::span<NodeClient* const>(), [](NodeClient&) { return 1; }).empty());
}

TEST(NodeFanOutPoolTest, BlockingCallsRunConcurrently) {
  // Every call waits until all six are running: completes only if they run at once.
  Nodes nodes(6);
  std::mutex mu;
  std::condition_variable cv;
  int running = 0;
  auto results = FanOut(nodes.ptrs, [&](NodeClient&) {
    std::unique_lock lock(mu);
    ++running;
    cv.notify_all();
    cv.wait(lock, [&] { return running == 6; });
    return true;
  });
  EXPECT_EQ(results.size(), 6u);
}

TEST(NodeFanOutPoolTest, NestedAndOversubscribedFanOutsFinish) {
  Nodes nodes(6);
  std::atomic<int> calls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int r = 0; r < 50; ++r) {
        // 16 callers x 6 outer calls x 6 inner calls: more than the workers at any time.
        FanOut(nodes.ptrs, [&](NodeClient&) {
          FanOut(nodes.ptrs, [&](NodeClient&) { return ++calls; });
          return 0;
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls.load(), 16 * 50 * 36);
}

TEST(NodeFanOutPoolTest, PendingFanOutWaitsForItsCalls) {
  Nodes nodes(4);
  std::atomic<int> done{0};
  auto slow = [&](NodeClient&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return ++done;
  };
  {
    auto pending = StartFanOut(nodes.ptrs, slow);
    EXPECT_FALSE(pending.empty());
  }  // Destroyed without Wait(): still waits.
  EXPECT_EQ(done.load(), 4);
  PendingFanOut<int> slot;
  EXPECT_TRUE(slot.empty());
  slot = StartFanOut(nodes.ptrs, slow);
  slot = StartFanOut(nodes.ptrs, slow);  // The first one's calls finish before it is replaced.
  EXPECT_GE(done.load(), 8);
  auto results = slot.Wait();
  EXPECT_EQ(results.size(), 4u);
  EXPECT_EQ(done.load(), 12);
}

}  // namespace
}  // namespace shale
