// Issue 8's operations scenarios on a real cluster (six shale-node processes, k=4 m=2, behind
// shale-gateway), driven through the `shale` CLI the way an operator would: scrub finds exactly
// the shards flipped on disk and repair heals them; a node that missed 500 writes catches up; a
// wiped node is rebuilt; a coordinator killed mid-repair resumes; orphan shards are reclaimed;
// a deleted object never comes back. They need the node-side scrubber and the repair service:
// until those run in shale-node the tests skip, saying which is missing.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/hlc.h"
#include "common/object_record.h"
#include "tests/ops/ops_harness.h"
#include "tests/support/shard_files.h"
#include "tests/support/status_matchers.h"

namespace shale::testing {
namespace {

using ShardSet = std::set<std::pair<std::string, std::string>>;  // (node, shard id hex).

std::string Str(const rapidjson::Value& v, const char* name) {
  return v.IsObject() && v.HasMember(name) && v[name].IsString() ? v[name].GetString() : "";
}

uint64_t ClusterCount(const rapidjson::Document& status, const char* name) {
  return status.IsObject() && status.HasMember("cluster") ? status["cluster"][name].GetUint64() : 0;
}

// Skips the test unless the nodes run the services it needs.
#define SKIP_UNLESS_SERVICES(cluster, need_scrub)                                              \
  do {                                                                                         \
    if (!(cluster).NodesReport("repair")) GTEST_SKIP() << "shale-node runs no repair service"; \
    if ((need_scrub) && !(cluster).NodesReport("scrub")) {                                     \
      GTEST_SKIP() << "shale-node runs no scrubber";                                           \
    }                                                                                          \
  } while (0)

class OpsRepairTest : public ::testing::Test {
 protected:
  void StartCluster(OpsClusterOptions options = {}) {
    cluster_ = std::make_unique<OpsCluster>(options);
    ASSERT_OK(cluster_->Start());
    s3_ = cluster_->S3();
    ASSERT_OK(s3_->EnsureBucket("ops"));
  }

