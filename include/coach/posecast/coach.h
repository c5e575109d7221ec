// Coaching: how well a body matches a target pose (a form score 0-100) and the few corrections
// that would help most, in plain words with the measured and the target angle.
//
// Left and right are the student's own left and right (the COCO left_* keypoints), not the
// sides of the image.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "posecast/features.h"
#include "posecast/pose_library.h"

namespace posecast {

struct Correction {
  std::string text;   // "Straighten your left knee: 148° → 175°"
  std::string cue;    // the words alone: "Straighten your left knee"
  std::string joint;  // the library angle, e.g. "left_knee"; "knees" etc. when both sides merge
  float measured_deg = 0;
  float target_deg = 0;
};

struct CoachReport {
  std::string pose;                     // the library id coached against
  std::string variant;                  // "left"/"right" for a sided pose
  int score = 0;                        // 0-100: 100 = every measured angle within tolerance
  std::vector<Correction> corrections;  // most useful first, at most CoachOptions::max_corrections
  int angles_checked = 0;               // targets that could be measured
  int angles_missing = 0;               // targets whose keypoints were not seen
};

struct CoachOptions {
  int max_corrections = 3;
  float zero_score_error_deg = 45;  // an angle this far beyond tolerance scores 0
  float min_error_deg = 3;          // smaller errors beyond tolerance are not worth a correction
  float min_coverage = 0.5f;        // below: no score, ask the student to get into view
};

// Coaches `features` against `pose`; `side` picks the variant of a sided pose (nullopt: the
// variant the body matches best, e.g. the one the classifier reported).
CoachReport coach(const Features& features, const PoseEntry& pose,
                  std::optional<Side> side = std::nullopt, const CoachOptions& options = {});

}  // namespace posecast
