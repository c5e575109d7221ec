// MXNet RecordIO: dmlc-core's record framing, the image record header, im2rec's file triple.
#include "posecast/recordio.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <sstream>

#include "image_tree.h"
#include "posecast/parallel_for.h"

namespace posecast {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kLengthMask = (1u << 29) - 1;

// Little endian regardless of the host.
void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_f32(std::string& out, float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  put_u32(out, bits);
}
uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint64_t get_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
float get_f32(const char* p) {
  const uint32_t bits = get_u32(p);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::string hex32(uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", v);
  return text;
}

constexpr uint64_t padded(uint64_t length) { return (length + 3) & ~uint64_t{3}; }

}  // namespace

std::string pack_image_record(uint64_t id, const std::vector<float>& labels,
                              std::string_view image) {
  std::string payload;
  payload.reserve(kIRHeaderSize + 4 * labels.size() + image.size());
  const bool several = labels.size() != 1;
  put_u32(payload, several ? static_cast<uint32_t>(labels.size()) : 0);
  put_f32(payload, several ? 0.0f : labels[0]);
  put_u64(payload, id);
  put_u64(payload, 0);
  if (several)
    for (float label : labels) put_f32(payload, label);
  payload.append(image);
  return payload;
}

Result<ImageRecord> unpack_image_record(std::string_view payload) {
  if (payload.size() < kIRHeaderSize)
    return Error("payload of " + std::to_string(payload.size()) +
                 " bytes is shorter than the 24-byte image record header (IRHeader)");
  ImageRecord record;
  const char* p = payload.data();
  record.header = {get_u32(p), get_f32(p + 4), get_u64(p + 8), get_u64(p + 16)};
  size_t at = kIRHeaderSize;
  if (record.header.flag > 0) {
    const uint64_t label_bytes = uint64_t{record.header.flag} * 4;
    if (label_bytes > payload.size() - at)
      return Error("IRHeader flag " + std::to_string(record.header.flag) + " announces " +
                   std::to_string(record.header.flag) + " labels (" + std::to_string(label_bytes) +
                   " bytes) but only " + std::to_string(payload.size() - at) +
                   " bytes follow the header");
    for (uint32_t i = 0; i < record.header.flag; ++i)
      record.labels.push_back(get_f32(p + at + 4 * i));
    at += label_bytes;
  } else {
    record.labels = {record.header.label};
  }
  record.image.assign(payload.substr(at));
  return record;
}

// ---------------------------------------------------------------------------------------------
// Reader

Result<RecordReader> RecordReader::open_file(const fs::path& rec) {
  RecordReader reader;
  reader.path_ = rec;
  std::error_code ec;
  if (!fs::is_regular_file(rec, ec)) return Error(rec.string() + ": no such file");
  reader.size_ = fs::file_size(rec, ec);
  if (ec) return Error(rec.string() + ": " + ec.message());
  reader.in_.open(rec, std::ios::binary);
  if (!reader.in_) return Error(rec.string() + ": cannot open");
  return reader;
}

Result<RecordReader> RecordReader::open_sequential(const fs::path& rec) { return open_file(rec); }

Result<RecordReader> RecordReader::open(const fs::path& rec, const fs::path& idx) {
  Result<RecordReader> opened = open_file(rec);
  if (!opened) return opened;
  RecordReader& reader = opened.value();
  std::error_code ec;
  fs::path idx_path = idx;
  if (idx_path.empty()) {
    fs::path sibling = rec;
    sibling.replace_extension(".idx");
    if (fs::is_regular_file(sibling, ec)) idx_path = sibling;
  }
  if (idx_path.empty()) return opened;
  std::ifstream idx_in(idx_path);
  if (!idx_in) return Error(idx_path.string() + ": cannot open");
  int line_no = 0;
  for (std::string line; std::getline(idx_in, line);) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::istringstream fields(line);
    long long key = -1, offset = -1;
    std::string rest;
    if (!(fields >> key >> offset) || key < 0 || offset < 0 || (fields >> rest))
      return Error(idx_path.string() + ": line " + std::to_string(line_no) + ": '" + line +
                   "' is not 'key<TAB>offset'");
    if (static_cast<uint64_t>(offset) >= reader.size_)
      return Error(idx_path.string() + ": line " + std::to_string(line_no) + ": offset " +
                   std::to_string(offset) + " is past the end of " + rec.string() + " (" +
                   std::to_string(reader.size_) + " bytes)");
    reader.index_.push_back({static_cast<uint64_t>(key), static_cast<uint64_t>(offset)});
    reader.offset_of_key_[static_cast<uint64_t>(key)] = static_cast<uint64_t>(offset);
  }
  return opened;
}

