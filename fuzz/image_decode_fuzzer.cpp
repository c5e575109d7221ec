// The photo decode path (`posecast keypoints|classify|pose add PHOTO...`): decode_image, the
// wrapper around OpenCV's decoders (libjpeg, libpng, libwebp, libtiff, ...) that every photo
// command reads through.
//
// Input: the bytes of an image file.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_support.h"
#include "posecast/image_io.h"

namespace posecast::fuzz {

Status run_image_decode(std::string_view input) {
  Result<cv::Mat> image = decode_image(input, "fuzz.img");
  if (!image) return image.error();
  // What MoveNet's preprocessing relies on: 8-bit BGR with pixels.
  if (image->type() != CV_8UC3 || image->cols <= 0 || image->rows <= 0) std::abort();
  return Status::Ok();
}

}  // namespace posecast::fuzz

#ifndef POSECAST_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)posecast::fuzz::run_image_decode(posecast::fuzz::as_text(data, size));
  return 0;
}
#endif
