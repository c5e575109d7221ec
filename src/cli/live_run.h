// The live coach of `posecast run` as one object: it starts the parts in the order they need each
// other, wires them together, and stops and destroys them in the order that keeps every callback
// pointing at something alive.
//
// Threading: start(), wait() and stop() are called from one thread (the command's). The parts call
// each other from their own threads through the callbacks set in start().
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "posecast/instructor_command.h"
#include "posecast/live_server.h"
#include "posecast/model_watcher.h"
#include "posecast/pipeline.h"
#include "posecast/speaker.h"
#include "posecast/status.h"
#include "posecast/video_outputs.h"
#include "run_options.h"
#include "telemetry_setup.h"

namespace posecast::cli {

class LiveRun {
 public:
  // `options` must outlive the run.
  LiveRun(const RunOptions& options, RunSetup setup);
  ~LiveRun();  // stop()s a started run
  LiveRun(const LiveRun&) = delete;
  LiveRun& operator=(const LiveRun&) = delete;

  // Video outputs, pipeline, model watcher, server, telemetry, then the threads; prints the viewer
  // URL and the outputs' addresses. The error names what did not start; what did is torn down by
  // the destructor.
  Status start();
  // Until Ctrl-C or SIGTERM, or --seconds (kStop), or a SIGHUP (kReload: call reload(), then
  // wait() again). Under systemd it sends WATCHDOG=1 as $WATCHDOG_USEC asks, while it waits.
  enum class WaitEnd { kStop, kReload };
  WaitEnd wait();
  // A SIGHUP's new settings: `next` holds the options read again, `changed` the config keys whose
  // value changed. The model, its threshold and the exercise change live; the other keys are
  // returned: they take effect after a restart.
  std::vector<std::string> reload(const RunOptions& next, const std::vector<std::string>& changed);
  // Idempotent.
  void stop();

 private:
  Status start_speaker();
  Status start_outputs();
  Status create_pipeline();
  void watch_model();
  LiveServerHooks server_hooks();
  Status start_server();
  Status start_telemetry();
  void report_errors();
  void run_threads();
  Status apply(const InstructorCommand& command);

  const RunOptions& options_;
  RunSetup setup_;
  bool running_ = false;
  std::chrono::steady_clock::time_point started_at_;  // for --seconds, across reloads

  // Declared in start-up order, so destroyed in the reverse: each part is destroyed before
  // anything it calls into.
  // --speak: the pipeline's frame sink hands it the cues; null without --speak.
  std::unique_ptr<Speaker> speaker_;
  // The pipeline's video sink pushes into the outputs.
  std::unique_ptr<VideoOutputs> outputs_;
  // Its sinks reach the server and the telemetry, but only while it runs: stop() ends its threads
  // before either goes.
  std::unique_ptr<Pipeline> pipeline_;
  // Reads the pipeline; the watcher's callbacks report to it, so it outlives the watcher. Set
  // once the server's URL is known; null until then.
  std::unique_ptr<LiveTelemetry> telemetry_;
  // Switches the pipeline's model and reports to the telemetry.
  std::unique_ptr<ModelWatcher> models_;
  // Its hooks read the pipeline, the watcher, the outputs and the history: it goes first.
  std::unique_ptr<LiveServer> server_;
};

}  // namespace posecast::cli
