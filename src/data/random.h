// Seeded random numbers that give the same values with every C++ standard library: the standard
// distributions (uniform_real_distribution, shuffle) are implementation-defined, so a seed would
// otherwise mean different augmentations or splits after a compiler change. Private to src/data.
#pragma once

#include <cstdint>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "posecast/fnv1a.h"

namespace posecast::data {

// splitmix64's finaliser: spreads a (seed, name) pair over all 64 bits.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A generator for one named item (an image's relative path, a label): its numbers depend only on
// the seed and the name, never on the order or thread in which items are processed.
inline std::mt19937_64 rng_for(uint64_t seed, std::string_view name) {
  return std::mt19937_64(mix64(seed ^ mix64(fnv1a64(name))));
}

// [0, 1) with 53 random bits.
inline double uniform01(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
}

inline double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * uniform01(rng);
}

// [0, n) without modulo bias (rejection sampling); n > 0.
inline uint64_t below(std::mt19937_64& rng, uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t r;
  do {
    r = rng();
  } while (r >= limit);
  return r % n;
}

// Fisher-Yates.
template <class T>
void shuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(rng, i)]);
}

}  // namespace posecast::data
