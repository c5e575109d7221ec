#include "posecast/background.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "posecast/crop_region.h"
#include "posecast/engine.h"
#include "posecast/model_store.h"

namespace posecast {

namespace {

constexpr std::string_view kModelName = "selfie";

// One axis of TF's resizeBilinear with align_corners=false and half_pixel_centers=false, the
// defaults vladmandic/human calls it with: output i samples the input at i * in/out, between
// floor() and ceil() of that (clamped to the last pixel). Note that OpenCV's INTER_LINEAR uses
// half-pixel centres and quantised weights, so it differs from the reference by up to half a pixel.
struct Tap {
  int lo = 0, hi = 0;
  float frac = 0;
};

std::vector<Tap> legacy_bilinear_taps(int in, int out) {
  std::vector<Tap> taps(static_cast<size_t>(out));
  const double ratio = static_cast<double>(in) / out;
  for (int i = 0; i < out; ++i) {
    const double src = ratio * i;
    Tap& t = taps[static_cast<size_t>(i)];
    t.lo = std::max(0, static_cast<int>(std::floor(src)));
    t.hi = std::min(in - 1, static_cast<int>(std::ceil(src)));
    t.frac = static_cast<float>(src - t.lo);
  }
  return taps;
}

// `bgr` (CV_8UC3) resized to width x height into `input` as float32 RGB / 255, NHWC batch 1.
void fill_model_input(const cv::Mat& bgr, int width, int height, HostTensor& input) {
  const std::vector<Tap> rows = legacy_bilinear_taps(bgr.rows, height);
  const std::vector<Tap> cols = legacy_bilinear_taps(bgr.cols, width);
  input.dtype = DType::kFloat32;
  input.shape = {1, height, width, 3};
  input.i32.clear();
  input.f32.resize(static_cast<size_t>(width) * height * 3);
  float* out = input.f32.data();
  constexpr float kScale = 1.0f / 255.0f;
  for (const Tap& r : rows) {
    const uint8_t* top = bgr.ptr<uint8_t>(r.lo);
    const uint8_t* bottom = bgr.ptr<uint8_t>(r.hi);
    for (const Tap& c : cols) {
      for (int ch = 0; ch < 3; ++ch) {
        const float tl = top[3 * c.lo + ch], tr = top[3 * c.hi + ch];
        const float bl = bottom[3 * c.lo + ch], br = bottom[3 * c.hi + ch];
        const float t = tl + (tr - tl) * c.frac;
        const float b = bl + (br - bl) * c.frac;
        out[2 - ch] = (t + (b - t) * r.frac) * kScale;  // BGR -> RGB
      }
      out += 3;
    }
  }
}

// The model's [1, h, w, 1] output resized to the image (width x height), CV_32FC1.
cv::Mat resize_output(const HostTensor& output, int width, int height) {
  const int h = static_cast<int>(output.shape[1]);
  const int w = static_cast<int>(output.shape[2]);
  const std::vector<Tap> rows = legacy_bilinear_taps(h, height);
  const std::vector<Tap> cols = legacy_bilinear_taps(w, width);
  cv::Mat mask(height, width, CV_32FC1);
  const float* in = output.f32.data();
  for (int y = 0; y < height; ++y) {
    const Tap& r = rows[static_cast<size_t>(y)];
    const float* top = in + static_cast<size_t>(r.lo) * w;
    const float* bottom = in + static_cast<size_t>(r.hi) * w;
    float* out = mask.ptr<float>(y);
    for (int x = 0; x < width; ++x) {
      const Tap& c = cols[static_cast<size_t>(x)];
      const float t = top[c.lo] + (top[c.hi] - top[c.lo]) * c.frac;
      const float b = bottom[c.lo] + (bottom[c.hi] - bottom[c.lo]) * c.frac;
      out[x] = t + (b - t) * r.frac;
    }
  }
  return mask;
}

// Probability -> opacity of the person: 0 below 0.25, 1 above 0.75, smooth in between.
float person_alpha(float p) {
  const float t = std::clamp((p - 0.25f) * 2.0f, 0.0f, 1.0f);
  return t * t * (3.0f - 2.0f * t);
}

// Keypoints below this score do not place the box around the body (MoveNet's cropping value).
constexpr float kMinBoxScore = kMinCropKeypointScore;
// Bones are kept only between keypoints seen at least this well.
constexpr float kMinBoneScore = 0.4f;

const std::pair<Joint, Joint> kBones[] = {
    {Joint::kLeftShoulder, Joint::kRightShoulder}, {Joint::kLeftShoulder, Joint::kLeftElbow},
    {Joint::kLeftElbow, Joint::kLeftWrist},        {Joint::kRightShoulder, Joint::kRightElbow},
    {Joint::kRightElbow, Joint::kRightWrist},      {Joint::kLeftShoulder, Joint::kLeftHip},
    {Joint::kRightShoulder, Joint::kRightHip},     {Joint::kLeftHip, Joint::kRightHip},
    {Joint::kLeftHip, Joint::kLeftKnee},           {Joint::kLeftKnee, Joint::kLeftAnkle},
    {Joint::kRightHip, Joint::kRightKnee},         {Joint::kRightKnee, Joint::kRightAnkle},
    {Joint::kNose, Joint::kLeftShoulder},          {Joint::kNose, Joint::kRightShoulder}};

// The box of the keypoints seen, in pixels, before any margin; empty without a visible torso.
cv::Rect2f keypoint_box(const Pose& body) {
  if (!torso_visible(body, kMinBoxScore)) return {};
  std::vector<cv::Point2f> seen;
  for (const Keypoint& k : body.keypoints)
    if (k.score >= kMinBoxScore && std::isfinite(k.x) && std::isfinite(k.y))
      seen.emplace_back(k.x, k.y);
  if (seen.size() < 4) return {};
  return cv::boundingRect(seen);
}

}  // namespace

std::string_view background_mode_name(BackgroundMode mode) {
  return mode == BackgroundMode::kRemove ? "remove" : "keep";
}

std::optional<BackgroundMode> background_mode_from_name(std::string_view name) {
  if (name == "keep") return BackgroundMode::kKeep;
  if (name == "remove") return BackgroundMode::kRemove;
  return std::nullopt;
}

struct BackgroundRemover::Impl {
  GraphModel model;
  int width = 0, height = 0;
  size_t output_index = 0;

