// im2rec's side of RecordIO: `posecast data pack` (a folder of labelled images to PREFIX.lst,
// .rec, .idx and .labels.json) and `posecast data unpack` (records back to label folders). The
// record format itself is in recordio.cpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "image_tree.h"
#include "posecast/image_io.h"
#include "posecast/parallel_for.h"
#include "posecast/recordio.h"

namespace posecast {

namespace fs = std::filesystem;

namespace {

fs::path with_suffix(fs::path prefix, const std::string& suffix) {
  prefix += suffix;
  return prefix;
}

struct Encoded {
  std::string payload;
  std::string error;
};

// im2rec's image_encode: imread(IMREAD_COLOR), shorter side to `resize`, imencode.
std::string encode_image(const fs::path& path, const PackOptions& options, std::string& error) {
  if (options.pass_through) {
    Result<std::string> bytes = data::read_file(path);
    if (!bytes) error = bytes.error().message();
    return bytes ? std::move(bytes.value()) : std::string();
  }
  try {
    Result<cv::Mat> decoded = read_image_file(path);
    if (!decoded) {
      // The report names the file itself: the reason without the path it starts with.
      error = "not a readable image: " + decoded.error().message().substr(path.string().size() + 2);
      return {};
    }
    cv::Mat image = std::move(decoded).value();
    if (options.resize > 0) {
      const int n = options.resize;
      const cv::Size size =
          image.rows > image.cols
              ? cv::Size(n, static_cast<int>(int64_t{image.rows} * n / image.cols))
              : cv::Size(static_cast<int>(int64_t{image.cols} * n / image.rows), n);
      cv::resize(image, image, size);
    }
    std::vector<int> params;
    if (options.encoding == ".jpg") params = {cv::IMWRITE_JPEG_QUALITY, options.quality};
    if (options.encoding == ".png") params = {cv::IMWRITE_PNG_COMPRESSION, options.quality};
    std::vector<uchar> bytes;
    if (!cv::imencode(options.encoding, image, bytes, params)) {
      error = "cannot encode as " + options.encoding;
      return {};
    }
    return std::string(bytes.begin(), bytes.end());
  } catch (const cv::Exception& e) {
    error = std::string("OpenCV: ") + e.what();
    return {};
  }
}

// A label name from a .labels.json becomes a folder only when it is one plain path component:
// a crafted "../x" must not write outside OUT.
bool safe_folder_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

std::string label_text(float label) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", static_cast<double>(label));
  return text;
}

// The options im2rec accepts.
Status check_pack_options(const PackOptions& options) {
  if (options.encoding != ".jpg" && options.encoding != ".png")
    return Error("encoding '" + options.encoding + "': expected .jpg or .png");
  if (options.encoding == ".jpg" && (options.quality < 0 || options.quality > 100))
    return Error("JPEG quality must be 0-100");
  if (options.encoding == ".png" && (options.quality < 0 || options.quality > 9))
    return Error("PNG compression must be 0-9");
  if (options.resize < 0) return Error("resize must be >= 0 (0: keep the size)");
  return {};
}

struct PackItem {
  uint64_t index;  // in the listing: the record id, as im2rec's .lst index
  fs::path relative;
  float label;
};

// The images in label folders, numbered as im2rec lists them; the label names (sorted: label
// number = index) and the images outside any label go into `report`.
std::vector<PackItem> list_images(const data::ImageTree& tree, PackReport& report) {
  std::vector<PackItem> items;
  std::set<std::string> label_set;
  for (const fs::path& relative : tree.images)
    if (!data::label_of(relative).empty()) label_set.insert(data::label_of(relative));
  report.labels.assign(label_set.begin(), label_set.end());
  report.per_label.assign(report.labels.size(), 0);
  for (const fs::path& relative : tree.images) {
    const std::string label = data::label_of(relative);
    if (label.empty()) {
      report.not_in_a_label.push_back(relative);
      continue;
    }
    const auto number =
        std::lower_bound(report.labels.begin(), report.labels.end(), label) - report.labels.begin();
    items.push_back({items.size(), relative, static_cast<float>(number)});
  }
  return items;
}

// PREFIX without a .rec/.lst ending, its folder created, and the four file names in `report`.
Status name_outputs(const fs::path& prefix_arg, PackReport& report) {
  fs::path prefix = prefix_arg;
  if (prefix.extension() == ".rec" || prefix.extension() == ".lst") prefix.replace_extension();
  if (prefix.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(prefix.parent_path(), ec);
    if (ec) return Error(prefix.parent_path().string() + ": cannot create: " + ec.message());
  }
  report.lst = with_suffix(prefix, ".lst");
  report.rec = with_suffix(prefix, ".rec");
  report.idx = with_suffix(prefix, ".idx");
  report.labels_json = with_suffix(prefix, ".labels.json");
  return {};
}

// The images encoded in chunks in parallel, written in listing order (memory stays bounded):
// a record and an .lst line each; an image that fails is listed in report.failed.
Status write_records(const fs::path& in, const std::vector<PackItem>& items,
                     const PackOptions& options, RecordWriter& writer, std::ofstream& lst,
                     PackReport& report) {
  const size_t chunk = 64;
  for (size_t begin = 0; begin < items.size(); begin += chunk) {
    const size_t n = std::min(chunk, items.size() - begin);
    std::vector<Encoded> encoded(n);
    data::parallel_for(n, options.workers, [&](size_t i) {
      const PackItem& item = items[begin + i];
      encoded[i].payload = encode_image(in / item.relative, options, encoded[i].error);
    });
    for (size_t i = 0; i < n; ++i) {
      const PackItem& item = items[begin + i];
      if (!encoded[i].error.empty()) {
        report.failed.push_back(item.relative.generic_string() + ": " + encoded[i].error);
        continue;
      }
      const std::string payload = pack_image_record(item.index, {item.label}, encoded[i].payload);
      if (Result<uint64_t> at = writer.write(item.index, payload); !at) return at.error();
      char line_head[64];
      std::snprintf(line_head, sizeof line_head, "%llu\t%f\t",
                    static_cast<unsigned long long>(item.index), static_cast<double>(item.label));
      lst << line_head << item.relative.generic_string() << '\n';
      ++report.records;
      ++report.per_label[static_cast<size_t>(item.label)];
    }
  }
  return {};
}

Status write_label_names(const PackReport& report) {
  nlohmann::ordered_json labels = {
      {"about",
       "posecast's extra to the im2rec files: the label names; labels[i] is label number i in "
       "the .lst and the .rec"},
      {"labels", report.labels}};
  return data::write_file(report.labels_json, labels.dump(2) + "\n");
}

}  // namespace

