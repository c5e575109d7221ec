// What `posecast run` and `posecast bench pipeline` share: the --size option and the wiring of a
// Pipeline to a LiveServer (the server's hooks ask the pipeline; the pipeline feeds the server).
#pragma once

#include <CLI/CLI.hpp>
#include <opencv2/core/types.hpp>
#include <string>

#include "posecast/instructor_command.h"
#include "posecast/live_server.h"
#include "posecast/pipeline.h"
#include "posecast/status.h"

namespace posecast::cli {

// "640x480", "480p", "720p", ...; "" is the source's own size (0x0).
Result<cv::Size> parse_frame_size(const std::string& text);

// --pose-model (lightning, thunder or auto) and --frames-in-flight (0: one per core), the same
// for `run` and `bench pipeline`.
struct PoseModelArgs {
  std::string pose_model = "lightning";
  int frames_in_flight = 0;
};
void add_pose_model_options(CLI::App& cmd, PoseModelArgs& args);
// Into `pipeline` (its movenet options, capture fps and people already set): `auto` times
// Thunder here and keeps it when the machine keeps up with the camera (PipelineOptions::
// capture.fps, else 30), else Lightning; the choice is in pose_model_note and on stderr.
Status apply_pose_model(const PoseModelArgs& args, PipelineOptions& pipeline);

// /api/status and /metrics from the pipeline; POST /api/target {"pose": "tree" | null} or
// {"exercise": "squat", "reps": 10}, /api/message {"text": "..."} and /api/person {"person":
// 2 | "all" | 0} set the instructor's controls. `pipeline` must outlive the server.
LiveServerHooks pipeline_hooks(Pipeline& pipeline);

// A target command (a pose or an exercise, kTarget or kExerciseTarget) on the pipeline: the
// one path of the viewer's target control and the instructor's MQTT command.
Status apply_target(Pipeline& pipeline, const InstructorCommand& target);
// A person command (kPerson) on the pipeline: the viewer's people list and the MQTT command.
Status apply_person(Pipeline& pipeline, const InstructorCommand& person);

// --tls-cert/--tls-key (serve https:// and wss:// only) into `options`, for `run` and `class`;
// LiveServer::start checks the files.
void add_server_tls_options(CLI::App& cmd, LiveServerOptions& options);

// --no-auth / --token-file into `options`: the access token from the file (default
// ~/.config/posecast/access-token, made on first use), or none with --no-auth, which is refused
// unless the server listens on loopback only.
Status apply_access_options(LiveServerOptions& options, bool no_auth,
                            const std::string& token_file);

// The viewer URL other machines (the class dashboard) reach this device at: `public_url` when
// given; else the server's URL, with this machine's first non-loopback IPv4 address in place of
// the loopback one when the server listens on every address (0.0.0.0 / ::). No access token:
// it goes into the retained MQTT status, and the dashboard asks the device for a short-lived
// signed link instead (mqtt_telemetry.h, docs/class.md).
std::string announced_viewer_url(const LiveServerOptions& options, const LiveServer& server,
                                 const std::string& public_url);

// Every annotated frame's JPEG and result JSON go to `server`; call before pipeline.start().
void publish_to_server(Pipeline& pipeline, LiveServer& server);

}  // namespace posecast::cli
