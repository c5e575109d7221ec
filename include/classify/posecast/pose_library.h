// The pose library: every pose posecast knows, described by target body angles with tolerances.
// It is a data file (data/poses.json, schema in docs/pose-library.md) loaded at runtime, so a user
// adds a pose by editing the file or with pose_entry_from_examples() + add_pose().
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "posecast/features.h"
#include "posecast/keypoints.h"
#include "posecast/status.h"
#include "posecast/view.h"

namespace posecast {

// Which side of a sided pose is active: for tree the lifted leg, for the warriors and triangle the
// front (bent / reaching) leg. kNone for symmetric poses.
enum class Side { kNone, kLeft, kRight };
std::string_view side_name(Side side);  // "", "left", "right"

struct AngleTarget {
  Angle angle = Angle::kTorso;
  float target_deg = 0;
  float tolerance_deg = 10;  // no penalty while |measured - target| <= tolerance
  float weight = 1;
  // 0 = none. Otherwise a measured angle further than this from the target rules the pose out
  // whatever the other angles say: feet planted wide apart are never mountain.
  float limit_deg = 0;
  // Optional coaching words for when the measured angle is below / above the target; empty:
  // the coach's generic words for this angle.
  std::string cue_below;
  std::string cue_above;
};

struct PoseEntry {
  std::string id;    // "warrior2": the label classifiers report
  std::string name;  // "Warrior II"
  std::string sanskrit;
  std::string description;
  std::vector<std::string> aliases;  // other names, e.g. data set folder names
  // Sided poses write their targets for the left variant; the right variant mirrors them.
  bool sided = false;
  std::vector<AngleTarget> targets;
  // The view the pose is judged from ("view": "any", "front" or "side"): the framing guidance
  // (coach/guidance.h) asks the student to turn when the camera sees them otherwise.
  ViewNeed view = ViewNeed::kAny;
};

// How a body's angles become a distance to a pose, and distances probabilities
// (see LibraryClassifier and docs/pose-library.md).
struct LibraryScoring {
  float error_scale_deg = 15;  // an angle this far beyond its tolerance costs 1 (x weight)
  float cost_exponent = 2;     // cost = (error / error_scale)^exponent
  float max_cost = 9;          // one angle costs at most this (x weight): one bad keypoint
                               // must not outweigh every other angle
  float missing_cost = 0.25f;  // cost (x weight) of a target whose keypoints were not seen
  float temperature = 2.0f;    // softmax temperature over -distance
  float none_distance = 8.0f;  // the "none of these" option's distance
  float max_distance = 10.0f;  // a pose further than this is never confirmed
  float min_coverage = 0.7f;   // share of a pose's target weight that must be measurable
  // Key targets are those at least key_target_deg from the angle of someone standing at ease
  // (at_ease_deg(): the lifted knee of tree, the bent knee of warrior II). A pose is confirmable
  // only when min_key_coverage of their weight is measured: a standing pose is never claimed from
  // the upper body alone, with the legs that make it out of sight or not found.
  float key_target_deg = 40;
  float min_key_coverage = 0.75f;
};

struct PoseLibrary {
  int version = 1;
  LibraryScoring scoring;
  std::vector<PoseEntry> poses;

  // By id or alias; case-insensitive, ignoring '-', '_' and spaces. nullptr when unknown.
  const PoseEntry* find(std::string_view id_or_alias) const;
};

// Lowercase without '-', '_' or spaces: "Tree_Pose_or_Vrksasana_" -> "treeposeorvrksasana".
std::string normalize_alias(std::string_view name);

// The targets of one variant: for Side::kRight of a sided pose, mirrored (left_* <-> right_*).
std::vector<AngleTarget> variant_targets(const PoseEntry& entry, Side side);
// The variants a pose has: {kNone} or {kLeft, kRight}.
std::vector<Side> pose_variants(const PoseEntry& entry);

// Errors name the file and the field (e.g. "poses[2].targets[1].angle").
Result<PoseLibrary> load_pose_library(const std::filesystem::path& path);
// `source` names the text in errors (a path or "<memory>").
Result<PoseLibrary> parse_pose_library(std::string_view json_text, std::string_view source);
std::string pose_library_to_json(const PoseLibrary& library);
Status save_pose_library(const PoseLibrary& library, const std::filesystem::path& path);

// Checks one entry the way the loader does (ids, ranges, duplicates against `library`).
Status validate_new_pose(const PoseLibrary& library, const PoseEntry& entry);
// Appends `entry` after validate_new_pose().
Status add_pose(PoseLibrary& library, PoseEntry entry);

struct PoseFromExamplesOptions {
  float min_score = 0.3f;           // keypoints below this are not used
  float min_tolerance_deg = 12;     // tolerance floor; photos of one person vary little
  float spread_factor = 2.0f;       // tolerance = max(floor, spread_factor * std deviation)
  float min_measured_share = 0.5f;  // an angle is a target when measured in this share of examples
  bool sided = false;               // the examples show the left variant of a sided pose
};
// A pose entry from example keypoints (e.g. `posecast pose add NAME --from PHOTO...`): each angle
// measured in enough examples becomes a target at its mean. Errors when no example shows a body.
Result<PoseEntry> pose_entry_from_examples(std::string id, const std::vector<Pose>& examples,
                                           const PoseFromExamplesOptions& options = {});

// $POSECAST_POSE_LIBRARY when set; else the user's own library (user_pose_library_path()) when
// it exists; else <exe dir>/../share/posecast/poses.json when it exists (an installed posecast);
// else data/poses.json in the source tree posecast was built from.
std::filesystem::path default_pose_library_path();
// Where `posecast pose add` keeps a user's poses: $XDG_CONFIG_HOME/posecast/poses.json, else
// ~/.config/posecast/poses.json (a copy of the built-in library plus the added poses).
std::filesystem::path user_pose_library_path();

}  // namespace posecast
