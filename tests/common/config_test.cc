#include "common/config.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace shale {
namespace {

using ::shale::testing::StatusIs;
using ::shale::testing::TempDir;

const char kSecret[] = "0123456789abcdef0123456789abcdef";  // 32 chars.

std::string Nodes(int count) {
  std::string out = "[";
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ",";
    out += "{\"id\":\"n" + std::to_string(i) + "\",\"address\":\"node-" + std::to_string(i) +
           ".local:9001\",\"data_dir\":\"/data/" + std::to_string(i) + "\"}";
  }
  return out + "]";
}

std::string BaseConfig() {
  return std::string("{\"cluster_id\":\"prod-1\",\"nodes\":") + Nodes(6) +
         ",\"cluster_secret\":\"" + kSecret +
         "\",\"users\":[{\"name\":\"alice\",\"access_key\":\"AKIAALICE0000001\","
         "\"secret_key\":\"alice-secret-key-0000\"}]}";
}

// BaseConfig() with the value at each JSON pointer replaced by the given JSON text (or removed
// when the text is empty).
std::string Edit(std::vector<std::pair<const char*, std::string>> edits) {
  rapidjson::Document doc;
  std::string base = BaseConfig();
  doc.Parse(base.c_str());
  for (const auto& [pointer, value] : edits) {
    if (value.empty()) {
      rapidjson::Pointer(pointer).Erase(doc);
      continue;
    }
    rapidjson::Document v(&doc.GetAllocator());
    v.Parse(value.c_str());
    EXPECT_FALSE(v.HasParseError()) << value;
    rapidjson::Pointer(pointer).Set(doc, v);
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  doc.Accept(w);
  return buf.GetString();
}

std::string ErrorOf(std::string_view json) {
  Result<ClusterConfig> r = ParseClusterConfig(json, "cluster.json");
  if (r.ok()) return "OK";
  EXPECT_THAT(r, StatusIs(StatusCode::kInvalidArgument));
  return r.status().message();
}

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  ASSERT_TRUE(out.good()) << path;
}

TEST(ConfigTest, MinimalConfigGetsDefaults) {
  ASSERT_OK_AND_ASSIGN(ClusterConfig c, ParseClusterConfig(BaseConfig(), "cluster.json"));
  EXPECT_EQ(c.cluster_id, "prod-1");
  ASSERT_EQ(c.nodes.size(), 6u);
  EXPECT_EQ(c.nodes[5], (NodeConfig{"n5", "node-5.local:9001", "/data/5"}));
  EXPECT_EQ(c.erasure.k, 4u);
  EXPECT_EQ(c.erasure.m, 2u);
  EXPECT_EQ(c.chunk_size, 4 * kMiB);
  EXPECT_EQ(c.inline_limit, 128 * kKiB);
  EXPECT_EQ(c.write_quorum, 5u);
  EXPECT_EQ(c.read_quorum, 4u);
  EXPECT_EQ(c.cluster_secret, kSecret);
  EXPECT_EQ(c.cluster_secret_file, "");
  ASSERT_EQ(c.users.size(), 1u);
  EXPECT_EQ(c.users[0],
            (User{"alice", "AKIAALICE0000001", "alice-secret-key-0000", "alice", "alice", false}));
  EXPECT_EQ(c.storage, StorageConfig{});
  EXPECT_EQ(c.storage.segment_size, kGiB);
  EXPECT_EQ(c.storage.scrub_rate_bytes_per_sec, 50'000'000u);
  EXPECT_EQ(c.storage.scrub_period_seconds, 7u * 86400);
  EXPECT_EQ(c.repair, RepairConfig{});
  EXPECT_EQ(c.repair.orphan_grace_seconds, 86400u);
  EXPECT_EQ(c.multipart_min_part_size, 5 * kMiB);
}

