// Frame sources over OpenCV's capture and codecs.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "posecast/cameras.h"
#include "posecast/capture.h"
#include "posecast/image_io.h"

namespace posecast {

namespace fs = std::filesystem;

namespace {

cv::Mat fit(cv::Mat image, const cv::Size& size) {
  if (image.channels() == 1) cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);
  if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
  if (size.area() > 0 && image.size() != size) cv::resize(image, image, size, 0, 0, cv::INTER_AREA);
  return image;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

class VideoSource : public FrameSource {
 public:
  VideoSource(cv::VideoCapture cap, std::string what, double pace, bool loop, cv::Size size)
      : cap_(std::move(cap)), what_(std::move(what)), pace_(pace), loop_(loop), size_(size) {}

  Result<cv::Mat> read() override {
    cv::Mat frame;
    if (cap_.read(frame) && !frame.empty()) return fit(frame, size_);
    if (loop_ && pace_ > 0) {  // a file: start again at the beginning
      cap_.set(cv::CAP_PROP_POS_FRAMES, 0);
      if (cap_.read(frame) && !frame.empty()) return fit(frame, size_);
    }
    return Error(what_ + (pace_ > 0 ? ": ended or unreadable" : ": no frame (disconnected?)"));
  }
  std::string describe() const override { return what_; }
  double pace_fps() const override { return pace_; }

 private:
  cv::VideoCapture cap_;
  std::string what_;
  double pace_;
  bool loop_;
  cv::Size size_;
};

class SlideshowSource : public FrameSource {
 public:
  SlideshowSource(std::vector<std::string> files, std::string what, double fps, bool loop,
                  cv::Size size)
      : files_(std::move(files)), what_(std::move(what)), fps_(fps), loop_(loop), size_(size) {}

  Result<cv::Mat> read() override {
    if (next_ >= files_.size()) {
      if (!loop_) return Error(what_ + ": ended");
      next_ = 0;
    }
    const std::string& file = files_[next_++];
    Result<cv::Mat> image = read_image_file(file);
    if (!image) return Error("image " + image.error().message() + " (skipped)");
    return fit(image.value(), size_);
  }
  std::string describe() const override { return what_; }
  double pace_fps() const override { return fps_; }
  bool skip_on_error() const override { return true; }

 private:
  std::vector<std::string> files_;
  std::string what_;
  double fps_;
  bool loop_;
  cv::Size size_;
  size_t next_ = 0;
};

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".webp";
}

bool is_number(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

Result<std::unique_ptr<FrameSource>> open_source(const std::string& spec,
                                                 const SourceOptions& options) {
  if (spec == "demo") return make_demo_source(options);
  if (is_number(spec) || starts_with(spec, "/dev/video")) {
    cv::VideoCapture cap;
    // MJPEG at the size (and --fps rate) asked for when the camera offers it.
    auto got = open_v4l2_camera(cap, camera_device_path(spec), options.size, options.fps);
    if (!got) return got.error();
    cap.set(cv::CAP_PROP_BUFFERSIZE, 1);  // the newest frame, not a backlog
    std::cerr << "posecast: camera " << spec << ": " << got.value() << "\n";
    return std::unique_ptr<FrameSource>(new VideoSource(
        std::move(cap), "camera " + spec + " (" + got.value() + ")", 0, false, options.size));
  }
  if (starts_with(spec, "rtsp://") || starts_with(spec, "http://") ||
      starts_with(spec, "https://") || starts_with(spec, "rtmp://") ||
      starts_with(spec, "udp://") || starts_with(spec, "tcp://")) {
    cv::VideoCapture cap(spec, cv::CAP_FFMPEG);
    if (!cap.isOpened()) return Error("stream " + spec + ": cannot be opened");
    return std::unique_ptr<FrameSource>(
        new VideoSource(std::move(cap), "stream " + spec, 0, false, options.size));
  }
  std::error_code ec;
  const bool folder = fs::is_directory(spec, ec);
  if (folder || spec.find_first_of("*?[") != std::string::npos) {
    std::vector<std::string> files;
    if (folder) {
      for (const auto& e : fs::recursive_directory_iterator(spec, ec))
        if (e.is_regular_file() && is_image_file(e.path())) files.push_back(e.path().string());
    } else {
      std::vector<cv::String> matches;
      try {
        cv::glob(spec, matches, false);
      } catch (const cv::Exception&) {
      }
      for (const auto& m : matches)
        if (is_image_file(m)) files.emplace_back(m);
    }
    std::sort(files.begin(), files.end());
    if (files.empty())
      return Error("slideshow " + spec + ": no .jpg/.jpeg/.png/.bmp/.webp images found");
    double fps = options.fps > 0 ? options.fps : 1.0;
    return std::unique_ptr<FrameSource>(new SlideshowSource(std::move(files), "slideshow " + spec,
                                                            fps, options.loop, options.size));
  }
  if (!fs::exists(spec, ec))
    return Error("source " + spec + ": no such file, folder, camera or URL");
  cv::VideoCapture cap(spec);
  if (!cap.isOpened()) return Error("video " + spec + ": cannot be opened or decoded");
  double fps = options.fps > 0 ? options.fps : cap.get(cv::CAP_PROP_FPS);
  if (!(fps > 0 && fps < 1000)) fps = 30;
  return std::unique_ptr<FrameSource>(
      new VideoSource(std::move(cap), "video " + spec, fps, options.loop, options.size));
}

std::string default_source_spec() {
  std::error_code ec;
  for (int i = 0; i < 4; ++i) {
    std::string dev = "/dev/video" + std::to_string(i);
    if (!fs::exists(dev, ec)) continue;
    cv::VideoCapture cap(i);
    if (cap.isOpened()) return std::to_string(i);
  }
  return "demo";
}

}  // namespace posecast
