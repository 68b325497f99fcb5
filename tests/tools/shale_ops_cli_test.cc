// The pieces of `shale status|scrub|repair|verify` that need no cluster: the operand of verify,
// exit codes, number formats, the progress display and the status text (the commands against a
// real cluster are tested in tests/ops).

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <sstream>
#include <string>
#include <vector>

#include "tools/shale/admin_client.h"
#include "tools/shale/cli.h"
#include "tools/shale/commands.h"
#include "tools/shale/status_view.h"
#include "tools/shale/wait_options.h"

namespace shale::cli {
namespace {

int RunArgs(std::vector<std::string_view> argv, std::string* out, std::string* err) {
  std::ostringstream o, e;
  Io io{o, e};
  argv.insert(argv.begin(), "shale");
  int code = cli::Run(argv, Commands(), io);
  *out = o.str();
  *err = e.str();
  return code;
}

TEST(ShaleOpsCliTest, VerifyTakesExactlyOneS3Uri) {
  std::string out, err;
  EXPECT_EQ(RunArgs({"verify"}, &out, &err), kExitUsage);
  EXPECT_NE(err.find("missing s3://BUCKET/KEY"), std::string::npos) << err;
  EXPECT_EQ(RunArgs({"verify", "bucket/key"}, &out, &err), kExitUsage);
  EXPECT_EQ(RunArgs({"verify", "s3://bucket"}, &out, &err), kExitUsage);
  EXPECT_EQ(RunArgs({"verify", "s3://bucket/"}, &out, &err), kExitUsage);
  EXPECT_EQ(RunArgs({"verify", "s3://b/k", "s3://b/k2"}, &out, &err), kExitUsage);
  EXPECT_EQ(RunArgs({"status", "extra"}, &out, &err), kExitUsage);  // No operand there.
  EXPECT_EQ(RunArgs({"repair", "--prefix", "p"}, &out, &err), kExitUsage);
  EXPECT_EQ(RunArgs({"verify", "--help"}, &out, &err), kExitOk);
  EXPECT_NE(out.find("usage: shale verify s3://BUCKET/KEY"), std::string::npos) << out;
}

TEST(ShaleOpsCliTest, AnUnreachableGatewayIsAnErrorNotAVerdict) {
  std::string out, err;
  EXPECT_EQ(RunArgs({"status", "--endpoint", "http://127.0.0.1:1", "--access-key",
                     "AKIAOPSTEST000000001", "--secret-key", "secret-secret-secret-secret"},
                    &out, &err),
            kExitError);
  EXPECT_EQ(RunArgs({"verify", "s3://b/k", "--endpoint", "http://127.0.0.1:1", "--access-key",
                     "AKIAOPSTEST000000001", "--secret-key", "secret-secret-secret-secret"},
                    &out, &err),
            kExitError);
}

TEST(ShaleOpsCliTest, ACommandsExitCodeIsWhatItSet) {
  CommandSpec degraded{"check", "", {}, "", nullptr, [](const Args&, Io& io) {
                         io.exit_code = kExitDegraded;
                         return Status::OK();
                       }};
  std::vector<CommandSpec> commands = {degraded};
  std::ostringstream o, e;
  Io io{o, e};
  std::vector<std::string_view> argv = {"shale", "check"};
  EXPECT_EQ(cli::Run(argv, commands, io), kExitDegraded);
}

TEST(ShaleOpsCliTest, Formats) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(3.0 * 1024 * 1024 * 1024), "3.0 GiB");
  EXPECT_EQ(FormatDuration(std::nullopt), "unknown");
  EXPECT_EQ(FormatDuration(-1), "unknown");
  EXPECT_EQ(FormatDuration(45), "45s");
  EXPECT_EQ(FormatDuration(200), "3m20s");
  EXPECT_EQ(FormatDuration(7500), "2h05m");
  EXPECT_EQ(FormatDuration(90000), "1d01h");
}

TEST(ShaleOpsCliTest, ProgressIsABarOnATerminalAndLinesElsewhere) {
  std::ostringstream plain;
  {
    Progress p(plain, ProgressStyle::kLines);
    p.Update(0.1, "eta 9s");
    p.Update(0.101, "eta 9s");  // Same whole percent: no new line.
    p.Update(1.0, "eta 0s");
  }
  EXPECT_EQ(plain.str(), "progress 10% eta 9s\nprogress 100% eta 0s\n");
  std::ostringstream tty;
  {
    Progress p(tty, ProgressStyle::kBar);
    p.Update(0.5, "x");
  }
  EXPECT_NE(tty.str().find("\r[###############...............] 50% x"), std::string::npos);
  EXPECT_EQ(tty.str().back(), '\n');
}