Error RecordReader::error_at(uint64_t offset, const std::string& what) const {
  return Error(path_.string() + ": byte " + std::to_string(offset) + ": " + what);
}

bool RecordReader::read_bytes(uint64_t offset, size_t n, char* out) {
  if (offset > size_ || n > size_ - offset) return false;
  in_.clear();
  in_.seekg(static_cast<std::streamoff>(offset));
  in_.read(out, static_cast<std::streamsize>(n));
  return static_cast<size_t>(in_.gcount()) == n;
}

Result<Record> RecordReader::read_record(uint64_t offset, uint64_t& end) {
  Record record;
  record.offset = offset;
  uint64_t at = offset;
  for (bool first = true;; first = false) {
    const std::string where =
        at == offset ? "" : " (part of the record starting at byte " + std::to_string(offset) + ")";
    if (size_ - at < 8)
      return error_at(at, "truncated: " + std::to_string(size_ - at) +
                              " bytes left, less than a record header (8 bytes)" + where);
    char head[8];
    if (!read_bytes(at, 8, head)) return error_at(at, "read failed" + where);
    const uint32_t magic = get_u32(head), lrecord = get_u32(head + 4);
    if (magic != kRecordIOMagic)
      return error_at(
          at, "bad magic " + hex32(magic) + " (expected " + hex32(kRecordIOMagic) + ")" + where);
    const uint32_t cflag = lrecord >> 29, length = lrecord & kLengthMask;
    if (first && cflag != 0 && cflag != 1)
      return error_at(at, "cflag " + std::to_string(cflag) +
                              " where a record starts (expected 0: whole, or 1: first part)");
    if (!first && cflag != 2 && cflag != 3)
      return error_at(at, "cflag " + std::to_string(cflag) +
                              " inside a split record (expected 2: middle, or 3: last part)" +
                              where);
    if (padded(length) > size_ - at - 8)
      return error_at(at, "length " + std::to_string(length) + " (" +
                              std::to_string(padded(length)) +
                              " with padding) runs past the end of the file (" +
                              std::to_string(size_) + " bytes)" + where);
    const size_t before = record.payload.size();
    record.payload.resize(before + length);
    if (length > 0 && !read_bytes(at + 8, length, record.payload.data() + before))
      return error_at(at, "read failed" + where);
    at += 8 + padded(length);
    if (cflag == 0 || cflag == 3) break;
    put_u32(record.payload, kRecordIOMagic);  // the writer dropped it at this cut
  }
  end = at;
  return record;
}

std::optional<uint64_t> RecordReader::find_record_start(uint64_t from) {
  from = padded(from);  // the writer keeps every record start, and only those, 4-aligned
  std::vector<char> block(1 << 16);
  while (from + 8 <= size_) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(block.size(), size_ - from));
    if (!read_bytes(from, n, block.data())) return std::nullopt;
    size_t i = 0;
    for (; i + 8 <= n; i += 4) {
      if (get_u32(block.data() + i) != kRecordIOMagic) continue;
      const uint32_t cflag = get_u32(block.data() + i + 4) >> 29;
      if (cflag == 0 || cflag == 1) return from + i;
    }
    from += i;  // the next block starts at the first position not looked at
  }
  return std::nullopt;
}

