// Process-level crash tests of the storage engine: a child process loads the engine from
// several threads and reports each operation to the parent through a pipe — an intent before
// the call, an acknowledgement strictly after it returned OK. The parent SIGKILLs the child at
// a random moment, reopens the data directory and checks every item: it holds its
// acknowledged state bit-exactly, or (only if an operation on it was in flight at the kill)
// the state that operation would have left — never anything else. The data directory persists
// across rounds, so each round recovers what the previous kills left behind.
//
// Randomized: prints its seed; SHALE_TEST_SEED replays the kill schedule and the contents
// (thread interleavings still differ). SHALE_CRASH_ROUNDS overrides the number of kills.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/log.h"
#include "storage/engine.h"
#include "tests/crash/crash_child.h"
#include "tests/crash/crash_workload.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::storage::crash {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kDefaultRounds = 24;
constexpr auto kChildTimeout = std::chrono::seconds(60);
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr size_t kMaxReportedProblems = 20;

uint64_t TestSeed() {
  const char* env = std::getenv("SHALE_TEST_SEED");
  uint64_t seed = env != nullptr ? std::strtoull(env, nullptr, 10) : std::random_device()();
  std::printf("SHALE_TEST_SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

int CrashRounds() {
  const char* env = std::getenv("SHALE_CRASH_ROUNDS");
  int rounds = env != nullptr ? std::atoi(env) : kDefaultRounds;
  return std::max(rounds, 1);
}

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// When to kill: `delay_ms` after the fork, or after the child reported kReady, and not before
// `min_acks` operations were acknowledged (so a slow disk still yields real load per round).
struct KillPlan {
  bool from_fork = false;
  double delay_ms = 0;
  uint64_t min_acks = 0;
};

// Load rounds are killed only after this many acknowledged operations.
constexpr uint64_t kMinAcksPerLoadRound = 80;

struct ChildOutcome {
  bool failed = false;  // The child reported an error, or supervising it failed.
  bool ready = false;
  bool done = false;    // kDone: the rebuild finished before any kill.
  bool killed = false;  // Ended by our SIGKILL.
  double ready_ms = 0;  // From the fork to kReady.
  uint64_t acks = 0, acks_before_kill = 0, compactions = 0;
};

class EngineCrashTest : public ::testing::Test {
 protected:
  EngineCrashTest() : seed_(TestSeed()), rng_(seed_), model_(kItems) {
    log::SetLevel(log::Level::kWarn);  // One line per compaction would drown the report.
  }

  EngineOptions Options(uint64_t segment_size, bool compaction) const {
    EngineOptions o;
    o.dir = dir_;
    o.node_id = "crash-node";
    o.cluster_id = "crash-cluster";
    o.segment_size = segment_size;
    o.lmdb_map_size = kMiB;  // Small, so the map grows (MDB_MAP_FULL) while kills happen.
    o.background_compaction = compaction;
    o.compaction_threshold = 0.6;
    o.boot_id = boot_id_;
    return o;
  }

  double Uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng_);
  }

  size_t InFlight() const {
    return std::count_if(model_.begin(), model_.end(),
                         [](const ItemModel& m) { return m.in_flight >= 0; });
  }

  // Forks a child running `plan` on a copy of the model, follows its reports into the model
  // and SIGKILLs it as `kill` says. Forks only while this process runs no other thread: every
  // engine the parent opens is closed (its threads joined) before the next fork.
  ChildOutcome Run(const ChildPlan& plan, const KillPlan& kill);
  void Handle(const Msg& m, ChildOutcome* out, Clock::time_point fork_time);
  // Reopens the directory, checks every item against the model and resolves the in-flight
  // operations to what was found. The model is exact again afterwards.
  ::testing::AssertionResult VerifyAndResolve(const std::string& when);
  void CheckListing(Engine& engine, std::vector<std::string>* problems);

  shale::testing::TempDir tmp_;
  const std::string dir_ = tmp_.Sub("data");
  const uint64_t seed_;
  std::mt19937_64 rng_;
  std::vector<ItemModel> model_;
  uint64_t landed_ = 0, not_landed_ = 0;  // In-flight operations, as resolved.
  // The kernel boot the engines "run in" (EngineOptions::boot_id): a power-loss test changes
  // it between the kill and the reopen. Empty: the real one.
  std::string boot_id_;
  // What VerifyAndResolve expects EngineStatus::index_rebuilt_at_open to say.
  bool expect_index_rebuild_ = false;
};

