// MXNet RecordIO: dmlc-core's record framing and the image record header. The folder packer
// and unpacker (im2rec's file triple) are in recordio_pack.cpp.
#include "posecast/recordio.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

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

}  // namespace posecast
