// `--pose-model auto`: Thunder, the more accurate MoveNet, when this machine runs it fast enough
// for the camera, else Lightning. Decided once at start from Thunder's measured time here.
#pragma once

#include <string>

#include "posecast/movenet.h"
#include "posecast/status.h"

namespace posecast {

struct PoseModelChoice {
  MoveNetVariant variant = MoveNetVariant::kLightning;
  double thunder_ms = 0;    // Thunder's median time a frame on one thread, measured
  double capacity_fps = 0;  // frames a second Thunder could take with the frames in flight
  std::string reason;       // for the log: "thunder: 31 ms a frame, 2 in flight: 48 fps ..."
};

// The share of a frame's time the rest of the pipeline (decoding, drawing, JPEG, the classifier)
// adds to the pose model's, and the headroom kept for the machine's other work: Thunder is
// chosen when frames_in_flight frames of thunder_ms * kPipelineOverhead each keep up with
// camera_fps * kHeadroom.
inline constexpr double kPipelineOverhead = 1.25;
inline constexpr double kHeadroom = 1.2;

// The decision for a measured Thunder time; pure, for tests.
PoseModelChoice choose_pose_model(double thunder_ms, double camera_fps, int frames_in_flight);

// Loads Thunder with `options` (threads, models_dir; one copy), times it on a blank frame of
// the camera's size and decides. An error names the missing or broken model.
Result<PoseModelChoice> measure_and_choose_pose_model(MoveNetOptions options, double camera_fps,
                                                      int frames_in_flight);

}  // namespace posecast
