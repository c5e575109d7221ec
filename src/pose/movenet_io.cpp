#include "posecast/movenet_io.h"

#include <opencv2/imgproc.hpp>

#include "posecast/crop_region.h"

namespace posecast {

void crop_and_resize(const cv::Mat& bgr, const CropRegion& crop, int size, cv::Mat& square) {
  square.create(size, size, CV_8UC3);  // no-op when already that shape
  const cv::Matx23d map = input_to_image_affine(crop, bgr.cols, bgr.rows, size);
  cv::warpAffine(bgr, square, map, square.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 cv::BORDER_CONSTANT, cv::Scalar::all(0));
}

void fill_rgb_int32(const cv::Mat& square, HostTensor& input) {
  const int rows = square.rows;
  const int cols = square.cols;
  input.dtype = DType::kInt32;
  input.shape = {1, rows, cols, 3};
  input.f32.clear();
  input.i32.resize(static_cast<size_t>(rows) * cols * 3);
  int32_t* out = input.i32.data();
  for (int r = 0; r < rows; ++r) {
    const uint8_t* in = square.ptr<uint8_t>(r);
    for (int c = 0; c < cols; ++c, in += 3, out += 3) {
      out[0] = in[2];
      out[1] = in[1];
      out[2] = in[0];
    }
  }
}

Result<Pose> decode_keypoints(const HostTensor& output, const CropRegion& crop, int width,
                              int height, const std::filesystem::path& model) {
  const size_t values = static_cast<size_t>(kNumJoints) * 3;
  if (output.dtype != DType::kFloat32 || output.numel() != static_cast<int64_t>(values) ||
      output.f32.size() != values) {
    return Error(model.string() + ": expected a float32 [1,1,17,3] keypoint output, got " +
                 dtype_name(output.dtype) + " " + shape_string(output.shape));
  }
  Pose pose;
  pose.image_width = width;
  pose.image_height = height;
  for (int j = 0; j < kNumJoints; ++j) {
    const float* yxs = output.f32.data() + j * 3;
    const cv::Point2f p = input_to_image(crop, width, height, yxs[1], yxs[0]);
    pose.keypoints[j] = Keypoint{p.x, p.y, yxs[2]};
  }
  return pose;
}

}  // namespace posecast
