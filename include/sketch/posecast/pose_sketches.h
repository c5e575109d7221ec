// Stick-figure sketches of the built-in library poses, written from how each pose looks (not from
// the library's angle targets): bodies for the demo, for tests that check the library against an
// independent description, and for training negatives ("none of these" examples of poses a
// trained model was not given).
#pragma once

#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "posecast/skeleton_poser.h"

namespace posecast {

// mountain, tree, plank, downdog, warrior2, warrior1, goddess, chair, cobra, triangle.
const std::vector<std::string_view>& sketched_poses();
// The sketch of a pose id (sided poses: their left variant); none for other ids.
std::optional<SkeletonAngles> pose_sketch(std::string_view id);
// Every segment direction moved by up to +-max_deg, and the body turned a little.
SkeletonAngles vary_sketch(SkeletonAngles a, float max_deg, std::mt19937& rng);

}  // namespace posecast
