// Placement: stable (the hash is a format), spread evenly over sets and rotations, and growing
// the cluster by a set moves only the objects the new set wins.

#include "common/placement.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace shale::gateway {
namespace {

TEST(PlacementTest, HashIsStable) {
  // Pinned values: changing the hash would move every stored object.
  EXPECT_EQ(PlacementHash("bucket", "key"), PlacementHash("bucket", "key"));
  EXPECT_NE(PlacementHash("bucket", "key"), PlacementHash("bucke", "tkey"));
  EXPECT_NE(PlacementHash("a", ""), PlacementHash("", "a"));
  // SHA-256("b\0k") starts 26 5d ef 66 2a e3 80 81 (computed independently).
  EXPECT_EQ(PlacementHash("b", "k"), 0x265def662ae38081ull);
  ObjectPlacement where = Placement(24, 6).Locate("b", "k");
  EXPECT_EQ(where.set, 2u);
  EXPECT_EQ(where.rotation, 2u);
}

TEST(PlacementTest, SpreadsOverSetsAndRotations) {
  Placement p(24, 6);  // Four sets of 4+2.
  ASSERT_EQ(p.set_count(), 4u);
  std::map<uint32_t, int> sets, rotations;
  const int n = 12000;
  for (int i = 0; i < n; ++i) {
    ObjectPlacement where = p.Locate("bkt", "key-" + std::to_string(i));
    ++sets[where.set];
    ++rotations[where.rotation];
    for (uint32_t s = 0; s < 6; ++s) {
      uint32_t node = p.NodeFor(where, s);
      EXPECT_EQ(node / 6, where.set);
    }
  }
  ASSERT_EQ(sets.size(), 4u);
  ASSERT_EQ(rotations.size(), 6u);
  for (auto [set, count] : sets) EXPECT_NEAR(count, n / 4, n / 40) << set;
  for (auto [rot, count] : rotations) EXPECT_NEAR(count, n / 6, n / 40) << rot;
}

TEST(PlacementTest, ShardsOfAnObjectGoToDistinctNodes) {
  Placement p(12, 6);
  ObjectPlacement where = p.Locate("b", "k");
  std::set<uint32_t> nodes;
  for (uint32_t s = 0; s < 6; ++s) nodes.insert(p.NodeFor(where, s));
  EXPECT_EQ(nodes.size(), 6u);
}

TEST(PlacementTest, AddingASetMovesOnlyObjectsToTheNewSet) {
  Placement before(18, 6), after(24, 6);
  int moved = 0;
  const int n = 8000;
  for (int i = 0; i < n; ++i) {
    std::string key = "k" + std::to_string(i);
    ObjectPlacement a = before.Locate("b", key), b = after.Locate("b", key);
    EXPECT_EQ(a.rotation, b.rotation);
    if (a.set != b.set) {
      EXPECT_EQ(b.set, 3u);  // Only ever to the new set.
      ++moved;
    }
  }
  EXPECT_NEAR(moved, n / 4, n / 40);
}

}  // namespace
}  // namespace shale::gateway
