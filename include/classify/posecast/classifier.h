// Pose classifiers: one body pose -> the most likely poses, or "take_your_pose" when the frame
// matches none of them well enough.
#pragma once

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "posecast/features.h"
#include "posecast/keypoints.h"
#include "posecast/pose_library.h"

namespace posecast {

// The decision when no pose is confirmed.
inline constexpr std::string_view kTakeYourPose = "take_your_pose";

struct Prediction {
  std::string label;
  float prob = 0;
};

struct Classification {
  std::string decision;         // a label, or kTakeYourPose
  std::vector<Prediction> top;  // every label, most likely first; probs plus none_prob sum to 1
  std::string variant;          // "left"/"right" for the top label of a sided pose, else ""
  float none_prob = 0;          // probability that the frame shows none of the labels
  float distance = 0;  // library distance of the top label (0 = all in tolerance); NaN: none
  std::string reason;  // why kTakeYourPose: "no_body", "low_confidence", "no_match"
};

class PoseClassifier {
 public:
  virtual ~PoseClassifier() = default;
  virtual Classification classify(const Pose& pose) const = 0;
  // One frame: the body pose and the picture it was found in (BGR; after background removal
  // when that is on). Pose classifiers use the pose only; image classifiers (image_classifier.h)
  // look at the picture. Callers that have the picture call this one.
  virtual Classification classify_frame(const Pose& pose, const cv::Mat& image) const {
    (void)image;
    return classify(pose);
  }
  // True for classifiers that need the picture (classify_frame); they may skip keypoints.
  virtual bool uses_image() const { return false; }
  // The part of a frame of this size the classifier looks at, drawn as a guide for the student;
  // nullopt: the whole frame (or only the keypoints).
  virtual std::optional<cv::Rect> input_region(cv::Size frame) const {
    (void)frame;
    return std::nullopt;
  }
  virtual std::vector<std::string> labels() const = 0;
};

struct ClassifierOptions {
  float threshold = 0.60f;  // top probability needed to confirm a pose
  FeatureOptions features;  // min_score: keypoints below it are not used
};

// How well a body matches one variant of a library pose.
struct PoseMatch {
  Side side = Side::kNone;
  // Sum over the targets of weight x min(((error beyond tolerance) / error_scale)^2, max_cost),
  // plus weight x missing_cost for each target that could not be measured. 0 = a perfect match.
  float distance = 0;
  float coverage = 0;        // share of the target weight that could be measured
  bool confirmable = false;  // coverage >= scoring.min_coverage
};
PoseMatch match_variant(const Features& features, const PoseEntry& pose, Side side,
                        const LibraryScoring& scoring);
// The best-matching variant (confirmable ones first, then lowest distance).
PoseMatch match_pose(const Features& features, const PoseEntry& pose,
                     const LibraryScoring& scoring);

// Zero-shot classifier over the pose library: no training. Each pose's distance is turned into
// a probability by a softmax over -distance / temperature that also holds a "none of these"
// option at scoring.none_distance; a pose is confirmed when its probability reaches the
// threshold and its distance is within scoring.max_distance.
class LibraryClassifier : public PoseClassifier {
 public:
  explicit LibraryClassifier(PoseLibrary library, ClassifierOptions options = {});

  Classification classify(const Pose& pose) const override;
  Classification classify(const Features& features) const;
  std::vector<std::string> labels() const override;

  const PoseLibrary& library() const { return library_; }
  const ClassifierOptions& options() const { return options_; }

 private:
  PoseLibrary library_;
  ClassifierOptions options_;
};

}  // namespace posecast
