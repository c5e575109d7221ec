// The photo decode path (`posecast keypoints|classify|pose add PHOTO...`): decode_image, the
// wrapper around OpenCV's decoders (libjpeg, libpng, libwebp, libtiff, ...) that every photo
// command reads through, with its pixel cap checked from the header first.
//
// Input: the bytes of an image file. The cap is 4 megapixels here, so that the fuzzer reaches
// the refusal with small inputs and an input whose header lies about its size (a small claim, a
// large decode) is caught: a decoded image over the cap aborts.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_support.h"
#include "posecast/image_io.h"

namespace posecast::fuzz {

inline constexpr int64_t kFuzzPixelCap = 4'000'000;

Status run_image_decode(std::string_view input) {
  set_max_image_pixels(kFuzzPixelCap);
  Result<cv::Mat> image = decode_image(input, "fuzz.img");
  set_max_image_pixels(kDefaultMaxImagePixels);
  if (!image) return image.error();
  // What MoveNet's preprocessing relies on: 8-bit BGR with pixels.
  if (image->type() != CV_8UC3 || image->cols <= 0 || image->rows <= 0) std::abort();
  if (static_cast<int64_t>(image->total()) > kFuzzPixelCap) std::abort();
  return Status::Ok();
}

}  // namespace posecast::fuzz

#ifndef POSECAST_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)posecast::fuzz::run_image_decode(posecast::fuzz::as_text(data, size));
  return 0;
}
#endif