Result<PackReport> pack_image_folder(const fs::path& in, const fs::path& prefix_arg,
                                     const PackOptions& options) {
  if (Status s = check_pack_options(options); !s.ok()) return s.error();
  Result<data::ImageTree> tree = data::scan_image_tree(in);
  if (!tree) return tree.error();

  PackReport report;
  report.not_images = tree->not_images;
  const std::vector<PackItem> items = list_images(tree.value(), report);
  if (items.empty())
    return Error(in.string() + ": no label folders with images (expected DIR/<label>/*.jpg)");
  if (Status s = name_outputs(prefix_arg, report); !s.ok()) return s.error();

  Result<RecordWriter> writer = RecordWriter::create(report.rec, report.idx);
  if (!writer) return writer.error();
  std::ofstream lst(report.lst, std::ios::trunc);
  if (!lst) return Error(report.lst.string() + ": cannot create");
  if (Status s = write_records(in, items, options, writer.value(), lst, report); !s.ok())
    return s.error();
  report.escaped_magic = writer->escaped_magic();
  if (Status s = writer->close(); !s.ok()) return s.error();
  lst.close();
  if (!lst) return Error(report.lst.string() + ": write failed");
  if (Status s = write_label_names(report); !s.ok()) return s.error();
  return report;
}

Result<std::vector<std::string>> read_label_names(const fs::path& rec) {
  fs::path path = rec;
  path.replace_extension(".labels.json");
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::vector<std::string>();
  Result<std::string> text = data::read_file(path);
  if (!text) return text.error();
  const nlohmann::json j = nlohmann::json::parse(text.value(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("labels") || !j["labels"].is_array())
    return Error(path.string() + ": expected {\"labels\": [\"name\", ...]}");
  std::vector<std::string> names;
  for (const nlohmann::json& name : j["labels"]) {
    if (!name.is_string()) return Error(path.string() + ": labels must be strings");
    names.push_back(name.get<std::string>());
  }
  return names;
}

Result<UnpackReport> unpack_records(const fs::path& rec, const fs::path& out) {
  Result<std::vector<std::string>> names = read_label_names(rec);
  if (!names) return names.error();
  // Sequential reading: the .idx is not needed (and a damaged one must not stop unpacking).
  Result<RecordReader> reader = RecordReader::open_sequential(rec);
  if (!reader) return reader.error();
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) return Error(out.string() + ": cannot create: " + ec.message());

  auto folder_of = [&](const ImageRecord& image) {
    if (image.labels.size() == 1) {
      const float label = image.labels[0];
      if (label >= 0 && std::floor(label) == label && label < static_cast<float>(names->size()) &&
          safe_folder_name((*names)[static_cast<size_t>(label)]))
        return (*names)[static_cast<size_t>(label)];
      return label_text(label);
    }
    std::string joined;
    for (float label : image.labels) joined += (joined.empty() ? "" : "_") + label_text(label);
    return joined.empty() ? std::string("none") : joined;
  };

  UnpackReport report;
  std::set<fs::path> written;
  for (;;) {
    Result<std::optional<Record>> record = reader->next();
    if (!record) {
      report.errors.push_back(record.error().message());
      continue;
    }
    if (!record->has_value()) break;
    Result<ImageRecord> image = reader->image(**record);
    if (!image) {
      report.errors.push_back(image.error().message());
      continue;
    }
    const bool png = image->image.starts_with("\x89PNG");
    const std::string ext = png ? ".png" : ".jpg";
    const std::string folder = folder_of(image.value());
    fs::path target = out / folder / (std::to_string(image->header.id) + ext);
    if (written.contains(target))  // ids are not unique in files made by other tools
      target = out / folder /
               (std::to_string(image->header.id) + "_at" + std::to_string(image->offset) + ext);
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Error(target.parent_path().string() + ": cannot create: " + ec.message());
    if (Status s = data::write_file(target, image->image); !s.ok()) return s.error();
    written.insert(target);
    ++report.records;
    ++report.per_folder[folder];
  }
  return report;
}

}  // namespace posecast