  // The input buffer, reused so that pre-processing allocates nothing per frame; the mutex keeps
  // mask() const and safe to call from several threads.
  mutable std::mutex buffer_mutex;
  mutable std::vector<HostTensor> inputs = std::vector<HostTensor>(1);
};

BackgroundRemover::BackgroundRemover(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BackgroundRemover::BackgroundRemover(BackgroundRemover&&) noexcept = default;
BackgroundRemover& BackgroundRemover::operator=(BackgroundRemover&&) noexcept = default;
BackgroundRemover::~BackgroundRemover() = default;

Result<BackgroundRemover> BackgroundRemover::load(const std::string& models_dir, int threads) {
  Result<std::filesystem::path> path = find_model(kModelName, models_dir);
  if (!path) return path.error();
  Result<GraphModel> model = GraphModel::load(*path, EngineOptions{std::max(1, threads)});
  if (!model) return model.error();
  const std::string where = path->string();
  if (model->inputs().size() != 1)
    return Error(where + ": expected one image input, the model has " +
                 std::to_string(model->inputs().size()));
  const TensorSpec& in = model->inputs()[0];
  const auto& s = in.shape;
  if (in.dtype != DType::kFloat32 || s.size() != 4 || s[1] <= 0 || s[2] <= 0 || s[3] != 3)
    return Error(where + ": input '" + in.name + "' is " + dtype_name(in.dtype) + " " +
                 shape_string(s) + ", expected float32 [1,H,W,3] as in Selfie Segmentation");
  // The person mask: the one output of the input's height and width with a single channel.
  const auto& outputs = model->outputs();
  size_t found = outputs.size();
  for (size_t k = 0; k < outputs.size(); ++k) {
    const auto& o = outputs[k].shape;
    if (outputs[k].dtype == DType::kFloat32 && o.size() == 4 && o[1] == s[1] && o[2] == s[2] &&
        o[3] == 1)
      found = k;
  }
  if (found == outputs.size())
    return Error(where + ": no float32 [1," + std::to_string(s[1]) + "," + std::to_string(s[2]) +
                 ",1] mask output, as Selfie Segmentation has");
  auto impl = std::make_unique<Impl>(std::move(model).value());
  impl->height = static_cast<int>(s[1]);
  impl->width = static_cast<int>(s[2]);
  impl->output_index = found;
  return BackgroundRemover(std::move(impl));
}

Result<cv::Mat> BackgroundRemover::mask(const cv::Mat& bgr) const {
  if (bgr.empty() || bgr.type() != CV_8UC3)
    return Error("background removal: expected a non-empty 8-bit BGR image (CV_8UC3), got " +
                 std::to_string(bgr.cols) + "x" + std::to_string(bgr.rows) + " of OpenCV type " +
                 std::to_string(bgr.type()));
  std::lock_guard lock(impl_->buffer_mutex);
  fill_model_input(bgr, impl_->width, impl_->height, impl_->inputs[0]);
  Result<std::vector<HostTensor>> outputs = impl_->model.run(impl_->inputs);
  if (!outputs) return outputs.error();
  const HostTensor& out = outputs.value()[impl_->output_index];
  if (out.dtype != DType::kFloat32 ||
      out.f32.size() != static_cast<size_t>(impl_->width) * impl_->height)
    return Error(impl_->model.path().string() + ": the mask output is " + dtype_name(out.dtype) +
                 " " + shape_string(out.shape) + ", expected float32 [1," +
                 std::to_string(impl_->height) + "," + std::to_string(impl_->width) + ",1]");
  return resize_output(out, bgr.cols, bgr.rows);
}

Result<cv::Mat> BackgroundRemover::flatten(const cv::Mat& bgr) const {
  Result<cv::Mat> m = mask(bgr);
  if (!m) return m.error();
  return flatten_with_mask(bgr, m.value());
}

Result<cv::Mat> BackgroundRemover::mask(const cv::Mat& bgr, const Pose& body) const {
  const cv::Rect2f keypoints = keypoint_box(body);
  const float size = std::max(keypoints.width, keypoints.height);
  const float margin = 0.2f * size;
  const cv::Rect box =
      cv::Rect(cv::Point(cvFloor(keypoints.x - margin), cvFloor(keypoints.y - margin)),
               cv::Point(cvCeil(keypoints.br().x + margin), cvCeil(keypoints.br().y + margin))) &
      cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (box.width < 16 || box.height < 16) return mask(bgr);  // no torso, or a speck
  Result<cv::Mat> inside = mask(bgr(box));
  if (!inside) return inside.error();

  // The bones, drawn and softened at most 256 pixels across the box (the model's own resolution:
  // blurring a 720p mask with a kernel this wide would cost more than the model), then scaled up.
  const double scale = std::min(1.0, 256.0 / std::max(box.width, box.height));
  cv::Mat bones(std::max(1, cvRound(box.height * scale)), std::max(1, cvRound(box.width * scale)),
                CV_32FC1, cv::Scalar(0));
  const double thickness = std::max(3.0, 0.04 * size) * scale;
  auto at = [&](const Keypoint& k) {
    return cv::Point(cvRound((k.x - box.x) * scale), cvRound((k.y - box.y) * scale));
  };
  bool any = false;
  for (auto [a, b] : kBones) {
    const Keypoint &p = body[a], &q = body[b];
    if (!(p.score >= kMinBoneScore && q.score >= kMinBoneScore)) continue;
    if (!std::isfinite(p.x + p.y + q.x + q.y)) continue;
    cv::line(bones, at(p), at(q), cv::Scalar(1), std::max(1, cvRound(thickness)), cv::LINE_AA);
    any = true;
  }
  if (any) {
    // Soft sides, as the model's own edges are.
    cv::GaussianBlur(bones, bones, cv::Size(), std::max(0.5, thickness / 2));
    cv::resize(bones, bones, box.size(), 0, 0, cv::INTER_LINEAR);
    cv::max(inside.value(), bones, inside.value());
  }
  cv::Mat full(bgr.size(), CV_32FC1, cv::Scalar(0));
  inside->copyTo(full(box));
  return full;
}

Result<cv::Mat> BackgroundRemover::flatten(const cv::Mat& bgr, const Pose& body) const {
  Result<cv::Mat> m = mask(bgr, body);
  if (!m) return m.error();
  return flatten_with_mask(bgr, m.value());
}

int BackgroundRemover::input_width() const { return impl_->width; }
int BackgroundRemover::input_height() const { return impl_->height; }

Result<cv::Mat> flatten_with_mask(const cv::Mat& bgr, const cv::Mat& mask) {
  if (bgr.empty() || bgr.type() != CV_8UC3 || mask.type() != CV_32FC1 || mask.size() != bgr.size())
    return Error("background removal: expected an 8-bit BGR image and a float mask of its size");
  // The opacity as a weight of 0..256 per 1/1024 of probability: integer blending with a lookup
  // costs a third of evaluating the smoothstep in floats for every pixel.
  static const std::vector<uint16_t> weight_of = [] {
    std::vector<uint16_t> table(1025);
    for (size_t i = 0; i < table.size(); ++i)
      table[i] =
          static_cast<uint16_t>(std::lround(256 * person_alpha(static_cast<float>(i) / 1024)));
    return table;
  }();
  const int flat[3] = {static_cast<int>(kFlatBackgroundBgr[0]),
                       static_cast<int>(kFlatBackgroundBgr[1]),
                       static_cast<int>(kFlatBackgroundBgr[2])};
  cv::Mat out(bgr.size(), CV_8UC3);
  for (int y = 0; y < bgr.rows; ++y) {
    const uint8_t* in = bgr.ptr<uint8_t>(y);
    const float* p = mask.ptr<float>(y);
    uint8_t* o = out.ptr<uint8_t>(y);
    for (int x = 0; x < bgr.cols; ++x, in += 3, o += 3) {
      const float prob = p[x] > 0.0f ? std::min(p[x], 1.0f) : 0.0f;  // NaN -> 0
      const int w = weight_of[static_cast<size_t>(prob * 1024.0f + 0.5f)];
      for (int ch = 0; ch < 3; ++ch)
        o[ch] = static_cast<uint8_t>((in[ch] * w + flat[ch] * (256 - w) + 128) >> 8);
    }
  }
  return out;
}

}  // namespace posecast
