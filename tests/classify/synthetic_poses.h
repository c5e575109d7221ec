// Stick-figure bodies for the built-in library poses, written from how each pose looks (not from
// the library's numbers, see posecast/pose_sketches.h), so that tests check the library against an
// independent description.
#pragma once

#include <random>
#include <string_view>
#include <vector>

#include "posecast/keypoints.h"
#include "posecast/pose_sketches.h"
#include "posecast/skeleton_poser.h"

namespace posecast::testing {

// The library's sketches (posecast/pose_sketches.h); a sketch of every library pose exists.
inline SkeletonAngles library_pose_skeleton(std::string_view id) { return pose_sketch(id).value(); }

inline const std::vector<std::string_view>& library_pose_ids() { return sketched_poses(); }

inline SkeletonAngles vary(SkeletonAngles a, float max_deg, std::mt19937& rng) {
  return vary_sketch(a, max_deg, rng);
}

// Gaussian keypoint noise of `sigma_px` pixels, as a pose estimator adds.
inline Pose jitter(Pose pose, float sigma_px, std::mt19937& rng) {
  std::normal_distribution<float> n(0, sigma_px);
  for (Keypoint& k : pose.keypoints) k.x += n(rng), k.y += n(rng);
  return pose;
}

}  // namespace posecast::testing
