// Content hashing (XXH3). Not cryptographic: for cache keys, versions, ids
// and split assignment, where stability across runs and machines matters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace centaur {

// 64-bit XXH3 of `data` with `seed`.
uint64_t Hash64(std::string_view data, uint64_t seed = 0);
// 128-bit XXH3 as 32 lowercase hex digits.
std::string Hash128Hex(std::string_view data);
// 64-bit XXH3 as 16 lowercase hex digits.
std::string Hash64Hex(std::string_view data, uint64_t seed = 0);

// Deterministic split: "test" for a fraction `test_fraction` of ids, "val"
// otherwise, by seeded hash of the id (so adding rows never moves old ones).
std::string AssignSplit(std::string_view item_id, double test_fraction, uint64_t seed);

}  // namespace centaur
