#include "posecast/crop_region.h"

#include <algorithm>
#include <cmath>

namespace posecast {

namespace {

constexpr Joint kTorsoJoints[] = {Joint::kLeftShoulder, Joint::kRightShoulder, Joint::kLeftHip,
                                  Joint::kRightHip};
// How far past the torso / the confident joints the crop reaches (from the tutorial).
constexpr float kTorsoMargin = 1.9f;
constexpr float kBodyMargin = 1.2f;

}  // namespace

CropRegion full_frame_crop(int width, int height) {
  const float w = static_cast<float>(width);
  const float h = static_cast<float>(height);
  CropRegion crop;
  if (width > height) {
    crop.xmin = 0;
    crop.xmax = 1;
    crop.ymin = (h / 2 - w / 2) / h;
    crop.ymax = crop.ymin + w / h;
  } else {
    crop.ymin = 0;
    crop.ymax = 1;
    crop.xmin = (w / 2 - h / 2) / w;
    crop.xmax = crop.xmin + h / w;
  }
  return crop;
}

bool torso_visible(const Pose& pose, float min_score) {
  const bool hip =
      pose[Joint::kLeftHip].score > min_score || pose[Joint::kRightHip].score > min_score;
  const bool shoulder =
      pose[Joint::kLeftShoulder].score > min_score || pose[Joint::kRightShoulder].score > min_score;
  return hip && shoulder;
}

CropRegion crop_around_body(const Pose& pose) {
  const int width = pose.image_width;
  const int height = pose.image_height;
  if (width <= 0 || height <= 0) return {};
  if (!torso_visible(pose)) return full_frame_crop(width, height);

  const float center_x = (pose[Joint::kLeftHip].x + pose[Joint::kRightHip].x) / 2;
  const float center_y = (pose[Joint::kLeftHip].y + pose[Joint::kRightHip].y) / 2;

  // As published: the torso range uses the four torso joints whatever their score; the body
  // range only the confident joints.
  float torso_x = 0, torso_y = 0;
  for (Joint j : kTorsoJoints) {
    torso_x = std::max(torso_x, std::abs(center_x - pose[j].x));
    torso_y = std::max(torso_y, std::abs(center_y - pose[j].y));
  }
  float body_x = 0, body_y = 0;
  for (const Keypoint& k : pose.keypoints) {
    if (k.score < kMinCropKeypointScore) continue;
    body_x = std::max(body_x, std::abs(center_x - k.x));
    body_y = std::max(body_y, std::abs(center_y - k.y));
  }

  float half = std::max(
      {torso_x * kTorsoMargin, torso_y * kTorsoMargin, body_x * kBodyMargin, body_y * kBodyMargin});
  // No further than the farthest image edge from the centre: beyond it there is only padding.
  half = std::min(half, std::max({center_x, width - center_x, center_y, height - center_y}));

  // A square larger than the image is no better than the padded full frame; a degenerate one
  // (all joints on one point, or NaN) would blow a single pixel up to the whole input.
  if (!(half > 0.5f) || half > std::max(width, height) / 2.0f) {
    return full_frame_crop(width, height);
  }
  const float w = static_cast<float>(width);
  const float h = static_cast<float>(height);
  CropRegion crop;
  crop.xmin = (center_x - half) / w;
  crop.xmax = (center_x + half) / w;
  crop.ymin = (center_y - half) / h;
  crop.ymax = (center_y + half) / h;
  return crop;
}

cv::Point2f input_to_image(const CropRegion& crop, int width, int height, float input_x,
                           float input_y) {
  return {(crop.xmin + input_x * (crop.xmax - crop.xmin)) * width,
          (crop.ymin + input_y * (crop.ymax - crop.ymin)) * height};
}

cv::Matx23d input_to_image_affine(const CropRegion& crop, int width, int height, int size) {
  // Input pixel u covers [u, u+1) of `size`; its centre u+0.5 maps to the continuous image
  // coordinate x0 + (u+0.5)*scale, which OpenCV (pixel centres at integers) calls that minus 0.5.
  const double x0 = static_cast<double>(crop.xmin) * width;
  const double y0 = static_cast<double>(crop.ymin) * height;
  const double scale_x = (static_cast<double>(crop.xmax) - crop.xmin) * width / size;
  const double scale_y = (static_cast<double>(crop.ymax) - crop.ymin) * height / size;
  return {scale_x, 0,       x0 + 0.5 * scale_x - 0.5,  //
          0,       scale_y, y0 + 0.5 * scale_y - 0.5};
}

}  // namespace posecast