void EngineCrashTest::Handle(const Msg& m, ChildOutcome* out, Clock::time_point fork_time) {
  const bool about_item = m.type == MsgType::kIntent || m.type == MsgType::kAck;
  if (about_item && m.item >= kItems) {
    ADD_FAILURE() << "child reported item " << m.item << " out of range";
    out->failed = true;
    return;
  }
  switch (m.type) {
    case MsgType::kReady:
      out->ready = true;
      out->ready_ms = MillisSince(fork_time);
      return;
    case MsgType::kIntent: {
      ItemModel& im = model_[m.item];
      EXPECT_LT(im.in_flight, 0) << ItemName(m.item) << ": two operations in flight";
      im.in_flight = m.state;
      im.max_gen = std::max(im.max_gen, m.state);
      return;
    }
    case MsgType::kAck: {
      ItemModel& im = model_[m.item];
      EXPECT_EQ(im.in_flight, int64_t{m.state}) << ItemName(m.item) << ": ack without intent";
      im.acked = m.state;
      im.in_flight = -1;
      ++out->acks;
      return;
    }
    case MsgType::kCompacted:
      ++out->compactions;
      return;
    case MsgType::kDone:
      out->done = true;
      return;
    case MsgType::kError:
      out->failed = true;
      return;
  }
  ADD_FAILURE() << "unknown report type " << static_cast<uint32_t>(m.type);
  out->failed = true;
}

ChildOutcome EngineCrashTest::Run(const ChildPlan& plan, const KillPlan& kill) {
  ChildOutcome out;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    out.failed = true;
    return out;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const Clock::time_point fork_time = Clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    RunChild(plan, model_, fds[1]);  // Never returns into the test framework.
  }
  ::close(fds[1]);
  const int fd = fds[0];
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    ::close(fd);
    out.failed = true;
    return out;
  }

  std::string pending;
  auto consume = [&] {
    size_t pos = 0;
    for (; pending.size() - pos >= sizeof(Msg); pos += sizeof(Msg)) {
      Msg m;
      std::memcpy(&m, pending.data() + pos, sizeof(m));
      Handle(m, &out, fork_time);
    }
    pending.erase(0, pos);
  };
  const auto delay = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::milli>(kill.delay_ms));
  std::optional<Clock::time_point> kill_at;
  if (kill.from_fork) kill_at = fork_time + delay;
  bool eof = false;
  bool timed_out = false;
  while (!eof) {
    const Clock::time_point now = Clock::now();
    if (kill_at && now >= *kill_at && out.acks >= kill.min_acks) break;
    if (now >= fork_time + kChildTimeout) {
      timed_out = true;
      break;
    }
    Clock::time_point until = fork_time + kChildTimeout;
    if (kill_at && *kill_at > now) until = *kill_at;
    const int timeout_ms =
        static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(until - now).count());
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, std::max(timeout_ms, 0));
    if (rc <= 0) continue;  // Timeout or EINTR: the loop re-checks the clock.
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n == 0) eof = true;
    if (n <= 0) continue;
    pending.append(buf, static_cast<size_t>(n));
    const bool was_ready = out.ready;
    consume();
    if (!kill.from_fork && !was_ready && out.ready) kill_at = Clock::now() + delay;
  }
  if (!eof) {
    out.acks_before_kill = out.acks;
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // Every report written before the death is acknowledged; the write end is closed now.
  for (;;) {
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
  }
  consume();  // A partial report left in `pending` was torn by the kill: ignored.
  ::close(fd);

  out.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  const bool clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == 0 && out.done;
  if (timed_out) {
    ADD_FAILURE() << "after " << kChildTimeout.count() << " s the child was "
                  << (out.ready ? "" : "not ") << "ready, with " << out.acks
                  << " acknowledged operations (" << kill.min_acks << " wanted)";
    out.failed = true;
  } else if (!out.failed && !out.killed && !clean_exit) {
    ADD_FAILURE() << "the child ended on its own, wait status " << status;
    out.failed = true;
  }
  return out;
}

