// How well the live analysis recognises poses on real labelled video, as `posecast eval-video`
// reports it: pose recall, false poses, how often the decision changes, and reps counted.
#pragma once

#include <cstdlib>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "posecast/status.h"

namespace posecast {

// One labelled stretch of a clip: `DIR/<clip>.tsv`, one per line,
// `start_s<TAB>end_s<TAB>label<TAB>notes` (notes optional), times in seconds from the first frame.
struct LabelSegment {
  double start_s = 0, end_s = 0;
  std::string label;  // a pose ("tree"), "none" (not a pose), "transition", an exercise, ...
  std::string notes;
  // A rep exercise's segment: its notes start `reps=N; bottoms=t1,...` (or `peaks=`).
  std::optional<int> reps;
};

// Errors name the file and line.
Result<std::vector<LabelSegment>> parse_clip_labels(const std::string& text,
                                                    const std::string& name);
Result<std::vector<LabelSegment>> read_clip_labels(const std::string& path);

struct FrameDecision {
  double t_s = 0;
  std::string decision;  // a model label, or take_your_pose
};

// The model's label for a segment label, or nullopt when the model does not know that pose.
using PoseResolver = std::function<std::optional<std::string>(const std::string& label)>;

struct ClipEvaluationOptions {
  // Pose frames count from this long after their segment starts: the student takes the pose.
  double settle_s = 1.0;
  bool is_pose_decision(const std::string& decision) const;
};

struct PoseRecall {
  int64_t frames = 0, hits = 0;
  double recall() const { return frames ? double(hits) / double(frames) : 0; }
};

struct ClipMetrics {
  int64_t frames = 0;
  PoseRecall poses;                            // settled frames of known-pose segments
  std::map<std::string, PoseRecall> per_pose;  // by segment label
  int64_t none_frames = 0, false_poses = 0;    // frames of "none" segments, and those given a pose
  int64_t changes = 0;                         // decision differs from the frame before
  double seconds = 0;                          // covered by consecutive frames
  // The same, only between two settled frames of one known-pose segment (the pose is held).
  int64_t held_changes = 0;
  double held_seconds = 0;

  double false_pose_rate() const { return none_frames ? double(false_poses) / none_frames : 0; }
  double changes_per_min() const { return seconds > 0 ? changes * 60.0 / seconds : 0; }
  double held_changes_per_min() const {
    return held_seconds > 0 ? held_changes * 60.0 / held_seconds : 0;
  }
  ClipMetrics& operator+=(const ClipMetrics& other);
};

// `frames` in time order.
ClipMetrics evaluate_clip(const std::vector<LabelSegment>& labels,
                          const std::vector<FrameDecision>& frames, const PoseResolver& resolve,
                          const ClipEvaluationOptions& options = {});

// {"clips":[{"clip",...metrics}],"total":{...}}; metrics: frames, pose_recall, pose_frames,
// false_poses, none_frames, changes_per_min, held_changes_per_min, per_pose{label:{frames,recall}}.
nlohmann::ordered_json clip_metrics_json(const ClipMetrics& m);
// A table for people: one row per clip and a total.
std::string clip_metrics_table(const std::vector<std::pair<std::string, ClipMetrics>>& clips,
                               const ClipMetrics& total);

// Rep counting on a clip. Per frame, in time order: the reps counted since the clip started,
// summed over exercises (the rise of each exercise's total_reps).
struct RepCountFrame {
  double t_s = 0;
  int counted = 0;
};

struct ClipReps {
  bool labelled = false;  // some segment has reps=N; a clip without is expected to count none
  int true_reps = 0;      // the sum of its segments' reps=N
  int counted = 0;
  std::vector<double> counted_at;  // when each counted rep was counted
  bool exact() const { return counted == true_reps; }
  bool within_one() const { return std::abs(counted - true_reps) <= 1; }
};

ClipReps evaluate_clip_reps(const std::vector<LabelSegment>& labels,
                            const std::vector<RepCountFrame>& frames);

struct RepTotals {
  int clips = 0;  // clips with rep labels
  int exact = 0, within_one = 0;
  int true_reps = 0, counted = 0;
  int clips_without_reps = 0, false_clips = 0;  // clips without rep labels, and those counting
  RepTotals& operator+=(const ClipReps& clip);
};

// {"labelled","true_reps","counted","exact","counted_at":[...]}
nlohmann::ordered_json clip_reps_json(const ClipReps& clip);
// {"clips","exact","within_one","true_reps","counted","clips_without_reps","false_clips"}
nlohmann::ordered_json rep_totals_json(const RepTotals& totals);
std::string clip_reps_table(const std::vector<std::pair<std::string, ClipReps>>& clips,
                            const RepTotals& totals);

}  // namespace posecast
