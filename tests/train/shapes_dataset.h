// A tiny generated image data set that a small network learns in a couple of epochs: three
// labels (disc, bar, ring), each with its own shape and dominant colour channel, drawn in varied
// shades, sizes and places on noisy backgrounds.
#pragma once

#include <algorithm>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <string>

namespace posecast::testing {

inline const char* const kShapeLabels[] = {"disc", "bar", "ring"};

inline cv::Mat draw_shape(int label, std::mt19937& rng, int size = 48) {
  std::uniform_int_distribution<int> dark(0, 90), light(150, 255), jitter(-5, 5);
  cv::Mat image(size, size, CV_8UC3);
  cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(70));  // dark noisy background
  cv::Scalar colour(dark(rng), dark(rng), dark(rng));
  colour[label] = light(rng);  // disc: blue, bar: green, ring: red (BGR)
  const cv::Point centre(size / 2 + jitter(rng), size / 2 + jitter(rng));
  const int r = size / 4 + jitter(rng) / 2;
  switch (label) {
    case 0:
      cv::circle(image, centre, r, colour, cv::FILLED);
      break;
    case 1:
      cv::rectangle(image, {centre.x - r, centre.y - r / 3}, {centre.x + r, centre.y + r / 3},
                    colour, cv::FILLED);
      break;
    default:
      cv::circle(image, centre, r, colour, std::max(2, size / 10));
      break;
  }
  return image;
}

// DIR/<label>/<i>.png, `per_label` pictures each.
inline void write_shapes_dataset(const std::filesystem::path& dir, int per_label, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int label = 0; label < 3; ++label) {
    std::filesystem::create_directories(dir / kShapeLabels[label]);
    for (int i = 0; i < per_label; ++i)
      cv::imwrite((dir / kShapeLabels[label] / (std::to_string(i) + ".png")).string(),
                  draw_shape(label, rng));
  }
}

}  // namespace posecast::testing
