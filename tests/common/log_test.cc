#include "common/log.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "tests/support/status_matchers.h"

namespace shale {
namespace {

using ::shale::testing::StatusIs;

// 2026-11-23T21:30:03.123456Z
constexpr uint64_t kWhen = 1795469403123456ull;

// Captures lines and restores the logger's global state afterwards.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    old_level_ = log::GetLevel();
    log::SetClock(&clock_);
    log::SetSink([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    log::SetSink(nullptr);
    log::SetClock(nullptr);
    log::SetLevel(old_level_);
  }

  ManualClock clock_{kWhen};
  std::vector<std::string> lines_;  // Written under the logger's mutex.
  log::Level old_level_ = log::Level::kInfo;
};

TEST_F(LogTest, FormatsOneLineWithFields) {
  log::Info("node ready", {{"req", "8f3a0c1d2e3f4a5b"},
                           {"node", std::string("n1")},
                           {"addr", "127.0.0.1:9001"},
                           {"port", 9001},
                           {"bytes", uint64_t{18446744073709551615ull}},
                           {"delta", -3},
                           {"sealed", true},
                           {"ratio", 0.25}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0],
            "ts=2026-11-23T21:30:03.123456Z level=info msg=\"node ready\" req=8f3a0c1d2e3f4a5b "
            "node=n1 addr=127.0.0.1:9001 port=9001 bytes=18446744073709551615 delta=-3 "
            "sealed=true ratio=0.25\n");
}

TEST_F(LogTest, QuotesAndEscapesSoValuesCannotForgeFieldsOrLines) {
  std::string line = log::FormatLine(kWhen, log::Level::kWarn, "ok",
                                     {{"a", "x y"},
                                      {"b", "k=v"},
                                      {"c", "say \"hi\""},
                                      {"d", "back\\slash"},
                                      {"e", "line1\nts=fake level=error"},
                                      {"f", ""},
                                      {"g", std::string_view("\x01\x7f\r\t", 4)},
                                      {"bad key=", "v"}});
  EXPECT_EQ(line,
            "ts=2026-11-23T21:30:03.123456Z level=warn msg=ok a=\"x y\" b=\"k=v\" "
            "c=\"say \\\"hi\\\"\" d=\"back\\\\slash\" e=\"line1\\nts=fake level=error\" f=\"\" "
            "g=\"\\u0001\\u007f\\r\\t\" bad_key_=v\n");
  // Exactly one newline, at the end.
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST_F(LogTest, StatusField) {
  log::Error("append failed", {{"status", Status::IOError("fdatasync 1.seg")}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("level=error msg=\"append failed\" status=\"IOError: fdatasync 1.seg\""),
            std::string::npos)
      << lines_[0];
}

TEST_F(LogTest, MinimumLevelFilters) {
  log::SetLevel(log::Level::kWarn);
  EXPECT_FALSE(log::Enabled(log::Level::kInfo));
  log::Debug("d");
  log::Info("i");
  log::Warn("w");
  log::Error("e");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_NE(lines_[0].find("level=warn msg=w"), std::string::npos);
  EXPECT_NE(lines_[1].find("level=error msg=e"), std::string::npos);
  log::SetLevel(log::Level::kDebug);
  log::Debug("d");
  EXPECT_EQ(lines_.size(), 3u);
}

TEST_F(LogTest, LevelFromEnvironment) {
  ASSERT_EQ(setenv("SHALE_LOG_LEVEL", "DEBUG", 1), 0);
  ASSERT_OK(log::InitFromEnvironment());
  EXPECT_EQ(log::GetLevel(), log::Level::kDebug);
  ASSERT_EQ(setenv("SHALE_LOG_LEVEL", "loud", 1), 0);
  EXPECT_THAT(log::InitFromEnvironment(), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(log::GetLevel(), log::Level::kDebug);
  ASSERT_EQ(unsetenv("SHALE_LOG_LEVEL"), 0);
  log::Level level;
  EXPECT_TRUE(log::ParseLevel("warning", &level));
  EXPECT_EQ(level, log::Level::kWarn);
  EXPECT_FALSE(log::ParseLevel("", &level));
}

TEST_F(LogTest, ConcurrentWritersNeverInterleave) {
  constexpr int kThreads = 4;
  constexpr int kLines = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      std::string payload(200, static_cast<char>('a' + t));
      for (int i = 0; i < kLines; ++i) log::Info("tick", {{"t", t}, {"i", i}, {"p", payload}});
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(lines_.size(), static_cast<size_t>(kThreads * kLines));
  for (const std::string& line : lines_) {
    ASSERT_EQ(line.find('\n'), line.size() - 1);
    size_t t_pos = line.find(" t=");
    ASSERT_NE(t_pos, std::string::npos);
    char c = static_cast<char>('a' + (line[t_pos + 3] - '0'));
    ASSERT_NE(line.find(" p=" + std::string(200, c) + "\n"), std::string::npos) << line;
  }
}

TEST(RequestIdTest, SixteenHexCharsAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = log::RequestId();
    ASSERT_EQ(id.size(), 16u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace shale
