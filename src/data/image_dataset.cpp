// Scanning labelled photo folders.
#include "posecast/image_dataset.h"

#include <algorithm>
#include <cctype>

namespace posecast {

namespace fs = std::filesystem;

bool is_image_path(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".webp";
}

namespace {

bool hidden(const fs::path& p) { return p.filename().string().starts_with("."); }

// DIR/<label>/<photos>, appended to `folder` with `split`; the labels found.
Status scan_labels(const fs::path& dir, const std::string& split, ImageFolder& folder) {
  std::error_code ec;
  std::vector<fs::path> label_dirs;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
    if (e.is_directory(ec) && !hidden(e.path())) label_dirs.push_back(e.path());
  if (ec) return Error(dir.string() + ": cannot list: " + ec.message());
  std::sort(label_dirs.begin(), label_dirs.end());
  for (const fs::path& label_dir : label_dirs) {
    const std::string label = label_dir.filename().string();
    std::vector<fs::path> photos;
    for (const fs::directory_entry& e : fs::recursive_directory_iterator(label_dir, ec)) {
      if (!e.is_regular_file(ec) || hidden(e.path())) continue;
      if (is_image_path(e.path()))
        photos.push_back(e.path());
      else
        folder.skipped.push_back(e.path());
    }
    if (ec) return Error(label_dir.string() + ": cannot list: " + ec.message());
    std::sort(photos.begin(), photos.end());
    for (fs::path& p : photos) folder.images.push_back({std::move(p), label, split});
    if (std::find(folder.labels.begin(), folder.labels.end(), label) == folder.labels.end())
      folder.labels.push_back(label);
  }
  return Status::Ok();
}

}  // namespace

Result<ImageFolder> scan_image_folder(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Error(dir.string() + ": no such folder");
  if (!fs::is_directory(dir, ec)) return Error(dir.string() + ": not a folder of labelled photos");
  ImageFolder folder;
  folder.root = dir;
  folder.has_split = fs::is_directory(dir / "train", ec) && fs::is_directory(dir / "test", ec);
  if (folder.has_split) {
    for (const char* split : {"train", "test"})
      if (Status s = scan_labels(dir / split, split, folder); !s.ok()) return s.error();
  } else if (Status s = scan_labels(dir, "", folder); !s.ok()) {
    return s.error();
  }
  std::sort(folder.labels.begin(), folder.labels.end());
  if (folder.labels.empty())
    return Error(dir.string() +
                 ": no label folders (expected DIR/<label>/*.jpg, or DIR/train/<label> and "
                 "DIR/test/<label>)");
  if (folder.images.empty())
    return Error(dir.string() + ": no photos (.jpg .jpeg .png .bmp .webp) in its label folders");
  return folder;
}

}  // namespace posecast
