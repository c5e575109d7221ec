// posecast bench pipeline: the live pipeline end to end, as a viewer sees it. Runs the real
// Pipeline and LiveServer in this process on a free loopback port, with K real HTTP clients
// reading /stream.mjpg, and measures what reaches them: frames per second, capture -> client
// latency (from each part's X-Capture-Time), per-stage times, CPU and memory.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
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
#include "posecast/live_server.h"
#include "posecast/pipeline.h"
#include "posecast/pose_library.h"

namespace posecast::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct BenchPipelineArgs {
  std::string source = "demo";
  double seconds = 10;
  double warmup = 2;
  double fps = 0;
  std::string size = "640x480";
  std::string pose_model = "lightning";
  std::string models_dir;
  int viewers = 1;
  int threads = 1;
  int jpeg_quality = 80;
  bool max_rate = false;
};

double unix_ms_precise() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// What one viewer saw while the measurement ran.
struct ViewerReport {
  int64_t frames = 0;
  std::vector<double> latency_ms;  // receive time - X-Capture-Time, per part
  double cpu_seconds = 0;          // this client's own thread: parsing is not the server's cost
  std::string error;
};

// A viewer of /stream.mjpg over a plain loopback socket: reads the multipart stream, and for each
// complete part takes its X-Capture-Time and the moment its last byte arrived. It counts only
// while `measuring` is set and stops when `stop` is set or the server closes the stream.
class MjpegViewer {
 public:
  MjpegViewer(uint16_t port, const std::atomic<bool>& measuring, const std::atomic<bool>& stop)
      : port_(port), measuring_(measuring), stop_(stop) {}

  void run() {
    const double cpu_start = thread_cpu_seconds();
    read_stream();
    report_.cpu_seconds = thread_cpu_seconds() - cpu_start;
    if (fd_ >= 0) ::close(fd_);
  }
  ViewerReport& report() { return report_; }

 private:
  void read_stream() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return fail(std::string("socket: ") + std::strerror(errno));
    timeval timeout{0, 200 * 1000};  // so that `stop` is seen while no frame comes
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
      return fail(std::string("connect: ") + std::strerror(errno));
    const std::string request = "GET /stream.mjpg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size()))
      return fail(std::string("send: ") + std::strerror(errno));

    size_t head_end = std::string::npos;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!receive()) return fail("no response head from /stream.mjpg");
    const std::string head = buffer_.substr(0, head_end);
    buffer_.erase(0, head_end + 4);
    if (head.rfind("HTTP/1.1 200", 0) != 0)
      return fail("/stream.mjpg answered " + head.substr(0, head.find('\r')));
    const size_t boundary_at = head.find("boundary=");
    if (boundary_at == std::string::npos) return fail("/stream.mjpg has no multipart boundary");
    const std::string delimiter =
        "--" + head.substr(boundary_at + 9, head.find('\r', boundary_at) - boundary_at - 9);

    for (;;) {
      // A part: delimiter line, headers, blank line, Content-Length bytes of JPEG, CRLF.
      size_t part_end = std::string::npos;
      while ((part_end = buffer_.find("\r\n\r\n")) == std::string::npos)
        if (!receive()) return;
      if (buffer_.compare(0, delimiter.size(), delimiter) != 0)
        return fail("part does not start with the boundary " + delimiter);
      const std::string headers = buffer_.substr(0, part_end + 2);
      const int64_t length = header_number(headers, "Content-Length");
      const int64_t capture_ms = header_number(headers, "X-Capture-Time");
      if (length < 0 || capture_ms < 0)
        return fail("part without Content-Length or X-Capture-Time");
      const size_t total = part_end + 4 + static_cast<size_t>(length) + 2;
      while (buffer_.size() < total)
        if (!receive()) return;
      if (measuring_) {
        ++report_.frames;
        report_.latency_ms.push_back(unix_ms_precise() - static_cast<double>(capture_ms));
      }
      buffer_.erase(0, total);
    }
  }

  // Appends what the socket has to the buffer; false when the stream ended or `stop` was set.
  bool receive() {
    char chunk[64 * 1024];
    for (;;) {
      if (stop_) return false;
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
      return false;
    }
  }

  static int64_t header_number(const std::string& headers, const std::string& name) {
    const size_t at = headers.find("\r\n" + name + ":");
    if (at == std::string::npos) return -1;
    return std::strtoll(headers.c_str() + at + name.size() + 3, nullptr, 10);
  }

  void fail(std::string message) {
    if (report_.error.empty()) report_.error = std::move(message);
  }

  uint16_t port_;
  const std::atomic<bool>& measuring_;
  const std::atomic<bool>& stop_;
  int fd_ = -1;
  std::string buffer_;
  ViewerReport report_;
};

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
  options.movenet.variant = *variant_from_name(args.pose_model);  // CLI11 checked the name
  options.movenet.models_dir = args.models_dir;
  options.movenet.threads = args.threads;
  options.jpeg_quality = args.jpeg_quality;
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

// What all viewers saw together.
struct ViewerTotals {
  std::vector<double> latency_ms;
  double cpu_seconds = 0;
  double min_fps = -1;
  int64_t frames = 0;
  std::string error;  // the first viewer's that failed
};

// The --viewers clients, one thread each.
class ViewerGroup {
 public:
  ViewerGroup(int count, uint16_t port, const std::atomic<bool>& measuring) {
    for (int i = 0; i < count; ++i) {
      viewers_.push_back(std::make_unique<MjpegViewer>(port, measuring, stop_));
      threads_.emplace_back([viewer = viewers_.back().get()] { viewer->run(); });
    }
  }
  ~ViewerGroup() {
    request_stop();
    join();
  }
  void request_stop() { stop_ = true; }
  void join() {
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
  }
  // After join(); `wall`: the measured seconds.
  ViewerTotals totals(double wall) const {
    ViewerTotals sum;
    for (const auto& viewer : viewers_) {
      ViewerReport& r = viewer->report();
      sum.latency_ms.insert(sum.latency_ms.end(), r.latency_ms.begin(), r.latency_ms.end());
      sum.cpu_seconds += r.cpu_seconds;
      sum.frames += r.frames;
      const double fps = static_cast<double>(r.frames) / wall;
      if (sum.min_fps < 0 || fps < sum.min_fps) sum.min_fps = fps;
      if (sum.error.empty() && !r.error.empty()) sum.error = r.error;
    }
    return sum;
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<MjpegViewer>> viewers_;
  std::vector<std::thread> threads_;
};

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
          {"pose_model", args.pose_model},
          {"threads", args.threads},
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
      "/stream.mjpg on loopback. Prints {\"source\",\"size\",\"pose_model\",\"threads\","
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
  cmd->add_option("--pose-model", args->pose_model, "MoveNet variant")
      ->check(CLI::IsMember({"lightning", "thunder"}))
      ->capture_default_str();
  cmd->add_option("--models", args->models_dir, "Folder of the pretrained models");
  cmd->add_option("--viewers", args->viewers, "Concurrent MJPEG clients")
      ->check(CLI::Range(1, 500))
      ->capture_default_str();
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