Result<std::optional<Record>> RecordReader::next() {
  if (resync_) {
    resync_ = false;
    std::optional<uint64_t> start = find_record_start(pos_);
    if (!start) {
      pos_ = size_;
      return std::optional<Record>();
    }
    pos_ = *start;
  }
  if (pos_ >= size_) return std::optional<Record>();
  uint64_t end = pos_;
  Result<Record> record = read_record(pos_, end);
  if (!record) {
    resync_ = true;
    pos_ += 4;
    return record.error();
  }
  pos_ = end;
  return std::optional<Record>(std::move(record.value()));
}

Result<Record> RecordReader::read_at(uint64_t offset) {
  if (offset % 4 != 0) return error_at(offset, "not a record start (offsets are multiples of 4)");
  if (offset >= size_)
    return error_at(offset, "past the end of the file (" + std::to_string(size_) + " bytes)");
  uint64_t end = 0;
  return read_record(offset, end);
}

Result<Record> RecordReader::read_key(uint64_t key) {
  auto found = offset_of_key_.find(key);
  if (found == offset_of_key_.end())
    return Error(path_.string() + ": no record with key " + std::to_string(key) +
                 (index_.empty() ? " (no .idx loaded)" : " in the .idx"));
  return read_at(found->second);
}

Result<ImageRecord> RecordReader::image(const Record& record) const {
  Result<ImageRecord> image = unpack_image_record(record.payload);
  if (!image) return error_at(record.offset, image.error().message());
  image->offset = record.offset;
  return image;
}

// ---------------------------------------------------------------------------------------------
// Writer

Result<RecordWriter> RecordWriter::create(const fs::path& rec, const fs::path& idx) {
  RecordWriter writer;
  writer.rec_path_ = rec;
  writer.idx_path_ = idx;
  writer.rec_.open(rec, std::ios::binary | std::ios::trunc);
  if (!writer.rec_) return Error(rec.string() + ": cannot create");
  if (!idx.empty()) {
    writer.idx_.open(idx, std::ios::trunc);
    if (!writer.idx_) return Error(idx.string() + ": cannot create");
  }
  return writer;
}

Result<uint64_t> RecordWriter::write(std::string_view payload) {
  if (payload.size() > kRecordIOMaxPayload)
    return Error(rec_path_.string() + ": a record of " + std::to_string(payload.size()) +
                 " bytes is too large for RecordIO (at most 2^29 - 1)");
  const uint64_t offset = pos_;
  const auto len = static_cast<uint32_t>(payload.size());
  std::string frame;
  frame.reserve(payload.size() + 16);
  uint32_t done = 0;  // payload bytes framed so far (dmlc's dptr)
  auto emit = [&](uint32_t cflag, uint32_t end) {
    put_u32(frame, kRecordIOMagic);
    put_u32(frame, (cflag << 29) | (end - done));
    frame.append(payload.substr(done, end - done));
  };
  for (uint32_t i = 0; i + 4 <= len; i += 4) {
    if (get_u32(payload.data() + i) != kRecordIOMagic) continue;
    emit(done == 0 ? 1 : 2, i);
    done = i + 4;
    ++escaped_;
  }
  emit(done != 0 ? 3 : 0, len);
  frame.append(padded(len) - len, '\0');
  rec_.write(frame.data(), static_cast<std::streamsize>(frame.size()));
  if (!rec_) return Error(rec_path_.string() + ": write failed");
  pos_ += frame.size();
  return offset;
}

Result<uint64_t> RecordWriter::write(uint64_t key, std::string_view payload) {
  Result<uint64_t> offset = write(payload);
  if (!offset) return offset;
  if (!idx_.is_open()) return Error(rec_path_.string() + ": written without an .idx file");
  idx_ << key << '\t' << *offset << '\n';
  if (!idx_) return Error(idx_path_.string() + ": write failed");
  return offset;
}

