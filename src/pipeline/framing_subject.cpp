#include "framing_subject.h"

namespace posecast {

FramingSubject framing_subject(const std::optional<ExerciseState>& exercise,
                               std::string_view pose_id, const PoseLibrary& poses,
                               const ExerciseLibrary& exercises) {
  if (exercise) {
    if (const ExerciseEntry* e = exercises.find(exercise->id)) return {e->view, e->name};
  }
  if (const PoseEntry* p = poses.find(pose_id)) return {p->view, p->name};
  return {};
}

}  // namespace posecast
