// The analysis of one frame, the same for a live camera (`run`) and a recorded file (`analyze`):
// background removal, MoveNet tracking, keypoint smoothing, the classifier, the stillness gate,
// label hysteresis, the hold timer and the coach. It keeps the state that links frames (the
// tracked crop, the filters), so frames go in in order; it owns no thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "posecast/background.h"
#include "posecast/classifier.h"
#include "posecast/frame.h"
#include "posecast/frame_result.h"
#include "posecast/movenet.h"
#include "posecast/pose_library.h"
#include "posecast/rep_counter.h"
#include "posecast/status.h"

namespace posecast {

inline constexpr int kMaxPeople = 6;

struct FrameAnalyzerOptions {
  MoveNetOptions movenet;
  // kRemove: the frame's background is flattened (background.h) before MoveNet, and the
  // classifier gets the flattened frame. Runs with movenet.models_dir and movenet.threads.
  BackgroundMode background = BackgroundMode::kKeep;
  // A moving body (stillness.h) takes no new pose; false classifies every frame as it looks, the
  // behaviour before the gate, kept for comparisons with `eval-video`.
  bool motion_gate = true;
  // The exercise library for rep counting; "" = default_exercise_library_path().
  std::filesystem::path exercise_library;
  // How many people to follow (1-6). Above 1, MoveNet MultiPose finds the bodies and each one is
  // tracked and analysed on their own (FrameResult::people).
  int people = 1;
};

// What the instructor has set for the student (see Pipeline::set_target / set_message).
struct AnalysisControls {
  std::string target;  // a library pose id; "" = coach the recognised pose
  std::string message;
  ExerciseTarget exercise;  // the exercise to count; "" = recognise it by itself
  // The person the instructor picked (PersonResult::id) as the primary one; 0 = the largest and
  // most central. Targets apply to the primary person, or to everyone with `everyone`.
  int person = 0;
  bool everyone = false;
};

class FrameAnalyzer {
 public:
  static Result<std::unique_ptr<FrameAnalyzer>> create(FrameAnalyzerOptions options,
                                                       PoseLibrary library);
  ~FrameAnalyzer();

  // Analyses `frame`, seen at `t_s` seconds (any origin, increasing). An error names the input
  // and the stage; failed_stage() says which ("segment" or "pose") for counters. The same as
  // finish(estimate(start(...))).
  Result<FrameResult> analyze(const Frame& frame, double t_s, const PoseClassifier& classifier,
                              const AnalysisControls& controls);
  const std::string& failed_stage() const;

  // Several frames in flight at once (the live pipeline), each call safe from any thread:
  // start() takes the frame's place in line and the crop around the body of the latest finished
  // frame; estimate() is the heavy part (background removal and MoveNet) and runs on its caller's
  // thread, several at once (MoveNetOptions::instances); finish() analyses the rest and must be
  // called in the order the frames started (else an error), every started frame once. Following
  // several people tracks them in finish(), one frame at a time.
  struct InFlight;
  struct InFlightDeleter {
    void operator()(InFlight* frame) const;
  };
  using InFlightFrame = std::unique_ptr<InFlight, InFlightDeleter>;
  InFlightFrame start(const Frame& frame, double t_s);
  void estimate(InFlight& frame) const;
  Result<FrameResult> finish(InFlight& frame, const PoseClassifier& classifier,
                             const AnalysisControls& controls);
  static const std::string& failed_stage(const InFlight& frame);
  static const Frame& frame_of(const InFlight& frame);
  // Forgets every link between frames (a new video, a cut).
  void reset();

  const PoseLibrary& library() const;
  const ExerciseLibrary& exercise_library() const;
  bool removes_background() const;

 private:
  struct Impl;
  explicit FrameAnalyzer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
