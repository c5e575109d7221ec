// `posecast run`'s command line: the options as flags (add_run_options) and, checked and
// converted, as what the live run starts from (plan_run).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "exercise_options.h"
#include "live_setup.h"
#include "posecast/classifier_loader.h"
#include "posecast/live_server.h"
#include "posecast/pipeline.h"
#include "posecast/pose_library.h"
#include "posecast/speaker.h"
#include "posecast/status.h"
#include "posecast/video_outputs.h"
#include "telemetry_setup.h"

namespace posecast::cli {

// The flags of `run`, as typed; the defaults are the flags' defaults.
struct RunOptions {
  std::string source, model = "builtin", http = "127.0.0.1:8080", size = "640x480", record,
                      models_dir, library, public_url, token_file, background = "keep";
  ExerciseArgs exercise;  // --exercise, --reps
  PoseModelArgs pose;     // --pose-model, --frames-in-flight
  double fps = 0;
  int threads = 1, guide_box = 0, jpeg_quality = 80, people = 1;
  float threshold = -1;
  bool display = false, no_auth = false, time_code = false;
  double seconds = 0;
  LiveServerOptions server;  // --tls-cert/--tls-key; --http fills in the address
  VideoOutputOptions video;  // --ice-server, --publish, --rtsp, ...
  std::string webrtc = "on", webrtc_ports;
  TelemetryArgs telemetry;  // --mqtt ..., --history ...
  bool speak = false;       // --speak: say the cues through espeak-ng
  SpeakerOptions speech;    // --speak-voice, --speak-wpm
  std::string config_file;  // --config: this file instead of the default ones
};

// Adds every flag of `run` to `cmd`, in the order --help lists them.
void add_run_options(CLI::App& cmd, RunOptions& options);

// What a live run starts from: the options checked and converted, the library and the
// classifier loaded.
struct RunSetup {
  PipelineOptions pipeline;
  LiveServerOptions server;
  VideoOutputOptions video;
  PoseLibrary library;
  LoadedClassifier classifier;
  // The guide box as a share of the frame height: an image model classifies only inside it.
  float guide_share = 0.9f;
};

// The first bad option's error, checked in this order: --size, --pose-model (auto: measured
// here), --exercise, --http
// (with --no-auth/--token-file), --library, --model, --webrtc-ports.
Result<RunSetup> plan_run(const RunOptions& options);

}  // namespace posecast::cli
