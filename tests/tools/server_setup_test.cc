// The data directory of `shale server`: first start creates the config and the admin
// credentials (mode 0600), a restart reads the same ones back, and contradictions are refused.

#include "tools/shale/server_setup.h"

#include <sys/stat.h>

#include <fstream>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale::cli {
namespace {

using ::shale::testing::StatusIs;
using ::testing::AllOf;

MATCHER_P(MessageHas, text, "has a message containing \"" + std::string(text) + "\"") {
  return arg.message().find(text) != std::string::npos;
}

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(ServerLayoutTest, ChecksShapes) {
  EXPECT_OK(CheckServerLayout({6, 4, 2}));
  EXPECT_OK(CheckServerLayout({12, 4, 2}));
  EXPECT_OK(CheckServerLayout({1, 1, 0}));
  EXPECT_THAT(CheckServerLayout({5, 4, 2}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckServerLayout({0, 4, 2}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckServerLayout({6, 0, 6}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckServerLayout({22, 17, 5}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckServerLayout({9, 4, 5}), StatusIs(StatusCode::kInvalidArgument));
}

TEST(RandomTokenTest, UsesOnlyTheAlphabetAndDiffers) {
  ASSERT_OK_AND_ASSIGN(std::string a, RandomToken(400, "abc"));
  ASSERT_OK_AND_ASSIGN(std::string b, RandomToken(400, "abc"));
  EXPECT_EQ(a.size(), 400u);
  EXPECT_EQ(a.find_first_not_of("abc"), std::string::npos);
  EXPECT_EQ(std::set<char>(a.begin(), a.end()).size(), 3u);  // 3^-400 odds of a false alarm.
  EXPECT_NE(a, b);
}

TEST(ServerConfigTest, FirstStartWritesAndRestartReadsTheSameConfig) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("data");
  ASSERT_OK_AND_ASSIGN(ClusterConfig first, LoadOrCreateServerConfig(dir, std::nullopt));
  EXPECT_EQ(first.nodes.size(), 6u);
  EXPECT_EQ(first.erasure.k, 4u);
  EXPECT_EQ(first.erasure.m, 2u);
  EXPECT_EQ(first.nodes[3].data_dir, dir + "/drive-3");
  EXPECT_EQ(first.nodes[3].id, "node-3");
  EXPECT_GE(first.cluster_secret.size(), ClusterConfig::kMinSecretChars);
  EXPECT_EQ(ModeOf(dir + "/cluster.json"), 0600u);
  EXPECT_EQ(ModeOf(dir), 0700u);

  ASSERT_OK_AND_ASSIGN(ClusterConfig again, LoadOrCreateServerConfig(dir, std::nullopt));
  EXPECT_EQ(again, first);
  // Asking again for the layout it has is fine.
  ASSERT_OK_AND_ASSIGN(ClusterConfig same, LoadOrCreateServerConfig(dir, ServerLayout{6, 4, 2}));
  EXPECT_EQ(same, first);
}

TEST(ServerConfigTest, ALayoutContradictingTheStoredOneIsRefused) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("data");
  ASSERT_OK(LoadOrCreateServerConfig(dir, ServerLayout{3, 2, 1}).status());
  EXPECT_THAT(
      LoadOrCreateServerConfig(dir, ServerLayout{6, 4, 2}).status(),
      AllOf(StatusIs(StatusCode::kFailedPrecondition), MessageHas("3 drives, erasure 2+1")));
}

TEST(ServerConfigTest, AMovedDataDirectoryGetsItsNewDrivePaths) {
  testing::TempDir tmp;
  ASSERT_OK_AND_ASSIGN(ClusterConfig first,
                       LoadOrCreateServerConfig(tmp.Sub("a"), ServerLayout{2, 1, 1}));
  ASSERT_EQ(std::rename(tmp.Sub("a").c_str(), tmp.Sub("b").c_str()), 0);
  ASSERT_OK_AND_ASSIGN(ClusterConfig moved, LoadOrCreateServerConfig(tmp.Sub("b"), std::nullopt));
  EXPECT_EQ(moved.cluster_id, first.cluster_id);
  EXPECT_EQ(moved.nodes[1].data_dir, tmp.Sub("b") + "/drive-1");
  ASSERT_OK_AND_ASSIGN(ClusterConfig on_disk, LoadClusterConfig(tmp.Sub("b") + "/cluster.json"));
  EXPECT_EQ(on_disk.nodes[1].data_dir, tmp.Sub("b") + "/drive-1");
}

TEST(ServerConfigTest, AnInvalidLayoutCreatesNothing) {
  testing::TempDir tmp;
  EXPECT_THAT(LoadOrCreateServerConfig(tmp.Sub("data"), ServerLayout{5, 4, 2}).status(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_NE(::access(tmp.Sub("data").c_str(), F_OK), 0);
}

TEST(AdminCredentialsTest, GeneratedOnceKeptOwnerOnlyAndReused) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("data");
  ASSERT_OK(LoadOrCreateServerConfig(dir, std::nullopt).status());
  ASSERT_OK_AND_ASSIGN(AdminCredentials first, LoadOrCreateAdmin(dir, std::nullopt, std::nullopt));
  EXPECT_EQ(first.source, AdminCredentials::Source::kGenerated);
  EXPECT_EQ(first.user.name, "admin");
  EXPECT_TRUE(first.user.admin);
  EXPECT_EQ(first.user.access_key.size(), 20u);
  EXPECT_EQ(first.user.secret_key.size(), 40u);
  EXPECT_EQ(ModeOf(dir + "/credentials.json"), 0600u);

  ASSERT_OK_AND_ASSIGN(AdminCredentials again, LoadOrCreateAdmin(dir, std::nullopt, std::nullopt));
  EXPECT_EQ(again.source, AdminCredentials::Source::kStored);
  EXPECT_EQ(again.user, first.user);
}

TEST(AdminCredentialsTest, TheEnvironmentWinsAndIsNotWritten) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("data");
  ASSERT_OK(LoadOrCreateServerConfig(dir, std::nullopt).status());
  ASSERT_OK_AND_ASSIGN(AdminCredentials env,
                       LoadOrCreateAdmin(dir, "AKIAEXAMPLEKEY000001",
                                         std::string("a-secret-of-twenty-or-more-chars")));
  EXPECT_EQ(env.source, AdminCredentials::Source::kEnvironment);
  EXPECT_EQ(env.user.access_key, "AKIAEXAMPLEKEY000001");
  EXPECT_NE(::access((dir + "/credentials.json").c_str(), F_OK), 0);
}

TEST(AdminCredentialsTest, BadOrHalfEnvironmentIsRefused) {
  testing::TempDir tmp;
  EXPECT_THAT(LoadOrCreateAdmin(tmp.path(), "AKIAEXAMPLEKEY000001", std::nullopt).status(),
              AllOf(StatusIs(StatusCode::kInvalidArgument), MessageHas("both")));
  EXPECT_THAT(LoadOrCreateAdmin(tmp.path(), "short", std::string("x").append(30, 'y')).status(),
              AllOf(StatusIs(StatusCode::kInvalidArgument), MessageHas("access_key")));
}

TEST(ServerUsersTest, AddsUsersAndRefusesClashesWithTheAdmin) {
  testing::TempDir tmp;
  const User admin{"admin", "AKIAEXAMPLEKEY000001", "a-secret-of-twenty-or-more", "admin", "admin",
                   true};
  WriteText(tmp.Sub("users.json"),
            R"({"users": [{"name": "alice", "access_key": "ALICEACCESSKEY0001",
                           "secret_key": "alice-secret-of-twenty-chars"}]})");
  ASSERT_OK_AND_ASSIGN(std::vector<User> users, ServerUsers(admin, tmp.Sub("users.json")));
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[1].name, "alice");
  EXPECT_FALSE(users[1].admin);

  WriteText(tmp.Sub("clash.json"),
            R"({"users": [{"name": "bob", "access_key": "AKIAEXAMPLEKEY000001",
                           "secret_key": "bob-secret-of-twenty-chars!"}]})");
  EXPECT_THAT(ServerUsers(admin, tmp.Sub("clash.json")).status(),
              AllOf(StatusIs(StatusCode::kInvalidArgument), MessageHas("clashes")));
  EXPECT_THAT(ServerUsers(admin, tmp.Sub("missing.json")).status(),
              ::testing::Not(StatusIs(StatusCode::kOk)));
}

}  // namespace
}  // namespace shale::cli
