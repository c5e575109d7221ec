// What the pipeline knows about one frame: the hand-off from analysis to rendering and outputs,
// and the JSON every output (WebSocket, MQTT, `classify`) speaks.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core/types.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "posecast/classifier.h"
#include "posecast/coach.h"
#include "posecast/guidance.h"
#include "posecast/keypoints.h"
#include "posecast/rep_counter.h"

namespace posecast {

struct StageTimes {
  double segment_ms = 0;   // background removal (0 when it is off)
  double pose_ms = 0;      // MoveNet
  double classify_ms = 0;  // features, classifier, coach, smoothing
  double render_ms = 0;    // overlay
  double encode_ms = 0;    // JPEG, once for every viewer
};

// One person of the frame, analysed on their own: their own keypoint smoothing, classification,
// hold timer, rep counter, coach and framing guidance. FrameResult::people lists everyone.
struct PersonResult {
  int id = 0;      // stable while the person stays in view (short occlusions included): 1, 2, ...
  cv::Rect2f box;  // the body's box, 0-1 of the frame: x, y, w, h
  Pose pose;       // smoothed, image pixels
  Classification classification;
  std::optional<CoachReport> coach;
  float hold_s = 0;
  std::string label;  // display_label() with the pose's display name
  std::optional<ExerciseState> exercise;
  std::optional<Guidance> guidance;
};

struct FrameResult {
  int64_t frame = 0;
  int64_t capture_unix_ms = 0;
  Pose pose;
  bool person = false;            // enough keypoints seen to call it a body
  Classification classification;  // smoothed over time for video
  std::optional<CoachReport> coach;
  float hold_s = 0;
  std::string target;       // instructor-set target pose ("" = coach the recognised pose)
  std::string target_name;  // the target's display name ("Warrior II"), for the overlay
  std::string message;      // instructor's message to show the student
  float fps = 0;
  StageTimes times;
  std::string label;  // display_label() with the pose's display name
  // The source stopped giving frames: this is the last picture again, marked, while capture
  // reconnects (every 0.5 s, so viewers see the notice and the stream stays alive).
  bool source_lost = false;
  // The part of the frame an image classifier looked at (the guide box the student stands in).
  std::optional<cv::Rect> guide_box;
  // The rep exercise going on (rep_counter.h); nullopt when none is.
  std::optional<ExerciseState> exercise;
  // What the student should do to be seen as the pose or exercise needs (guidance.h).
  std::optional<Guidance> guidance;
  // The set-up check of the first seconds (FramingGuide::setup_check()): displays show
  // "Set-up check:" and the guidance, or "whole body in view" when there is none.
  bool setup_check = false;
  // Everyone tracked in the frame, the primary person (whose fields are the ones above) included;
  // primary_id is theirs (0: nobody).
  std::vector<PersonResult> people;
  int primary_id = 0;
  // A cue to speak now (a correction, guidance or a rep count), chosen so that cues come at most
  // every few seconds and do not repeat; "" = nothing. The viewer and `run --speak` say it.
  std::string say;
};

// {"decision","top":[{"label","prob"}],"score","corrections":[...],"keypoints":[...]} — the
// fields `posecast classify` prints; `top_k` limits the labels (0 = all).
nlohmann::json classification_json(const Pose& pose, const Classification& c,
                                   const std::optional<CoachReport>& coach, size_t top_k = 0);
// {"id","name","reps","total_reps","partial_reps","set","phase","rest_s","target_reps",
//  "last_rep":{"range","tempo_down_s","tempo_up_s","score","cue","partial"}}; last_rep is null
// before the first rep. Every output (WebSocket, MQTT, `analyze` JSONL) carries it as "exercise".
nlohmann::json exercise_json(const ExerciseState& e);
// {"code","text"}
nlohmann::json guidance_json(const Guidance& g);
// {"id","colour":"#e69f00","box":[x,y,w,h],"decision","label","top","score","hold_s",
//  "corrections","exercise","guidance"}: one entry of "people"; "colour" is the overlay's
//  (person_colour.h).
nlohmann::json person_json(const PersonResult& p, size_t top_k = 0);
// classification_json plus frame, capture_ms, fps, hold_s, target, message, person, exercise
// (when one is going on), guidance (when there is some), setup_check (true during the set-up
// check), people, say (when there is a cue) and stage times.
nlohmann::json frame_result_json(const FrameResult& r, size_t top_k = 0);
nlohmann::json keypoints_json(const Pose& pose);

// "Tree 87 %" / "Take your pose": what the student sees; `name` is the pose's display name
// ("Warrior II"), else the label is capitalised.
std::string display_label(const Classification& c, std::string_view name = {});

}  // namespace posecast