void EngineCrashTest::CheckListing(Engine& engine, std::vector<std::string>* problems) {
  struct Expected {
    std::string key;
    VersionId version;
    uint32_t item;
  };
  std::vector<Expected> expected;
  for (uint32_t item = kShardItems; item < kItems; ++item) {
    if (model_[item].acked != 0) expected.push_back({ObjectKey(item), ObjectVersion(item), item});
  }
  std::sort(expected.begin(), expected.end(), [](const Expected& a, const Expected& b) {
    return a.key != b.key ? a.key < b.key : a.version > b.version;  // Newest version first.
  });
  ListVersionsOptions lo;
  lo.bucket = kBucket;
  lo.limit = kItems + 1;
  Result<VersionPage> page = engine.ListVersions(lo);
  if (!page.ok()) {
    problems->push_back("ListVersions: " + page.status().ToString());
    return;
  }
  if (page->versions.size() != expected.size() || page->truncated) {
    problems->push_back("ListVersions returned " + std::to_string(page->versions.size()) +
                        " versions, expected " + std::to_string(expected.size()));
    return;
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    const StoredVersion& v = page->versions[i];
    const Expected& e = expected[i];
    const uint32_t gen = model_[e.item].acked;
    if (v.key != e.key || v.version != e.version || v.kind != KindOfGeneration(gen) ||
        v.payload != Content(seed_, e.item, gen)) {
      problems->push_back("listing entry " + std::to_string(i) + " (" + v.key + ") is not " +
                          ItemName(e.item) + " at " + DescribeState(gen));
    }
  }
}

::testing::AssertionResult EngineCrashTest::VerifyAndResolve(const std::string& when) {
  auto opened = Engine::Open(Options(4 * kMiB, /*compaction=*/false));
  if (!opened.ok()) {
    return ::testing::AssertionFailure()
           << when << ": reopening failed: " << opened.status().ToString() << " (seed " << seed_
           << ")";
  }
  Engine& engine = **opened;
  std::vector<std::string> problems;
  if (engine.status().index_rebuilt_at_open != expect_index_rebuild_) {
    problems.push_back(expect_index_rebuild_
                           ? "the index was trusted after a crash on an earlier boot"
                           : "the index was rebuilt although it could be trusted");
  }
  for (uint32_t item = 0; item < kItems; ++item) {
    ItemModel& m = model_[item];
    Result<uint32_t> got = ObserveState(engine, seed_, item);
    if (!got.ok() || (*got != m.acked && int64_t{*got} != m.in_flight)) {
      std::string expected = DescribeState(m.acked) + " (acknowledged)";
      if (m.in_flight >= 0) expected += " or " + DescribeState(m.in_flight) + " (in flight)";
      problems.push_back(ItemName(item) + ": expected " + expected + ", found " +
                         (got.ok() ? DescribeState(*got) : got.status().ToString()));
      continue;
    }
    if (m.in_flight >= 0) ++(*got == m.acked ? not_landed_ : landed_);
    m.acked = *got;
    m.in_flight = -1;
  }
  if (problems.empty()) CheckListing(engine, &problems);
  if (problems.empty()) {
    // The live-bytes accounting that drives compaction survives the crashes exactly.
    uint64_t expected_live = 0;
    for (uint32_t item = 0; item < kItems; ++item) {
      if (model_[item].acked != 0) expected_live += RecordBytes(seed_, item, model_[item].acked);
    }
    Result<SpaceStats> space = engine.GetSpaceStats();
    if (!space.ok()) {
      problems.push_back("GetSpaceStats: " + space.status().ToString());
    } else if (space->live_bytes != expected_live) {
      problems.push_back("live bytes are " + std::to_string(space->live_bytes) + ", expected " +
                         std::to_string(expected_live));
    }
  }
  if (problems.empty()) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  failure << when << ": " << problems.size() << " problem(s), seed " << seed_ << ":";
  for (size_t i = 0; i < std::min(problems.size(), kMaxReportedProblems); ++i) {
    failure << "\n  " << problems[i];
  }
  return failure;
}

