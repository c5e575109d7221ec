// Labelled photo folders, the input of `posecast train pose` and `posecast eval`:
// DIR/<label>/*.jpg|jpeg|png, or DIR/train/<label>/... and DIR/test/<label>/... (a given split).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "posecast/status.h"

namespace posecast {

struct LabelledImage {
  std::filesystem::path path;
  std::string label;  // the folder name, as written
  std::string split;  // "train" / "test" for a split folder, else ""
};

struct ImageFolder {
  std::filesystem::path root;
  bool has_split = false;                      // DIR/train and DIR/test
  std::vector<std::string> labels;             // sorted folder names
  std::vector<LabelledImage> images;           // sorted by label, then path
  std::vector<std::filesystem::path> skipped;  // files that are not photos (by extension)
};

// .jpg .jpeg .png .bmp .webp, any case.
bool is_image_path(const std::filesystem::path& path);

// Errors name DIR: missing, not a folder, no label folders, no photos.
Result<ImageFolder> scan_image_folder(const std::filesystem::path& dir);

}  // namespace posecast
