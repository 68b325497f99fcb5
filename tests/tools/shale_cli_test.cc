// Runs the real `shale` binary (SHALE_CLI, set by tests/CMakeLists.txt) as a child process
// against data directories populated through the Engine API.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/engine.h"
#include "tests/support/child_process.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale {
namespace {

using ::shale::testing::StatusIs;
using storage::Engine;
using storage::EngineOptions;
using storage::VersionId;
using storage::VersionKind;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kNode[] = "node-a";
constexpr char kCluster[] = "cluster-1";

using RunResult = testing::CommandResult;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `shale args...` with stdout and stderr captured in files under `scratch`.
RunResult RunShale(const testing::TempDir& scratch, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SHALE_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::RunCommand(argv, {}, scratch.path());
}

std::string Describe(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "stderr:\n" + r.err;
}

EngineOptions Options(const std::string& dir) {
  EngineOptions o;
  o.dir = dir;
  o.node_id = kNode;
  o.cluster_id = kCluster;
  o.segment_size = 64 << 10;  // Small, so the data below spans many segments.
  o.background_compaction = false;
  return o;
}

VersionId Version(uint32_t n) {
  VersionId v{};
  for (int i = 0; i < 4; ++i) v[12 + i] = static_cast<uint8_t>(n >> (24 - 8 * i));
  return v;
}

// Deterministic bytes: content depends on the id and a generation, so an overwrite differs.
std::string Bytes(size_t size, uint32_t seed) {
  std::string s(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 16);
  }
  return s;
}

std::string ShardId(int i) { return "shard-" + std::to_string(i); }

// A 1024-byte key (the S3 maximum) that differs from its siblings only at the end, so the
// long-key encoding is what keeps them apart.
std::string LongKey(int i) {
  std::string suffix = "/" + std::to_string(i);
  return std::string(1024 - suffix.size(), 'k') + suffix;
}

constexpr int kShards = 240;
const std::vector<std::string> kBuckets = {"alpha", "beta", "gamma", "no-record"};

// Writes shards, buckets and versions with overwrites and deletes, spanning many segments.
void Populate(Engine& e) {
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK(e.PutShard(ShardId(i), Bytes(200 + (i * 37) % 3000, i)));
  }
  for (int i = 0; i < kShards; i += 5) ASSERT_OK(e.PutShard(ShardId(i), Bytes(900, 1000 + i)));
  for (int i = 0; i < kShards; i += 7) ASSERT_OK(e.DeleteShard(ShardId(i)));
  ASSERT_OK(e.PutShard(ShardId(7), Bytes(123, 77)));  // Re-put after a delete.

  ASSERT_OK(e.PutBucket("alpha", "owner=ann"));
  ASSERT_OK(e.PutBucket("beta", "owner=bob"));
  ASSERT_OK(e.PutBucket("gamma", "owner=gus"));
  ASSERT_OK(e.PutBucket("beta", "owner=bob;versioning=on"));
  ASSERT_OK(e.DeleteBucket("gamma"));

  for (int i = 0; i < 40; ++i) {
    const std::string& bucket = kBuckets[i % kBuckets.size()];
    std::string key = i % 2 ? LongKey(i) : "short/" + std::to_string(i);
    for (uint32_t v = 1; v <= 3; ++v) {
      VersionKind kind = (v == 3 && i % 4 == 0) ? VersionKind::kDeleteMarker : VersionKind::kObject;
      ASSERT_OK(e.PutVersion(bucket, key, Version(v), Bytes(100 + i * 10, i * 10 + v), kind));
    }
    if (i % 3 == 0) {
      ASSERT_OK(e.DeleteVersion(bucket, key, Version(2)));
    }
    if (i % 5 == 0) {
      ASSERT_OK(e.PutVersion(bucket, key, Version(1), "replaced payload"));
    }
  }
}

