// Spoken cues: from the analysis of each frame, the few words worth saying aloud now
// (FrameResult::say). The policy lives here, once; the viewer page (speechSynthesis) and
// `run --speak` (espeak-ng) only say what it picked.
//
// What is said, most important first:
//   1. rep counts: "7", or "7 of 10" with a target; "Set done" when a set ends. Always said,
//      the moment they happen, whatever was said just before; each count once, even when the
//      rep counter steps back and forth between sets.
//   2. the instructor's new message, once.
//   3. the framing guidance ("Step back so your feet are in view").
//   4. the top correction of the coach, in words without angles ("Straighten your left knee"),
//      once it has been the top one for correction_settle_s; during reps, a rep's cue ("Hips
//      down to knee height") until the next rep.
//   5. the name of a newly recognised pose ("Tree"), once per time the pose is taken (not in the
//      middle of a rep: the bottom of a squat may look like Goddess).
// Two cues of kinds 2-5 are min_gap_s apart (and after_count_gap_s after a count), and the same
// words are not said again within repeat_after_s (counts excepted: "1" comes again next set).
#pragma once

#include <map>
#include <string>

#include "posecast/frame_result.h"

namespace posecast {

struct SpokenCueOptions {
  // Spoken cues take 1-2 s; 3 s between them leaves a breath and keeps them from nagging.
  double min_gap_s = 3.0;
  // A count is short: a correction may follow it this soon (reps come every 2-3 s).
  double after_count_gap_s = 1.5;
  // The same correction or guidance comes back as a reminder at most this often.
  double repeat_after_s = 15.0;
  // A correction flickering for a few frames is not worth saying.
  double correction_settle_s = 1.0;
};

// Follows the primary person's results frame by frame. Not thread-safe; one per analysis.
class SpokenCues {
 public:
  explicit SpokenCues(SpokenCueOptions options = {});
  // The cue to say with `r`, seen at `t_s` seconds (increasing; going back in time starts
  // afresh, as reset() does); "" = nothing now.
  std::string update(const FrameResult& r, double t_s);
  // Forgets everything said and seen (a new video, a cut).
  void reset();

 private:
  std::string count_cue(const FrameResult& r);
  std::string next_cue(const FrameResult& r, double t_s);
  std::string pending_pose_cue(const FrameResult& r);
  std::string settled_correction(const FrameResult& r, double t_s);
  bool said_recently(const std::string& text, double t_s) const;
  std::string say(std::string text, double t_s, bool count);

  SpokenCueOptions options_;
  double last_t_ = -1;
  double last_cue_t_ = -1e9;               // any cue but a count
  double last_count_t_ = -1e9;             // a count
  std::map<std::string, double> said_at_;  // words -> when last said (counts not kept)
  // Sets as "squat/2": the one seen in the last frame (and its partial reps), the last one
  // counted aloud (and its count), the last one said done.
  std::string exercise_set_;
  int exercise_partials_ = 0;
  std::string counted_set_;
  int counted_reps_ = 0;
  std::string done_set_;
  std::string rep_cue_;  // the last rep's cue, until said or the next rep
  std::string message_;  // the instructor's message last seen
  std::string pending_message_;
  std::string pose_;  // the decision last seen
  bool pose_announced_ = false;
  std::string correction_;  // the top correction's words, and since when it is on top
  double correction_since_ = 0;
};

}  // namespace posecast
