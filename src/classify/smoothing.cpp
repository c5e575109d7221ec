#include "posecast/smoothing.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace posecast {

namespace {

// Smoothing factor of an exponential filter with cutoff `hz` sampled every `dt` seconds.
float alpha(float hz, double dt) {
  double tau = 1.0 / (2.0 * std::numbers::pi * hz);
  return static_cast<float>(1.0 / (1.0 + tau / dt));
}

}  // namespace

float OneEuroFilter::filter(float x, double t_seconds) {
  if (!last_t_ || t_seconds <= *last_t_) {
    last_t_ = t_seconds;
    x_ = x;
    dx_ = 0;
    return x;
  }
  double dt = t_seconds - *last_t_;
  last_t_ = t_seconds;
  float dx = static_cast<float>((x - x_) / dt);
  float a_d = alpha(params_.d_cutoff_hz, dt);
  dx_ += a_d * (dx - dx_);
  float cutoff = params_.min_cutoff_hz + params_.beta * std::abs(dx_);
  float a = alpha(cutoff, dt);
  x_ += a * (x - x_);
  return x_;
}

KeypointSmoother::KeypointSmoother(KeypointSmootherOptions options) : options_(options) {
  fx_.fill(OneEuroFilter(options.params));
  fy_.fill(OneEuroFilter(options.params));
}

void KeypointSmoother::reset() {
  for (auto& f : fx_) f.reset();
  for (auto& f : fy_) f.reset();
  last_t_.reset();
}

Pose KeypointSmoother::smooth(const Pose& pose, double t_seconds) {
  if (last_t_ && (t_seconds <= *last_t_ || t_seconds - *last_t_ > options_.max_gap_s)) reset();
  last_t_ = t_seconds;
  Pose out = pose;
  for (int j = 0; j < kNumJoints; ++j) {
    const Keypoint& k = pose.keypoints[j];
    if (k.score < options_.min_score || !std::isfinite(k.x) || !std::isfinite(k.y)) {
      // An unsure keypoint jumps around; filtering it would drag the joint's state with it.
      fx_[j].reset();
      fy_[j].reset();
      continue;
    }
    out.keypoints[j].x = fx_[j].filter(k.x, t_seconds);
    out.keypoints[j].y = fy_[j].filter(k.y, t_seconds);
  }
  return out;
}

void LabelSmoother::reset() {
  probs_.clear();
  variants_.clear();
  none_prob_ = 1;
  decision_ = std::string(kTakeYourPose);
  last_t_.reset();
}

Classification LabelSmoother::update(const Classification& frame, double t_seconds) {
  float a = 1.0f;  // the first frame (or one after a gap) is taken as it is
  if (last_t_ && t_seconds > *last_t_ && t_seconds - *last_t_ <= options_.max_gap_s) {
    double dt = t_seconds - *last_t_;
    a = static_cast<float>(1.0 - std::exp(-dt / std::max(1e-6f, options_.time_constant_s)));
  } else if (last_t_ && t_seconds <= *last_t_) {
    a = 0.0f;  // a repeated timestamp adds nothing new
  }
  if (a >= 1.0f) {
    probs_.clear();
    decision_ = std::string(kTakeYourPose);
  }
  last_t_ = std::max(t_seconds, last_t_.value_or(t_seconds));

  for (auto& [label, p] : probs_) p *= 1.0f - a;  // labels absent from this frame decay
  for (const Prediction& pred : frame.top) probs_[pred.label] += a * pred.prob;
  none_prob_ += a * (frame.none_prob - none_prob_);
  // frame.variant belongs to the frame's top label.
  if (!frame.top.empty() && !frame.variant.empty())
    variants_[frame.top.front().label] = frame.variant;

  std::string best;
  float best_p = -1;
  for (const auto& [label, p] : probs_)
    if (p > best_p) best = label, best_p = p;

  if (decision_ != kTakeYourPose) {
    float held = probs_.count(decision_) ? probs_[decision_] : 0.0f;
    if (best != decision_ && best_p >= options_.enter_prob && best_p > held)
      decision_ = best;
    else if (held < options_.exit_prob)
      decision_ = best_p >= options_.enter_prob ? best : std::string(kTakeYourPose);
  } else if (best_p >= options_.enter_prob) {
    decision_ = best;
  }

  Classification out;
  out.decision = decision_;
  for (const auto& [label, p] : probs_) out.top.push_back({label, p});
  std::stable_sort(out.top.begin(), out.top.end(),
                   [](const Prediction& x, const Prediction& y) { return x.prob > y.prob; });
  out.none_prob = none_prob_;
  out.distance = frame.distance;
  if (decision_ != kTakeYourPose) {
    out.variant = variants_[decision_];
  } else {
    out.reason =
        frame.decision == kTakeYourPose && !frame.reason.empty() ? frame.reason : "no_match";
  }
  return out;
}

}  // namespace posecast