TEST(ConfigTest, RepairAndMultipartSettingsParseAndRoundTrip) {
  ASSERT_OK_AND_ASSIGN(
      ClusterConfig c,
      ParseClusterConfig(
          Edit({{"/repair", R"({"rate_bytes_per_sec":1000,"sweep_period_seconds":60,)"
                            R"("orphan_grace_seconds":2,"coordinator_check_seconds":1})"},
                {"/multipart_min_part_size", "1"}}),
          "c.json"));
  EXPECT_EQ(c.repair, (RepairConfig{1000, 60, 2, 1}));
  EXPECT_EQ(c.multipart_min_part_size, 1u);
  ASSERT_OK_AND_ASSIGN(ClusterConfig back, ParseClusterConfig(ClusterConfigToJson(c), "back"));
  EXPECT_EQ(back, c);
  EXPECT_THAT(ParseClusterConfig(Edit({{"/repair", R"({"orphan_grace_seconds":0})"}}), "c.json"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseClusterConfig(Edit({{"/repair", R"({"grace":5})"}}), "c.json"),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(ConfigTest, WriteQuorumDefaultIsCappedAtSetSize) {
  ASSERT_OK_AND_ASSIGN(ClusterConfig c,
                       ParseClusterConfig(Edit({{"/erasure", R"({"k":6,"m":0})"}}), "c.json"));
  EXPECT_EQ(c.write_quorum, 6u);
  EXPECT_EQ(c.read_quorum, 6u);
  ASSERT_OK_AND_ASSIGN(
      c,
      ParseClusterConfig(Edit({{"/erasure", R"({"k":1,"m":2})"}, {"/nodes", Nodes(3)}}), "c.json"));
  EXPECT_EQ(c.write_quorum, 2u);
  EXPECT_EQ(c.read_quorum, 1u);
}

TEST(ConfigTest, ErrorsNameFilePathAndReason) {
  struct Case {
    std::vector<std::pair<const char*, std::string>> edits;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{{"/nodes/3/address", R"("foo")"}},
       R"(cluster.json: nodes[3].address: "foo" is not host:port)"},
      {{{"/nodes/3/address", R"("foo:0")"}},
       R"(cluster.json: nodes[3].address: "foo:0" is not host:port (port must be 1..65535))"},
      {{{"/nodes/3/address", R"("foo:65536")"}},
       R"(cluster.json: nodes[3].address: "foo:65536" is not host:port (port must be 1..65535))"},
      {{{"/nodes/0/address", R"(":80")"}},
       R"(cluster.json: nodes[0].address: ":80" is not host:port (host must be a DNS name or an IP address))"},
      {{{"/nodes/0/address", R"("[::1:80")"}},
       R"(cluster.json: nodes[0].address: "[::1:80" is not host:port (unterminated [IPv6] host))"},
      {{{"/erasure", R"({"k":3,"m":2})"}, {"/nodes", Nodes(12)}},
       "cluster.json: nodes: 12 nodes cannot form erasure sets of 5 (k=3 + m=2)"},
      {{{"/nodes", "[]"}}, "cluster.json: nodes: must list at least one node"},
      {{{"/nodes", ""}}, "cluster.json: nodes: missing (required)"},
      {{{"/nodes", R"({"id":"n1"})"}}, "cluster.json: nodes: expected an array, got an object"},
      {{{"/nodes/2", "7"}}, "cluster.json: nodes[2]: expected an object, got an integer"},
      {{{"/nodes/4/id", R"("n1")"}},
       R"(cluster.json: nodes[4].id: "n1" is used by an earlier node)"},
      {{{"/nodes/4/id", R"("N4")"}},
       R"(cluster.json: nodes[4].id: "N4" must be 1..64 characters of [a-z0-9-])"},
      {{{"/nodes/2/adress", R"("x:1")"}},
       R"(cluster.json: nodes[2].adress: unknown field (did you mean "address"?))"},
      {{{"/chunk_sise", "65536"}},
       R"(cluster.json: chunk_sise: unknown field (did you mean "chunk_size"?))"},
      {{{"/colour", "1"}}, "cluster.json: colour: unknown field"},
      {{{"/storage", R"({"segment_sz":1})"}},
       R"(cluster.json: storage.segment_sz: unknown field (did you mean "segment_size"?))"},
      {{{"/cluster_id", ""}}, "cluster.json: cluster_id: missing (required)"},
      {{{"/cluster_id", R"("Prod")"}},
       R"(cluster.json: cluster_id: "Prod" must be 1..64 characters of [a-z0-9-])"},
      {{{"/cluster_id", "42"}}, "cluster.json: cluster_id: expected a string, got an integer"},
      {{{"/chunk_size", R"("4MiB")"}},
       "cluster.json: chunk_size: expected an integer in [65536, 67108864], got a string"},
      {{{"/chunk_size", "-1"}},
       "cluster.json: chunk_size: -1 is negative; expected an integer in [65536, 67108864]"},
      {{{"/chunk_size", "65536.5"}},
       "cluster.json: chunk_size: expected a plain integer in [65536, 67108864], got a "
       "non-integer number"},
      {{{"/chunk_size", "1e6"}},
       "cluster.json: chunk_size: expected a plain integer in [65536, 67108864], got a "
       "non-integer number"},
      {{{"/chunk_size", "18446744073709551616"}},
       "cluster.json: chunk_size: expected a plain integer in [65536, 67108864], got a "
       "non-integer number"},
      {{{"/chunk_size", "1000"}},
       "cluster.json: chunk_size: 1000 is out of range [65536, 67108864]"},
      {{{"/chunk_size", "true"}},
       "cluster.json: chunk_size: expected an integer in [65536, 67108864], got a boolean"},
      {{{"/erasure/k", "0"}}, "cluster.json: erasure.k: 0 is out of range [1, 16]"},
      {{{"/erasure/k", "17"}}, "cluster.json: erasure.k: 17 is out of range [1, 16]"},
      {{{"/erasure/m", "5"}}, "cluster.json: erasure.m: 5 is out of range [0, 4]"},
      {{{"/erasure", "[4,2]"}}, "cluster.json: erasure: expected an object, got an array"},
      {{{"/write_quorum", "3"}}, "cluster.json: write_quorum: 3 is outside k..k+m = 4..6"},
      {{{"/write_quorum", "7"}}, "cluster.json: write_quorum: 7 is outside k..k+m = 4..6"},
      {{{"/read_quorum", "0"}}, "cluster.json: read_quorum: 0 is out of range [1, 20]"},
      {{{"/read_quorum", "7"}}, "cluster.json: read_quorum: 7 is outside 1..k+m = 1..6"},
      {{{"/inline_limit", "4194305"}},
       "cluster.json: inline_limit: 4194305 is larger than chunk_size (4194304)"},
      {{{"/chunk_size", "67108864"}, {"/storage", R"({"segment_size":67108864})"}},
       "cluster.json: storage.segment_size: 67108864 must be at least 2 * chunk_size "
       "(134217728)"},
      {{{"/storage/segment_size", "1048575"}},
       "cluster.json: storage.segment_size: 1048575 is out of range [1048576, 17179869184]"},
      {{{"/storage/lmdb_map_size", "1024"}},
       "cluster.json: storage.lmdb_map_size: 1024 is out of range [16777216, 1099511627776]"},
      {{{"/storage/compaction_threshold", "0"}},
       "cluster.json: storage.compaction_threshold: must be between 0 and 1 (exclusive)"},
      {{{"/storage/compaction_threshold", "1.0"}},
       "cluster.json: storage.compaction_threshold: must be between 0 and 1 (exclusive)"},
      {{{"/storage/group_commit_max_batch", "0"}},
       "cluster.json: storage.group_commit_max_batch: 0 is out of range [1, 65536]"},
      {{{"/cluster_secret", ""}},
       "cluster.json: cluster_secret: exactly one of cluster_secret and cluster_secret_file "
       "must be set"},
      {{{"/cluster_secret_file", R"("/etc/shale/secret")"}},
       "cluster.json: cluster_secret: exactly one of cluster_secret and cluster_secret_file "
       "must be set"},
      {{{"/cluster_secret", R"("too-short")"}},
       "cluster.json: cluster_secret: secret is 9 characters; need 32..1024"},
      {{{"/cluster_secret", R"("0123456789abcdef0123456789abcde\n")"}},
       "cluster.json: cluster_secret: secret must be printable ASCII"},
      {{{"/cluster_secret", ""}, {"/cluster_secret_file", R"("")"}},
       "cluster.json: cluster_secret_file: must be a non-empty path without NUL, at most 4096 "
       "bytes"},
      {{{"/users/0/access_key", R"("short")"}},
       "cluster.json: users[0].access_key: must be 16..128 characters of [A-Za-z0-9]"},
      {{{"/users/0/access_key", R"("AKIA-ALICE-00001")"}},
       "cluster.json: users[0].access_key: must be 16..128 characters of [A-Za-z0-9]"},
      {{{"/users/0/secret_key", R"("hunter2")"}},
       "cluster.json: users[0].secret_key: secret is 7 characters; need 20..1024"},
      {{{"/users/0/secret_key", ""}}, "cluster.json: users[0].secret_key: missing (required)"},
      {{{"/users/0/admin", R"("yes")"}},
       "cluster.json: users[0].admin: expected true or false, got a string"},
      {{{"/users/0/display_name", R"("a\u0000b")"}},
       "cluster.json: users[0].display_name: must be 1..256 bytes without control characters"},
      {{{"/users/0/name", R"("al ice")"}},
       R"(cluster.json: users[0].name: "al ice" must be 1..64 characters of [A-Za-z0-9._@+-])"},
      {{{"/users/0/role", R"("admin")"}}, "cluster.json: users[0].role: unknown field"},
      {{{"/users/1",
         R"({"name":"bob","access_key":"AKIAALICE0000001","secret_key":"bob-secret-key-000000"})"}},
       "cluster.json: users[1].access_key: is used by an earlier user"},
      {{{"/users/1",
         R"({"name":"alice","access_key":"AKIABOB000000001","secret_key":"bob-secret-key-000000"})"}},
       R"(cluster.json: users[1].name: "alice" is used by an earlier user)"},
      {{{"/users", R"({})"}}, "cluster.json: users: expected an array, got an object"},
  };
  for (const Case& c : cases) {
    std::string json = Edit(c.edits);
    EXPECT_EQ(ErrorOf(json), c.error) << json;
  }
}

TEST(ConfigTest, RejectsMalformedDocuments) {
  EXPECT_EQ(ErrorOf(""), "cluster.json: invalid JSON at byte 0: The document is empty.");
  EXPECT_EQ(ErrorOf("[]"), "cluster.json: expected an object, got an array");
  EXPECT_EQ(ErrorOf(BaseConfig() + " {}"),
            "cluster.json: invalid JSON at byte " + std::to_string(BaseConfig().size() + 1) +
                ": The document root must not be followed by other values.");
  EXPECT_EQ(ErrorOf(R"({"cluster_id":"a","cluster_id":"b"})"),
            "cluster.json: cluster_id: appears more than once");
  EXPECT_NE(ErrorOf("{\"cluster_id\":\"\xff\"}").find("invalid JSON"), std::string::npos);
  EXPECT_NE(ErrorOf("{/*c*/}").find("invalid JSON"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"chunk_size":NaN})").find("invalid JSON"), std::string::npos);
  // Odd keys are quoted in paths so they cannot fake a path or a second line.
  EXPECT_EQ(ErrorOf(R"({"a.b\n":1})"), R"(cluster.json: ["a.b\u000a"]: unknown field)");
  // Deep nesting is parsed without recursion and then rejected.
  std::string deep = "{\"nodes\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_NE(ErrorOf(deep), "OK");
  EXPECT_THAT(ParseClusterConfig(std::string(17 << 20, ' '), "big.json"),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(ConfigTest, HostPortForms) {
  ASSERT_OK_AND_ASSIGN(HostPort a, ParseHostPort("127.0.0.1:9001"));
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 9001);
  ASSERT_OK_AND_ASSIGN(HostPort b, ParseHostPort("[::1]:65535"));
  EXPECT_EQ(b.host, "::1");
  EXPECT_EQ(b.port, 65535);
  ASSERT_OK_AND_ASSIGN(HostPort c, ParseHostPort("shale-0.shale.default.svc.cluster.local:1"));
  EXPECT_EQ(c.port, 1);
  for (const char* bad :
       {"", "host", "host:", ":1", "host:0", "host:080", "host:+80", "host:99999", "host:1:2",
        "-host:1", "ho st:1", "[]:1", "[zz]:1", "[::1]", "http://h:1"}) {
    EXPECT_THAT(ParseHostPort(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

ClusterConfig FullConfig() {
  ClusterConfig c;
  c.cluster_id = "test-cluster";
  for (int i = 0; i < 10; ++i) {
    c.nodes.push_back({"node-" + std::to_string(i), "10.0.0." + std::to_string(i) + ":7000",
                       i % 2 == 0 ? "/srv/shale/" + std::to_string(i) : ""});
  }
  c.erasure = {3, 2};
  c.chunk_size = 8 * kMiB;
  c.inline_limit = 0;
  c.write_quorum = 5;
  c.read_quorum = 2;
  c.cluster_secret = "a \"quoted\" \\ secret of at least 32 chars";
  c.users = {{"alice", "AKIAALICE0000001", "secret with spaces and \"quotes\"", "id-1",
              "Alice Ünicode", true},
             {"bob", "AKIABOB000000001", "bob-secret-key-000000", "bob", "bob", false}};
  c.storage = {64 * kMiB, 32 * kMiB, 0.25, 123456, 17, 0};
  return c;
}

TEST(ConfigTest, ToJsonRoundTrips) {
  ClusterConfig c = FullConfig();
  std::string text = ClusterConfigToJson(c);
  ASSERT_OK_AND_ASSIGN(ClusterConfig parsed, ParseClusterConfig(text, "written.json"));
  EXPECT_EQ(parsed, c) << text;
  EXPECT_EQ(ClusterConfigToJson(parsed), text);
  EXPECT_NE(text.find("\n  \"cluster_id\": \"test-cluster\",\n"), std::string::npos) << text;

  c.cluster_secret.clear();
  c.cluster_secret_file = "/etc/shale/secret";
  text = ClusterConfigToJson(c);
  EXPECT_EQ(text.find("cluster_secret\""), std::string::npos) << text;
  ASSERT_OK_AND_ASSIGN(parsed, ParseClusterConfig(text, "written.json"));
  EXPECT_EQ(parsed, c);

  // Defaults round-trip too (and the defaults are written explicitly).
  ASSERT_OK_AND_ASSIGN(ClusterConfig d, ParseClusterConfig(BaseConfig(), "c.json"));
  ASSERT_OK_AND_ASSIGN(ClusterConfig d2, ParseClusterConfig(ClusterConfigToJson(d), "c.json"));
  EXPECT_EQ(d2, d);
}

TEST(ConfigTest, LoadReadsSecretFileRelativeToConfig) {
  TempDir dir;
  WriteFile(dir.Sub("secret"), std::string(kSecret) + "\n");
  std::string json = Edit({{"/cluster_secret", ""}, {"/cluster_secret_file", R"("secret")"}});
  WriteFile(dir.Sub("cluster.json"), json);
  ASSERT_OK_AND_ASSIGN(ClusterConfig c, LoadClusterConfig(dir.Sub("cluster.json")));
  EXPECT_EQ(c.cluster_secret, kSecret);
  EXPECT_EQ(c.cluster_secret_file, "secret");

  // CRLF is stripped as well; an absolute path is used as is.
  WriteFile(dir.Sub("abs-secret"), std::string(kSecret) + "\r\n");
  WriteFile(dir.Sub("abs.json"),
            Edit({{"/cluster_secret", ""},
                  {"/cluster_secret_file", "\"" + dir.Sub("abs-secret") + "\""}}));
  ASSERT_OK_AND_ASSIGN(c, LoadClusterConfig(dir.Sub("abs.json")));
  EXPECT_EQ(c.cluster_secret, kSecret);
}

TEST(ConfigTest, LoadReportsBadSecretFiles) {
  TempDir dir;
  std::string json = Edit({{"/cluster_secret", ""}, {"/cluster_secret_file", R"("secret")"}});
  WriteFile(dir.Sub("cluster.json"), json);
  Result<ClusterConfig> missing = LoadClusterConfig(dir.Sub("cluster.json"));
  EXPECT_THAT(missing, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_NE(missing.status().message().find(dir.Sub("cluster.json") + ": cluster_secret_file: "),
            std::string::npos)
      << missing.status().ToString();

  WriteFile(dir.Sub("secret"), "short\n");
  Result<ClusterConfig> short_secret = LoadClusterConfig(dir.Sub("cluster.json"));
  EXPECT_EQ(short_secret.status().message(), dir.Sub("cluster.json") + ": cluster_secret_file (" +
                                                 dir.Sub("secret") +
                                                 "): secret is 5 characters; need 32..1024");
  // Only one trailing newline is stripped: an inner one is an error, not silently kept.
  WriteFile(dir.Sub("secret"), std::string(kSecret) + "\n\n");
  EXPECT_THAT(LoadClusterConfig(dir.Sub("cluster.json")), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(LoadClusterConfig(dir.Sub("nope.json")), StatusIs(StatusCode::kNotFound));
}

TEST(ConfigTest, UsersFileSharesTheUsersSchema) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<User> users,
      ParseUsersFile(R"({"users": [{"name": "alice", "access_key": "AKIAALICE0000001",
                       "secret_key": "alice-secret-key-0000", "admin": true}]})",
                     "users.json"));
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0],
            (User{"alice", "AKIAALICE0000001", "alice-secret-key-0000", "alice", "alice", true}));
  EXPECT_EQ(ParseUsersFile(R"({"users": [{"name": "alice", "access_key": "short",
                             "secret_key": "alice-secret-key-0000"}]})",
                           "users.json")
                .status()
                .message(),
            "users.json: users[0].access_key: must be 16..128 characters of [A-Za-z0-9]");
  EXPECT_EQ(ParseUsersFile(R"({})", "users.json").status().message(),
            "users.json: users: missing (required)");
  EXPECT_EQ(ParseUsersFile(R"({"users": [], "x": 1})", "users.json").status().message(),
            "users.json: x: unknown field");
  TempDir dir;
  WriteFile(dir.Sub("users.json"), R"({"users": []})");
  ASSERT_OK_AND_ASSIGN(users, LoadUsersFile(dir.Sub("users.json")));
  EXPECT_TRUE(users.empty());
}

