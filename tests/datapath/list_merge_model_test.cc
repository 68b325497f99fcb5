// MergeListing against an in-memory reference: random puts and deletes land on random write
// quorums of two erasure sets of in-process nodes (so nodes diverge), then random queries
// (prefix, delimiter, start-after, max-keys, per-node page size, a node failing mid-listing)
// must answer exactly what the reference computes from the newest version of each key, and
// following next_marker page by page must give the one-shot listing.
// Replay a failure with SHALE_TEST_SEED=<seed printed>.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <sstream>

#include "gateway/list_merge.h"
#include "tests/datapath/list_merge_test_util.h"
#include "tests/support/random_seed.h"
#include "tests/support/status_matchers.h"

namespace shale::gateway {
namespace {

using node_wire::WireKind;
using ::shale::testing::ListVersion;
using ::shale::testing::TestNodes;

constexpr char kBucket[] = "bkt";
constexpr size_t kSets = 2;
constexpr size_t kSetSize = 3;
constexpr uint32_t kReadQuorum = 2;
constexpr size_t kWriteQuorum = kSetSize - kReadQuorum + 1;  // Every write meets every read.

// One listing entry: an object (key, version) or a common prefix.
struct Entry {
  std::string name;
  bool is_prefix = false;
  uint64_t version = 0;
  friend bool operator==(const Entry&, const Entry&) = default;
};

std::ostream& operator<<(std::ostream& os, const Entry& e) {
  os << (e.is_prefix ? "prefix " : "key ");
  for (unsigned char c : e.name) {
    if (c >= 0x20 && c < 0x7f) {
      os << c;
    } else {
      os << "\\x" << std::hex << int{c} << std::dec;
    }
  }
  return os << (e.is_prefix ? "" : " v" + std::to_string(e.version));
}

struct Page {
  std::vector<Entry> entries;  // Objects and common prefixes together, in key order.
  bool truncated = false;
  std::string next_marker;
  friend bool operator==(const Page&, const Page&) = default;
};

std::string Printable(std::string_view s) {
  std::ostringstream os;
  os << Entry{std::string(s), true, 0};
  return os.str();
}

// The reference: S3's rules applied to the full sorted map of live keys.
Page ReferenceList(const std::map<std::string, uint64_t>& live, const ListQuery& q) {
  std::vector<Entry> all;
  const bool after_is_prefix = [&] {
    if (q.delimiter.empty() || !q.start_after.starts_with(q.prefix)) return false;
    size_t at = q.start_after.find(q.delimiter, q.prefix.size());
    return at != std::string::npos && at + q.delimiter.size() == q.start_after.size();
  }();
  for (const auto& [key, version] : live) {
    if (!key.starts_with(q.prefix) || key <= q.start_after) continue;
    if (after_is_prefix && key.starts_with(q.start_after)) continue;
    size_t at = q.delimiter.empty() ? std::string::npos : key.find(q.delimiter, q.prefix.size());
    if (at == std::string::npos) {
      all.push_back({key, false, version});
      continue;
    }
    std::string prefix = key.substr(0, at + q.delimiter.size());
    if (all.empty() || !all.back().is_prefix || all.back().name != prefix) {
      all.push_back({prefix, true, 0});
    }
  }
  Page page;
  if (all.size() > q.max_keys) {
    page.truncated = q.max_keys > 0;
    all.resize(q.max_keys);
    if (page.truncated) page.next_marker = all.back().name;
  }
  page.entries = std::move(all);
  return page;
}

Page ToPage(const MergedPage& merged) {
  Page page;
  for (const auto& v : merged.objects) {
    uint64_t n = 0;
    for (int i = 8; i < 16; ++i) n = (n << 8) | v.version[i];
    EXPECT_EQ(v.payload, "v" + std::to_string(n)) << "payload of " << Printable(v.key);
    page.entries.push_back({v.key, false, n});
  }
  for (const auto& p : merged.common_prefixes) page.entries.push_back({p, true, 0});
  std::sort(page.entries.begin(), page.entries.end(),
            [](const Entry& a, const Entry& b) { return a.name < b.name; });
  page.truncated = merged.truncated;
  page.next_marker = merged.next_marker;
  return page;
}

std::string Describe(const ListQuery& q, uint32_t page_size) {
  return "prefix=" + Printable(q.prefix) + " delimiter=" + Printable(q.delimiter) +
         " start_after=" + Printable(q.start_after) + " max_keys=" + std::to_string(q.max_keys) +
         " page_size=" + std::to_string(page_size);
}

class ListMergeModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(nodes_.status());
    for (size_t s = 0; s < kSets; ++s) {
      ListSet set;
      set.read_quorum = kReadQuorum;
      for (size_t i = 0; i < kSetSize; ++i) set.nodes.push_back(&nodes_.client(s * kSetSize + i));
      sets_.push_back(std::move(set));
    }
  }

  std::string RandomString(size_t max_len) {
    static constexpr char kAlphabet[] = {'a', 'b', '/', '\xff', 'c'};
    size_t len = std::uniform_int_distribution<size_t>(1, max_len)(rng_);
    std::string s;
    for (size_t i = 0; i < len; ++i) s.push_back(kAlphabet[rng_() % sizeof(kAlphabet)]);
    return s;
  }

