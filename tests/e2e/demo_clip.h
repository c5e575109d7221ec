// A short labelled video for the video commands: the demo figure holding poses, made on the spot
// (no download, no real footage in the repository).
#pragma once

#include <filesystem>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <string>
#include <vector>

#include "posecast/capture.h"

namespace posecast::testing {

struct DemoClipSegment {
  std::string pose;  // a demo pose (capture.h demo_poses()), or "" for black frames
  double seconds = 0;
};

// Writes `segments` at `fps` as MJPEG in an AVI and the matching label file (start, end, label:
// "none" for black frames); returns the number of frames written, 0 on failure.
inline int write_demo_clip(const std::filesystem::path& video, const std::filesystem::path& tsv,
                           const std::vector<DemoClipSegment>& segments, double fps = 10,
                           cv::Size size = {480, 360}) {
  cv::VideoWriter writer(video.string(), cv::CAP_FFMPEG,
                         cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, size);
  if (!writer.isOpened()) return 0;
  std::ofstream labels(tsv);
  int frames = 0;
  double start = 0;
  for (const auto& s : segments) {
    cv::Mat picture(size, CV_8UC3, cv::Scalar::all(0));
    if (!s.pose.empty()) {
      auto rendered = render_demo_pose(s.pose, size);
      if (!rendered) return 0;
      picture = rendered.value();
    }
    const int n = static_cast<int>(s.seconds * fps + 0.5);
    for (int i = 0; i < n; ++i, ++frames) writer.write(picture);
    labels << start << "\t" << start + s.seconds << "\t" << (s.pose.empty() ? "none" : s.pose)
           << "\tdemo figure\n";
    start += s.seconds;
  }
  return frames;
}

// Two demo figures side by side (`left` and `right` demo poses, each in half of `size`) for
// `seconds` at `fps`, as MJPEG in an AVI: two people for --people. Returns false on failure.
inline bool write_two_figure_clip(const std::filesystem::path& video, const std::string& left,
                                  const std::string& right, double seconds, double fps = 10,
                                  cv::Size size = {640, 360}) {
  const cv::Size half(size.width / 2, size.height);
  auto a = render_demo_pose(left, half);
  auto b = render_demo_pose(right, half);
  if (!a.ok() || !b.ok()) return false;
  cv::Mat both;
  cv::hconcat(a.value(), b.value(), both);
  cv::VideoWriter writer(video.string(), cv::CAP_FFMPEG,
                         cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, both.size());
  if (!writer.isOpened()) return false;
  for (int i = 0; i < static_cast<int>(seconds * fps + 0.5); ++i) writer.write(both);
  return true;
}

}  // namespace posecast::testing
