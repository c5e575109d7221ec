#include "run_options.h"

#include <sstream>

#include "config_setup.h"
#include "live_setup.h"
#include "photo_options.h"
#include "video_options.h"

namespace posecast::cli {

namespace {

// --source ... --display: what is analysed, how, and where the viewer is served.
void add_coach_options(CLI::App& cmd, RunOptions& o) {
  cmd.add_option("--source", o.source,
                 "Camera (0, /dev/video0), video file, image folder or glob, rtsp/http URL, or "
                 "'demo' (default: the first camera, else demo)");
  cmd.add_option("--model", o.model,
                 "Pose classifier: 'builtin' (the pose library) or a model file")
      ->capture_default_str();
  cmd.add_option("--library", o.library, "Pose library JSON (default: data/poses.json)");
  add_exercise_options(cmd, o.exercise);
  cmd.add_option("--http", o.http, "Serve the viewer at HOST:PORT (port 0: any free port)")
      ->capture_default_str();
  cmd.add_option("--public-url", o.public_url,
                 "Viewer URL announced to the class dashboard (default: the --http address; "
                 "this machine's LAN address when serving 0.0.0.0)");
  cmd.add_option("--size", o.size, "Frame size: WxH or 480p/720p/...")->capture_default_str();
  cmd.add_option("--fps", o.fps,
                 "Pace of files, slideshows and the demo (default: the file's own, or 30)");
  add_pose_model_options(cmd, o.pose);
  cmd.add_option("--models", o.models_dir, "Folder of the pretrained models");
  cmd.add_option("--background", o.background,
                 "'remove': segment the person (the selfie model) and paint the background one "
                 "flat grey before MoveNet and the classifier; the viewer still shows the camera")
      ->check(CLI::IsMember({"keep", "remove"}))
      ->capture_default_str();
  cmd.add_option("--threads", o.threads, "Inference threads")->capture_default_str();
  add_people_option(cmd, o.people);
  cmd.add_option("--threshold", o.threshold,
                 "Probability needed to name a pose (default: the model's, 0.60 for builtin)");
  cmd.add_option("--guide-box", o.guide_box,
                 "Draw a centred guide box of this many pixels (the original's ROI); an image "
                 "model classifies only inside it (default for image models: 90 % of the "
                 "frame height)");
  cmd.add_option("--jpeg-quality", o.jpeg_quality, "JPEG quality of the stream")
      ->capture_default_str();
  cmd.add_option("--record", o.record, "Also write the annotated video to this MP4 file");
  cmd.add_flag("--display", o.display, "Show a local window too");
}

// --no-auth, --token-file, --tls-cert, --tls-key: who may watch.
void add_access_options(CLI::App& cmd, RunOptions& o) {
  cmd.add_flag("--no-auth", o.no_auth, "Serve without an access token (loopback only)");
  cmd.add_option("--token-file", o.token_file,
                 "Access token file (default: ~/.config/posecast/access-token, made once)");
  add_server_tls_options(cmd, o.server);
}

// --webrtc ... --video-bitrate: the compressed video for the page and for media servers.
void add_video_options(CLI::App& cmd, RunOptions& o) {
  cmd.add_option("--webrtc", o.webrtc,
                 "Serve the video to the viewer page by WebRTC (VP8, encoded once for all "
                 "viewers); the page falls back to MJPEG")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  cmd.add_option("--ice-server", o.video.webrtc_options.ice_servers,
                 "STUN/TURN server for WebRTC, repeatable: stun:HOST:PORT, "
                 "turn://USER:PASS@HOST:PORT or turn:HOST:PORT with --turn-user/--turn-password");
  cmd.add_option("--turn-user", o.video.webrtc_options.turn_username, "TURN user name");
  cmd.add_option("--turn-password", o.video.webrtc_options.turn_password, "TURN password");
  cmd.add_option("--webrtc-ports", o.webrtc_ports,
                 "UDP port range WebRTC may use, MIN-MAX (default: any)");
  cmd.add_option("--publish", o.video.publish,
                 "Hand the encoded video to a media server, repeatable: rtmp://HOST[:PORT]/APP/"
                 "STREAM (H.264, e.g. nginx-rtmp -> HLS), rtp://HOST:PORT[?codec=vp8|h264] "
                 "(e.g. a Janus streaming mountpoint); see docs/streaming.md");
  cmd.add_option("--rtsp", o.video.rtsp,
                 "Serve rtsp://HOST:PORT/live (H.264) for VLC, ffmpeg and NVRs");
  cmd.add_option("--video-bitrate", o.video.bitrate_kbps,
                 "Bitrate of the compressed video, kbit/s per codec")
      ->capture_default_str();
}

// --speak, --speak-voice, --speak-wpm: the cues aloud on the device, for a student without a
// screen (the viewer page has its own switch).
void add_speech_options(CLI::App& cmd, RunOptions& o) {
  cmd.add_flag("--speak", o.speak,
               "Say rep counts, corrections, guidance and pose names aloud on this device "
               "(espeak-ng; docs/spoken-cues.md)");
  cmd.add_option("--speak-voice", o.speech.voice,
                 "espeak-ng voice or language for --speak (espeak-ng --voices lists them)")
      ->capture_default_str();
  cmd.add_option("--speak-wpm", o.speech.words_per_minute, "Speed of --speak, words a minute")
      ->check(CLI::Range(kMinSpeechWpm, kMaxSpeechWpm))
      ->capture_default_str();
}

// --size and --pose-model checked; the rest as given.
Result<PipelineOptions> pipeline_options(const RunOptions& o) {
  auto size = parse_frame_size(o.size);
  if (!size) return size.error();
  PipelineOptions p;
  p.source = o.source;
  p.capture.size = size.value();
  p.capture.fps = o.fps;
  p.movenet.models_dir = o.models_dir;
  p.movenet.threads = o.threads;
  p.overlay.guide_box = o.guide_box;
  p.jpeg_quality = o.jpeg_quality;
  p.record_path = o.record;
  p.display = o.display;
  p.model_name = o.model;
  p.time_code = o.time_code;
  p.background = *background_mode_from_name(o.background);  // CLI11 checked it
  p.people = o.people;
  if (Status s = apply_pose_model(o.pose, p); !s.ok()) return s.error();
  return p;
}

// --exercise, checked against the exercise library before anything starts (the pipeline checks
// it again with the library its analyzer loads).
Result<ExerciseTarget> run_exercise_target(const RunOptions& o) {
  if (o.exercise.exercise.empty()) return ExerciseTarget{};
  auto library = load_exercise_library(default_exercise_library_path());
  if (!library) return library.error();
  return exercise_target(o.exercise, library.value());
}

// --http and the access token (--no-auth, --token-file).
Result<LiveServerOptions> server_options(const RunOptions& o) {
  auto server = parse_http_address(o.http, o.server);
  if (!server) return server.error();
  if (Status s = apply_access_options(server.value(), o.no_auth, o.token_file); !s.ok())
    return s.error();
  // The class dashboard's viewer links name the device (mqtt_telemetry.h).
  server->viewer_link_device =
      o.telemetry.mqtt.device.empty() ? host_name() : o.telemetry.mqtt.device;
  return server;
}

// The encoders get the pipeline's frame size and pace (640x480, 30 fps for the source's own).
Result<VideoOutputOptions> video_output_options(const RunOptions& o, cv::Size size) {
  VideoOutputOptions video = o.video;
  video.webrtc = o.webrtc == "on";
  video.width = size.width > 0 ? size.width : 640;
  video.height = size.height > 0 ? size.height : 480;
  video.fps = o.fps > 0 ? o.fps : 30;
  if (!o.webrtc_ports.empty()) {
    unsigned lo = 0, hi = 0;
    char dash = 0;
    std::istringstream in(o.webrtc_ports);
    if (!(in >> lo >> dash >> hi) || dash != '-' || lo == 0 || hi < lo || hi > 65535)
      return Error("bad --webrtc-ports '" + o.webrtc_ports + "': use MIN-MAX, e.g. 50000-50100");
    video.webrtc_options.udp_port_min = static_cast<uint16_t>(lo);
    video.webrtc_options.udp_port_max = static_cast<uint16_t>(hi);
  }
  return video;
}

}  // namespace

void add_run_options(CLI::App& cmd, RunOptions& options) {
  add_coach_options(cmd, options);
  add_access_options(cmd, options);
  add_video_options(cmd, options);
  add_speech_options(cmd, options);
  add_max_pixels_option(cmd);  // --source photo.jpg or a folder of photos
  cmd.add_flag("--time-code", options.time_code,
               "Draw each frame's capture time as a strip of cells in the top-left corner, for "
               "latency measurements (scripts/bench-stream.sh)");
  cmd.add_option("--seconds", options.seconds,
                 "Stop after this many seconds (default: until Ctrl-C)");
  add_telemetry_options(cmd, options.telemetry);
  add_config_option(cmd, options.config_file);
}

Result<RunSetup> plan_run(const RunOptions& options) {
  auto pipeline = pipeline_options(options);
  if (!pipeline) return pipeline.error();
  auto exercise = run_exercise_target(options);
  if (!exercise) return exercise.error();
  pipeline->exercise = exercise.value();
  auto server = server_options(options);
  if (!server) return server.error();
  auto library =
      load_pose_library(options.library.empty() ? default_pose_library_path()
                                                : std::filesystem::path(options.library));
  if (!library) return library.error();
  const cv::Size size = pipeline->capture.size;
  // An image model classifies only what is inside the guide box: --guide-box pixels high,
  // else 90 % of the frame height.
  const float guide_share =
      options.guide_box > 0 ? static_cast<float>(options.guide_box) / size.height : 0.9f;
  auto classifier = load_classifier(options.model, library.value(), options.threshold, guide_share);
  if (!classifier) return classifier.error();
  auto video = video_output_options(options, size);
  if (!video) return video.error();
  return RunSetup{std::move(pipeline).value(),   std::move(server).value(),
                  std::move(video).value(),      std::move(library).value(),
                  std::move(classifier).value(), guide_share};
}

}  // namespace posecast::cli
