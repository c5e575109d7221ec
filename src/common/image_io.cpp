#include "posecast/image_io.h"

#include <atomic>
#include <climits>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <opencv2/imgcodecs.hpp>

namespace posecast {
namespace {

std::atomic<int64_t> g_max_image_pixels{kDefaultMaxImagePixels};

// "900.0 megapixels"; small counts (a test's --max-pixels 100) as plain pixels.
std::string megapixels(double pixels) {
  char text[48];
  if (pixels < 1e5)
    std::snprintf(text, sizeof text, "%.0f pixels", pixels);
  else
    std::snprintf(text, sizeof text, "%.1f megapixels", pixels / 1e6);
  return text;
}

}  // namespace

void set_max_image_pixels(int64_t pixels) { g_max_image_pixels = pixels; }
int64_t max_image_pixels() { return g_max_image_pixels; }

Result<cv::Mat> decode_image(std::string_view bytes, const std::string& name) {
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    return Error(name + ": cannot decode image (larger than 2 GiB)");
  Result<ImageSize> size = read_image_header(bytes);
  if (!size) return Error(name + ": cannot decode image: " + size.error().message());
  const int64_t limit = max_image_pixels();
  if (size->width == 0 || size->height == 0)
    return Error(name + ": cannot decode image: its " + size->format + " header says " +
                 std::to_string(size->width) + "x" + std::to_string(size->height));
  // Both sides may be up to 2^32: compare by division, report as a double.
  const double pixels = static_cast<double>(size->width) * static_cast<double>(size->height);
  if (size->width > limit / size->height)
    return Error(name + ": image is " + std::to_string(size->width) + "x" +
                 std::to_string(size->height) + " (" + megapixels(pixels) +
                 "), over the limit of " + megapixels(static_cast<double>(limit)) +
                 " (--max-pixels); refused before decoding");
  cv::Mat image;
  try {
    // imdecode only reads the buffer; cv::Mat has no const view.
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                         const_cast<char*>(bytes.data()));
    if (!bytes.empty()) image = cv::imdecode(buffer, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    return Error(name + ": cannot decode image: " + e.what());
  }
  if (image.empty())
    return Error(name + ": cannot decode image (unreadable, corrupt or not an image)");
  if (static_cast<int64_t>(image.total()) > limit)  // a header that lied (a later TIFF page...)
    return Error(name + ": decoded image is " + std::to_string(image.cols) + "x" +
                 std::to_string(image.rows) + ", over the limit of " +
                 megapixels(static_cast<double>(limit)) + " (--max-pixels)");
  return image;
}

Result<cv::Mat> read_image_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Error(name + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(name + ": cannot open");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error(name + ": read error");
  return decode_image(bytes, name);
}

}  // namespace posecast
