#include "core/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace centaur {
namespace {

// Pinned values: cache keys, versions, ids and splits are stored, so these
// must never change. The "" cases are xxHash's own published test vectors.
struct HashCase {
  const char* name;
  std::string input;
  uint64_t seed;
  uint64_t hash64;
  const char* hash64_hex;
  const char* hash128_hex;
};

const HashCase kHashCases[] = {
    {"empty", "", 0, 0x2d06800538d394c2ULL, "2d06800538d394c2", "99aa06d3014798d86001c324468d497f"},
    {"empty_seed7", "", 7, 0x913ae0873e9b7eb8ULL, "913ae0873e9b7eb8",
     "99aa06d3014798d86001c324468d497f"},
    {"one_byte", "a", 0, 0xe6c632b61e964e1fULL, "e6c632b61e964e1f",
     "a96faf705af16834e6c632b61e964e1f"},
    {"hello", "hello world", 0, 0xd447b1ea40e6988bULL, "d447b1ea40e6988b",
     "df8d09e93f874900a99b8775cc15b6c7"},
    {"hello_seed7", "hello world", 7, 0x8e07c4fa14f02f30ULL, "8e07c4fa14f02f30",
     "df8d09e93f874900a99b8775cc15b6c7"},
    {"item_id", "banking77:0001", 0, 0x4de8468f6829244aULL, "4de8468f6829244a",
     "9c84ccd37b06dac64c4da630cc22937e"},
};

TEST(HashTest, PinnedValues) {
  for (const HashCase& c : kHashCases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Hash64(c.input, c.seed), c.hash64);
    EXPECT_EQ(Hash64Hex(c.input, c.seed), c.hash64_hex);
    EXPECT_EQ(Hash128Hex(c.input), c.hash128_hex);
  }
}

TEST(HashTest, DefaultSeedIsZero) { EXPECT_EQ(Hash64("hello world"), Hash64("hello world", 0)); }

TEST(HashTest, HexIsFixedWidthLowercase) {
  for (int i = 0; i < 200; ++i) {
    std::string h64 = Hash64Hex(std::to_string(i));
    std::string h128 = Hash128Hex(std::to_string(i));
    ASSERT_EQ(h64.size(), 16u);
    ASSERT_EQ(h128.size(), 32u);
    for (char c : h64 + h128) ASSERT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
  }
}

TEST(HashTest, EmbeddedNulBytesCount) {
  EXPECT_NE(Hash64(std::string("a\0b", 3)), Hash64(std::string("a\0c", 3)));
  EXPECT_NE(Hash64(std::string("a\0", 2)), Hash64("a"));
}

struct SplitCase {
  const char* name;
  const char* id;
  double test_fraction;
  uint64_t seed;
  const char* expected;
};

// Hash64("banking77:0001", 0) / 2^64 = 0.3043..., and with seed 7 = 0.5100...
const SplitCase kSplitCases[] = {
    {"below_fraction", "banking77:0001", 0.31, 0, "test"},
    {"above_fraction", "banking77:0001", 0.30, 0, "val"},
    {"seed_moves_it", "banking77:0001", 0.31, 7, "val"},
    {"seed_moves_it_back", "banking77:0001", 0.52, 7, "test"},
    {"zero_fraction", "banking77:0001", 0.0, 0, "val"},
    {"negative_fraction", "banking77:0001", -1.0, 0, "val"},
    {"full_fraction", "banking77:0001", 1.0, 0, "test"},
    {"over_full_fraction", "banking77:0001", 2.0, 0, "test"},
};

TEST(AssignSplitTest, Golden) {
  for (const SplitCase& c : kSplitCases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(AssignSplit(c.id, c.test_fraction, c.seed), c.expected);
  }
}

TEST(AssignSplitTest, FractionWithinTwoPercent) {
  for (double fraction : {0.1, 0.2, 0.5, 0.8}) {
    for (uint64_t seed : {0ULL, 1ULL, 42ULL}) {
      int test = 0;
      for (int i = 0; i < 10000; ++i) {
        if (AssignSplit("item-" + std::to_string(i), fraction, seed) == "test") ++test;
      }
      EXPECT_NEAR(test / 10000.0, fraction, 0.02) << "fraction " << fraction << " seed " << seed;
    }
  }
}

TEST(AssignSplitTest, StableAndMonotonic) {
  // Raising the fraction only moves items from val to test, never back.
  for (int i = 0; i < 1000; ++i) {
    std::string id = "row" + std::to_string(i);
    EXPECT_EQ(AssignSplit(id, 0.2, 3), AssignSplit(id, 0.2, 3));
    if (AssignSplit(id, 0.2, 3) == "test") {
      EXPECT_EQ(AssignSplit(id, 0.3, 3), "test");
    }
  }
}

}  // namespace
}  // namespace centaur
