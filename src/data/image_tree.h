// The image files under a folder, found the way MXNet's im2rec --recursive walks it, shared by
// `posecast data augment|split|pack`. Private to src/data.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "posecast/status.h"

namespace posecast::data {

struct ImageTree {
  std::filesystem::path root;
  // Relative to root, in os.walk order with sorted names: a folder's files, then its sub-folders
  // one by one (so "a/z.jpg" comes before "a/sub/b.jpg"). Hidden files and folders are left out.
  std::vector<std::filesystem::path> images;
  std::vector<std::filesystem::path> not_images;  // other files (by extension), relative
};

// Errors name the folder: missing, not a folder, cannot be listed.
Result<ImageTree> scan_image_tree(const std::filesystem::path& root);

// The label of an image: the first folder of its relative path; "" for a file directly in root.
std::string label_of(const std::filesystem::path& relative);

// Fails when `out` is `in` or inside it: the outputs would be read as inputs the next time.
Status check_outside(const std::filesystem::path& in, const std::filesystem::path& out);

// Writes `bytes` to `path` (creating nothing else); errors name the file.
Status write_file(const std::filesystem::path& path, std::string_view bytes);
Result<std::string> read_file(const std::filesystem::path& path);

}  // namespace posecast::data
