#include "core/hash.h"

#include <xxhash.h>

namespace centaur {
namespace {

void AppendHex(uint64_t v, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out->push_back(kDigits[(v >> shift) & 0xf]);
}

}  // namespace

uint64_t Hash64(std::string_view data, uint64_t seed) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

std::string Hash128Hex(std::string_view data) {
  XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
  std::string out;
  out.reserve(32);
  // High half first: the canonical (big-endian) form xxhsum prints.
  AppendHex(h.high64, &out);
  AppendHex(h.low64, &out);
  return out;
}

std::string Hash64Hex(std::string_view data, uint64_t seed) {
  std::string out;
  out.reserve(16);
  AppendHex(Hash64(data, seed), &out);
  return out;
}

std::string AssignSplit(std::string_view item_id, double test_fraction, uint64_t seed) {
  if (!(test_fraction > 0)) return "val";  // also NaN
  if (test_fraction >= 1) return "test";
  // long double holds every uint64 exactly on x86-64, so the comparison
  // is h / 2^64 < fraction without rounding h up to 2^64.
  const long double threshold = static_cast<long double>(test_fraction) * 18446744073709551616.0L;
  return static_cast<long double>(Hash64(item_id, seed)) < threshold ? "test" : "val";
}

}  // namespace centaur
