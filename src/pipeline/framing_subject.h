// What the framing guide (coach/guidance.h) checks a body against: the view the exercise going
// on needs, else the view of the pose being coached (the target, else the recognised pose).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "posecast/exercise_library.h"
#include "posecast/pose_library.h"
#include "posecast/rep_counter.h"
#include "posecast/view.h"

namespace posecast {

struct FramingSubject {
  ViewNeed need = ViewNeed::kAny;
  std::string name;  // "Push-up", "Tree"; "" when nothing is going on
};

// `pose_id`: the target pose, else the decision ("take_your_pose" or an unknown id: no pose).
FramingSubject framing_subject(const std::optional<ExerciseState>& exercise,
                               std::string_view pose_id, const PoseLibrary& poses,
                               const ExerciseLibrary& exercises);

}  // namespace posecast