TEST_F(EngineCrashTest, AcknowledgedWritesSurviveKills) {
  const int rounds = CrashRounds();
  const Clock::time_point start = Clock::now();
  double open_ms = 3;  // Fork to ready of a recovering child, smoothed: kills aim inside it.
  uint64_t acks = 0, compactions = 0;
  int load_rounds = 0, mid_load_kills = 0, recovery_rounds = 0, recovery_kills = 0;
  bool recover_next = false;
  for (int round = 0; round < rounds; ++round) {
    ChildPlan plan;
    KillPlan kill;
    plan.content_seed = seed_;
    plan.thread_seed = rng_();
    const bool compaction = round % 3 == 2;
    if (recover_next) {
      // The previous child's tail is still unrecovered: kill this one while it recovers.
      plan.work = ChildPlan::Work::kIdle;
      plan.options = Options(4 * kMiB, false);
      kill.from_fork = true;
      kill.delay_ms = Uniform(0, 1.3 * open_ms);
      ++recovery_rounds;
    } else {
      plan.options = compaction ? Options(kMiB, true) : Options(4 * kMiB, false);
      plan.compactor = compaction;
      kill.delay_ms = compaction ? Uniform(100, 400) : Uniform(5, 300);
      kill.min_acks = kMinAcksPerLoadRound;
      ++load_rounds;
    }
    ChildOutcome out = Run(plan, kill);
    ASSERT_FALSE(out.failed) << "round " << round << " failed (child stderr above), seed " << seed_;
    const size_t in_flight = InFlight();
    // `ready` counts reports drained after the kill too: false means Open never returned.
    if (plan.work == ChildPlan::Work::kLoad) {
      if (out.ready && out.acks_before_kill > 0 && in_flight > 0) ++mid_load_kills;
    } else if (out.ready) {
      open_ms = 0.7 * open_ms + 0.3 * out.ready_ms;
    } else {
      ++recovery_kills;
    }
    acks += out.acks;
    compactions += out.compactions;
    std::printf(
        "round %2d: %-12s kill %5.1f ms after %-5s %-13s acks %5llu  in flight %zu"
        "  compactions %llu\n",
        round,
        plan.work == ChildPlan::Work::kIdle ? "recovery"
        : compaction                        ? "load+compact"
                                            : "load",
        kill.delay_ms, kill.from_fork ? "fork" : "ready", out.ready ? "" : "(in recovery)",
        static_cast<unsigned long long>(out.acks), in_flight,
        static_cast<unsigned long long>(out.compactions));
    // Recovery rounds follow a load round now and then, rarely two in a row, and never take
    // more than a third of the rounds.
    recover_next = round + 1 < rounds && 3 * (recovery_rounds + 1) <= rounds &&
                   rng_() % (plan.work == ChildPlan::Work::kLoad ? 4 : 3) == 0;
    if (!recover_next) {
      ASSERT_TRUE(VerifyAndResolve("after round " + std::to_string(round)));
    }
  }
  std::printf(
      "%d kills: %llu acknowledged ops; %d load rounds, %d killed with ops in flight; %d "
      "recovery rounds, %d killed inside Open; in-flight ops landed %llu, not %llu; %llu "
      "compactions; %.1f s\n",
      rounds, static_cast<unsigned long long>(acks), load_rounds, mid_load_kills, recovery_rounds,
      recovery_kills, static_cast<unsigned long long>(landed_),
      static_cast<unsigned long long>(not_landed_), static_cast<unsigned long long>(compactions),
      MillisSince(start) / 1000);
  // Not vacuous: real load was acknowledged, most load rounds were killed with operations in
  // flight (the ones a crash can tear), compaction ran, and the checker can fail.
  EXPECT_GE(acks, kMinAcksPerLoadRound * load_rounds);
  if (rounds >= kDefaultRounds) {
    EXPECT_GT(acks, 1000u);
  }
  EXPECT_GE(mid_load_kills, (load_rounds + 1) / 2);
  if (rounds >= 9) {
    EXPECT_GT(compactions, 0u);
  }
  auto present =
      std::find_if(model_.begin(), model_.end(), [](const ItemModel& m) { return m.acked != 0; });
  ASSERT_NE(present, model_.end());
  present->acked = present->max_gen + 1;  // A generation never written.
  EXPECT_FALSE(VerifyAndResolve("self-check with a wrong model"));
}

