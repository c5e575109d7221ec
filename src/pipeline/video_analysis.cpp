#include "posecast/video_analysis.h"

#include <chrono>
#include <memory>

#include "video_recorder.h"

namespace posecast {

Result<VideoAnalysisSummary> analyze_video(const std::string& video, FrameAnalyzer& analyzer,
                                           const PoseClassifier& classifier,
                                           const VideoAnalysisOptions& options,
                                           const VideoAnalysisCallbacks& callbacks) {
  auto reader = VideoFileReader::open(video);
  if (!reader) return reader.error();
  const VideoFileInfo& info = reader.value()->info();
  if (callbacks.on_open) callbacks.on_open(info);
  std::unique_ptr<VideoRecorder> recorder;
  if (!options.annotated_out.empty()) {
    RecorderOptions record;
    if (info.fps > 0) record.fps = info.fps;
    recorder = std::make_unique<VideoRecorder>(options.annotated_out, record);
  }
  analyzer.reset();
  VideoAnalysisSummary summary;
  const auto start = std::chrono::steady_clock::now();
  while (auto v = reader.value()->next()) {
    ++summary.frames;
    summary.seconds = v->t_s;
    auto result = analyzer.analyze(v->frame, v->t_s, classifier, options.controls);
    if (!result) {
      ++summary.failed_frames;
      if (callbacks.on_error) callbacks.on_error(v->frame.number, v->t_s, result.error().message());
      continue;
    }
    if (callbacks.on_frame) callbacks.on_frame(result.value(), v->t_s);
    if (recorder) {
      draw_overlay(v->frame.image, result.value(), options.overlay);
      if (Status s = recorder->write(v->frame.image); !s.ok()) return s.error();
    }
  }
  if (recorder) recorder->close();
  summary.analysis_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!reader.value()->error().empty()) return Error(reader.value()->error());
  if (summary.frames == 0) return Error(video + ": no frame could be decoded");
  return summary;
}

}  // namespace posecast