  // A put or a delete marker of `key` on a random write quorum of its set.
  void Write(const std::string& key, bool delete_marker) {
    size_t set = std::hash<std::string>{}(key) % kSets;
    const uint64_t version = ++clock_;
    std::vector<size_t> members(kSetSize);
    for (size_t i = 0; i < kSetSize; ++i) members[i] = set * kSetSize + i;
    std::shuffle(members.begin(), members.end(), rng_);
    size_t count = std::uniform_int_distribution<size_t>(kWriteQuorum, kSetSize)(rng_);
    for (size_t i = 0; i < count; ++i) {
      WireKind kind = delete_marker ? WireKind::kDeleteMarker : WireKind::kObject;
      std::string payload = delete_marker ? "" : "v" + std::to_string(version);
      ASSERT_OK(
          nodes_.client(members[i]).PutVersion(kBucket, key, ListVersion(version), payload, kind));
    }
    if (delete_marker) {
      live_.erase(key);
    } else {
      live_[key] = version;
    }
  }

  ListQuery RandomQuery() {
    ListQuery q;
    std::vector<std::string> keys;
    for (const auto& [k, v] : live_) keys.push_back(k);
    auto pick_key = [&]() -> std::string {
      return keys.empty() ? RandomString(3) : keys[rng_() % keys.size()];
    };
    switch (rng_() % 3) {
      case 0:
        break;
      case 1: {
        std::string k = pick_key();
        q.prefix = k.substr(0, rng_() % (k.size() + 1));
        break;
      }
      default:
        q.prefix = RandomString(2);
    }
    static const char* kDelimiters[] = {"", "/", "/", "\xff", "b/"};
    q.delimiter = kDelimiters[rng_() % 5];
    switch (rng_() % 4) {
      case 0:
        break;
      case 1:
        q.start_after = RandomString(4);
        break;
      case 2:
        q.start_after = pick_key();
        break;
      default: {
        // An entry of the full listing: a common prefix often.
        ListQuery full = q;
        full.max_keys = 100000;
        Page all = ReferenceList(live_, full);
        if (!all.entries.empty()) q.start_after = all.entries[rng_() % all.entries.size()].name;
      }
    }
    static const uint32_t kMaxKeys[] = {0, 1, 2, 3, 7, 1000};
    q.max_keys = kMaxKeys[rng_() % 6];
    return q;
  }

  TestNodes nodes_{kSets * kSetSize};
  std::vector<ListSet> sets_;
  std::mt19937_64 rng_{::shale::testing::TestSeed()};
  std::map<std::string, uint64_t> live_;  // Key -> newest version, for keys not deleted.
  uint64_t clock_ = 0;
};

TEST_F(ListMergeModelTest, RandomHistoriesListLikeTheReference) {
  std::vector<std::string> pool;
  for (int i = 0; i < 80; ++i) pool.push_back(RandomString(5));
  for (int round = 0; round < 6; ++round) {
    for (int op = 0; op < 60; ++op) {
      Write(pool[rng_() % pool.size()], rng_() % 4 == 0);
      if (HasFatalFailure()) return;
    }
    for (int query = 0; query < 60; ++query) {
      ListQuery q = RandomQuery();
      static const uint32_t kPageSizes[] = {1, 2, 3, 1000};
      const uint32_t page_size = kPageSizes[rng_() % 4];
      // Sometimes a reading node of each set fails after a few pages; the spare replaces it.
      const bool inject = rng_() % 4 == 0;
      for (size_t s = 0; s < kSets && inject; ++s) {
        auto& node = nodes_.client(s * kSetSize + rng_() % kReadQuorum);
        node.ResetCounts();
        node.fail_after = static_cast<int>(rng_() % 4);
      }
      SCOPED_TRACE(Describe(q, page_size) + (inject ? " with a failing node" : ""));
      auto merged = MergeListing(sets_, kBucket, q, MergeOptions{page_size});
      for (size_t n = 0; n < nodes_.size(); ++n) nodes_.client(n).fail_after = -1;
      ASSERT_OK(merged);
      Page want = ReferenceList(live_, q);
      ASSERT_EQ(ToPage(*merged), want);

      // Following the markers page by page lists what one large page does.
      if (q.max_keys == 0 || q.max_keys > 3) continue;
      std::vector<Entry> paged;
      ListQuery next = q;
      for (int guard = 0; guard < 1000; ++guard) {
        ASSERT_OK_AND_ASSIGN(MergedPage p, MergeListing(sets_, kBucket, next, {page_size}));
        Page got = ToPage(p);
        paged.insert(paged.end(), got.entries.begin(), got.entries.end());
        if (!p.truncated) break;
        next.start_after = p.next_marker;
      }
      ListQuery whole = q;
      whole.max_keys = 100000;
      ASSERT_EQ(paged, ReferenceList(live_, whole).entries);
    }
  }
}

}  // namespace
}  // namespace shale::gateway