// Everything a client can observe through the engine, as comparable text.
std::string StateOf(Engine& e) {
  std::ostringstream s;
  for (int i = 0; i < kShards; ++i) {
    auto data = e.GetShard(ShardId(i));
    auto info = e.StatShard(ShardId(i));
    if (!data.ok()) {
      s << "shard " << i << ": " << data.status().ToString() << "\n";
      continue;
    }
    s << "shard " << i << ": " << data->size() << " bytes, hash " << std::hash<std::string>{}(*data)
      << ", crc " << (info.ok() ? info->crc32c : 0) << ", seq " << (info.ok() ? info->sequence : 0)
      << ", bad " << (info.ok() && info->bad) << "\n";
  }
  auto buckets = e.ListBuckets();
  if (!buckets.ok()) return "ListBuckets: " + buckets.status().ToString();
  for (const auto& b : *buckets) s << "bucket " << b.name << " = " << b.payload << "\n";
  for (const auto& bucket : kBuckets) {
    storage::ListVersionsOptions list;
    list.bucket = bucket;
    list.limit = 100000;
    auto page = e.ListVersions(list);
    if (!page.ok()) return "ListVersions: " + page.status().ToString();
    for (const auto& v : page->versions) {
      s << "version " << v.bucket << " "
        << v.key.substr(v.key.size() - std::min<size_t>(v.key.size(), 12)) << " len "
        << v.key.size() << " v" << static_cast<int>(v.version[15]) << " kind "
        << static_cast<int>(v.kind) << " seq " << v.sequence << " payload "
        << std::hash<std::string>{}(v.payload) << "\n";
    }
  }
  auto space = e.GetSpaceStats();
  if (space.ok())
    s << "live bytes " << space->live_bytes << ", dead " << space->dead_bytes << " bytes, segments "
      << space->segment_count << "\n";
  return s.str();
}

class ShaleCliTest : public ::testing::Test {
 protected:
  std::string DataDir() const { return tmp_.Sub("data"); }
  std::string IndexDir() const { return tmp_.Sub("data/index"); }
  RunResult Shale(const std::vector<std::string>& args) { return RunShale(tmp_, args); }

  // Populates DataDir() and returns its state.
  std::string PopulateDataDir() {
    auto engine = Engine::Open(Options(DataDir()));
    EXPECT_OK(engine.status());
    if (!engine.ok()) return "";
    Populate(**engine);
    return StateOf(**engine);
  }

  testing::TempDir tmp_;
};

