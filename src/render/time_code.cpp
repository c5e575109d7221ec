// See include/posecast/time_code.h.
#include "posecast/time_code.h"

#include <opencv2/imgproc.hpp>

namespace posecast {

namespace {

uint8_t checksum(int64_t value) {
  uint8_t sum = 0x5a;  // not 0, so that an all-black strip is not a valid code of 0
  for (int i = 0; i < 5; ++i) sum = static_cast<uint8_t>(sum * 31 + ((value >> (8 * i)) & 0xff));
  return sum;
}

cv::Rect cell(int index) {
  return {(index % kTimeCodeColumns) * kTimeCodeCell, (index / kTimeCodeColumns) * kTimeCodeCell,
          kTimeCodeCell, kTimeCodeCell};
}

}  // namespace

void draw_time_code(cv::Mat& bgr, int64_t unix_ms) {
  if (bgr.type() != CV_8UC3 || bgr.cols < kTimeCodeColumns * kTimeCodeCell ||
      bgr.rows < kTimeCodeRows * kTimeCodeCell)
    return;
  const int64_t value = ((unix_ms % kTimeCodeModulus) + kTimeCodeModulus) % kTimeCodeModulus;
  const uint64_t bits = (static_cast<uint64_t>(value) << 8) | checksum(value);  // 48 bits
  for (int i = 0; i < kTimeCodeColumns * kTimeCodeRows; ++i) {
    const bool one = (bits >> (47 - i)) & 1;
    cv::rectangle(bgr, cell(i), one ? cv::Scalar::all(255) : cv::Scalar::all(0), cv::FILLED);
  }
}

std::optional<int64_t> read_time_code(const cv::Mat& bgr) {
  if (bgr.type() != CV_8UC3 || bgr.cols < kTimeCodeColumns * kTimeCodeCell ||
      bgr.rows < kTimeCodeRows * kTimeCodeCell)
    return std::nullopt;
  uint64_t bits = 0;
  for (int i = 0; i < kTimeCodeColumns * kTimeCodeRows; ++i) {
    // The cell's centre: its edges blur into the neighbours in a compressed picture.
    const cv::Rect c = cell(i);
    const cv::Scalar mean = cv::mean(bgr(cv::Rect(c.x + 3, c.y + 3, c.width - 6, c.height - 6)));
    const double level = (mean[0] + mean[1] + mean[2]) / 3;
    bits = (bits << 1) | (level >= 128 ? 1 : 0);
  }
  const int64_t value = static_cast<int64_t>(bits >> 8);
  if (checksum(value) != static_cast<uint8_t>(bits & 0xff)) return std::nullopt;
  return value;
}

int64_t time_code_age_ms(int64_t code, int64_t now_unix_ms) {
  const int64_t now = now_unix_ms % kTimeCodeModulus;
  int64_t age = now - code;
  if (age < -kTimeCodeModulus / 2) age += kTimeCodeModulus;
  return age;
}

}  // namespace posecast
