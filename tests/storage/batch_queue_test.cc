#include "storage/batch_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "tests/support/status_matchers.h"

namespace shale::storage {
namespace {

using ::shale::testing::StatusIs;

TEST(BatchQueueTest, EveryRequestCompletesExactlyOnceAcrossBatches) {
  BatchQueue<int> queue(/*max_batch=*/8);
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 500;
  std::atomic<int> max_batch_seen{0};
  std::vector<int> consumed;
  std::thread consumer([&] {
    std::vector<BatchQueue<int>::Entry> batch;
    while (queue.PopBatch(&batch)) {
      EXPECT_LE(batch.size(), 8u);
      max_batch_seen = std::max<int>(max_batch_seen, static_cast<int>(batch.size()));
      for (auto& e : batch) {
        consumed.push_back(e.request);
        // Odd requests "fail", to check each caller sees its own outcome.
        e.done(e.request % 2 ? Status::IOError("odd") : Status::OK());
      }
    }
  });
  std::vector<std::thread> producers;
  std::atomic<int> ok_count{0};
  std::atomic<int> err_count{0};
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        int req = p * kPerProducer + i;
        Status s = queue.PushAndWait(req);
        if (req % 2) {
          EXPECT_THAT(s, StatusIs(StatusCode::kIOError));
          ++err_count;
        } else {
          EXPECT_OK(s);
          ++ok_count;
        }
      }
    });
  }
  for (auto& t : producers) t.join();
  queue.Close();
  consumer.join();
  EXPECT_EQ(ok_count + err_count, kProducers * kPerProducer);
  std::set<int> unique(consumed.begin(), consumed.end());
  EXPECT_EQ(unique.size(), consumed.size());
  EXPECT_EQ(consumed.size(), static_cast<size_t>(kProducers * kPerProducer));
}

TEST(BatchQueueTest, RequestsQueuedWhileTheConsumerIsBusyFormOneBatch) {
  BatchQueue<int> queue(/*max_batch=*/100);
  int completed = 0;
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(queue.Push(i, [&](const Status& s) {
      EXPECT_OK(s);
      ++completed;
    }));
  }
  std::vector<BatchQueue<int>::Entry> batch;
  ASSERT_TRUE(queue.PopBatch(&batch));
  EXPECT_EQ(batch.size(), 10u);  // One batch: one fdatasync would serve all ten.
  for (auto& e : batch) e.done(Status::OK());
  EXPECT_EQ(completed, 10);
  EXPECT_EQ(queue.depth(), 0u);
}

TEST(BatchQueueTest, MaxBatchSplitsLargeQueues) {
  BatchQueue<int> queue(/*max_batch=*/3);
  for (int i = 0; i < 7; ++i) ASSERT_OK(queue.Push(i, [](const Status&) {}));
  std::vector<BatchQueue<int>::Entry> batch;
  std::vector<size_t> sizes;
  queue.Close();  // Closing still hands out what was accepted.
  while (queue.PopBatch(&batch)) sizes.push_back(batch.size());
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 1}));
}

TEST(BatchQueueTest, ClosedQueueRefusesWithoutCallingDone) {
  BatchQueue<int> queue(4);
  queue.Close();
  bool called = false;
  EXPECT_THAT(queue.Push(1, [&](const Status&) { called = true; }), StatusIs(StatusCode::kAborted));
  EXPECT_THAT(queue.PushAndWait(2), StatusIs(StatusCode::kAborted));
  EXPECT_FALSE(called);
  std::vector<BatchQueue<int>::Entry> batch;
  EXPECT_FALSE(queue.PopBatch(&batch));
}

}  // namespace
}  // namespace shale::storage