// The repository root, found from this file's path (CMake compiles it by absolute path).
std::string RepoPath(const std::string& rel) {
  std::string self = __FILE__;
  return self.substr(0, self.rfind("tests/common/")) + rel;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(ConfigTest, DocumentedExamplesParse) {
  std::string doc = ReadAll(RepoPath("docs/CONFIG.md"));
  int examples = 0;
  for (size_t pos = doc.find("```json\n"); pos != std::string::npos;
       pos = doc.find("```json\n", pos + 1)) {
    size_t start = pos + 8;
    std::string block = doc.substr(start, doc.find("```", start) - start);
    if (block.find("cluster_id") == std::string::npos) continue;
    ASSERT_OK_AND_ASSIGN(ClusterConfig c, ParseClusterConfig(block, "CONFIG.md"));
    ++examples;
    if (c.nodes.size() == 12) {
      EXPECT_EQ(c.write_quorum, 6u);
      EXPECT_EQ(c.users.size(), 2u);
      EXPECT_EQ(c.cluster_secret_file, "/etc/shale/cluster-secret");
    }
  }
  EXPECT_EQ(examples, 2);
  for (const char* seed : {"valid_full.json", "valid_minimal.json"}) {
    EXPECT_OK(ParseClusterConfig(ReadAll(RepoPath("tests/fuzz/corpus/config/") + seed), seed));
  }
  EXPECT_OK(ParseUsersFile(ReadAll(RepoPath("tests/fuzz/corpus/config/users_file.json")), "u"));
}

}  // namespace
}  // namespace shale
