// A stratified train/validation split of a labelled image folder, DIR/<label>/..., into
// OUT/train/<label>/... and OUT/val/<label>/...: `posecast data split`. Each label is shuffled
// with its own generator (seed + label name), so a label's split does not change when other
// labels gain or lose images.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "posecast/status.h"

namespace posecast {

// How an image reaches OUT: a hard link when possible (no extra disk space), else a copy.
enum class PlaceMode { kLinkOrCopy, kLink, kCopy };

struct SplitOptions {
  double val_fraction = 0.25;  // 0 < f < 1
  uint64_t seed = 0;
  PlaceMode mode = PlaceMode::kLinkOrCopy;
};

// Validation images of a label with n images: round(n * f), but at least 1 and at most n - 1 when
// n >= 2 (every class is seen in training and in validation); 0 when n < 2.
size_t validation_count(size_t n, double val_fraction);

struct LabelSplit {
  std::string label;
  std::vector<std::filesystem::path> train, val;  // relative to the input folder, sorted
};

struct SplitPlan {
  std::vector<LabelSplit> labels;                     // sorted by label
  std::vector<std::filesystem::path> not_in_a_label;  // images directly in DIR, not used
  std::vector<std::filesystem::path> not_images;      // by extension, not used
};

// Which images go where; reads only the listing. Errors name DIR: missing, no label folders
// with images, a bad fraction.
Result<SplitPlan> plan_split(const std::filesystem::path& in, const SplitOptions& options);

struct SplitReport {
  SplitPlan plan;
  size_t linked = 0, copied = 0;
};

// Plans and places the files. Refuses an OUT/train or OUT/val that already has files (a stale
// earlier split there would leak images between train and val) and an OUT inside DIR.
Result<SplitReport> split_folder(const std::filesystem::path& in, const std::filesystem::path& out,
                                 const SplitOptions& options);

}  // namespace posecast
