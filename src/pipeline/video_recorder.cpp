#include "video_recorder.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace posecast {

namespace {

// FFmpeg writes the file through a 32 KiB buffer: it grows in steps of that size.
constexpr int64_t kWriteBufferBytes = 32 * 1024;

int64_t file_size(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? static_cast<int64_t>(info.st_size) : -1;
}

// Bytes an unprivileged writer may still use on the file system holding `path`; -1: unknown.
int64_t free_bytes(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  struct statvfs info {};
  if (::statvfs(dir.c_str(), &info) != 0) return -1;
  return static_cast<int64_t>(info.f_bavail) * static_cast<int64_t>(info.f_frsize);
}

std::string human_bytes(int64_t bytes) {
  if (bytes < 10 * 1024) return std::to_string(bytes) + " bytes";
  if (bytes < 10 * 1024 * 1024) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes / (1024 * 1024)) + " MiB";
}

}  // namespace

VideoRecorder::VideoRecorder(std::string path, RecorderOptions options)
    : path_(std::move(path)), options_(options) {}

VideoRecorder::~VideoRecorder() { close(); }

Status VideoRecorder::write(const cv::Mat& image) {
  {
    std::lock_guard lock(mutex_);
    if (state_ != "recording") return Status::Ok();
  }
  if (!writer_.isOpened()) {
    if (const int64_t left = free_bytes(path_); left >= 0 && left < options_.min_free_bytes)
      return fail("the disk is full (" + human_bytes(left) + " free)");
    if (!writer_.open(path_, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), options_.fps,
                      image.size()))
      return fail("cannot open it for writing (mp4v video)");
  }
  writer_.write(image);
  int64_t frames = 0;
  {
    std::lock_guard lock(mutex_);
    frames = ++frames_;
  }
  ++frames_since_growth_;
  if (frames % options_.check_every != 0) return Status::Ok();
  return check_progress();
}

Status VideoRecorder::check_progress() {
  if (const int64_t left = free_bytes(path_); left >= 0 && left < options_.min_free_bytes)
    return fail("the disk is full (" + human_bytes(left) + " free)");
  const int64_t size = file_size(path_);
  if (size < 0) return fail("the file is gone");
  int64_t frames = 0, last_size = 0;
  {
    std::lock_guard lock(mutex_);
    frames = frames_;
    last_size = bytes_;
    bytes_ = size;
  }
  if (size > last_size) {
    frames_since_growth_ = 0;
    return Status::Ok();
  }
  // Without a write error to see, a file that stops growing is the sign. How long it may rest
  // depends on how big the frames come out: long enough for a few buffers' worth of them.
  const int64_t bytes_per_frame = size > 0 ? std::max<int64_t>(1, size / frames) : 0;
  const int64_t patience =
      bytes_per_frame > 0
          ? std::max<int64_t>(options_.min_stalled_frames, 4 * kWriteBufferBytes / bytes_per_frame)
          : 30 * options_.min_stalled_frames;
  if (frames_since_growth_ < patience) return Status::Ok();
  return fail("the file stopped growing at " + human_bytes(size) + " while " +
              std::to_string(frames_since_growth_) +
              " more frames went in (disk full, quota or file size limit)");
}

Status VideoRecorder::fail(const std::string& why) {
  int64_t frames = 0;
  {
    std::lock_guard lock(mutex_);
    state_ = "failed";
    frames = frames_;
  }
  // Finishing the file may fail too; what is in it stays (an MP4 without its index may not play).
  if (writer_.isOpened()) writer_.release();
  const std::string message = "recording to " + path_ + " stopped after " + std::to_string(frames) +
                              " frames: " + why + "; the live stream goes on";
  {
    std::lock_guard lock(mutex_);
    error_ = message;
  }
  return Error(message);
}

void VideoRecorder::close() {
  if (writer_.isOpened()) writer_.release();
  std::lock_guard lock(mutex_);
  if (state_ == "recording") state_ = "closed";
}

nlohmann::json VideoRecorder::status() const {
  std::lock_guard lock(mutex_);
  nlohmann::json j = {{"file", path_}, {"state", state_}, {"frames", frames_}, {"bytes", bytes_}};
  if (!error_.empty()) j["error"] = error_;
  return j;
}

}  // namespace posecast
