// A machine-readable clock in the picture, for measuring capture -> viewer latency through any
// codec and server: the frame's capture time (Unix ms) drawn as a strip of black and white cells
// in the top-left corner, read back from the decoded picture by the viewer
// (bench/stream_latency.mjs in the browser, read_time_code here). 40 bits of the time (it repeats
// every 34 years) and an 8-bit checksum, in 2 rows of 24 cells of 10x10 pixels: large enough to
// survive H.264/VP8 at streaming bitrates.
#pragma once

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <optional>

namespace posecast {

inline constexpr int kTimeCodeCell = 10;  // pixels
inline constexpr int kTimeCodeColumns = 24, kTimeCodeRows = 2;
inline constexpr int64_t kTimeCodeModulus = int64_t{1} << 40;

// Draws `unix_ms` (mod 2^40) into `bgr` (CV_8UC3, at least 240x20).
void draw_time_code(cv::Mat& bgr, int64_t unix_ms);
// The time drawn there (mod 2^40), or nothing when the cells do not read back with a valid
// checksum.
std::optional<int64_t> read_time_code(const cv::Mat& bgr);
// now - code, with the 2^40 wrap undone (for codes up to ~17 years old).
int64_t time_code_age_ms(int64_t code, int64_t now_unix_ms);

}  // namespace posecast
