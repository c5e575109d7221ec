#include <algorithm>
#include <cmath>
#include <limits>

#include "posecast/classifier.h"

namespace posecast {

namespace {

bool is_hand_or_foot(Joint j) {
  return j == Joint::kLeftWrist || j == Joint::kRightWrist || j == Joint::kLeftAnkle ||
         j == Joint::kRightAnkle;
}

// Whether the limb of a key target was seen even though its angle could not be measured: a hidden
// hand or foot alone (a tree's foot tucked behind the standing leg) does not hide the bent knee
// that makes the pose when that knee is clearly seen; a faint knee or hidden hips (legs behind a
// barbell's plates, the far leg in profile) do.
constexpr float kClearlySeen = 0.5f;

bool key_limb_seen(const Features& features, Angle angle) {
  for (Joint j : angle_joints(angle)) {
    const int i = static_cast<int>(j);
    if (!is_hand_or_foot(j) && (!features.seen[i] || features.score[i] < kClearlySeen))
      return false;
  }
  return true;
}

}  // namespace

PoseMatch match_variant(const Features& features, const PoseEntry& pose, Side side,
                        const LibraryScoring& scoring) {
  PoseMatch m;
  m.side = side;
  double total_weight = 0, measured_weight = 0, cost = 0, key_weight = 0, key_measured = 0;
  bool within_limits = true;
  for (const AngleTarget& t : variant_targets(pose, side)) {
    total_weight += t.weight;
    auto measured = features.valid ? features.angle(t.angle) : std::nullopt;
    if (std::abs(t.target_deg - at_ease_deg(t.angle)) >= scoring.key_target_deg) {
      key_weight += t.weight;
      key_measured +=
          measured || (features.valid && key_limb_seen(features, t.angle)) ? t.weight : 0;
    }
    if (!measured) {  // not seen: skipped, never guessed, at a small fixed cost
      cost += t.weight * scoring.missing_cost;
      continue;
    }
    measured_weight += t.weight;
    const float deviation = std::abs(measured.value() - t.target_deg);
    if (t.limit_deg > 0 && deviation > t.limit_deg) within_limits = false;
    float excess = std::max(0.0f, deviation - t.tolerance_deg);
    float e = excess / scoring.error_scale_deg;
    cost += t.weight * std::min(std::pow(e, scoring.cost_exponent), scoring.max_cost);
  }
  m.coverage = total_weight > 0 ? static_cast<float>(measured_weight / total_weight) : 0.0f;
  const bool keys_seen = key_weight == 0 || key_measured >= scoring.min_key_coverage * key_weight;
  m.confirmable =
      measured_weight > 0 && m.coverage >= scoring.min_coverage && keys_seen && within_limits;
  m.distance = static_cast<float>(cost);
  return m;
}

PoseMatch match_pose(const Features& features, const PoseEntry& pose,
                     const LibraryScoring& scoring) {
  PoseMatch best;
  bool first = true;
  for (Side side : pose_variants(pose)) {
    PoseMatch m = match_variant(features, pose, side, scoring);
    bool better = first || (m.confirmable && !best.confirmable) ||
                  (m.confirmable == best.confirmable && m.distance < best.distance);
    if (better) best = m;
    first = false;
  }
  return best;
}

LibraryClassifier::LibraryClassifier(PoseLibrary library, ClassifierOptions options)
    : library_(std::move(library)), options_(options) {}

std::vector<std::string> LibraryClassifier::labels() const {
  std::vector<std::string> out;
  for (const PoseEntry& p : library_.poses) out.push_back(p.id);
  return out;
}

Classification LibraryClassifier::classify(const Pose& pose) const {
  return classify(compute_features(pose, options_.features));
}

Classification LibraryClassifier::classify(const Features& features) const {
  const LibraryScoring& s = library_.scoring;
  Classification c;
  c.decision = std::string(kTakeYourPose);
  std::vector<PoseMatch> matches;
  for (const PoseEntry& p : library_.poses) matches.push_back(match_pose(features, p, s));

  // Softmax over the confirmable poses and "none"; a pose whose joints were not seen gets no
  // probability at all rather than a guess.
  std::vector<double> logits(matches.size(), -std::numeric_limits<double>::infinity());
  double none_logit = -s.none_distance / s.temperature;
  double max_logit = none_logit;
  for (size_t i = 0; i < matches.size(); ++i) {
    if (!matches[i].confirmable) continue;
    logits[i] = -matches[i].distance / s.temperature;
    max_logit = std::max(max_logit, logits[i]);
  }
  double sum = std::exp(none_logit - max_logit);
  for (double l : logits) sum += std::exp(l - max_logit);
  c.none_prob = static_cast<float>(std::exp(none_logit - max_logit) / sum);
  std::vector<size_t> order(matches.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (logits[a] != logits[b]) return logits[a] > logits[b];
    return matches[a].distance < matches[b].distance;
  });
  for (size_t i : order)
    c.top.push_back(
        {library_.poses[i].id, static_cast<float>(std::exp(logits[i] - max_logit) / sum)});

  if (!features.valid) {
    c.reason = "no_body";
    return c;
  }
  if (order.empty()) {
    c.reason = "no_match";
    return c;
  }
  const PoseMatch& best = matches[order.front()];
  c.variant = std::string(side_name(best.side));
  c.distance = best.distance;
  if (!best.confirmable) {
    c.reason = "low_confidence";
  } else if (c.top.front().prob < options_.threshold || best.distance > s.max_distance) {
    c.reason = "no_match";
  } else {
    c.decision = c.top.front().label;
  }
  return c;
}

}  // namespace posecast
