// MoveNet's per-frame input and output handling, kept apart from the engine so that it can be
// tested (and timed) without a model.
#pragma once

#include <filesystem>
#include <opencv2/core.hpp>

#include "posecast/keypoints.h"
#include "posecast/movenet.h"
#include "posecast/status.h"
#include "posecast/tensor.h"

namespace posecast {

// Samples `crop` of `bgr` (CV_8UC3) into `square` (size x size CV_8UC3, reused when it already
// has that shape) with bilinear interpolation; the parts of the crop outside the image are black.
void crop_and_resize(const cv::Mat& bgr, const CropRegion& crop, int size, cv::Mat& square);

// `square` (BGR, CV_8UC3) as MoveNet's input: int32 RGB 0..255, NHWC [1, size, size, 3].
// Reuses `input`'s storage.
void fill_rgb_int32(const cv::Mat& square, HostTensor& input);

// MoveNet's output [1, 1, 17, 3] of (y, x, score) normalised to the input square, as keypoints
// in pixels of a width x height image of which the input showed `crop`. `model` names the
// model file in errors.
Result<Pose> decode_keypoints(const HostTensor& output, const CropRegion& crop, int width,
                              int height, const std::filesystem::path& model);

}  // namespace posecast