// A power loss (or kernel panic, VM reset) loses the page cache: index commits that were never
// flushed — the engine flushes only the segment on the acknowledgement path — may be missing
// or torn. Simulated here as: kill -9, then garble the middle of LMDB's data file, then reopen
// "in the next boot". The engine must not trust that index: it rebuilds it from the segments,
// and every acknowledged write must be there.
TEST_F(EngineCrashTest, PowerLossRebuildsTheIndexFromTheSegments) {
  const int rounds = std::max(3, CrashRounds() / 4);
  std::mt19937_64 garble(seed_ ^ 0x9e3779b97f4a7c15ull);
  uint64_t acks = 0;
  for (int round = 0; round < rounds; ++round) {
    boot_id_ = "boot-" + std::to_string(2 * round);
    ChildPlan plan;
    plan.options = Options(4 * kMiB, /*compaction=*/round % 2 == 1);
    plan.compactor = round % 2 == 1;
    plan.content_seed = seed_;
    plan.thread_seed = rng_();
    ChildOutcome out = Run(plan, KillPlan{false, Uniform(50, 300), kMinAcksPerLoadRound});
    ASSERT_FALSE(out.failed) << "round " << round << ", seed " << seed_;
    acks += out.acks;
    // Garble 64 KiB in the middle of the index (past LMDB's two meta pages).
    const std::string mdb = dir_ + "/index/data.mdb";
    struct stat st {};
    ASSERT_EQ(::stat(mdb.c_str(), &st), 0);
    const int fd = ::open(mdb.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    std::string junk(64 * 1024, '\0');
    for (char& c : junk) c = static_cast<char>(garble());
    const off_t at = std::max<off_t>(8192, st.st_size / 2 - 32 * 1024);
    ASSERT_EQ(::pwrite(fd, junk.data(), junk.size(), at), static_cast<ssize_t>(junk.size()));
    ::close(fd);
    boot_id_ = "boot-" + std::to_string(2 * round + 1);  // The machine came back up.
    expect_index_rebuild_ = true;
    ASSERT_TRUE(VerifyAndResolve("after power loss " + std::to_string(round)));
    // That open closed cleanly: the next boot trusts the index again.
    expect_index_rebuild_ = false;
    boot_id_ = "boot-" + std::to_string(2 * round + 2);
    ASSERT_TRUE(VerifyAndResolve("after a clean close, in a later boot"));
  }
  std::printf("%d power losses: %llu acknowledged ops, all found after the index rebuilds\n",
              rounds, static_cast<unsigned long long>(acks));
  EXPECT_GE(acks, kMinAcksPerLoadRound * static_cast<uint64_t>(rounds));
}

TEST_F(EngineCrashTest, RebuildIndexIsRestartable) {
  const Clock::time_point start = Clock::now();
  // A history with compaction: segments hold relocated records, tombstones and dead copies.
  // Load rounds go on until compaction has run a few times (bounded: a slow disk gets fewer).
  uint64_t compactions = 0;
  int load_rounds = 0;
  while (load_rounds < 6 || (compactions < 5 && load_rounds < 20)) {
    ChildPlan plan;
    plan.options = Options(kMiB, true);
    plan.compactor = true;
    plan.content_seed = seed_;
    plan.thread_seed = rng_();
    ChildOutcome out = Run(plan, KillPlan{false, Uniform(150, 400), kMinAcksPerLoadRound});
    ASSERT_FALSE(out.failed) << "load round " << load_rounds << ", seed " << seed_;
    compactions += out.compactions;
    ASSERT_TRUE(VerifyAndResolve("after load round " + std::to_string(load_rounds)));
    ++load_rounds;
  }
  const EngineOptions options = Options(4 * kMiB, false);
  // An uninterrupted rebuild first; its duration tells where the kills below may land.
  const Clock::time_point rebuild_start = Clock::now();
  ASSERT_OK(Engine::RebuildIndex(options));
  const double rebuild_ms = MillisSince(rebuild_start);
  ASSERT_TRUE(VerifyAndResolve("after a full rebuild"));

  int killed = 0;
  for (int k = 0; k < 5; ++k) {
    ChildPlan plan;
    plan.work = ChildPlan::Work::kRebuild;
    plan.options = options;
    // The first half of a rebuild: a loaded machine makes the measured duration noisy.
    ChildOutcome out = Run(plan, KillPlan{false, k == 0 ? 0.0 : Uniform(0, rebuild_ms / 2)});
    ASSERT_FALSE(out.failed) << "rebuild kill " << k << ", seed " << seed_;
    if (out.killed) ++killed;
  }
  // A half-rebuilt index: opening it either refuses, naming the rebuild, or completes it.
  bool opened = false;
  {
    auto engine = Engine::Open(options);
    if (engine.ok()) {
      opened = true;
    } else {
      EXPECT_THAT(engine.status().ToString(), ::testing::HasSubstr("rebuild-index"));
    }
  }
  if (opened) {
    ASSERT_TRUE(VerifyAndResolve("opening a half-rebuilt index"));
  }
  EngineOptions anonymous = options;  // The identity comes from the oldest segment.
  anonymous.node_id.clear();
  anonymous.cluster_id.clear();
  ASSERT_OK(Engine::RebuildIndex(anonymous));
  ASSERT_TRUE(VerifyAndResolve("after the final rebuild"));
  std::printf(
      "rebuild: %.1f ms uninterrupted, %d of 5 rebuilds killed, half-rebuilt index %s, "
      "%d load rounds with %llu compactions before, %.1f s\n",
      rebuild_ms, killed, opened ? "opened" : "refused", load_rounds,
      static_cast<unsigned long long>(compactions), MillisSince(start) / 1000);
  EXPECT_GE(killed, 3);
  EXPECT_GT(compactions, 0u);
}

// Regression: compaction dropped a tombstone whose target segment was the one being compacted
// (or already gone) although an older copy of the same shard survived in an earlier segment;
// a rebuild from the segments then resurrected that older copy.
TEST(EngineRebuildTest, RebuildAfterCompactionKeepsDeletes) {
  shale::testing::TempDir tmp;
  EngineOptions o;
  o.dir = tmp.Sub("data");
  o.node_id = "n";
  o.cluster_id = "c";
  o.segment_size = 64 << 10;
  o.background_compaction = false;
  const std::string filler(20 << 10, 'f');
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
    ASSERT_OK(engine->PutShard("x", "generation 1"));  // Segment 1, which stays mostly live.
    for (int i = 0; i < 3; ++i) ASSERT_OK(engine->PutShard("keep-" + std::to_string(i), filler));
    ASSERT_OK(engine->PutShard("tmp-0", filler));  // Rotates: segment 2.
    ASSERT_EQ(engine->status().active_segment_id, 2u);
    ASSERT_OK(engine->PutShard("x", "generation 2"));
    ASSERT_OK(engine->DeleteShard("x"));  // The tombstone's target: segment 2 itself.
    for (int i = 1; i < 4; ++i) ASSERT_OK(engine->PutShard("tmp-" + std::to_string(i), filler));
    for (int i = 0; i < 4; ++i) ASSERT_OK(engine->DeleteShard("tmp-" + std::to_string(i)));
    ASSERT_GT(engine->status().active_segment_id, 2u);
    int steps = 0;
    for (;;) {
      ASSERT_OK_AND_ASSIGN(StepOutcome step, engine->CompactOnce());
      if (!step.did_work) break;
      ++steps;
    }
    ASSERT_GT(steps, 0);
    EXPECT_THAT(engine->GetShard("x"), shale::testing::StatusIs(StatusCode::kNotFound));
  }
  ASSERT_OK(Engine::RebuildIndex(o));
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(o));
  EXPECT_THAT(engine->GetShard("x"), shale::testing::StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::string keep, engine->GetShard("keep-0"));
  EXPECT_EQ(keep, filler);
}

}  // namespace
}  // namespace shale::storage::crash