TEST_F(ShaleCliTest, RebuiltIndexEqualsTheOriginal) {
  const std::string before = PopulateDataDir();
  ASSERT_FALSE(HasFailure());
  size_t segments = 0;
  for (const auto& entry : std::filesystem::directory_iterator(DataDir() + "/segments")) {
    segments += entry.path().extension() == ".seg";
  }
  ASSERT_GE(segments, 5u) << "the data should span several segments";

  std::filesystem::remove_all(IndexDir());
  RunResult r = Shale({"rebuild-index", "--data", DataDir()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_THAT(r.out, HasSubstr(std::to_string(segments) + " segments scanned"));
  // 240 shards, every 7th deleted (35), shard 7 put back.
  EXPECT_THAT(r.out, HasSubstr(" " + std::to_string(kShards - 35 + 1) + " shards"));
  EXPECT_THAT(r.out, HasSubstr(" 2 buckets"));
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;

  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(Options(DataDir())));
  EXPECT_EQ(StateOf(*engine), before);
  // The rebuilt index takes writes that survive a reopen.
  ASSERT_OK(engine->PutShard("after-rebuild", "fresh"));
  engine.reset();
  ASSERT_OK_AND_ASSIGN(engine, Engine::Open(Options(DataDir())));
  ASSERT_OK_AND_ASSIGN(std::string fresh, engine->GetShard("after-rebuild"));
  EXPECT_EQ(fresh, "fresh");
}

// Regression: compaction dropped a tombstone once the segment of the record it deleted was
// gone, although an older, overwritten copy of that record still sat in an earlier segment; a
// rebuild then resurrected the old copy.
TEST_F(ShaleCliTest, RebuildAfterCompactionDoesNotResurrectDeletedRecords) {
  EngineOptions options = Options(DataDir());
  // 15 fillers fill a 64 KiB segment; the 16th put rotates to a new one.
  const std::string filler = Bytes(4096, 9);
  auto fill = [&](Engine& e, const std::string& prefix) {
    for (int i = 0; i < 15; ++i) ASSERT_OK(e.PutShard(prefix + std::to_string(i), filler));
  };
  {
    ASSERT_OK_AND_ASSIGN(auto e, Engine::Open(options));
    // Segment 1: the first copy of "victim" among records that stay live, so it is never
    // compacted. Segment 2: the overwrite. Segment 3: the delete. Then 2 and 3 die.
    ASSERT_OK(e->PutShard("victim", "old copy"));
    fill(*e, "keep-");
    fill(*e, "drop-b-");
    ASSERT_OK(e->PutShard("victim", "new copy"));  // Small: still fits in segment 2.
    fill(*e, "drop-c-");
    ASSERT_OK(e->DeleteShard("victim"));
    ASSERT_OK(e->PutShard("tail", filler));  // Opens segment 4, so segment 3 gets sealed.
    for (int i = 0; i < 15; ++i) {
      ASSERT_OK(e->DeleteShard("drop-b-" + std::to_string(i)));
      ASSERT_OK(e->DeleteShard("drop-c-" + std::to_string(i)));
    }
    ASSERT_OK_AND_ASSIGN(auto space, e->GetSpaceStats());
    ASSERT_EQ(space.segment_count, 4u) << "the layout this test needs";
    for (int step = 0; step < 100; ++step) {
      ASSERT_OK_AND_ASSIGN(auto outcome, e->CompactOnce());
      if (!outcome.did_work) break;
    }
    EXPECT_EQ(e->status().segments_compacted, 2u);
    EXPECT_THAT(e->GetShard("victim").status(), StatusIs(StatusCode::kNotFound));
  }
  std::filesystem::remove_all(IndexDir());
  RunResult r = Shale({"rebuild-index", "--data", DataDir()});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  ASSERT_OK_AND_ASSIGN(auto e, Engine::Open(options));
  EXPECT_THAT(e->GetShard("victim").status(), StatusIs(StatusCode::kNotFound));
  for (int i = 0; i < 15; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string kept, e->GetShard("keep-" + std::to_string(i)));
    EXPECT_EQ(kept, filler);
  }
  EXPECT_THAT(e->GetShard("drop-b-0").status(), StatusIs(StatusCode::kNotFound));
}

TEST_F(ShaleCliTest, ExplicitIdentityInEqualsForm) {
  const std::string before = PopulateDataDir();
  ASSERT_FALSE(HasFailure());
  std::filesystem::remove_all(IndexDir());
  RunResult r = Shale({"rebuild-index", "--data=" + DataDir(), "--node-id=" + std::string(kNode),
                       "--cluster-id", kCluster});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(Options(DataDir())));
  EXPECT_EQ(StateOf(*engine), before);
}

TEST_F(ShaleCliTest, WrongIdentityIsRefusedBeforeTheIndexIsTouched) {
  const std::string before = PopulateDataDir();
  ASSERT_FALSE(HasFailure());
  RunResult r =
      Shale({"rebuild-index", "--data", DataDir(), "--node-id", "other", "--cluster-id", kCluster});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_THAT(r.err, HasSubstr("node-a"));
  // The old index is still there and still valid.
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(Options(DataDir())));
  EXPECT_EQ(StateOf(*engine), before);
}

