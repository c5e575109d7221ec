// MoveNet's published cropping algorithm (TF Hub MoveNet tutorial) and the mapping between the
// model's input square, the crop and image pixels.
//
// A CropRegion is normalised per axis: x by the image width, y by the image height, so a square
// crop in pixels is usually not square in normalised units. It may extend past the image; the
// part outside is sampled as black, which is how a still image is padded to a square.
#pragma once

#include <opencv2/core.hpp>

#include "posecast/keypoints.h"
#include "posecast/movenet.h"

namespace posecast {

// Below this score a keypoint does not steer the crop (the tutorial's MIN_CROP_KEYPOINT_SCORE).
inline constexpr float kMinCropKeypointScore = 0.2f;

// The whole image centred in a square of side max(width, height): no distortion, no cut.
CropRegion full_frame_crop(int width, int height);

// At least one hip and at least one shoulder above `min_score`.
bool torso_visible(const Pose& pose, float min_score = kMinCropKeypointScore);

// The crop for the next frame around the body in `pose` (pixels, with image_width/height set):
// a square centred on the hips, large enough for the torso (x1.9) and all confident joints
// (x1.2); the full-frame crop when the torso is not visible or the square would outgrow the image.
CropRegion crop_around_body(const Pose& pose);

// A point in the model's input square, normalised to [0,1] ((0,0) top-left corner, (1,1)
// bottom-right corner), to image pixels (continuous: the image spans [0,width] x [0,height]).
cv::Point2f input_to_image(const CropRegion& crop, int width, int height, float input_x,
                           float input_y);

// The affine map from input pixel indices (u, v) of a size x size input to OpenCV source
// coordinates (pixel centres at integers), for cv::warpAffine with WARP_INVERSE_MAP. It samples
// each input pixel at its centre, consistent with input_to_image.
cv::Matx23d input_to_image_affine(const CropRegion& crop, int width, int height, int size);

}  // namespace posecast
