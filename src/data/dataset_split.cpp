// Stratified train/validation split of a labelled folder.
#include "posecast/dataset_split.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "image_tree.h"
#include "random.h"

namespace posecast {

namespace fs = std::filesystem;

size_t validation_count(size_t n, double val_fraction) {
  if (n < 2) return 0;
  const auto wanted = static_cast<size_t>(std::llround(static_cast<double>(n) * val_fraction));
  return std::clamp<size_t>(wanted, 1, n - 1);
}

Result<SplitPlan> plan_split(const fs::path& in, const SplitOptions& options) {
  if (!(options.val_fraction > 0 && options.val_fraction < 1))
    return Error("validation fraction must be between 0 and 1 (got " +
                 std::to_string(options.val_fraction) + ")");
  Result<data::ImageTree> tree = data::scan_image_tree(in);
  if (!tree) return tree.error();
  SplitPlan plan;
  plan.not_images = tree->not_images;
  std::map<std::string, std::vector<fs::path>> by_label;
  for (const fs::path& relative : tree->images) {
    const std::string label = data::label_of(relative);
    if (label.empty()) {
      plan.not_in_a_label.push_back(relative);
    } else {
      by_label[label].push_back(relative);
    }
  }
  if (by_label.empty())
    return Error(in.string() + ": no label folders with images (expected DIR/<label>/*.jpg)");
  for (auto& [label, images] : by_label) {
    // Sorted before the shuffle: the listing order of the file system must not matter.
    std::sort(images.begin(), images.end());
    std::mt19937_64 rng = data::rng_for(options.seed, label);
    data::shuffle(images, rng);
    const size_t n_val = validation_count(images.size(), options.val_fraction);
    LabelSplit split{label, {}, {}};
    split.val.assign(images.begin(), images.begin() + static_cast<ptrdiff_t>(n_val));
    split.train.assign(images.begin() + static_cast<ptrdiff_t>(n_val), images.end());
    std::sort(split.train.begin(), split.train.end());
    std::sort(split.val.begin(), split.val.end());
    plan.labels.push_back(std::move(split));
  }
  return plan;
}

namespace {

bool has_files(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir, ec))
    if (!e.is_directory(ec)) return true;
  return false;
}

// A hard link (kLinkOrCopy, kLink) or a copy; counts which.
Status place(const fs::path& source, const fs::path& target, PlaceMode mode, SplitReport& report) {
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return Error(target.parent_path().string() + ": cannot create: " + ec.message());
  if (mode != PlaceMode::kCopy) {
    fs::create_hard_link(source, target, ec);
    if (!ec) {
      ++report.linked;
      return Status::Ok();
    }
    if (mode == PlaceMode::kLink)
      return Error(target.string() + ": cannot hard-link to " + source.string() + ": " +
                   ec.message() + " (use --copy, or an --out on the same file system)");
    ec.clear();
  }
  fs::copy_file(source, target, fs::copy_options::overwrite_existing, ec);
  if (ec) return Error(target.string() + ": cannot copy " + source.string() + ": " + ec.message());
  ++report.copied;
  return Status::Ok();
}

}  // namespace

Result<SplitReport> split_folder(const fs::path& in, const fs::path& out,
                                 const SplitOptions& options) {
  Result<SplitPlan> plan = plan_split(in, options);
  if (!plan) return plan.error();
  if (Status s = data::check_outside(in, out); !s.ok()) return s.error();
  for (const char* part : {"train", "val"})
    if (has_files(out / part))
      return Error((out / part).string() +
                   " already has files: an earlier split there would mix with this one (images "
                   "in both train and val); remove it or choose another --out");
  SplitReport report;
  for (const LabelSplit& split : plan->labels) {
    for (const fs::path& relative : split.train)
      if (Status s = place(in / relative, out / "train" / relative, options.mode, report); !s.ok())
        return s.error();
    for (const fs::path& relative : split.val)
      if (Status s = place(in / relative, out / "val" / relative, options.mode, report); !s.ok())
        return s.error();
  }
  report.plan = std::move(plan.value());
  return report;
}

}  // namespace posecast
