// `shale bench` building blocks without a server: option parsing, percentiles, body generation
// and checking, and the JSON report.

#include "tools/shale/bench_options.h"

#include <rapidjson/document.h>

#include <map>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/hash.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tools/shale/bench_load.h"
#include "tools/shale/bench_report.h"
#include "tools/shale/bench_stats.h"
#include "tools/shale/commands.h"

namespace shale::cli {
namespace {

using ::shale::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParseByteSizeTest, UnitsAndLimits) {
  const std::vector<std::pair<std::string, uint64_t>> good = {
      {"1", 1},          {"4096", 4096},       {"4k", 4096},
      {"4KiB", 4096},    {"4KB", 4096},        {"4kib", 4096},
      {"1m", 1 << 20},   {"1MiB", 1 << 20},    {"1.5MiB", 1572864},
      {"1GiB", 1 << 30}, {"5GiB", 5ull << 30}, {"100B", 100},
  };
  for (const auto& [text, want] : good) {
    ASSERT_OK_AND_ASSIGN(uint64_t got, ParseByteSize(text));
    EXPECT_EQ(got, want) << text;
  }
  for (std::string bad : {"", "0", "k", "4x", "-1", "4 KiB", "5.5GiB", "0.3", "1e3", "4KiBs"}) {
    EXPECT_THAT(ParseByteSize(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(ParseDurationTest, UnitsAndLimits) {
  const std::vector<std::pair<std::string, double>> good = {
      {"10", 10}, {"10s", 10}, {"500ms", 0.5}, {"2m", 120}, {"1.5s", 1.5}, {"1min", 60}};
  for (const auto& [text, want] : good) {
    ASSERT_OK_AND_ASSIGN(double got, ParseDuration(text));
    EXPECT_DOUBLE_EQ(got, want) << text;
  }
  for (std::string bad : {"", "0", "0s", "s", "10h", "-1s", "2d", "90000"}) {
    EXPECT_THAT(ParseDuration(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(ParseMixTest, WeightsByName) {
  ASSERT_OK_AND_ASSIGN(OpMix mix, ParseMix("get=70,put=25,delete=5"));
  EXPECT_EQ(mix.weight[static_cast<int>(BenchOp::kGet)], 70u);
  EXPECT_EQ(mix.weight[static_cast<int>(BenchOp::kPut)], 25u);
  EXPECT_EQ(mix.weight[static_cast<int>(BenchOp::kDelete)], 5u);
  EXPECT_EQ(mix.weight[static_cast<int>(BenchOp::kList)], 0u);
  EXPECT_EQ(mix.Total(), 100u);
  EXPECT_FALSE(mix.Only(BenchOp::kGet));
  ASSERT_OK_AND_ASSIGN(OpMix list_only, ParseMix("LIST=3,get=0"));
  EXPECT_TRUE(list_only.Only(BenchOp::kList));
  for (std::string bad :
       {"", "get", "get=", "get=x", "head=1", "get=1,get=2", "get=0", "get=1001", "get=-1"}) {
    EXPECT_THAT(ParseMix(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(ParseErasureTest, Layouts) {
  ASSERT_OK_AND_ASSIGN(auto km, ParseErasure("4+2"));
  EXPECT_EQ(km, std::make_pair(4, 2));
  ASSERT_OK_AND_ASSIGN(km, ParseErasure("16+0"));
  EXPECT_EQ(km, std::make_pair(16, 0));
  for (std::string bad : {"4", "0+2", "17+1", "4+5", "a+b", "4+", "+2"}) {
    EXPECT_THAT(ParseErasure(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

// Parses argv through the real option table of the command, then into BenchOptions.
Result<BenchOptions> Parse(const std::vector<std::string_view>& argv,
                           const std::map<std::string, std::string>& env = {}) {
  SHALE_ASSIGN_OR_RETURN(Args args, ParseOptions(BenchCommand(), argv));
  return BenchOptionsFromArgs(args, [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

// The message of an InvalidArgument result ("" if it succeeded or failed otherwise).
std::string UsageError(const Result<BenchOptions>& r) {
  return !r.ok() && r.status().code() == StatusCode::kInvalidArgument ? r.status().message() : "";
}

TEST(BenchOptionsTest, DefaultsForAPutRun) {
  ASSERT_OK_AND_ASSIGN(BenchOptions o, Parse({"--op", "put"}, {{"SHALE_ACCESS_KEY", "AK"},
                                                               {"SHALE_SECRET_KEY", "SK"}}));
  EXPECT_TRUE(o.load);
  EXPECT_FALSE(o.raw);
  EXPECT_EQ(o.client.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(o.client.access_key, "AK");
  EXPECT_EQ(o.client.secret_key, "SK");
  EXPECT_EQ(o.bucket, "shale-bench");
  EXPECT_EQ(o.size, 4096u);
  EXPECT_EQ(o.concurrency, 1);
  EXPECT_DOUBLE_EQ(o.duration_s, 10);
  EXPECT_EQ(o.keys, 1000u);
  EXPECT_TRUE(o.mix.Only(BenchOp::kPut));
}

TEST(BenchOptionsTest, EveryOption) {
  ASSERT_OK_AND_ASSIGN(BenchOptions o,
                       Parse({"--op",          "mixed",      "--mix",        "get=1,list=1",
                              "--endpoint",    "http://h:1", "--access-key", "A",
                              "--secret-key",  "S",          "--bucket",     "b",
                              "--prefix",      "p/",         "--size",       "1MiB",
                              "--concurrency", "16",         "--duration",   "500ms",
                              "--keys",        "7",          "--seed",       "9",
                              "--json",        "--raw",      "--raw-dir",    "/tmp",
                              "--raw-seconds", "2s",         "--ec",         "8+3",
                              "--region",      "eu-west-1"}));
  EXPECT_EQ(o.mode, "mixed");
  EXPECT_EQ(o.mix.Total(), 2u);
  EXPECT_EQ(o.client.endpoint, "http://h:1");
  EXPECT_EQ(o.client.region, "eu-west-1");
  EXPECT_EQ(o.bucket, "b");
  EXPECT_EQ(o.prefix, "p/");
  EXPECT_EQ(o.size, 1u << 20);
  EXPECT_EQ(o.concurrency, 16);
  EXPECT_DOUBLE_EQ(o.duration_s, 0.5);
  EXPECT_EQ(o.keys, 16u) << "raised to one key per worker";
  EXPECT_EQ(o.seed, 9u);
  EXPECT_TRUE(o.json);
  EXPECT_TRUE(o.raw);
  EXPECT_EQ(o.raw_dir, "/tmp");
  EXPECT_DOUBLE_EQ(o.raw_seconds, 2);
  EXPECT_EQ(o.ec_k, 8);
  EXPECT_EQ(o.ec_m, 3);
}

TEST(BenchOptionsTest, CredentialSources) {
  const std::map<std::string, std::string> env = {{"SHALE_ACCESS_KEY", "SA"},
                                                  {"SHALE_SECRET_KEY", "SS"},
                                                  {"AWS_ACCESS_KEY_ID", "WA"},
                                                  {"AWS_SECRET_ACCESS_KEY", "WS"}};
  ASSERT_OK_AND_ASSIGN(auto flags, Parse({"--op=get", "--access-key=FA", "--secret-key=FS"}, env));
  EXPECT_EQ(flags.client.access_key, "FA");
  EXPECT_EQ(flags.client.secret_key, "FS");
  EXPECT_EQ(flags.keys, 100u);
  ASSERT_OK_AND_ASSIGN(auto shale_env, Parse({"--op=get"}, env));
  EXPECT_EQ(shale_env.client.access_key, "SA");
  EXPECT_EQ(shale_env.client.secret_key, "SS");
  ASSERT_OK_AND_ASSIGN(auto aws_env, Parse({"--op=get"}, {{"AWS_ACCESS_KEY_ID", "WA"},
                                                          {"AWS_SECRET_ACCESS_KEY", "WS"}}));
  EXPECT_EQ(aws_env.client.access_key, "WA");
  EXPECT_EQ(aws_env.client.secret_key, "WS");
  EXPECT_THAT(Parse({"--op=get"}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(UsageError(Parse({"--op=get", "--access-key=A"}, env)), HasSubstr("go together"));
  // --raw alone needs no credentials.
  ASSERT_OK_AND_ASSIGN(auto raw, Parse({"--raw"}));
  EXPECT_FALSE(raw.load);
}

TEST(BenchOptionsTest, UsageErrors) {
  const std::map<std::string, std::string> env = {{"SHALE_ACCESS_KEY", "A"},
                                                  {"SHALE_SECRET_KEY", "S"}};
  EXPECT_THAT(UsageError(Parse({}, env)), HasSubstr("nothing to do"));
  EXPECT_THAT(Parse({"--op", "head"}, env), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(UsageError(Parse({"--op", "put", "--mix", "get=1"}, env)), HasSubstr("--op mixed"));
  EXPECT_THAT(Parse({"--op", "put", "--concurrency", "0"}, env),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Parse({"--op", "put", "--keys", "0"}, env), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Parse({"--op", "put", "--size", "6GiB"}, env),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Parse({"--op", "put", "--duration", "0"}, env),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Parse({"--op", "put", "--bogus"}, env), StatusIs(StatusCode::kInvalidArgument));
}

TEST(NearestRankTest, SmallSets) {
  EXPECT_EQ(NearestRank({}, 0.5), 0u);
  EXPECT_EQ(NearestRank({7}, 0.0), 7u);
  EXPECT_EQ(NearestRank({7}, 0.999), 7u);
  const std::vector<uint64_t> four = {10, 20, 30, 40};
  EXPECT_EQ(NearestRank(four, 0.25), 10u);
  EXPECT_EQ(NearestRank(four, 0.26), 20u);
  EXPECT_EQ(NearestRank(four, 0.50), 20u);
  EXPECT_EQ(NearestRank(four, 0.99), 40u);
  EXPECT_EQ(NearestRank(four, 1.0), 40u);
}

TEST(NearestRankTest, OneToThousand) {
  std::vector<uint64_t> v;
  for (uint64_t i = 1; i <= 1000; ++i) v.push_back(i);
  EXPECT_EQ(NearestRank(v, 0.50), 500u);
  EXPECT_EQ(NearestRank(v, 0.99), 990u);
  EXPECT_EQ(NearestRank(v, 0.999), 999u);
  v.resize(100);
  EXPECT_EQ(NearestRank(v, 0.99), 99u) << "0.99 * 100 must not round up to the maximum";
  EXPECT_EQ(NearestRank(v, 0.999), 100u);
}

TEST(SummarizeLatenciesTest, SortsAndConvertsToMicroseconds) {
  std::vector<uint64_t> ns;
  for (uint64_t i = 1000; i >= 1; --i) ns.push_back(i * 1000);  // 1..1000 µs, reversed.
  LatencySummary s = SummarizeLatencies(&ns);
  EXPECT_EQ(s.count, 1000u);
  EXPECT_DOUBLE_EQ(s.p50_us, 500);
  EXPECT_DOUBLE_EQ(s.p99_us, 990);
  EXPECT_DOUBLE_EQ(s.p999_us, 999);
  EXPECT_DOUBLE_EQ(s.max_us, 1000);
  EXPECT_DOUBLE_EQ(s.mean_us, 500.5);
  std::vector<uint64_t> none;
  EXPECT_EQ(SummarizeLatencies(&none).count, 0u);
}

TEST(OpStatsTest, MergeAddsEverything) {
  OpStats a{2, 100, 1, {5, 6}};
  OpStats b{1, 50, 0, {7}};
  a.Merge(b);
  EXPECT_EQ(a.ops, 3u);
  EXPECT_EQ(a.bytes, 150u);
  EXPECT_EQ(a.errors, 1u);
  EXPECT_EQ(a.latency_ns, (std::vector<uint64_t>{5, 6, 7}));
  EXPECT_DOUBLE_EQ(MegabytesPerSecond(3'000'000, 2), 1.5);
}

TEST(BodyPoolTest, DeterministicDistinctAndEtagIsMd5) {
  BodyPool a(5000, 7, 100), b(5000, 7, 100), c(5000, 8, 100);
  for (uint64_t k : {0u, 1u, 15u, 16u, 99u}) {
    auto body = a.ForKey(k);
    ASSERT_EQ(body.size(), 5000u);
    EXPECT_TRUE(std::equal(body.begin(), body.end(), b.ForKey(k).begin())) << k;
    EXPECT_FALSE(std::equal(body.begin(), body.end(), c.ForKey(k).begin())) << "seed matters";
    EXPECT_EQ(a.EtagForKey(k), HexEncode(Md5(body)));
  }
  auto k0 = a.ForKey(0), k1 = a.ForKey(1);
  EXPECT_FALSE(std::equal(k0.begin(), k0.end(), k1.begin()));
  EXPECT_EQ(BenchKeyName("bench/", 42), "bench/00000042");
}

TEST(BodyCheckerTest, AcceptsExactBytesInPieces) {
  const std::string want = "hello, world";
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(want.data()), want.size());
  BodyChecker ok(bytes);
  EXPECT_TRUE(ok.Feed("hello"));
  EXPECT_FALSE(ok.Complete());
  EXPECT_TRUE(ok.Feed(", world"));
  EXPECT_TRUE(ok.Complete());

  BodyChecker flipped(bytes);
  EXPECT_TRUE(flipped.Feed("hello"));
  EXPECT_FALSE(flipped.Feed(", wOrld"));
  EXPECT_FALSE(flipped.Feed("x")) << "stays failed";
  EXPECT_FALSE(flipped.Complete());
  EXPECT_EQ(flipped.offset(), 5u);

  BodyChecker longer(bytes);
  EXPECT_FALSE(longer.Feed("hello, world!"));
  BodyChecker shorter(bytes);
  EXPECT_TRUE(shorter.Feed("hello"));
  EXPECT_FALSE(shorter.Complete());
}

TEST(BenchReportTest, JsonIsWellFormed) {
  ASSERT_OK_AND_ASSIGN(BenchOptions o,
                       Parse({"--op", "mixed", "--access-key=A", "--secret-key=S"}));
  LoadReport load;
  load.seconds = 2;
  load.by_op[static_cast<int>(BenchOp::kPut)] = OpStats{4, 4 * 4096, 0, {1000, 2000, 3000, 4000}};
  load.by_op[static_cast<int>(BenchOp::kGet)] = OpStats{2, 2 * 4096, 1, {500, 700}};
  load.first_errors = {"get: bench/00000001: \"wrong\" bytes\n"};
  std::vector<RawLimit> raw = {RawLimit{"md5_1core", "MD5", 800, 0, 0, 0}};
  BenchResults results{"AMD EPYC, 2 cores", "0.1 0.2 0.3", &raw, &load};
  const std::string json = FormatBenchJson(o, results);
  rapidjson::Document d;
  d.Parse(json.c_str());
  ASSERT_FALSE(d.HasParseError()) << json;
  EXPECT_STREQ(d["machine"].GetString(), "AMD EPYC, 2 cores");
  EXPECT_STREQ(d["raw"][0]["name"].GetString(), "md5_1core");
  const auto& l = d["load"];
  EXPECT_STREQ(l["op"].GetString(), "mixed");
  EXPECT_EQ(l["ops"].GetUint64(), 6u);
  EXPECT_DOUBLE_EQ(l["ops_per_s"].GetDouble(), 3);
  EXPECT_EQ(l["errors"].GetUint64(), 1u);
  EXPECT_DOUBLE_EQ(l["by_op"]["put"]["latency_us"]["p50"].GetDouble(), 2);
  EXPECT_DOUBLE_EQ(l["by_op"]["get"]["mb_per_s"].GetDouble(), 2 * 4096 / 1e6 / 2);
  EXPECT_FALSE(l["by_op"].HasMember("list"));
  EXPECT_STREQ(l["first_errors"][0].GetString(), "get: bench/00000001: \"wrong\" bytes\n");

  const std::string text = FormatBenchText(o, results);
  EXPECT_THAT(text, HasSubstr("mixed of 4 KiB objects"));
  EXPECT_THAT(text, HasSubstr("total"));
  EXPECT_THAT(text, HasSubstr("error: get: bench/00000001"));
  EXPECT_EQ(HumanBytes(1 << 20), "1 MiB");
  EXPECT_EQ(HumanBytes(1000), "1000 B");
}

}  // namespace
}  // namespace shale::cli
