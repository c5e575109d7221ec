// A recorded video through the live analysis (FrameAnalyzer, the same code path as `run`), every
// frame in order and as fast as the machine allows: `posecast analyze` and `posecast eval-video`.
#pragma once

#include <functional>
#include <string>

#include "posecast/frame_analyzer.h"
#include "posecast/overlay.h"
#include "posecast/video_file.h"

namespace posecast {

struct VideoAnalysisOptions {
  AnalysisControls controls;  // a target pose set for the whole video
  std::string annotated_out;  // the annotated video (MP4); empty = none
  OverlayOptions overlay;
};

struct VideoAnalysisCallbacks {
  std::function<void(const VideoFileInfo&)> on_open;
  // Every analysed frame, in order, with its time in the video.
  std::function<void(const FrameResult&, double t_s)> on_frame;
  // A frame the analysis failed on (it is skipped; the video goes on).
  std::function<void(int64_t frame, double t_s, const std::string& message)> on_error;
};

struct VideoAnalysisSummary {
  int64_t frames = 0;         // read from the file
  int64_t failed_frames = 0;  // the analysis failed on them
  double seconds = 0;         // from the first frame to the last
  double analysis_s = 0;      // wall time spent
};

// Runs `analyzer` (reset first) over every frame of `video`. An error names the file: it cannot be
// read, or the annotated video cannot be written.
Result<VideoAnalysisSummary> analyze_video(const std::string& video, FrameAnalyzer& analyzer,
                                           const PoseClassifier& classifier,
                                           const VideoAnalysisOptions& options,
                                           const VideoAnalysisCallbacks& callbacks);

}  // namespace posecast