TEST(ShaleOpsCliTest, StatusTextShowsTheVerdictReasonsAndNodes) {
  rapidjson::Document doc;
  doc.Parse(R"({"verdict":"degraded","eta_healthy_seconds":125,"reasons":["3 repair items queued"],
    "cluster":{"nodes_up":6,"nodes_total":6,"queue_depth":3,"shards_repaired_total":12},
    "nodes":[{"id":"n0","set":0,"up":true,"capacity_bytes":2048,"available_bytes":1024,
      "scrub":{"running":true,"progress":0.4,"eta_seconds":60},
      "repair":{"coordinator":true,"sweep":{"running":true,"progress":0.5,"eta_seconds":125}}},
     {"id":"n1","set":0,"up":false,"error":"Unavailable: refused","scrub":null,"repair":null}]})");
  ASSERT_FALSE(doc.HasParseError());
  std::ostringstream out;
  PrintClusterStatus(doc, out);
  const std::string text = out.str();
  EXPECT_NE(text.find("cluster: degraded (estimated time to healthy: 2m05s)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("  - 3 repair items queued"), std::string::npos);
  EXPECT_NE(text.find("12 shards"), std::string::npos);
  EXPECT_NE(text.find("running 40% eta 1m00s"), std::string::npos) << text;
  EXPECT_NE(text.find("coordinator, sweeping 50% eta 2m05s"), std::string::npos) << text;
  EXPECT_NE(text.find("DOWN"), std::string::npos);
  EXPECT_NE(text.find("Unavailable: refused"), std::string::npos);
  EXPECT_EQ(VerdictExitCode(doc), kExitDegraded);
  doc.Parse(R"({"verdict":"healthy"})");
  EXPECT_EQ(VerdictExitCode(doc), kExitOk);
}

rapidjson::Document Parse(const char* json) {
  rapidjson::Document doc;
  doc.Parse(json);
  EXPECT_FALSE(doc.HasParseError()) << json;
  return doc;
}

TEST(ShaleOpsCliTest, ScrubWaitEndsWhenEveryTargetCompletedAPassAfterTheRequest) {
  auto status = [](const char* n0, const char* n1) {
    return Parse((std::string(R"({"nodes":[{"id":"n0","up":true,"scrub":)") + n0 +
                  R"(},{"id":"n1","up":true,"scrub":)" + n1 + "}]}")
                     .c_str());
  };
  const char* old_pass = R"({"running":false,"last_pass_completed_ms":900})";
  const char* running = R"({"running":true,"progress":0.5,"eta_seconds":30})";
  const char* done = R"({"running":false,"last_pass_completed_ms":1500})";
  auto step = ScrubStep(status(old_pass, running), {"n0", "n1"}, 1000);
  ASSERT_TRUE(step.ok());
  EXPECT_FALSE(step->done);
  EXPECT_DOUBLE_EQ(step->fraction, 0.25);
  EXPECT_EQ(step->detail, "eta 30s");
  step = ScrubStep(status(done, running), {"n0", "n1"}, 1000);
  EXPECT_FALSE(step->done);
  step = ScrubStep(status(done, done), {"n0", "n1"}, 1000);
  EXPECT_TRUE(step->done);
  step = ScrubStep(status(done, running), {"n0"}, 1000);  // --node n0: n1 does not matter.
  EXPECT_TRUE(step->done);
  EXPECT_FALSE(ScrubStep(status("null", done), {"n0", "n1"}, 1000).ok());  // No scrubber.
}

TEST(ShaleOpsCliTest, RepairWaitNeedsEverySetsSweepAndEmptyQueues) {
  auto status = [](const char* sweep0, const char* sweep1, int queue, int up) {
    std::string s = R"({"cluster":{"nodes_total":12,"nodes_up":)" + std::to_string(up) +
                    R"(,"queue_depth":)" + std::to_string(queue) + R"(,"degraded_objects":0},
      "nodes":[{"id":"n0","set":0,"up":true,"repair":{"coordinator":true,"sweep":)" +
                    sweep0 + R"(}},
               {"id":"n1","set":0,"up":true,"repair":{"coordinator":false,"sweep":{}}},
               {"id":"n6","set":1,"up":true,"repair":{"coordinator":true,"sweep":)" +
                    sweep1 + "}}]}";
    return Parse(s.c_str());
  };
  const char* before = R"({"running":false,"last_completed_ms":500})";
  const char* half = R"({"running":true,"progress":0.5})";
  const char* after = R"({"running":false,"last_completed_ms":2000})";
  auto step = RepairStep(status(before, half, 0, 12), 1000);
  ASSERT_TRUE(step.ok());
  EXPECT_FALSE(step->done);
  EXPECT_DOUBLE_EQ(step->fraction, 0.25);
  EXPECT_FALSE(RepairStep(status(after, half, 0, 12), 1000)->done);
  EXPECT_FALSE(RepairStep(status(after, after, 4, 12), 1000)->done);  // Queues not drained.
  EXPECT_TRUE(RepairStep(status(after, after, 0, 12), 1000)->done);
  EXPECT_TRUE(RepairStep(status(after, after, 4, 11), 1000)->done);  // A node down: give up.
  EXPECT_FALSE(RepairStep(Parse(R"({"nodes":[{"id":"n0","up":true,"repair":null}]})"), 0).ok());
}

}  // namespace
}  // namespace shale::cli
