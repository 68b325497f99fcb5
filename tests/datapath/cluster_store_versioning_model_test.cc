// A randomized model test of the versioning state machine at the ObjectStore level: puts,
// deletes, deletes of a given version (an id, "null" or an unknown id), suspend and re-enable,
// with one node at a time taken down and brought back (so nodes miss writes and purges), checked
// against an in-memory reference of S3's rules after every step (Head of the latest and of the
// null version) and by full ListVersions and List comparisons. Seed printed; SHALE_TEST_SEED
// replays.

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "gateway/cluster_store.h"
#include "tests/datapath/cluster_store_test_util.h"
#include "tests/support/random_seed.h"

namespace shale::gateway::testing {
namespace {

struct RefVersion {
  VersionId id;  // Unknown (zero) for the hidden marker of an unversioned delete.
  bool null = false;
  bool marker = false;
  std::string data;
};

// S3's versioning rules over one bucket, versions of a key oldest first.
class Reference {
 public:
  BucketVersioning state = BucketVersioning::kUnversioned;
  std::map<std::string, std::vector<RefVersion>> keys;

  void Add(const std::string& key, RefVersion v) {
    auto& vs = keys[key];
    if (v.null) std::erase_if(vs, [](const RefVersion& o) { return o.null; });
    vs.push_back(std::move(v));
  }
  const RefVersion* Latest(const std::string& key) const {
    auto it = keys.find(key);
    return it == keys.end() || it->second.empty() ? nullptr : &it->second.back();
  }
  const RefVersion* Null(const std::string& key) const {
    auto it = keys.find(key);
    if (it == keys.end()) return nullptr;
    for (const RefVersion& v : it->second) {
      if (v.null) return &v;
    }
    return nullptr;
  }
  // "key:id:flags" as the listing test formats them, key order, newest first.
  std::vector<std::string> Listing() const {
    std::vector<std::string> out;
    for (const auto& [key, vs] : keys) {
      bool latest = true;
      for (auto it = vs.rbegin(); it != vs.rend(); ++it) {
        // An unversioned bucket's markers are not shown.
        if (it->marker && state == BucketVersioning::kUnversioned) continue;
        out.push_back(key + ":" + (it->null ? "null" : it->id.ToText()) + ":" +
                      (latest ? "L" : "") + (it->marker ? "D" : ""));
        latest = false;
      }
    }
    return out;
  }
};

std::string Format(const VersionListEntry& e) {
  return e.info.key + ":" + S3VersionId(e.info) + ":" + (e.is_latest ? "L" : "") +
         (e.info.delete_marker ? "D" : "");
}

TEST(VersioningModelTest, MatchesTheReference) {
  const uint64_t seed = shale::testing::TestSeed();
  std::mt19937_64 rng(seed);
  InProcessCluster cluster;
  ClusterStore& store = cluster.store();
  BucketInfo bucket;
  bucket.name = "b";
  ASSERT_OK(store.CreateBucket(bucket));
  Reference ref;
  const std::vector<std::string> keys = {"a", "b/x", "b/y", "c"};
  std::vector<std::string> bodies;
  int down = -1;
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };

  for (int step = 0; step < 160; ++step) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step));
    const std::string& key = keys[pick(keys.size())];
    const uint64_t op = rng() % 100;
    if (op < 40) {
      const size_t size = pick(4) == 0 ? 70 * kKiB + pick(1000) : pick(200);
      std::string data = RandomBody(size, rng());
      PutRequest r = Request("b", key, data.size());
      r.versioning = ref.state;
      ASSERT_OK_AND_ASSIGN(ObjectInfo info, store.Put(r, StringSource(data)));
      ASSERT_EQ(info.null_version, ref.state != BucketVersioning::kEnabled);
      ref.Add(key, {info.version, info.null_version, false, data});
    } else if (op < 60) {
      ASSERT_OK_AND_ASSIGN(DeleteOutcome out, store.DeleteObject({"b", key, {}, ref.state}));
      if (ref.state == BucketVersioning::kUnversioned) {
        ASSERT_FALSE(out.version.has_value());
        const RefVersion* latest = ref.Latest(key);
        if (latest != nullptr && !latest->marker) ref.Add(key, {{}, true, true, ""});
      } else {
        ASSERT_TRUE(out.version.has_value());
        ASSERT_TRUE(out.delete_marker);
        ASSERT_EQ(out.version->null_version, ref.state == BucketVersioning::kSuspended);
        ref.Add(key, {out.version->version, out.version->null_version, true, ""});
      }
    } else if (op < 80) {
      // A given version: one the reference knows, "null", or an id that never existed.
      auto& vs = ref.keys[key];
      VersionSelector which = VersionSelector::Null();
      const uint64_t how = rng() % 4;
      if (how < 2 && !vs.empty()) {
        const RefVersion& v = vs[pick(vs.size())];
        if (v.id != VersionId{}) which = VersionSelector(v.id);
      } else if (how == 2) {
        which = VersionSelector(VersionId{1000 + rng() % 1000, 0, 3});
      }
      ASSERT_OK_AND_ASSIGN(DeleteOutcome out, store.DeleteObject({"b", key, which, ref.state}));
      auto it = vs.end();
      if (which.kind == VersionSelector::Kind::kNull) {
        it = std::find_if(vs.begin(), vs.end(), [](const RefVersion& v) { return v.null; });
      } else {
        it = std::find_if(vs.begin(), vs.end(),
                          [&](const RefVersion& v) { return v.id == which.id; });
      }
      ASSERT_EQ(out.version.has_value(), it != vs.end());
      if (it != vs.end()) {
        ASSERT_EQ(out.delete_marker, it->marker);
        vs.erase(it);
      }
    } else if (op < 88) {
      ref.state = pick(2) == 0 ? BucketVersioning::kEnabled : BucketVersioning::kSuspended;
      ASSERT_OK_AND_ASSIGN(BucketInfo b, store.GetBucket("b"));
      b.versioning = ref.state;
      ASSERT_OK(store.UpdateBucket(b));
    } else {
      // One node at most is down at a time: it misses what happens meanwhile.
      if (down >= 0) cluster.node(down).set_down(false);
      down = pick(3) == 0 ? -1 : static_cast<int>(pick(cluster.size()));
      if (down >= 0) cluster.node(down).set_down(true);
    }

    // Head of the latest and of the null version agree with the reference.
    for (const std::string& k : keys) {
      const RefVersion* latest = ref.Latest(k);
      auto head = store.Head("b", k);
      if (latest == nullptr || latest->marker) {
        ASSERT_EQ(head.status().code(), StatusCode::kNotFound) << k;
      } else {
        ASSERT_OK(head.status());
        ASSERT_TRUE(ReadRange(store, *head, 0, UINT64_MAX).value() == latest->data) << k;
      }
      const RefVersion* null = ref.Null(k);
      auto head_null = store.Head("b", k, VersionSelector::Null());
      ASSERT_EQ(head_null.ok(), null != nullptr) << k;
      if (null != nullptr) {
        ASSERT_EQ(head_null->delete_marker, null->marker) << k;
      }
    }
    if (step % 8 != 7) continue;
    ListVersionsQuery q;
    q.max_keys = 1 + static_cast<uint32_t>(pick(5));
    std::vector<std::string> listed;
    for (int pages = 0; pages < 200; ++pages) {
      ASSERT_OK_AND_ASSIGN(ListVersionsResult page, store.ListVersions("b", q));
      for (const VersionListEntry& e : page.versions) listed.push_back(Format(e));
      if (!page.truncated) break;
      q.key_marker = page.next_key_marker;
      ASSERT_OK_AND_ASSIGN(q.version_id_marker,
                           VersionSelector::Parse(page.next_version_id_marker));
    }
    ASSERT_EQ(listed, ref.Listing());
    ASSERT_OK_AND_ASSIGN(ListResult objects, store.List("b", {}));
    std::vector<std::string> names, expected;
    for (const ObjectInfo& o : objects.objects) names.push_back(o.key);
    for (const auto& [k, vs] : ref.keys) {
      if (!vs.empty() && !vs.back().marker) expected.push_back(k);
    }
    ASSERT_EQ(names, expected);
  }
}

}  // namespace
}  // namespace shale::gateway::testing
