#include "posecast/video_file.h"

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <opencv2/videoio.hpp>
#include <thread>

namespace posecast {

namespace {
constexpr size_t kDecodeAhead = 4;  // frames decoded before the analysis asks: enough to overlap
}

struct VideoFileReader::Impl {
  VideoFileInfo info;
  cv::VideoCapture capture;
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<VideoFrame> ready;
  bool ended = false, stopping = false;
  std::string error;
  std::thread decoder;

  void decode_loop() {
    int64_t number = 0;
    std::optional<double> first_ms;
    double last_ms = 0;
    // One frame's duration, for frames without a usable time of their own.
    const double step_ms = 1000.0 / (info.fps > 0 && info.fps < 1000 ? info.fps : 30);
    for (;;) {
      cv::Mat image;
      if (!capture.read(image) || image.empty()) break;
      double pos_ms = capture.get(cv::CAP_PROP_POS_MSEC);
      // FFmpeg reports 0 for the last frame of some files: time never runs backwards here.
      if (first_ms && pos_ms <= last_ms) pos_ms = last_ms + step_ms;
      if (!first_ms) first_ms = pos_ms;
      last_ms = pos_ms;
      VideoFrame v;
      v.t_s = (pos_ms - *first_ms) / 1000.0;
      v.frame.image = std::move(image);
      v.frame.number = ++number;
      v.frame.capture_unix_ms = std::llround(v.t_s * 1000);
      v.frame.captured = std::chrono::steady_clock::now();
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return stopping || ready.size() < kDecodeAhead; });
      if (stopping) return;
      ready.push_back(std::move(v));
      changed.notify_all();
    }
    std::lock_guard<std::mutex> lock(mutex);
    // The container's count is an estimate (off by a few frames, more with variable rates).
    if (info.frame_count > 0 && number + 5 < info.frame_count && number < 0.95 * info.frame_count)
      error = info.path + ": the video ends after frame " + std::to_string(number) + " of " +
              std::to_string(info.frame_count);
    ended = true;
    changed.notify_all();
  }
};

Result<std::unique_ptr<VideoFileReader>> VideoFileReader::open(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) return Error(path + ": no such video file");
  auto impl = std::make_unique<Impl>();
  if (!impl->capture.open(path, cv::CAP_FFMPEG) || !impl->capture.isOpened())
    return Error(path + ": cannot open it as a video");
  impl->info.path = path;
  impl->info.width = static_cast<int>(impl->capture.get(cv::CAP_PROP_FRAME_WIDTH));
  impl->info.height = static_cast<int>(impl->capture.get(cv::CAP_PROP_FRAME_HEIGHT));
  impl->info.fps = impl->capture.get(cv::CAP_PROP_FPS);
  impl->info.frame_count =
      std::max<int64_t>(0, static_cast<int64_t>(impl->capture.get(cv::CAP_PROP_FRAME_COUNT)));
  if (impl->info.width <= 0 || impl->info.height <= 0)
    return Error(path + ": holds no video stream");
  Impl* raw = impl.get();
  raw->decoder = std::thread([raw] { raw->decode_loop(); });
  return std::unique_ptr<VideoFileReader>(new VideoFileReader(std::move(impl)));
}

VideoFileReader::VideoFileReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

VideoFileReader::~VideoFileReader() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->changed.notify_all();
  if (impl_->decoder.joinable()) impl_->decoder.join();
}

const VideoFileInfo& VideoFileReader::info() const { return impl_->info; }

std::optional<VideoFrame> VideoFileReader::next() {
  std::unique_lock<std::mutex> lock(impl_->mutex);
  impl_->changed.wait(lock, [&] { return impl_->ended || !impl_->ready.empty(); });
  if (impl_->ready.empty()) return std::nullopt;
  VideoFrame v = std::move(impl_->ready.front());
  impl_->ready.pop_front();
  impl_->changed.notify_all();
  return v;
}

const std::string& VideoFileReader::error() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->error;
}

}  // namespace posecast
