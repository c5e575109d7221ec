#include "posecast/image_io.h"

#include <climits>
#include <fstream>
#include <iterator>
#include <opencv2/imgcodecs.hpp>

namespace posecast {

Result<cv::Mat> decode_image(std::string_view bytes, const std::string& name) {
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    return Error(name + ": cannot decode image (larger than 2 GiB)");
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
