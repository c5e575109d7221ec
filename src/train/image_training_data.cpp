// Reading the data sets of `posecast train image` (image_training_data.h).
#include "image_training_data.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "posecast/classifier_loader.h"
#include "posecast/image_dataset.h"
#include "posecast/image_io.h"

namespace posecast::image_training {

namespace fs = std::filesystem;

namespace {

bool is_record_file(const fs::path& path) { return path.extension() == ".rec"; }

Result<DataSet> load_folder(const fs::path& dir, const PoseLibrary& library) {
  Result<ImageFolder> folder = scan_image_folder(dir);
  if (!folder) return folder.error();
  DataSet set;
  set.origin = dir.string();
  std::map<std::string, int> index;
  for (const LabelledImage& image : folder->images) {
    const std::string label = label_for_folder(image.label, library);
    auto [it, added] = index.emplace(label, static_cast<int>(set.labels.size()));
    if (added) set.labels.push_back(label);
    set.samples.push_back({image.path.string(), image.path, 0, it->second});
  }
  return set;
}

Result<DataSet> load_records(const fs::path& rec, const PoseLibrary& library) {
  Result<RecordReader> reader = RecordReader::open(rec);
  if (!reader) return reader.error();
  DataSet set;
  set.origin = rec.string();
  // Label names: posecast's PREFIX.labels.json when present (`posecast data pack` writes it),
  // else "class_<n>" as the numbers are all an im2rec file holds.
  Result<std::vector<std::string>> label_names = read_label_names(rec);
  if (!label_names) return label_names.error();
  const std::vector<std::string>& names = label_names.value();
  std::map<int, std::string> by_number;
  std::vector<std::pair<uint64_t, int>> found;
  std::string first_error;
  for (;;) {
    Result<std::optional<Record>> next = reader->next();
    if (!next) {
      if (first_error.empty()) first_error = next.error().message();
      continue;
    }
    if (!next->has_value()) break;
    Result<ImageRecord> image = reader->image(**next);
    if (!image) {
      if (first_error.empty()) first_error = image.error().message();
      continue;
    }
    const float value = image->labels.empty() ? image->header.label : image->labels.front();
    const int number = static_cast<int>(std::lround(value));
    if (number < 0 || std::fabs(value - number) > 1e-3f) {
      if (first_error.empty())
        first_error = rec.string() + ": record at byte " + std::to_string((*next)->offset) +
                      ": label " + std::to_string(value) + " is not a class number";
      continue;
    }
    by_number.emplace(number, static_cast<size_t>(number) < names.size() && !names[number].empty()
                                  ? names[number]
                                  : "class_" + std::to_string(number));
    found.emplace_back((*next)->offset, number);
  }
  std::map<int, int> index;
  for (const auto& [number, name] : by_number) {
    index[number] = static_cast<int>(set.labels.size());
    set.labels.push_back(label_for_folder(name, library));
  }
  for (const auto& [offset, number] : found)
    set.samples.push_back({rec.string() + "@" + std::to_string(offset), {}, offset, index[number]});
  if (set.samples.empty())
    return Error(rec.string() + ": no usable image records" +
                 (first_error.empty() ? "" : " (" + first_error + ")"));
  set.records = std::make_shared<RecordSource>(std::move(reader).value());
  return set;
}

}  // namespace

Result<DataSet> load_data(const fs::path& path, const PoseLibrary& library) {
  return is_record_file(path) ? load_records(path, library) : load_folder(path, library);
}

std::pair<fs::path, fs::path> split_folders(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir / "train", ec)) return {dir, {}};
  for (const char* val : {"val", "validation", "test"})
    if (fs::is_directory(dir / val, ec)) return {dir / "train", dir / val};
  return {dir, {}};
}

size_t align_labels(DataSet& val, const DataSet& train) {
  size_t dropped = 0;
  std::vector<Sample> kept;
  for (Sample s : val.samples) {
    auto it = std::find(train.labels.begin(), train.labels.end(), val.labels[s.label]);
    if (it == train.labels.end()) {
      ++dropped;
      continue;
    }
    s.label = static_cast<int>(it - train.labels.begin());
    kept.push_back(std::move(s));
  }
  val.samples = std::move(kept);
  val.labels = train.labels;
  return dropped;
}

Result<cv::Mat> decode_sample(const DataSet& set, const Sample& s) {
  if (!set.records) return read_image_file(s.path);
  std::string bytes;
  {
    std::lock_guard<std::mutex> lock(set.records->mutex);
    Result<Record> record = set.records->reader.read_at(s.offset);
    if (!record) return record.error();
    Result<ImageRecord> image = set.records->reader.image(record.value());
    if (!image) return image.error();
    bytes = std::move(image->image);
  }
  return decode_image(bytes, s.name);
}

}  // namespace posecast::image_training
