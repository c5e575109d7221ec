// posecast run: the live coach. Capture -> keypoints -> classify/coach -> overlay -> the viewer
// page, MJPEG stream and WebSocket of results at the printed URL.
#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "commands.h"
#include "live_setup.h"
#include "posecast/classifier_loader.h"
#include "posecast/live_server.h"
#include "posecast/model_watcher.h"
#include "posecast/pipeline.h"
#include "posecast/pose_library.h"
#include "posecast/video_outputs.h"
#include "telemetry_setup.h"

namespace posecast::cli {

namespace {

std::atomic<bool> g_interrupted{false};
void on_signal(int) { g_interrupted = true; }

}  // namespace

void add_run(CLI::App& app, Context& ctx) {
  struct Args {
    std::string source, model = "builtin", http = "127.0.0.1:8080", size = "640x480", record,
                        pose_model = "lightning", models_dir, library, public_url, token_file,
                        background = "keep";
    double fps = 0;
    int threads = 1, guide_box = 0, jpeg_quality = 80;
    float threshold = -1;
    bool display = false, no_auth = false, time_code = false;
    double seconds = 0;
    LiveServerOptions server;  // --tls-cert/--tls-key; --http fills in the address
    VideoOutputOptions video;  // --webrtc, --publish, --rtsp, ...
    std::string webrtc = "on", webrtc_ports;
  };
  auto args = std::make_shared<Args>();
  auto telemetry_args = std::make_shared<TelemetryArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run the live coach and serve it to a browser");
  cmd->add_option(
      "--source", args->source,
      "Camera (0, /dev/video0), video file, image folder or glob, rtsp/http URL, or 'demo' "
      "(default: the first camera, else demo)");
  cmd->add_option("--model", args->model,
                  "Pose classifier: 'builtin' (the pose library) or a model file")
      ->capture_default_str();
  cmd->add_option("--library", args->library, "Pose library JSON (default: data/poses.json)");
  cmd->add_option("--http", args->http, "Serve the viewer at HOST:PORT (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--public-url", args->public_url,
                  "Viewer URL announced to the class dashboard (default: the --http address; "
                  "this machine's LAN address when serving 0.0.0.0)");
  cmd->add_option("--size", args->size, "Frame size: WxH or 480p/720p/...")->capture_default_str();
  cmd->add_option("--fps", args->fps,
                  "Pace of files, slideshows and the demo (default: the file's own, or 30)");
  cmd->add_option("--pose-model", args->pose_model, "MoveNet variant: lightning or thunder")
      ->capture_default_str();
  cmd->add_option("--models", args->models_dir, "Folder of the pretrained models");
  cmd->add_option("--background", args->background,
                  "'remove': segment the person (the selfie model) and paint the background one "
                  "flat grey before MoveNet and the classifier; the viewer still shows the camera")
      ->check(CLI::IsMember({"keep", "remove"}))
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Inference threads")->capture_default_str();
  cmd->add_option("--threshold", args->threshold,
                  "Probability needed to name a pose (default: the model's, 0.60 for builtin)");
  cmd->add_option("--guide-box", args->guide_box,
                  "Draw a centred guide box of this many pixels (the original's ROI); an image "
                  "model classifies only inside it (default for image models: 90 % of the "
                  "frame height)");
  cmd->add_option("--jpeg-quality", args->jpeg_quality, "JPEG quality of the stream")
      ->capture_default_str();
  cmd->add_option("--record", args->record, "Also write the annotated video to this MP4 file");
  cmd->add_flag("--display", args->display, "Show a local window too");
  cmd->add_flag("--no-auth", args->no_auth, "Serve without an access token (loopback only)");
  cmd->add_option("--token-file", args->token_file,
                  "Access token file (default: ~/.config/posecast/access-token, made once)");
  add_server_tls_options(*cmd, args->server);
  cmd->add_option("--webrtc", args->webrtc,
                  "Serve the video to the viewer page by WebRTC (VP8, encoded once for all "
                  "viewers); the page falls back to MJPEG")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  cmd->add_option("--ice-server", args->video.webrtc_options.ice_servers,
                  "STUN/TURN server for WebRTC, repeatable: stun:HOST:PORT, "
                  "turn://USER:PASS@HOST:PORT or turn:HOST:PORT with --turn-user/--turn-password");
  cmd->add_option("--turn-user", args->video.webrtc_options.turn_username, "TURN user name");
  cmd->add_option("--turn-password", args->video.webrtc_options.turn_password, "TURN password");
  cmd->add_option("--webrtc-ports", args->webrtc_ports,
                  "UDP port range WebRTC may use, MIN-MAX (default: any)");
  cmd->add_option("--publish", args->video.publish,
                  "Hand the encoded video to a media server, repeatable: rtmp://HOST[:PORT]/APP/"
                  "STREAM (H.264, e.g. nginx-rtmp -> HLS), rtp://HOST:PORT[?codec=vp8|h264] "
                  "(e.g. a Janus streaming mountpoint); see docs/streaming.md");
  cmd->add_option("--rtsp", args->video.rtsp,
                  "Serve rtsp://HOST:PORT/live (H.264) for VLC, ffmpeg and NVRs");
  cmd->add_option("--video-bitrate", args->video.bitrate_kbps,
                  "Bitrate of the compressed video, kbit/s per codec")
      ->capture_default_str();
  cmd->add_flag("--time-code", args->time_code,
                "Draw each frame's capture time as a strip of cells in the top-left corner, for "
                "latency measurements (scripts/bench-stream.sh)");
  cmd->add_option("--seconds", args->seconds,
                  "Stop after this many seconds (default: until Ctrl-C)");
  add_telemetry_options(*cmd, *telemetry_args);
  cmd->callback([args, telemetry_args, &ctx] {
    auto fail = [&ctx](const std::string& message) {
      std::cerr << "posecast run: " << message << "\n";
      ctx.exit_code = 1;
    };
    auto size = parse_frame_size(args->size);
    if (!size) return fail(size.error().message());
    auto variant = variant_from_name(args->pose_model);
    if (!variant)
      return fail("bad --pose-model '" + args->pose_model + "': use lightning or thunder");
    auto server_options = parse_http_address(args->http, args->server);
    if (!server_options) return fail(server_options.error().message());
    if (Status s = apply_access_options(server_options.value(), args->no_auth, args->token_file);
        !s.ok())
      return fail(s.error().message());

    auto library = load_pose_library(args->library.empty() ? default_pose_library_path()
                                                           : std::filesystem::path(args->library));
    if (!library) return fail(library.error().message());
    // An image model classifies only what is inside the guide box: --guide-box pixels high,
    // else 90 % of the frame height.
    const float guide_share =
        args->guide_box > 0 ? static_cast<float>(args->guide_box) / size->height : 0.9f;
    auto loaded = load_classifier(args->model, library.value(), args->threshold, guide_share);
    if (!loaded) return fail(loaded.error().message());
    auto classifier = loaded->classifier;

    VideoOutputOptions video = args->video;
    video.webrtc = args->webrtc == "on";
    video.width = size->width > 0 ? size->width : 640;
    video.height = size->height > 0 ? size->height : 480;
    video.fps = args->fps > 0 ? args->fps : 30;
    if (!args->webrtc_ports.empty()) {
      unsigned lo = 0, hi = 0;
      char dash = 0;
      std::istringstream in(args->webrtc_ports);
      if (!(in >> lo >> dash >> hi) || dash != '-' || lo == 0 || hi < lo || hi > 65535)
        return fail("bad --webrtc-ports '" + args->webrtc_ports +
                    "': use MIN-MAX, e.g. 50000-50100");
      video.webrtc_options.udp_port_min = static_cast<uint16_t>(lo);
      video.webrtc_options.udp_port_max = static_cast<uint16_t>(hi);
    }
    auto outputs = VideoOutputs::start(video);
    if (!outputs) return fail(outputs.error().message());
    VideoOutputs* v = outputs.value().get();

    PipelineOptions popts;
    popts.source = args->source;
    popts.capture.size = size.value();
    popts.capture.fps = args->fps;
    popts.movenet.variant = *variant;
    popts.movenet.models_dir = args->models_dir;
    popts.movenet.threads = args->threads;
    popts.overlay.guide_box = args->guide_box;
    popts.jpeg_quality = args->jpeg_quality;
    popts.record_path = args->record;
    popts.display = args->display;
    popts.model_name = args->model;
    popts.time_code = args->time_code;
    popts.background = *background_mode_from_name(args->background);  // CLI11 checked it
    auto pipeline = Pipeline::create(popts, classifier, library.value());
    if (!pipeline) return fail(pipeline.error().message());
    Pipeline* p = pipeline.value().get();

    std::unique_ptr<LiveTelemetry> telemetry;  // set once the server's URL is known
    // The --model file is watched: a new version takes over, one that does not load is reported
    // (stderr, MQTT errors, /api/status "model_file") while the running model carries on. The
    // instructor's model command switches through the same watcher.
    ModelWatchOptions watch;
    watch.guide_box = guide_share;
    ModelWatcher models(
        loaded->name, library.value(), args->threshold,
        [p, &telemetry](const LoadedClassifier& next) {
          std::cerr << "posecast run: model: now running " << next.name << "\n";
          p->set_classifier(next.classifier, next.name);
          if (telemetry) telemetry->model_changed(next.name);
        },
        [&telemetry](const std::string& message) {
          std::cerr << "posecast run: model: " << message << "\n";
          if (telemetry) telemetry->report_error("model", message);
        },
        watch);
    LiveServerHooks hooks = pipeline_hooks(*p);
    hooks.status_json = [p, &models, v] {
      nlohmann::json status = p->status();
      status["model_file"] = models.status();
      status["video"] = v->status();
      return status;
    };
    hooks.metrics_text = [p, v] { return p->metrics() + v->metrics(); };
    v->attach(hooks);
    p->add_video_sink([v](const FrameResult& r, const cv::Mat& image) { v->push(r, image); });
    if (!telemetry_args->no_history)
      hooks.history_json = [&telemetry]() -> Result<nlohmann::json> {
        if (!telemetry || !telemetry->history()) return Error("not open yet");
        auto sessions = telemetry->history()->sessions();
        if (!sessions) return sessions.error();
        return history_json(sessions.value());
      };
    auto server = LiveServer::start(server_options.value(), hooks);
    if (!server) return fail(server.error().message());
    LiveServer* s = server.value().get();
    publish_to_server(*p, *s);

    // Instructor commands (MQTT) act on the pipeline; a model that fails to load leaves the old
    // one running and the error goes back on the errors topic.
    auto apply = [p, &models](const InstructorCommand& c) -> Status {
      switch (c.kind) {
        case InstructorCommand::Kind::kTarget:
          return p->set_target(c.value);
        case InstructorCommand::Kind::kMessage:
          p->set_message(c.value);
          return Status::Ok();
        case InstructorCommand::Kind::kModel:
          return models.switch_to(c.value);
        default:
          return Error("not handled here");
      }
    };
    auto started = LiveTelemetry::start(
        *telemetry_args, *p, loaded->name,
        announced_viewer_url(server_options.value(), *s, args->public_url), apply);
    if (!started) return fail(started.error().message());
    telemetry = std::move(started).value();
    LiveTelemetry* t = telemetry.get();
    p->set_error_sink([t](const std::string& kind, const std::string& message) {
      std::cerr << "posecast run: " << kind << ": " << message << "\n";
      t->report_error(kind, message);
    });
    v->set_error_sink([t](const std::string& message) {
      std::cerr << "posecast run: video: " << message << "\n";
      t->report_error("video", message);
    });

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    // Past a file size limit a write fails (and --record stops with an error) instead of the
    // kernel killing the whole coach.
    std::signal(SIGXFSZ, SIG_IGN);
    p->start();
    models.start();
    std::cout << "posecast: viewer at " << s->access_url()
              << "  (source: " << p->status()["source"].get<std::string>() << "; Ctrl-C stops)"
              << std::endl;
    for (const auto& line : v->announcements()) std::cout << "posecast: " << line << std::endl;
    const auto t0 = std::chrono::steady_clock::now();
    while (!g_interrupted) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (args->seconds > 0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >=
              args->seconds)
        break;
    }
    models.stop();
    p->stop();
    s->stop();  // no new WebRTC sessions
    v->stop();
    telemetry->stop();
  });
}

}  // namespace posecast::cli
