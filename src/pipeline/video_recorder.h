// --record FILE.mp4: the annotated frames into a video file, and the failure OpenCV does not
// report. cv::VideoWriter::write() returns nothing, and when the disk fills (or a quota or file
// size limit is reached) FFmpeg's writes fail without a word while frames keep going in. So the
// recorder looks at the file and the disk every few frames: too little space left, or a file that
// stopped growing while frames were written, ends the recording with one error naming the file.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <opencv2/core/mat.hpp>
#include <opencv2/videoio.hpp>
#include <string>

#include "posecast/status.h"

namespace posecast {

struct RecorderOptions {
  double fps = 30;
  int check_every = 15;              // frames between looks at the file and the disk
  int64_t min_free_bytes = 4 << 20;  // less left on the disk: stop before it is full
  int min_stalled_frames = 90;       // no growth for this many frames (or more, see .cpp)
};

class VideoRecorder {
 public:
  explicit VideoRecorder(std::string path, RecorderOptions options = {});
  ~VideoRecorder();  // close()s

  // Appends a frame (the first opens the file). Returns an Error once, when recording fails;
  // after that the recorder writes nothing and returns Ok.
  Status write(const cv::Mat& image);
  void close();

  // {"file": "...", "state": "recording" | "failed" | "closed", "frames": 120, "bytes": 3145728,
  //  "error": "..."}; safe from any thread.
  nlohmann::json status() const;

 private:
  Status fail(const std::string& why);
  Status check_progress();

  const std::string path_;
  const RecorderOptions options_;
  cv::VideoWriter writer_;
  int64_t frames_since_growth_ = 0;

  mutable std::mutex mutex_;  // the fields status() reads
  std::string state_ = "recording";
  int64_t frames_ = 0;
  int64_t bytes_ = 0;
  std::string error_;
};

}  // namespace posecast
