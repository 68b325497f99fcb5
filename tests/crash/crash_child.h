#pragma once

// The child side of the engine crash tests: what a forked child runs until the parent kills
// it, and the reports it sends up the pipe. A child never returns into the test framework: it
// ends in _exit or by a signal.
// Thread-safety: RunChild's writer threads share only the pipe (atomic 16-byte writes) and the
// engine; each touches only the ItemModels of the items it owns.

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage/engine.h"
#include "tests/crash/crash_workload.h"

namespace shale::storage::crash {

inline constexpr unsigned kChildAlarmSeconds = 120;  // A child nobody kills ends itself.

// One report from child to parent. 16 bytes, so each write(2) of one is atomic (PIPE_BUF):
// concurrent writer threads never interleave bytes.
enum class MsgType : uint32_t { kReady = 1, kIntent, kAck, kCompacted, kDone, kError };
struct Msg {
  MsgType type;
  uint32_t item;
  uint32_t state;
  uint32_t thread;
};
static_assert(sizeof(Msg) == 16);

// The child's end of the pipe. Thread-safety: Send may be called from any thread.
class Channel {
 public:
  explicit Channel(int fd) : fd_(fd) {}
  void Send(MsgType type, uint32_t item = 0, uint32_t state = 0, uint32_t thread = 0) const {
    const Msg m{type, item, state, thread};
    for (;;) {
      ssize_t n = ::write(fd_, &m, sizeof(m));
      if (n == static_cast<ssize_t>(sizeof(m))) return;
      if (n < 0 && errno == EINTR) continue;
      ::_exit(6);  // The parent is gone.
    }
  }
  [[noreturn]] void Fail(const std::string& what) const {
    std::fprintf(stderr, "crash test child: %s\n", what.c_str());
    Send(MsgType::kError);
    ::_exit(3);
  }

 private:
  int fd_;
};

// What a child does once forked.
struct ChildPlan {
  enum class Work { kLoad, kIdle, kRebuild };
  Work work = Work::kLoad;  // kIdle: open (recover) and wait; kRebuild: Engine::RebuildIndex.
  EngineOptions options;
  bool compactor = false;  // kLoad: also run CompactOnce in a loop.
  uint64_t content_seed = 0;
  uint64_t thread_seed = 0;
};

// Each writer thread works on the items it owns (item % kThreads == t): puts new generations,
// deletes present items, and now and then reads one back against its own exact model.
inline void WriterLoop(Engine* engine, const Channel* ch, const ChildPlan* plan, uint32_t t,
                       std::vector<ItemModel>* model) {
  std::mt19937_64 rng(Mix64(plan->thread_seed + t));
  auto pick = [&]() -> uint32_t {
    if (rng() % 4 == 0) {
      return kShardItems + t + kThreads * static_cast<uint32_t>(rng() % kSlotsPerThread);
    }
    return t + kThreads * static_cast<uint32_t>(rng() % kShardsPerThread);
  };
  for (uint64_t n = 1;; ++n) {
    const uint32_t item = pick();
    ItemModel& m = (*model)[item];
    const uint32_t next = m.acked != 0 && rng() % 100 < 30 ? 0 : ++m.max_gen;
    ch->Send(MsgType::kIntent, item, next, t);
    Status s = ApplyState(*engine, plan->content_seed, item, next);
    if (!s.ok()) {
      ch->Fail("setting " + ItemName(item) + " to " + DescribeState(next) + ": " + s.ToString());
    }
    m.acked = next;
    ch->Send(MsgType::kAck, item, next, t);
    if (n % 8 == 0) {
      const uint32_t other = pick();
      Result<uint32_t> got = ObserveState(*engine, plan->content_seed, other);
      if (!got.ok() || *got != (*model)[other].acked) {
        ch->Fail("reading back " + ItemName(other) + ": expected " +
                 DescribeState((*model)[other].acked) + ", found " +
                 (got.ok() ? DescribeState(*got) : got.status().ToString()));
      }
    }
  }
}

[[noreturn]] inline void RunChild(const ChildPlan& plan, std::vector<ItemModel> model, int fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::alarm(kChildAlarmSeconds);
  const Channel ch(fd);
  if (plan.work == ChildPlan::Work::kRebuild) {
    ch.Send(MsgType::kReady);
    Status s = Engine::RebuildIndex(plan.options);
    if (!s.ok()) ch.Fail("RebuildIndex: " + s.ToString());
    ch.Send(MsgType::kDone);
    ::_exit(0);
  }
  auto engine = Engine::Open(plan.options);
  if (!engine.ok()) ch.Fail("Engine::Open: " + engine.status().ToString());
  ch.Send(MsgType::kReady);
  if (plan.work == ChildPlan::Work::kIdle) {
    for (;;) ::pause();
  }
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < kThreads; ++t) {
    threads.emplace_back(WriterLoop, engine->get(), &ch, &plan, t, &model);
  }
  if (plan.compactor) {
    threads.emplace_back([&] {
      for (;;) {
        Result<StepOutcome> step = (*engine)->CompactOnce();
        if (!step.ok()) ch.Fail("CompactOnce: " + step.status().ToString());
        if (step->did_work) {
          ch.Send(MsgType::kCompacted);
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ::_exit(4);  // Unreachable: the threads loop until the kill.
}

}  // namespace shale::storage::crash
