// Smoothing over time for video: One-Euro filtering of keypoints, and smoothing of class
// probabilities with hysteresis so that the decided label does not flicker between frames.
// Times are in seconds (any origin, increasing).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "posecast/classifier.h"
#include "posecast/keypoints.h"

namespace posecast {

// Casiez et al., "1€ Filter" (CHI 2012): a low-pass filter whose cutoff rises with speed, so slow
// movement is steady and fast movement does not lag.
struct OneEuroParams {
  float min_cutoff_hz = 1.0f;  // cutoff at rest: lower = steadier, more lag
  float beta = 0.007f;         // cutoff increase per unit/s of speed: higher = less lag
  float d_cutoff_hz = 1.0f;    // cutoff for the speed estimate
};

class OneEuroFilter {
 public:
  explicit OneEuroFilter(OneEuroParams params = {}) : params_(params) {}
  // The filtered value of `x` observed at `t_seconds`. A time that does not increase restarts the
  // filter at `x`.
  float filter(float x, double t_seconds);
  void reset() { last_t_.reset(); }

 private:
  OneEuroParams params_;
  std::optional<double> last_t_;
  float x_ = 0;
  float dx_ = 0;
};

struct KeypointSmootherOptions {
  OneEuroParams params;    // beta is per pixel/s of keypoint speed
  float min_score = 0.3f;  // below: passed through unfiltered and the joint's filter restarts
  float max_gap_s = 0.5f;  // a longer gap between frames restarts every filter
};

// One-Euro filters on every keypoint's x and y.
class KeypointSmoother {
 public:
  explicit KeypointSmoother(KeypointSmootherOptions options = {});
  Pose smooth(const Pose& pose, double t_seconds);
  void reset();

 private:
  KeypointSmootherOptions options_;
  std::array<OneEuroFilter, kNumJoints> fx_;
  std::array<OneEuroFilter, kNumJoints> fy_;
  std::optional<double> last_t_;
};

struct LabelSmootherOptions {
  float time_constant_s = 0.3f;  // of the exponential average of the probabilities
  float enter_prob = 0.60f;      // smoothed probability to adopt a label
  float exit_prob = 0.45f;       // a held label is kept while its smoothed probability stays above
  float max_gap_s = 1.0f;        // a longer gap between frames restarts from the new frame
};

// Averages each label's probability over time and decides with hysteresis: a label is adopted
// when its smoothed probability reaches enter_prob and kept until it drops below exit_prob or
// another label overtakes it at enter_prob or more.
class LabelSmoother {
 public:
  explicit LabelSmoother(LabelSmootherOptions options = {}) : options_(options) {}
  // The smoothed classification: `top` holds the smoothed probabilities, `decision` the held label.
  Classification update(const Classification& frame, double t_seconds);
  void reset();
  const std::string& decision() const { return decision_; }

 private:
  LabelSmootherOptions options_;
  std::map<std::string, float> probs_;  // smoothed, by label
  float none_prob_ = 1;
  std::map<std::string, std::string> variants_;  // latest variant seen per label
  std::string decision_ = std::string(kTakeYourPose);
  std::optional<double> last_t_;
};

}  // namespace posecast
