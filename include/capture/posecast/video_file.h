// A recorded video read frame by frame for offline analysis (`posecast analyze`): every frame in
// order, none dropped, each with its time in the file; decoding runs a few frames ahead on its own
// thread so that it overlaps the analysis.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "posecast/frame.h"
#include "posecast/status.h"

namespace posecast {

struct VideoFileInfo {
  std::string path;
  int width = 0;
  int height = 0;
  double fps = 0;           // the container's nominal rate (0 when unknown)
  int64_t frame_count = 0;  // the container's estimate (0 when unknown), for progress only
};

struct VideoFrame {
  Frame frame;     // number 1, 2, ...; capture_unix_ms = t_s in ms (a file has no wall clock)
  double t_s = 0;  // seconds from the first frame (the presentation time, variable rates kept)
};

class VideoFileReader {
 public:
  // An error names the file when it cannot be opened or holds no video frame.
  static Result<std::unique_ptr<VideoFileReader>> open(const std::string& path);
  ~VideoFileReader();

  const VideoFileInfo& info() const;
  // The next frame in file order; nullopt at the end. A file that breaks off mid-way ends there;
  // error() then says so.
  std::optional<VideoFrame> next();
  const std::string& error() const;

 private:
  struct Impl;
  explicit VideoFileReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
