// posecast bench pipeline: the live pipeline end to end, as a viewer sees it. Runs the real
// Pipeline and LiveServer in this process on a free loopback port, with K real HTTP clients
// reading /stream.mjpg, and measures what reaches them: frames per second, capture -> client
// latency (from each part's X-Capture-Time), per-stage times, CPU and memory. The clients are
// in mjpeg_viewers.
#include <sys/resource.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench.h"
#include "json_output.h"
#include "live_setup.h"
#include "mjpeg_viewers.h"
#include "posecast/live_server.h"
#include "posecast/pipeline.h"
#include "posecast/pose_library.h"
#include "video_options.h"

namespace posecast::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct BenchPipelineArgs {
  std::string source = "demo";
  double seconds = 10;
  double warmup = 2;
  double fps = 0;
  std::string size = "640x480";
  PoseModelArgs pose;  // --pose-model, --frames-in-flight
  std::string models_dir;
  int viewers = 1;
  int threads = 1;
  int jpeg_quality = 80;
  bool max_rate = false;
  int people = 1;
};

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Stage times of the frames rendered while measuring (the pipeline's FrameResult::times).
struct StageSamples {
  std::mutex mutex;
  std::vector<double> pose, classify, render, encode, capture_to_published;
};

std::string seconds_text(double v) {
  std::ostringstream text;
  text << rounded(v, 2);
  return text.str();
}

double median_of(std::vector<double> v) { return summarize_latencies(std::move(v)).median_ms; }

int64_t counter(const nlohmann::json& j, const char* group, const char* name) {
  return j.contains(group) && j[group].contains(name) ? j[group][name].get<int64_t>() : 0;
}

Result<std::unique_ptr<Pipeline>> create_pipeline(const BenchPipelineArgs& args, cv::Size size,
                                                  const PoseLibrary& library) {
  PipelineOptions options;
  options.source = args.source;
  options.capture.size = size;
  options.capture.fps = args.fps;
  options.capture.as_fast_as_taken = args.max_rate;
  options.movenet.models_dir = args.models_dir;
  options.movenet.threads = args.threads;
  options.jpeg_quality = args.jpeg_quality;
  options.people = args.people;
  if (Status s = apply_pose_model(args.pose, options); !s.ok()) return s.error();
  return Pipeline::create(options, std::make_shared<LibraryClassifier>(library), library);
}

// The stage times of every frame published while `measuring` is set.
void record_stages(Pipeline& pipeline, const std::atomic<bool>& measuring, StageSamples& stages) {
  pipeline.add_frame_sink(
      [&](const FrameResult& r, const std::shared_ptr<const std::vector<uint8_t>>&) {
        if (!measuring) return;
        const double published_ms = unix_ms_precise() - static_cast<double>(r.capture_unix_ms);
        std::lock_guard lock(stages.mutex);
        stages.pose.push_back(r.times.pose_ms);
        stages.classify.push_back(r.times.classify_ms);
        stages.render.push_back(r.times.render_ms);
        stages.encode.push_back(r.times.encode_ms);
        stages.capture_to_published.push_back(published_ms);
      });
}

// The pipeline's first errors, which say why no frame came.
struct PipelineErrors {
  std::mutex mutex;
  std::vector<std::string> first;
};

void keep_first_errors(Pipeline& pipeline, PipelineErrors& errors) {
  pipeline.set_error_sink([&](const std::string& kind, const std::string& message) {
    std::lock_guard lock(errors.mutex);
    if (errors.first.size() < 5) errors.first.push_back(kind + ": " + message);
  });
}

// The pipeline's and the server's counters around the measured window, and its wall and CPU time.
struct Window {
  nlohmann::json status_before, status_after;
  ServerStats server_before, server_after;
  double wall = 0, cpu = 0;
};

// Warm-up (model caches, first allocations, viewers connecting), then the measured window.
Window measure(const BenchPipelineArgs& args, const Pipeline& pipeline, const LiveServer& server,
               std::atomic<bool>& measuring) {
  std::this_thread::sleep_for(std::chrono::duration<double>(args.warmup));
  Window w;
  w.status_before = pipeline.status();
  w.server_before = server.stats();
  const double cpu_before = process_cpu_seconds();
  const Clock::time_point start = Clock::now();
  measuring = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(args.seconds));
  measuring = false;
  w.wall = std::chrono::duration<double>(Clock::now() - start).count();
  w.cpu = process_cpu_seconds() - cpu_before;
  w.status_after = pipeline.status();
  w.server_after = server.stats();
  return w;
}

