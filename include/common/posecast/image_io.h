// Reading photos: one decoder wrapper for every command that takes image files, so that a corrupt,
// truncated or hostile file is an error naming it, never a crash (fuzzed:
// fuzz/image_decode_fuzzer.cpp).
#pragma once

#include <filesystem>
#include <opencv2/core.hpp>
#include <string>
#include <string_view>

#include "posecast/status.h"

namespace posecast {

// The encoded image `bytes` (JPEG, PNG, BMP, WebP, ... whatever OpenCV reads) as 8-bit BGR.
// `name` is what errors call the input: "photo.jpg: cannot decode image (...)".
Result<cv::Mat> decode_image(std::string_view bytes, const std::string& name);

// The file at `path`, decoded as decode_image does; errors: "PATH: no such file", unreadable.
Result<cv::Mat> read_image_file(const std::filesystem::path& path);

}  // namespace posecast
