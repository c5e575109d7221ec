// IEEE 754 half-precision decoding: TF.js stores the pose models' weights as fp16, and posecast's
// own model files reuse the same encoding.
#pragma once

#include <cstdint>

namespace posecast::engine {

float half_to_float(uint16_t h);

}  // namespace posecast::engine