// The benchmark's one JSON line.
nlohmann::ordered_json result_line(const BenchPipelineArgs& args, cv::Size size, const Window& w,
                                   const ViewerTotals& viewers, StageSamples& stages) {
  const auto delta = [&](const char* group, const char* name) {
    return counter(w.status_after, group, name) - counter(w.status_before, group, name);
  };
  const double wall = w.wall;
  const LatencySummary latency = summarize_latencies(viewers.latency_ms);
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 1) load[0] = -1;
  std::lock_guard lock(stages.mutex);
  return {{"source", w.status_after.value("source", args.source)},
          {"size", std::to_string(size.width) + "x" + std::to_string(size.height)},
          {"pose_model", w.status_after.value("pose_model", args.pose.pose_model)},
          {"frames_in_flight", w.status_after.value("frames_in_flight", 1)},
          {"threads", args.threads},
          {"people", args.people},
          {"viewers", args.viewers},
          {"max_rate", args.max_rate},
          {"seconds", rounded(wall, 2)},
          {"frames", viewers.frames / args.viewers},
          {"fps", rounded(static_cast<double>(viewers.frames) / args.viewers / wall, 2)},
          {"min_viewer_fps", rounded(viewers.min_fps, 2)},
          {"source_fps", rounded(static_cast<double>(delta("frames", "captured")) / wall, 2)},
          {"pipeline_fps", rounded(static_cast<double>(delta("frames", "rendered")) / wall, 2)},
          {"drops",
           {{"capture", delta("drops", "capture")},
            {"render", delta("drops", "render")},
            {"viewer_skipped", w.server_after.frames_skipped - w.server_before.frames_skipped}}},
          {"stage_ms",
           {{"pose", rounded(median_of(stages.pose), 2)},
            {"classify", rounded(median_of(stages.classify), 2)},
            {"render", rounded(median_of(stages.render), 2)},
            {"encode", rounded(median_of(stages.encode), 2)},
            {"capture_to_published", rounded(median_of(stages.capture_to_published), 2)}}},
          {"latency_ms",
           {{"median", rounded(latency.median_ms, 1)}, {"p90", rounded(latency.p90_ms, 1)}}},
          {"cpu_pct", rounded(100 * w.cpu / wall, 1)},
          {"client_cpu_pct", rounded(100 * viewers.cpu_seconds / wall, 1)},
          {"rss_mb", rounded(peak_rss_mb(), 1)},
          {"cores", std::thread::hardware_concurrency()},
          {"load1", rounded(load[0], 2)}};
}

int run_bench_pipeline(const BenchPipelineArgs& args) {
  const auto fail = [](const std::string& message) {
    std::cerr << "posecast bench pipeline: " << message << "\n";
    return 1;
  };
  auto size = parse_frame_size(args.size);
  if (!size) return fail(size.error().message());
  auto library = load_pose_library(default_pose_library_path());
  if (!library) return fail(library.error().message());
  auto created = create_pipeline(args, size.value(), library.value());
  if (!created) return fail(created.error().message());
  Pipeline& pipeline = *created.value();

  LiveServerOptions server_options;
  server_options.host = "127.0.0.1";
  server_options.port = 0;
  auto server = LiveServer::start(server_options, pipeline_hooks(pipeline));
  if (!server) return fail(server.error().message());
  publish_to_server(pipeline, *server.value());

  std::atomic<bool> measuring{false};
  StageSamples stages;
  record_stages(pipeline, measuring, stages);
  PipelineErrors errors;
  keep_first_errors(pipeline, errors);

  pipeline.start();
  ViewerGroup viewers(args.viewers, server.value()->port(), measuring);
  const Window window = measure(args, pipeline, *server.value(), measuring);
  viewers.request_stop();
  pipeline.stop();
  server.value()->stop();
  viewers.join();

  const ViewerTotals seen = viewers.totals(window.wall);
  if (!seen.error.empty()) return fail("viewer: " + seen.error);
  if (seen.frames == 0) {
    const std::string why =
        errors.first.empty() ? "the pipeline reported no error" : errors.first.front();
    return fail("no frame reached the viewers in " + seconds_text(args.warmup + args.seconds) +
                " s: " + why);
  }
  print_json_line(result_line(args, size.value(), window, seen, stages));
  return 0;
}

}  // namespace

void add_bench_pipeline(CLI::App& bench, Context& ctx) {
  auto args = std::make_shared<BenchPipelineArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "pipeline",
      "Run the live pipeline and server in-process with --viewers real HTTP clients reading "
      "/stream.mjpg on loopback. Prints "
      "{\"source\",\"size\",\"pose_model\",\"frames_in_flight\",\"threads\","
      "\"viewers\",\"max_rate\",\"seconds\",\"frames\",\"fps\",\"min_viewer_fps\",\"source_fps\","
      "\"pipeline_fps\",\"drops\",\"stage_ms\",\"latency_ms\",\"cpu_pct\",\"client_cpu_pct\","
      "\"rss_mb\",\"cores\",\"load1\"}: fps = frames a viewer received per second (mean over "
      "viewers); latency_ms = client receive time - X-Capture-Time (median, p90); stage_ms = "
      "medians of the pipeline's own timings; cpu_pct = process CPU time / wall time (the "
      "clients' share in client_cpu_pct); rss_mb = PEAK resident memory; load1 = the machine's "
      "1-minute load average at the end.");
  cmd->add_option("--source", args->source,
                  "Video file, image folder or 'demo'; files play at their own fps and loop")
      ->capture_default_str();
  cmd->add_option("--seconds", args->seconds, "Measured time")
      ->check(CLI::Range(0.5, 3600.0))
      ->capture_default_str();
  cmd->add_option("--warmup", args->warmup, "Unmeasured time first")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  cmd->add_option("--fps", args->fps,
                  "Pace of the file or demo, like a camera at this rate (default: the file's own "
                  "fps, the demo's 30)")
      ->check(CLI::Range(0.0, 1000.0));
  cmd->add_option("--size", args->size, "Frame size: WxH or 480p/720p/...")->capture_default_str();
  add_pose_model_options(*cmd, args->pose);
  cmd->add_option("--models", args->models_dir, "Folder of the pretrained models");
  cmd->add_option("--viewers", args->viewers, "Concurrent MJPEG clients")
      ->check(CLI::Range(1, 500))
      ->capture_default_str();
  add_people_option(*cmd, args->people);
  cmd->add_option("--threads", args->threads, "Inference threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--jpeg-quality", args->jpeg_quality, "JPEG quality of the stream")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_flag("--max-rate", args->max_rate,
                "Read the source as fast as the pipeline takes frames (its headroom) instead of "
                "at the source's own fps");
  cmd->callback([args, &ctx] { ctx.exit_code = run_bench_pipeline(*args); });
}

}  // namespace posecast::cli
