// Letterboxes an image into a square: scaled to fit without distortion (cv::INTER_AREA), centred,
// padded with black, written as binary PPM (P6, RGB). Makes the golden inputs in
// tests/data/golden/; scripts/make-goldens.sh builds and runs it:
//   g++ -O2 -std=c++17 scripts/letterbox.cpp $(pkg-config --cflags --libs opencv4) -o letterbox
//   ./letterbox IN_IMAGE SIZE OUT.ppm      (SIZE 0: the whole image unchanged, as PPM)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s IN_IMAGE SIZE OUT.ppm\n", argv[0]);
    return 2;
  }
  const std::string in = argv[1], out = argv[3];
  const int size = std::atoi(argv[2]);
  cv::Mat image = cv::imread(in, cv::IMREAD_COLOR);
  if (image.empty() || size < 0) {
    std::fprintf(stderr, "letterbox: cannot read image %s (or bad size %s)\n", in.c_str(), argv[2]);
    return 1;
  }
  if (size == 0) {  // the image as it is, only converted to PPM
    if (!cv::imwrite(out, image, {cv::IMWRITE_PXM_BINARY, 1})) {
      std::fprintf(stderr, "letterbox: cannot write %s\n", out.c_str());
      return 1;
    }
    return 0;
  }
  const double scale = static_cast<double>(size) / std::max(image.cols, image.rows);
  const int width = std::clamp(static_cast<int>(std::lround(image.cols * scale)), 1, size);
  const int height = std::clamp(static_cast<int>(std::lround(image.rows * scale)), 1, size);
  cv::Mat scaled;
  cv::resize(image, scaled, cv::Size(width, height), 0, 0, cv::INTER_AREA);
  cv::Mat square(size, size, CV_8UC3, cv::Scalar::all(0));
  scaled.copyTo(square(cv::Rect((size - width) / 2, (size - height) / 2, width, height)));
  // OpenCV writes PPM from BGR data as RGB, as the format requires.
  if (!cv::imwrite(out, square, {cv::IMWRITE_PXM_BINARY, 1})) {
    std::fprintf(stderr, "letterbox: cannot write %s\n", out.c_str());
    return 1;
  }
  return 0;
}
