#include "posecast/movenet.h"

#include <condition_variable>
#include <mutex>
#include <opencv2/core.hpp>

#include "posecast/crop_region.h"
#include "posecast/model_store.h"
#include "posecast/movenet_io.h"

namespace posecast {

namespace {

std::string model_name(MoveNetVariant variant) {
  return "movenet-" + std::string(variant_name(variant));
}

// The model's single int32 [1, S, S, 3] image input: S, or an error naming the file.
Result<int> input_side(const GraphModel& model) {
  const auto& inputs = model.inputs();
  const std::string where = model.path().string();
  if (inputs.size() != 1) {
    return Error(where + ": expected one image input, the model has " +
                 std::to_string(inputs.size()));
  }
  const TensorSpec& in = inputs[0];
  const auto& s = in.shape;
  if (in.dtype != DType::kInt32 || s.size() != 4 || s[1] <= 0 || s[1] != s[2] || s[3] != 3) {
    return Error(where + ": input '" + in.name + "' is " + dtype_name(in.dtype) + " " +
                 shape_string(s) + ", expected int32 [1,S,S,3] as in MoveNet");
  }
  if (model.outputs().empty()) return Error(where + ": the model has no outputs");
  return static_cast<int>(s[1]);
}

float mean_score(const Pose& pose) {
  float sum = 0;
  for (const Keypoint& k : pose.keypoints) sum += k.score;
  return sum / kNumJoints;
}

}  // namespace

std::string_view variant_name(MoveNetVariant variant) {
  return variant == MoveNetVariant::kThunder ? "thunder" : "lightning";
}

std::optional<MoveNetVariant> variant_from_name(std::string_view name) {
  if (name == "lightning") return MoveNetVariant::kLightning;
  if (name == "thunder") return MoveNetVariant::kThunder;
  return std::nullopt;
}

namespace {

// One copy of the model with its input buffers, reused so that pre-processing allocates nothing
// per frame.
struct ModelInstance {
  GraphModel model;
  cv::Mat square;
  std::vector<HostTensor> inputs = std::vector<HostTensor>(1);
};

// The copies estimate() may use at once; a caller borrows a free one for one run.
class InstancePool {
 public:
  void add(GraphModel model) {
    instances_.push_back(std::make_unique<ModelInstance>(ModelInstance{std::move(model), {}}));
    free_.push_back(instances_.back().get());
  }
  const GraphModel& first() const { return instances_.front()->model; }

  ModelInstance& borrow() {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [&] { return !free_.empty(); });
    ModelInstance* instance = free_.back();
    free_.pop_back();
    return *instance;
  }
  void give_back(ModelInstance& instance) {
    {
      std::lock_guard lock(mutex_);
      free_.push_back(&instance);
    }
    returned_.notify_one();
  }

 private:
  std::vector<std::unique_ptr<ModelInstance>> instances_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<ModelInstance*> free_;
};

}  // namespace

struct MoveNet::Impl {
  MoveNetVariant variant;
  int input_size = 0;
  mutable InstancePool pool;

  // track(): the crop for the next frame and the frame size it was computed for.
  std::optional<CropRegion> next_crop;
  cv::Size tracked_size;
};

MoveNet::MoveNet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MoveNet::MoveNet(MoveNet&&) noexcept = default;
MoveNet& MoveNet::operator=(MoveNet&&) noexcept = default;
MoveNet::~MoveNet() = default;

Result<MoveNet> MoveNet::load(const MoveNetOptions& options) {
  if (options.instances < 1 || options.instances > 16)
    return Error("MoveNet: " + std::to_string(options.instances) +
                 " copies of the model asked for, use 1-16");
  Result<std::filesystem::path> path = find_model(model_name(options.variant), options.models_dir);
  if (!path) return path.error();
  auto impl = std::make_unique<Impl>();
  impl->variant = options.variant;
  for (int k = 0; k < options.instances; ++k) {
    Result<GraphModel> model = GraphModel::load(*path, EngineOptions{options.threads});
    if (!model) return model.error();
    Result<int> side = input_side(*model);
    if (!side) return side.error();
    impl->input_size = *side;
    impl->pool.add(std::move(model).value());
  }
  return MoveNet(std::move(impl));
}

Result<Pose> MoveNet::estimate(const cv::Mat& bgr) const {
  return estimate(bgr, full_frame_crop(bgr.cols, bgr.rows));
}

Result<Pose> MoveNet::estimate(const cv::Mat& bgr, const CropRegion& crop) const {
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    return Error("MoveNet: expected a non-empty 8-bit BGR image (CV_8UC3), got " +
                 std::to_string(bgr.cols) + "x" + std::to_string(bgr.rows) + " of OpenCV type " +
                 std::to_string(bgr.type()));
  }
  if (!(crop.xmax > crop.xmin) || !(crop.ymax > crop.ymin)) {
    return Error("MoveNet: empty crop region");
  }
  ModelInstance& instance = impl_->pool.borrow();
  crop_and_resize(bgr, crop, impl_->input_size, instance.square);
  fill_rgb_int32(instance.square, instance.inputs[0]);
  Result<std::vector<HostTensor>> outputs = instance.model.run(instance.inputs);
  impl_->pool.give_back(instance);
  if (!outputs) return outputs.error();
  return decode_keypoints(outputs->front(), crop, bgr.cols, bgr.rows, impl_->pool.first().path());
}

Result<Pose> MoveNet::estimate_refined(const cv::Mat& bgr) const {
  const CropRegion full = full_frame_crop(bgr.cols, bgr.rows);
  Result<Pose> first = estimate(bgr, full);
  if (!first) return first;
  const CropRegion crop = crop_around_body(*first);
  if (crop == full) return first;  // no torso found, or the body already fills the frame
  Result<Pose> second = estimate(bgr, crop);
  if (!second) return second;
  return mean_score(*second) >= mean_score(*first) ? second : first;
}

Result<Pose> MoveNet::track(const cv::Mat& bgr) {
  Result<Pose> pose = estimate(bgr, tracking_crop(bgr.size()));
  if (pose) follow(*pose, bgr.size());
  return pose;
}

CropRegion MoveNet::tracking_crop(cv::Size frame_size) const {
  if (impl_->next_crop && impl_->tracked_size == frame_size) return *impl_->next_crop;
  return full_frame_crop(frame_size.width, frame_size.height);
}

void MoveNet::follow(const Pose& pose, cv::Size frame_size) {
  impl_->next_crop = crop_around_body(pose);
  impl_->tracked_size = frame_size;
}

void MoveNet::reset() {
  impl_->next_crop.reset();
  impl_->tracked_size = {};
}

std::optional<CropRegion> MoveNet::next_crop() const { return impl_->next_crop; }

MoveNetVariant MoveNet::variant() const { return impl_->variant; }
int MoveNet::input_size() const { return impl_->input_size; }

}  // namespace posecast