Status RecordWriter::close() {
  rec_.close();
  if (!rec_) return Error(rec_path_.string() + ": write failed");
  if (idx_.is_open()) {
    idx_.close();
    if (!idx_) return Error(idx_path_.string() + ": write failed");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// im2rec

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
    cv::Mat image = cv::imread(path.string(), cv::IMREAD_COLOR);
    if (image.empty()) {
      error = "not a readable image";
      return {};
    }
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

}  // namespace

Result<PackReport> pack_image_folder(const fs::path& in, const fs::path& prefix_arg,
                                     const PackOptions& options) {
  if (options.encoding != ".jpg" && options.encoding != ".png")
    return Error("encoding '" + options.encoding + "': expected .jpg or .png");
  if (options.encoding == ".jpg" && (options.quality < 0 || options.quality > 100))
    return Error("JPEG quality must be 0-100");
  if (options.encoding == ".png" && (options.quality < 0 || options.quality > 9))
    return Error("PNG compression must be 0-9");
  if (options.resize < 0) return Error("resize must be >= 0 (0: keep the size)");
  Result<data::ImageTree> tree = data::scan_image_tree(in);
  if (!tree) return tree.error();

  PackReport report;
  report.not_images = tree->not_images;
  struct Item {
    uint64_t index;  // in the listing: the record id, as im2rec's .lst index
    fs::path relative;
    float label;
  };
  std::vector<Item> items;
  std::set<std::string> label_set;
  for (const fs::path& relative : tree->images)
    if (!data::label_of(relative).empty()) label_set.insert(data::label_of(relative));
  report.labels.assign(label_set.begin(), label_set.end());
  report.per_label.assign(report.labels.size(), 0);
  for (const fs::path& relative : tree->images) {
    const std::string label = data::label_of(relative);
    if (label.empty()) {
      report.not_in_a_label.push_back(relative);
      continue;
    }
    const auto number =
        std::lower_bound(report.labels.begin(), report.labels.end(), label) - report.labels.begin();
    items.push_back({items.size(), relative, static_cast<float>(number)});
  }
  if (items.empty())
    return Error(in.string() + ": no label folders with images (expected DIR/<label>/*.jpg)");

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

  Result<RecordWriter> writer = RecordWriter::create(report.rec, report.idx);
  if (!writer) return writer.error();
  std::ofstream lst(report.lst, std::ios::trunc);
  if (!lst) return Error(report.lst.string() + ": cannot create");

  // Chunks encoded in parallel, written in listing order: memory stays bounded.
  const size_t chunk = 64;
  for (size_t begin = 0; begin < items.size(); begin += chunk) {
    const size_t n = std::min(chunk, items.size() - begin);
    std::vector<Encoded> encoded(n);
    data::parallel_for(n, options.workers, [&](size_t i) {
      const Item& item = items[begin + i];
      encoded[i].payload = encode_image(in / item.relative, options, encoded[i].error);
    });
    for (size_t i = 0; i < n; ++i) {
      const Item& item = items[begin + i];
      if (!encoded[i].error.empty()) {
        report.failed.push_back(item.relative.generic_string() + ": " + encoded[i].error);
        continue;
      }
      const std::string payload = pack_image_record(item.index, {item.label}, encoded[i].payload);
      if (Result<uint64_t> at = writer->write(item.index, payload); !at) return at.error();
      char line_head[64];
      std::snprintf(line_head, sizeof line_head, "%llu\t%f\t",
                    static_cast<unsigned long long>(item.index), static_cast<double>(item.label));
      lst << line_head << item.relative.generic_string() << '\n';
      ++report.records;
      ++report.per_label[static_cast<size_t>(item.label)];
    }
  }
  report.escaped_magic = writer->escaped_magic();
  if (Status s = writer->close(); !s.ok()) return s.error();
  lst.close();
  if (!lst) return Error(report.lst.string() + ": write failed");

  nlohmann::ordered_json labels = {
      {"about",
       "posecast's extra to the im2rec files: the label names; labels[i] is label number i in "
       "the .lst and the .rec"},
      {"labels", report.labels}};
  if (Status s = data::write_file(report.labels_json, labels.dump(2) + "\n"); !s.ok())
    return s.error();
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
