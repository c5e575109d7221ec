// A temporary folder for one data-tools test, removed at the end of the test, and small helpers
// to fill it with images and bytes.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

namespace posecast::testing {

class DataTempDir {
 public:
  DataTempDir() {
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("posecast-data-" + std::to_string(::getpid()) + "-" + test->test_suite_name() + "-" +
             test->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~DataTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A small BGR picture that differs per `seed` (a coloured square on a gradient), as PNG or JPEG
// by the extension of `path`.
inline void write_test_image(const std::filesystem::path& path, int seed,
                             cv::Size size = {48, 32}) {
  cv::Mat image(size, CV_8UC3);
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x)
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>(x * 5), static_cast<uchar>(y * 7),
                                            static_cast<uchar>(seed * 40));
  cv::rectangle(image, cv::Rect(4 + seed % 10, 6, 10, 8), cv::Scalar(255, 255, 255), cv::FILLED);
  std::filesystem::create_directories(path.parent_path());
  cv::imwrite(path.string(), image);
}

}  // namespace posecast::testing
