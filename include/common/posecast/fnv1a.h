// FNV-1a 64: a fast non-cryptographic hash for cache keys and file checksums.
#pragma once

#include <cstdint>
#include <string_view>

namespace posecast {

inline uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace posecast
