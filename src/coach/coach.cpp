#include "posecast/coach.h"

#include <algorithm>
#include <cmath>

#include "posecast/classifier.h"

namespace posecast {

namespace {

// Words for one correction: "<verb> your <side> <noun><tail>", or for both sides at once
// "<verb> your <nouns><tail_plural>".
struct Cue {
  std::string verb;
  std::string noun;
  std::string nouns;
  std::string tail;
  std::string tail_plural;
  bool operator==(const Cue&) const = default;
};

enum class Direction { kBelow, kAbove };

std::string side_of(Angle a) {
  std::string_view name = angle_name(a);
  if (name.starts_with("left_")) return "left";
  if (name.starts_with("right_")) return "right";
  return "";
}

// The generic words for an angle that is below / above its target.
Cue generic_cue(Angle a, Direction dir, float target) {
  bool below = dir == Direction::kBelow;
  switch (a) {
    case Angle::kLeftElbow:
    case Angle::kRightElbow:
      if (!below) return {"Bend", "elbow", "elbows", " more", " more"};
      if (target >= 150) return {"Straighten", "arm", "arms", "", ""};
      return {"Open", "elbow", "elbows", " a little", " a little"};
    case Angle::kLeftKnee:
    case Angle::kRightKnee:
      if (!below) return {"Bend", "knee", "knees", " more", " more"};
      if (target >= 150) return {"Straighten", "knee", "knees", "", ""};
      return {"Bend", "knee", "knees", " less", " less"};
    case Angle::kLeftShoulder:
    case Angle::kRightShoulder:
      if (!below) return {"Lower", "arm", "arms", "", ""};
      if (target >= 135) return {"Reach", "arm", "arms", " further overhead", " further overhead"};
      return {"Raise", "arm", "arms", "", ""};
    case Angle::kLeftArm:
    case Angle::kRightArm:
      if (below) return {"Raise", "arm", "arms", "", ""};
      return {"Lower", "arm", "arms", "", ""};
    case Angle::kLeftHip:
    case Angle::kRightHip:
      if (!below) return {"Fold more at", "hip", "hips", "", ""};
      if (target >= 150) return {"Extend", "hip", "hips", " fully", " fully"};
      return {"Open", "hip", "hips", " more", " more"};
    case Angle::kLeftShin:
    case Angle::kRightShin:
      if (!below && target <= 20)
        return {"Stack", "knee", "knees", " over your ankle", " over your ankles"};
      if (!below) return {"Bring", "shin", "shins", " more upright", " more upright"};
      return {"Angle", "shin", "shins", " more", " more"};
    case Angle::kLeftThigh:
    case Angle::kRightThigh:
      if (!below && target <= 20)
        return {"Bring", "knee", "knees", " under your hip", " under your hips"};
      if (!below) return {"Lower", "thigh", "thighs", "", ""};
      if (target >= 60)
        return {"Sink lower: bring", "thigh", "thighs", " toward level", " toward level"};
      return {"Raise", "thigh", "thighs", "", ""};
    case Angle::kTorso:
      // A larger inclination always means the shoulders sit lower relative to the hips.
      if (!below && target <= 30) return {"Keep your torso upright", "", "", "", ""};
      if (!below) return {"Lift your chest", "", "", "", ""};
      return {"Lean your torso further", "", "", "", ""};
    case Angle::kThighSpread:
      if (below) return {"Step your feet wider apart", "", "", "", ""};
      return {"Bring your feet closer together", "", "", "", ""};
  }
  return {};
}

std::string render(const Cue& cue, const std::string& side) {
  if (cue.noun.empty()) return cue.verb;
  if (side.empty()) return cue.verb + " your " + cue.nouns + cue.tail_plural;
  return cue.verb + " your " + side + " " + cue.noun + cue.tail;
}

std::string with_angles(const std::string& words, float measured, float target) {
  return words + ": " + std::to_string(static_cast<int>(std::lround(measured))) + "° → " +
         std::to_string(static_cast<int>(std::lround(target))) + "°";
}

struct Candidate {
  Cue cue;            // generic words (mergeable with the other side)
  std::string words;  // what to say for this one angle
  bool custom = false;
  Angle angle = Angle::kTorso;
  float measured = 0;
  float target = 0;
  float priority = 0;  // weight * degrees beyond tolerance
  bool used = false;
};

}  // namespace

CoachReport coach(const Features& features, const PoseEntry& pose, std::optional<Side> side,
                  const CoachOptions& options) {
  CoachReport report;
  report.pose = pose.id;
  Side chosen = side.value_or(Side::kNone);
  if (!side) chosen = match_pose(features, pose, LibraryScoring{}).side;
  if (!pose.sided) chosen = Side::kNone;
  report.variant = std::string(side_name(chosen));

  std::vector<Candidate> candidates;
  double total_weight = 0, measured_weight = 0, score_sum = 0;
  for (const AngleTarget& t : variant_targets(pose, chosen)) {
    total_weight += t.weight;
    auto measured = features.valid ? features.angle(t.angle) : std::nullopt;
    if (!measured) {
      ++report.angles_missing;
      continue;
    }
    ++report.angles_checked;
    measured_weight += t.weight;
    float error = std::abs(*measured - t.target_deg) - t.tolerance_deg;
    score_sum += t.weight * std::clamp(1.0f - error / options.zero_score_error_deg, 0.0f, 1.0f);
    if (error < options.min_error_deg) continue;
    Direction dir = *measured < t.target_deg ? Direction::kBelow : Direction::kAbove;
    Candidate c;
    c.cue = generic_cue(t.angle, dir, t.target_deg);
    c.angle = t.angle;
    c.measured = *measured;
    c.target = t.target_deg;
    c.priority = t.weight * error;
    const std::string& custom = dir == Direction::kBelow ? t.cue_below : t.cue_above;
    c.custom = !custom.empty();
    c.words = c.custom ? custom : render(c.cue, side_of(t.angle));
    candidates.push_back(std::move(c));
  }

  if (total_weight <= 0 || measured_weight / total_weight < options.min_coverage) {
    report.score = 0;
    Correction in_view;
    in_view.cue = in_view.text = "Move so that your whole body is in view";
    report.corrections.push_back(in_view);
    return report;
  }
  report.score = static_cast<int>(std::lround(100.0 * score_sum / measured_weight));

  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.priority > b.priority; });
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (static_cast<int>(report.corrections.size()) >= options.max_corrections) break;
    Candidate& c = candidates[i];
    if (c.used) continue;
    c.used = true;
    // The same advice for both sides ("Straighten your knees") is one correction.
    Candidate* pair = nullptr;
    if (!side_of(c.angle).empty()) {
      for (size_t k = i + 1; k < candidates.size() && !pair; ++k) {
        const Candidate& o = candidates[k];
        bool same = c.custom ? o.custom && o.words == c.words : !o.custom && o.cue == c.cue;
        if (!o.used && o.angle == mirror_angle(c.angle) && same) pair = &candidates[k];
      }
    }
    Correction out;
    if (pair) {
      pair->used = true;
      std::string joint(angle_name(c.angle));
      out.cue = c.custom ? c.words : render(c.cue, "");
      out.joint = joint.substr(joint.find('_') + 1) + "s";
      out.measured_deg = (c.measured + pair->measured) / 2;
      out.target_deg = (c.target + pair->target) / 2;
    } else {
      out.cue = c.words;
      out.joint = std::string(angle_name(c.angle));
      out.measured_deg = c.measured;
      out.target_deg = c.target;
    }
    out.text = with_angles(out.cue, out.measured_deg, out.target_deg);
    report.corrections.push_back(std::move(out));
  }
  return report;
}

}  // namespace posecast
