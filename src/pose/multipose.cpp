#include "posecast/multipose.h"

#include <algorithm>
#include <mutex>
#include <opencv2/core.hpp>

#include "posecast/crop_region.h"
#include "posecast/engine.h"
#include "posecast/model_store.h"
#include "posecast/movenet_io.h"

namespace posecast {

namespace {
constexpr int kRowValues = kNumJoints * 3 + 5;  // keypoints, then the box and its score
}  // namespace

PersonDetection decode_person_row(const float* row, const CropRegion& crop, int width, int height) {
  PersonDetection d;
  d.pose.image_width = width;
  d.pose.image_height = height;
  for (int j = 0; j < kNumJoints; ++j) {
    const float* yxs = row + j * 3;
    const cv::Point2f p = input_to_image(crop, width, height, yxs[1], yxs[0]);
    d.pose.keypoints[j] = Keypoint{p.x, p.y, yxs[2]};
  }
  const float* box = row + kNumJoints * 3;
  const cv::Point2f top_left = input_to_image(crop, width, height, box[1], box[0]);
  const cv::Point2f bottom_right = input_to_image(crop, width, height, box[3], box[2]);
  d.box = {top_left.y / static_cast<float>(height), top_left.x / static_cast<float>(width),
           bottom_right.y / static_cast<float>(height), bottom_right.x / static_cast<float>(width)};
  d.score = box[4];
  return d;
}

struct MultiPoseNet::Impl {
  GraphModel model;
  int input_size;
  mutable std::mutex buffers_mutex;
  mutable cv::Mat square;
  mutable std::vector<HostTensor> inputs = std::vector<HostTensor>(1);
};

MultiPoseNet::MultiPoseNet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MultiPoseNet::MultiPoseNet(MultiPoseNet&&) noexcept = default;
MultiPoseNet& MultiPoseNet::operator=(MultiPoseNet&&) noexcept = default;
MultiPoseNet::~MultiPoseNet() = default;

Result<MultiPoseNet> MultiPoseNet::load(const MoveNetOptions& options) {
  Result<std::filesystem::path> path = find_model("movenet-multipose", options.models_dir);
  if (!path) return path.error();
  Result<GraphModel> model = GraphModel::load(*path, EngineOptions{options.threads});
  if (!model) return model.error();
  const auto& in = model->inputs();
  if (in.size() != 1 || in[0].dtype != DType::kInt32 || in[0].shape.size() != 4 ||
      in[0].shape[1] <= 0 || in[0].shape[1] != in[0].shape[2])
    return Error(path->string() + ": expected one int32 [1,S,S,3] image input as in MultiPose");
  const int side = static_cast<int>(in[0].shape[1]);
  return MultiPoseNet(std::make_unique<Impl>(std::move(model).value(), side));
}

Result<std::vector<PersonDetection>> MultiPoseNet::detect(const cv::Mat& bgr,
                                                          float min_score) const {
  if (bgr.empty() || bgr.type() != CV_8UC3)
    return Error("MultiPose: expected a non-empty 8-bit BGR image (CV_8UC3)");
  const CropRegion crop = full_frame_crop(bgr.cols, bgr.rows);
  std::lock_guard lock(impl_->buffers_mutex);
  crop_and_resize(bgr, crop, impl_->input_size, impl_->square);
  fill_rgb_int32(impl_->square, impl_->inputs[0]);
  Result<std::vector<HostTensor>> outputs = impl_->model.run(impl_->inputs);
  if (!outputs) return outputs.error();
  const HostTensor& out = outputs->front();
  if (out.dtype != DType::kFloat32 || out.numel() % kRowValues != 0 || out.f32.empty())
    return Error(impl_->model.path().string() + ": expected a float32 [1,N,56] output, got " +
                 shape_string(out.shape));
  std::vector<PersonDetection> people;
  for (size_t row = 0; row < out.f32.size() / kRowValues; ++row) {
    PersonDetection d =
        decode_person_row(out.f32.data() + row * kRowValues, crop, bgr.cols, bgr.rows);
    if (d.score >= min_score) people.push_back(std::move(d));
  }
  std::sort(people.begin(), people.end(),
            [](const auto& a, const auto& b) { return a.score > b.score; });
  return people;
}

int MultiPoseNet::input_size() const { return impl_->input_size; }

}  // namespace posecast
