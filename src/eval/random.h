// Seeded pseudo-random numbers for the bootstrap. Own generator and integer
// range reduction, not <random> distributions, so a seed gives the same
// stream with every standard library. Internal to eval/.
#pragma once

#include <cstdint>

namespace centaur::eval_internal {

// splitmix64 (Steele, Lea, Flood 2014): expands one seed into generator state.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256** 1.0 (Blackman, Vigna 2018). Not thread-safe; one per thread.
class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed) {
    uint64_t sm = seed;
    for (uint64_t& word : s_) word = SplitMix64(sm);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Two independent uniforms in [0, bound) for 1 <= bound < 2^32, one from
  // each half of a 64-bit output: half the generator calls of Below().
  // Same method as Below(), in 32 bits.
  void Below32Pair(uint32_t bound, uint32_t& first, uint32_t& second) {
    const uint64_t x = Next();
    first = Reduce32(static_cast<uint32_t>(x >> 32), bound);
    second = Reduce32(static_cast<uint32_t>(x), bound);
  }

  // Uniform in [0, bound) for bound >= 1: Lemire's multiply-shift with
  // rejection, so unbiased, and the division runs only on rare draws.
  uint64_t Below(uint64_t bound) {
    unsigned __int128 m = static_cast<unsigned __int128>(Next()) * bound;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < bound) {
      const uint64_t threshold = (0 - bound) % bound;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(Next()) * bound;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

 private:
  uint32_t Reduce32(uint32_t r, uint32_t bound) {
    uint64_t m = static_cast<uint64_t>(r) * bound;
    uint32_t low = static_cast<uint32_t>(m);
    if (low < bound) {
      const uint32_t threshold = (0 - bound) % bound;
      while (low < threshold) {
        // Rejected: draw afresh from the high half of a new output.
        m = (Next() >> 32) * bound;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace centaur::eval_internal