  // Puts objects "obj-<i>" of size(i) bytes from 8 clients at once (with a node down every put
  // waits for the data path's retries of it); returns their keys.
  std::vector<std::string> PutObjects(int n, size_t (*size)(int)) {
    constexpr int kWriters = 8;
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i) keys.push_back("obj-" + std::to_string(i));
    std::vector<int> failures(kWriters, 0);
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        auto s3 = cluster_->S3();
        for (int i = w; i < n; i += kWriters) {
          const std::string body = ObjectBytes(i, size(i));
          auto put = s3->PutObject("ops", keys[i],
                                   {reinterpret_cast<const uint8_t*>(body.data()), body.size()});
          failures[w] += !(put.ok() && put->status == 200);
        }
      });
    }
    for (auto& t : writers) t.join();
    for (int f : failures) EXPECT_EQ(f, 0);
    return keys;
  }

  // Every object reads back bit-exact.
  void ExpectReadsExact(const std::vector<std::string>& keys, size_t (*size)(int)) {
    for (size_t i = 0; i < keys.size(); ++i) {
      auto got = s3_->GetObject("ops", keys[i]);
      ASSERT_TRUE(got.ok()) << keys[i];
      EXPECT_EQ(got->status, 200) << keys[i];
      EXPECT_TRUE(got->body == ObjectBytes(static_cast<uint64_t>(i), size(static_cast<int>(i))))
          << keys[i];
    }
  }

  // `shale verify` of every key: the shards it reports not ok and the records it misses, and
  // how many keys exited 3.
  ShardSet Verify(const std::vector<std::string>& keys, bool deep, int* unhealthy_keys) {
    ShardSet bad;
    *unhealthy_keys = 0;
    for (const std::string& key : keys) {
      std::vector<std::string> args = {"verify", "s3://ops/" + key};
      if (deep) args.push_back("--deep");
      int code = -1;
      rapidjson::Document r = cluster_->ShaleJson(args, &code);
      EXPECT_TRUE(code == 0 || code == 3) << key << " exit " << code;
      *unhealthy_keys += code == 3;
      if (!r.IsObject()) continue;
      for (const auto& s : r["shards"].GetArray()) {
        if (!s["ok"].GetBool()) bad.insert({Str(s, "node"), Str(s, "id")});
      }
      for (const auto& rec : r["records"].GetArray()) {
        if (!rec["present"].GetBool()) bad.insert({Str(rec, "node"), "record of " + key});
      }
    }
    return bad;
  }

  CommandResult RepairWait() {
    return cluster_->Shale({"repair", "--wait", "--timeout", "150", "--interval", "0.5"});
  }

  // Polls `shale status --json` until `done` holds (FAILs after `seconds`).
  rapidjson::Document StatusUntil(const std::function<bool(const rapidjson::Document&)>& done,
                                  int seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    for (;;) {
      rapidjson::Document s = cluster_->ShaleJson({"status"});
      if (done(s) || std::chrono::steady_clock::now() > deadline) {
        EXPECT_TRUE(done(s)) << "status never reached the state waited for";
        return s;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }

  std::unique_ptr<OpsCluster> cluster_;
  std::unique_ptr<cli::S3Client> s3_;
};

size_t Erasure600K(int) { return 600 * 1024; }  // 3 chunks of 256 KiB: 18 shards of 64 KiB.
size_t MostlyInline(int i) { return i % 10 == 0 ? 40 * 1024 : 2 * 1024; }

TEST_F(OpsRepairTest, ScrubReportsExactlyTheFlippedShardsAndRepairHealsThem) {
  StartCluster();
  if (!cluster_->NodesReport("scrub")) GTEST_SKIP() << "shale-node runs no scrubber";
  const std::vector<std::string> keys = PutObjects(8, Erasure600K);
  int unhealthy = 0;
  ASSERT_TRUE(Verify(keys, false, &unhealthy).empty());

  // Flip one byte in two shards on n1 and one on n4, with those nodes stopped.
  ShardSet flipped;
  for (auto [node, count] : std::map<int, int>{{1, 2}, {4, 1}}) {
    cluster_->nodes().StopNode(node);
    ASSERT_OK_AND_ASSIGN(auto records, FindShardRecords(cluster_->nodes().DataDir(node)));
    ASSERT_GE(records.size(), static_cast<size_t>(count));
    for (int j = 0; j < count; ++j) {
      const ShardRecordFile& rec = records[j * 5];
      ASSERT_OK(FlipShardPayloadByte(rec, rec.payload_length / 3));
      flipped.insert({cluster_->nodes().NodeId(node), HexEncode(rec.id)});
    }
    ASSERT_OK(cluster_->nodes().StartNode(node));
  }

  CommandResult scrub =
      cluster_->Shale({"scrub", "--wait", "--timeout", "120", "--interval", "0.5"});
  EXPECT_EQ(scrub.exit_code, 3) << scrub.out << scrub.err;
  EXPECT_NE(scrub.out.find("3 corruption(s) found"), std::string::npos) << scrub.out;
  rapidjson::Document status = cluster_->ShaleJson({"status"});
  EXPECT_EQ(ClusterCount(status, "corruptions_found_total"), 3u);
  std::map<std::string, uint64_t> per_node;
  for (const auto& n : status["nodes"].GetArray()) {
    per_node[Str(n, "id")] = n["scrub"]["corruptions_found_total"].GetUint64();
  }
  EXPECT_EQ(per_node, (std::map<std::string, uint64_t>{
                          {"n0", 0}, {"n1", 2}, {"n2", 0}, {"n3", 0}, {"n4", 1}, {"n5", 0}}));
  // Scrub marked only those shards bad (verify without --deep reads the nodes' marks); repair
  // may already have rebuilt some of them.
  for (const auto& bad : Verify(keys, false, &unhealthy)) {
    EXPECT_EQ(flipped.count(bad), 1u) << bad.first << " " << bad.second;
  }

  // Reads are bit-exact while the damaged shards wait for repair (degraded reads).
  ExpectReadsExact(keys, Erasure600K);

  SKIP_UNLESS_SERVICES(*cluster_, true);
  CommandResult repair = RepairWait();
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  EXPECT_TRUE(Verify(keys, true, &unhealthy).empty());
  EXPECT_EQ(unhealthy, 0);
  ExpectReadsExact(keys, Erasure600K);
  status = cluster_->ShaleJson({"status"});
  EXPECT_GE(ClusterCount(status, "shards_repaired_total"), 3u);
}

TEST_F(OpsRepairTest, ANodeThatMissed500WritesCatchesUp) {
  StartCluster();
  SKIP_UNLESS_SERVICES(*cluster_, false);
  cluster_->nodes().StopNode(2);
  const std::vector<std::string> keys = PutObjects(500, MostlyInline);
  EXPECT_EQ(cluster_->Shale({"status"}).exit_code, 3);  // n2 is down.
  ASSERT_OK(cluster_->nodes().StartNode(2));

  CommandResult repair = RepairWait();
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  StatusUntil([](const rapidjson::Document& s) { return Str(s, "verdict") == "healthy"; }, 60);
  CommandResult status = cluster_->Shale({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.out;
  // n2 holds every record and shard again (Verify expects every record present).
  std::vector<std::string> sample;
  for (size_t i = 0; i < keys.size(); i += 10) sample.push_back(keys[i]);  // Erasure ones too.
  int unhealthy = 0;
  EXPECT_TRUE(Verify(sample, false, &unhealthy).empty());
  EXPECT_EQ(unhealthy, 0);
}

TEST_F(OpsRepairTest, AWipedNodeIsRebuiltCompletely) {
  StartCluster();
  SKIP_UNLESS_SERVICES(*cluster_, false);
  const std::vector<std::string> keys = PutObjects(30, Erasure600K);
  cluster_->nodes().StopNode(3);
  ASSERT_OK(cluster_->nodes().WipeNode(3));
  ASSERT_OK(cluster_->nodes().StartNode(3));
  CommandResult repair = RepairWait();
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  int unhealthy = 0;
  EXPECT_TRUE(Verify(keys, true, &unhealthy).empty());
  EXPECT_EQ(unhealthy, 0);
  rapidjson::Document status = cluster_->ShaleJson({"status"});
  EXPECT_GE(ClusterCount(status, "shards_repaired_total"), 30u * 3);  // n3's 3 per object.
  ExpectReadsExact(keys, Erasure600K);
}

size_t OneChunk100K(int) { return 100 * 1024; }  // One chunk: 6 shards of 25 KiB.

TEST_F(OpsRepairTest, RepairResumesAfterTheRepairingNodeIsKilled) {
  StartCluster({.repair_rate_bytes_per_sec = 2'000'000});  // Reads count too: ~15 s of work.
  SKIP_UNLESS_SERVICES(*cluster_, false);
  constexpr int kObjects = 200;  // n5 holds one shard of each.
  const std::vector<std::string> keys = PutObjects(kObjects, OneChunk100K);
  cluster_->nodes().StopNode(5);
  ASSERT_OK(cluster_->nodes().WipeNode(5));
  ASSERT_OK(cluster_->nodes().StartNode(5));
  EXPECT_EQ(cluster_->Shale({"repair"}).exit_code, 0);

  // Kill -9 the coordinator as soon as it has rebuilt some of n5's shards but not all (its
  // status read straight from the nodes, every 10 ms, to catch it mid-way).
  int coordinator = -1;
  uint64_t repaired_at_kill = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (coordinator < 0 && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < OpsCluster::kNodes && coordinator < 0; ++i) {
      auto json = cluster_->nodes().Client(i, 1)->StatusJson();
      rapidjson::Document d;
      if (!json.ok() || d.Parse(json->c_str()).HasParseError() || !d.HasMember("repair")) continue;
      const auto& r = d["repair"];
      const uint64_t repaired = r["shards_repaired_total"].GetUint64();
      if (r["coordinator"].GetBool() && repaired > 0) {
        coordinator = i;
        repaired_at_kill = repaired;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GE(coordinator, 0) << "no coordinator started rebuilding";
  cluster_->nodes().KillNode(coordinator);
  EXPECT_LT(repaired_at_kill, static_cast<uint64_t>(kObjects)) << "finished before the kill";
  ASSERT_OK(cluster_->nodes().StartNode(coordinator));

  CommandResult repair = RepairWait();
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  int unhealthy = 0;
  EXPECT_TRUE(Verify(keys, false, &unhealthy).empty());
  EXPECT_EQ(unhealthy, 0);
  ExpectReadsExact(keys, OneChunk100K);
}

TEST_F(OpsRepairTest, OrphanShardsOfAFailedUploadAreReclaimed) {
  StartCluster();
  SKIP_UNLESS_SERVICES(*cluster_, false);
  const std::vector<std::string> keys = PutObjects(3, Erasure600K);
  // What a gateway that died mid-upload leaves behind: the shards of one chunk on every node of
  // the set, and no version record naming them. (Aborted multipart parts are the same to orphan
  // collection: shards whose data id no live version references.)
  HybridLogicalClock clock(SystemClock::Default(), 77);
  const VersionId data_id = clock.Now();
  const std::string shard(64 * 1024, 'x');
  std::vector<std::pair<int, std::string>> orphans;
  for (int node = 0; node < OpsCluster::kNodes; ++node) {
    std::string id = ShardId(data_id, 0, static_cast<uint32_t>(node));
    ASSERT_OK(cluster_->nodes().Client(node)->PutShard(id, shard));
    orphans.push_back({node, id});
  }
  rapidjson::Document status = StatusUntil(
      [&](const rapidjson::Document& s) {
        (void)cluster_->Shale({"repair"});  // Sweeps (and collects) again after the grace.
        return ClusterCount(s, "orphan_bytes_deleted_total") >= 6 * shard.size();
      },
      90);
  for (const auto& [node, id] : orphans) {
    ASSERT_OK_AND_ASSIGN(auto checks, cluster_->nodes().Client(node)->CheckShards({id}));
    EXPECT_FALSE(checks[0].present) << "orphan still on n" << node;
  }
  int unhealthy = 0;
  EXPECT_TRUE(Verify(keys, true, &unhealthy).empty());  // Live objects untouched.
  ExpectReadsExact(keys, Erasure600K);
}

TEST_F(OpsRepairTest, RepairNeverResurrectsADeletedObject) {
  StartCluster();
  SKIP_UNLESS_SERVICES(*cluster_, false);
  const std::vector<std::string> keys = PutObjects(20, MostlyInline);  // obj-0, obj-10: erasure.
  cluster_->nodes().StopNode(5);
  for (const char* key : {"obj-0", "obj-1", "obj-10"}) {
    ASSERT_OK_AND_ASSIGN(auto del, s3_->DeleteObject("ops", key));
    EXPECT_EQ(del.status, 204) << key;
  }
  ASSERT_OK(cluster_->nodes().StartNode(5));  // Still holds the deleted versions.
  CommandResult repair = RepairWait();
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  std::this_thread::sleep_for(std::chrono::seconds(4));  // Past the orphan grace.
  repair = RepairWait();
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  for (const char* key : {"obj-0", "obj-1", "obj-10"}) {
    ASSERT_OK_AND_ASSIGN(auto got, s3_->GetObject("ops", key));
    EXPECT_EQ(got.status, 404) << key << " came back";
    // The newest version is the delete marker, now on every node of the set (n5 included).
    int code = -1;
    rapidjson::Document v = cluster_->ShaleJson({"verify", std::string("s3://ops/") + key}, &code);
    EXPECT_EQ(code, 0) << key;
    EXPECT_TRUE(v.IsObject() && v["delete_marker"].GetBool()) << key;
  }
  ASSERT_OK_AND_ASSIGN(auto list, s3_->ListObjectsV2("ops", "", 1000));
  EXPECT_EQ(list.body.find("<Key>obj-0</Key>"), std::string::npos);
  EXPECT_EQ(list.body.find("<Key>obj-10</Key>"), std::string::npos);
  EXPECT_NE(list.body.find("<Key>obj-2</Key>"), std::string::npos);
}

}  // namespace
}  // namespace shale::testing
