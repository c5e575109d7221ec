// Capture: frame sources (camera, video file, image folder or glob, stream URL, built-in demo)
// and the capture thread that keeps only the newest frame and reopens a source that fails.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "posecast/frame.h"
#include "posecast/keypoints.h"
#include "posecast/latest_slot.h"
#include "posecast/status.h"

namespace posecast {

struct SourceOptions {
  cv::Size size;     // frames are resized to this when set (0x0: the source's own size)
  double fps = 0;    // pace for files, slideshows and the demo (0: the file's own rate, else 30)
  bool loop = true;  // files and slideshows start again at the end
  // Benchmarks: ignore the pace and read the next frame as soon as the pipeline took the last
  // one, so the pipeline runs as fast as it can and capture drops nothing (files and the demo).
  bool as_fast_as_taken = false;
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // The next frame; an error when the source failed or ended (and does not loop).
  virtual Result<cv::Mat> read() = 0;
  virtual std::string describe() const = 0;  // "camera 0", "file x.mp4", "demo", ...
  // Frames per second to pace reads at; 0 for live sources that pace themselves (cameras, URLs).
  virtual double pace_fps() const = 0;
  // True when a failed read() concerns one item (a bad image in a slideshow): capture reports it
  // and reads on instead of reopening the source.
  virtual bool skip_on_error() const { return false; }
};

// "0" or "/dev/video0": a camera; "rtsp://..." / "http(s)://...": a stream; a folder or a glob
// ("photos/*.jpg"): a slideshow; "demo": the built-in demo; anything else: a video file.
Result<std::unique_ptr<FrameSource>> open_source(const std::string& spec,
                                                 const SourceOptions& options);

// The first camera that opens, else "demo".
std::string default_source_spec();

// The built-in demo: an animated figure that flows through library poses, drawn so that MoveNet
// really sees a person (it needs no camera and no files).
std::unique_ptr<FrameSource> make_demo_source(const SourceOptions& options);

// One cycle of the demo (it repeats): its poses (demo_poses(), each held then flowing into the
// next), a set of squats seen from the front, then rest.
struct DemoTimeline {
  double squats_start_s = 0, squats_end_s = 0, cycle_s = 0;  // seconds into the cycle
  int squat_reps = 0;
};
DemoTimeline demo_timeline();
// The keypoints of the figure the demo draws `t_s` seconds in, in a frame of `size`: the body a
// perfect pose model would see (tests drive the rep counter with them).
Pose demo_keypoints(double t_s, cv::Size size = {640, 480});

// The demo figure as a still photo in one of its poses (demo_poses(): mountain, tree, warrior2,
// goddess, triangle): data sets for tests and examples that need no camera and no downloads.
struct DemoPoseVariation {
  float lean_deg = 0;    // the whole body turned by this much
  float arm_deg = 0;     // arms raised (+) or lowered (-) by this much
  float scale = 1;       // body size relative to the demo's
  float x_share = 0.5f;  // hip centre across the image, 0..1
  bool mirror = false;   // the mirror image (the other side of a sided pose)
};
std::vector<std::string> demo_poses();
Result<cv::Mat> render_demo_pose(std::string_view pose, cv::Size size,
                                 const DemoPoseVariation& variation = {});

struct CaptureStats {
  int64_t frames_read = 0;
  int64_t frames_dropped = 0;  // read but replaced by a newer frame before anyone took them
  int64_t reopens = 0;
  bool connected = false;
  std::string source;
  std::string last_error;
};

// Reads a source on its own thread. Only the newest frame is kept; a failing or ended source is
// reopened with back-off (0.1 s doubling to 2 s), and `on_error` hears about each failure.
class Capture {
 public:
  using ErrorHandler = std::function<void(const std::string& message)>;
  Capture(std::string spec, SourceOptions options, ErrorHandler on_error = {});
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  void start();
  void stop();
  // The newest frame, waiting up to `timeout` for one.
  std::optional<Frame> next(std::chrono::milliseconds timeout);
  CaptureStats stats() const;

 private:
  void run();

  std::string spec_;
  SourceOptions options_;
  ErrorHandler on_error_;
  LatestSlot<Frame> slot_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex stats_mutex_;
  CaptureStats stats_;
};

}  // namespace posecast
