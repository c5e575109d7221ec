// Reading photos: one decoder wrapper for every command that takes image files, so that a corrupt,
// truncated or hostile file is an error naming it, never a crash (fuzzed:
// fuzz/image_decode_fuzzer.cpp), and an image larger than the pixel cap is refused from its header,
// before a decoder allocates for it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <opencv2/core.hpp>
#include <string>
#include <string_view>

#include "posecast/status.h"

namespace posecast {

// What an image's header says about it.
struct ImageSize {
  int64_t width = 0, height = 0;
  std::string format;  // "JPEG", "PNG", ...
};

// The size from the header of JPEG, PNG, BMP, WebP, TIFF, PNM/PAM/PFM or Sun raster bytes, without
// decoding; an error for other formats and damaged headers.
Result<ImageSize> read_image_header(std::string_view bytes);

// The pixel cap of decode_image, for the whole process (the --max-pixels option of the commands
// that read photos). 50 megapixels: 3 bytes a pixel is 150 MB decoded; a 30000x30000 image
// (900 megapixels, 2.7 GB) is refused.
inline constexpr int64_t kDefaultMaxImagePixels = 50'000'000;
void set_max_image_pixels(int64_t pixels);
int64_t max_image_pixels();

// The encoded image `bytes` (the formats read_image_header reads) as 8-bit BGR. `name` is what
// errors call the input: "photo.jpg: cannot decode image (...)"; an image over max_image_pixels()
// is refused from its header: "photo.jpg: image is 30000x30000 (900.0 megapixels), over the
// limit of 50.0 megapixels (--max-pixels)".
Result<cv::Mat> decode_image(std::string_view bytes, const std::string& name);

// The file at `path`, decoded as decode_image does; errors: "PATH: no such file", unreadable.
Result<cv::Mat> read_image_file(const std::filesystem::path& path);

}  // namespace posecast