TEST_F(ShaleCliTest, OpeningWithoutTheIndexNamesTheCommand) {
  PopulateDataDir();
  ASSERT_FALSE(HasFailure());
  std::filesystem::remove_all(IndexDir());
  auto engine = Engine::Open(Options(DataDir()));
  ASSERT_FALSE(engine.ok());
  EXPECT_THAT(engine.status().message(), HasSubstr("shale rebuild-index --data " + DataDir()));
}

TEST_F(ShaleCliTest, RefusedWhileTheDataDirectoryIsInUse) {
  const std::string before = PopulateDataDir();
  ASSERT_FALSE(HasFailure());
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(Options(DataDir())));
  RunResult r = Shale({"rebuild-index", "--data", DataDir()});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_THAT(r.err, HasSubstr(DataDir() + " is in use by a running process"));
  // The running engine's index was left alone.
  EXPECT_EQ(StateOf(*engine), before);
  engine.reset();
  ASSERT_OK_AND_ASSIGN(engine, Engine::Open(Options(DataDir())));
  EXPECT_EQ(StateOf(*engine), before);
}

TEST_F(ShaleCliTest, RefusesAMissingDirectory) {
  RunResult r = Shale({"rebuild-index", "--data", tmp_.Sub("absent")});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_THAT(r.err, HasSubstr(tmp_.Sub("absent") + " does not exist"));
  EXPECT_FALSE(std::filesystem::exists(tmp_.Sub("absent"))) << "must not be created";
}

TEST_F(ShaleCliTest, RefusesADirectoryWithoutSegments) {
  std::filesystem::create_directories(tmp_.Sub("empty/segments"));
  std::filesystem::create_directories(tmp_.Sub("empty/index"));
  { std::ofstream(tmp_.Sub("empty/index/data.mdb")) << "keep me"; }
  RunResult r = Shale({"rebuild-index", "--data", tmp_.Sub("empty")});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_THAT(r.err, HasSubstr("no segment files"));
  EXPECT_EQ(ReadFile(tmp_.Sub("empty/index/data.mdb")), "keep me") << "the index was touched";
}

TEST_F(ShaleCliTest, UsageErrorsExitTwo) {
  const std::string dir = tmp_.path();
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"no-such-command"},
      {"rebuild-index"},
      {"rebuild-index", "--data"},
      {"rebuild-index", "--data="},
      {"rebuild-index", "--data", dir, "--bogus", "1"},
      {"rebuild-index", "--data", dir, "--data", dir},
      {"rebuild-index", "--data", dir, "extra"},
      {"rebuild-index", "--data", dir, "--node-id", "n"},
      {"rebuild-index", "--data", "--node-id", "n", "--cluster-id", "c"},
      {"rebuild-index", "-d", dir},
  };
  for (const auto& args : cases) {
    RunResult r = Shale(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << "shale " << joined << "\n" << Describe(r);
    EXPECT_THAT(r.err, HasSubstr("usage: shale")) << "shale " << joined;
    EXPECT_EQ(r.out, "") << "shale " << joined;
  }
  RunResult r = Shale({"rebuild-index", "--data", dir, "--bogus", "1"});
  EXPECT_THAT(r.err, HasSubstr("unknown option '--bogus'"));
  r = Shale({"frobnicate"});
  EXPECT_THAT(r.err, HasSubstr("unknown command 'frobnicate'"));
}

TEST_F(ShaleCliTest, HelpAndVersion) {
  RunResult r = Shale({"--help"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_THAT(r.out, HasSubstr("rebuild-index"));
  EXPECT_EQ(r.err, "");

  r = Shale({"rebuild-index", "--help"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_THAT(r.out, HasSubstr("--data DIR"));
  // --help wins over otherwise invalid options, and does nothing else.
  r = Shale({"rebuild-index", "--bogus", "--help"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);

  r = Shale({"--version"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(r.out, std::string("shale ") + SHALE_VERSION + "\n");
}

}  // namespace
}  // namespace shale
