// MXNet RecordIO, byte-compatible with dmlc-core's RecordIOWriter/Reader and with the .lst/.rec/
// .idx triple that MXNet's tools/im2rec.py writes, so image datasets move both ways between
// posecast and an MXNet / SageMaker image-classification setup: `posecast data pack|unpack`.
//
// A .rec file is a sequence of records, each 4-byte aligned:
//   uint32 magic 0xced7230a | uint32 lrecord (cflag = upper 3 bits, length = lower 29) |
//   length bytes | zero padding to a multiple of 4.
// cflag 0 is a whole record. dmlc's writer never lets the magic appear at a 4-aligned position of
// the data: where the payload holds it, the record is cut there and the 4 magic bytes are dropped;
// the parts are written with cflag 1 (first), 2 (middle), 3 (last) and the reader puts the magic
// back between them. All integers are little endian. See docs/data.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "posecast/status.h"

namespace posecast {

inline constexpr uint32_t kRecordIOMagic = 0xced7230a;
// A record's payload must be shorter than 2^29 bytes (the 29-bit length; dmlc CHECKs the same).
inline constexpr size_t kRecordIOMaxPayload = (size_t{1} << 29) - 1;

// The image record header: MXNet's ImageRecordIO::Header, Python's mx.recordio.IRHeader
// (struct format 'IfQQ', 24 bytes, little endian).
struct IRHeader {
  uint32_t flag = 0;  // 0: one label, in `label`; n > 0: n float labels follow the header
  float label = 0;
  uint64_t id = 0;   // im2rec: the image's index in the .lst
  uint64_t id2 = 0;  // reserved, 0
};
inline constexpr size_t kIRHeaderSize = 24;

struct ImageRecord {
  IRHeader header;
  std::vector<float> labels;  // flag > 0: the flag labels; else {header.label}
  std::string image;          // the encoded image (JPEG / PNG bytes) as stored
  uint64_t offset = 0;        // where the record starts in the .rec
};

// mx.recordio.pack: one label goes into the header (flag 0); several are written after it
// (flag = their count, header label 0), as im2rec --pack-label does.
std::string pack_image_record(uint64_t id, const std::vector<float>& labels,
                              std::string_view image);
// mx.recordio.unpack. Errors say what is wrong (short payload, labels past the end).
Result<ImageRecord> unpack_image_record(std::string_view payload);

struct Record {
  uint64_t offset = 0;  // byte offset of its first part in the .rec (what the .idx stores)
  std::string payload;  // the parts joined, escaped magic numbers restored
};

struct RecordIndexEntry {
  uint64_t key = 0;
  uint64_t offset = 0;
};

// Reads a .rec sequentially (next) or at random (read_at, read_key through the .idx); one thread
// at a time (it has one file position). It never reads past the end of the file nor allocates
// more than the file holds, whatever the lengths say. Errors name the file and the byte offset:
// "data.rec: byte 1032: bad magic 0x00000000".
class RecordReader {
 public:
  // `idx` empty: the .idx next to `rec` (rec's name with .idx) is loaded when it exists.
  static Result<RecordReader> open(const std::filesystem::path& rec,
                                   const std::filesystem::path& idx = {});
  // Without any .idx: for sequential reading, which a damaged .idx must not stop.
  static Result<RecordReader> open_sequential(const std::filesystem::path& rec);

  // The next record; nullopt at the end of the file. After an error the next call goes on at the
  // next 4-aligned magic number after the bad spot, so one damaged record costs only itself.
  Result<std::optional<Record>> next();
  // The record starting at `offset` (does not move next()'s position).
  Result<Record> read_at(uint64_t offset);
  // The record with `key` in the .idx.
  Result<Record> read_key(uint64_t key);
  // unpack_image_record, with errors naming the file and the record's offset.
  Result<ImageRecord> image(const Record& record) const;

  bool has_index() const { return !index_.empty(); }
  const std::vector<RecordIndexEntry>& index() const { return index_; }  // in .idx order
  const std::filesystem::path& path() const { return path_; }
  uint64_t size() const { return size_; }

 private:
  Result<Record> read_record(uint64_t offset, uint64_t& end);
  bool read_bytes(uint64_t offset, size_t n, char* out);
  std::optional<uint64_t> find_record_start(uint64_t from);
  Error error_at(uint64_t offset, const std::string& what) const;
  static Result<RecordReader> open_file(const std::filesystem::path& rec);

  std::filesystem::path path_;
  std::ifstream in_;
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
  bool resync_ = false;  // the last next() failed: look for the next record start first
  std::vector<RecordIndexEntry> index_;
  std::unordered_map<uint64_t, uint64_t> offset_of_key_;
};

// Writes records exactly as dmlc::RecordIOWriter::WriteRecord does, and optionally the .idx
// ("key\toffset\n" per record, as MXIndexedRecordIO.write_idx).
class RecordWriter {
 public:
  static Result<RecordWriter> create(const std::filesystem::path& rec,
                                     const std::filesystem::path& idx = {});
  // The record's offset. Errors: payload too large, disk errors (naming the file).
  Result<uint64_t> write(std::string_view payload);
  Result<uint64_t> write(uint64_t key, std::string_view payload);  // also an .idx line
  Status close();  // flushes both files; reports a failed write

  uint64_t tell() const { return pos_; }
  size_t escaped_magic() const { return escaped_; }  // dmlc's except_counter

 private:
  std::filesystem::path rec_path_, idx_path_;
  std::ofstream rec_, idx_;
  uint64_t pos_ = 0;
  size_t escaped_ = 0;
};

// `posecast data pack`: DIR/<label>/... -> PREFIX.lst, PREFIX.rec, PREFIX.idx as
// `im2rec.py --list --recursive --shuffle=False` then `im2rec.py PREFIX DIR` would write them,
// plus PREFIX.labels.json (posecast's extra: the label names, index = label number).
struct PackOptions {
  int resize = 0;                 // > 0: the shorter side becomes this (im2rec --resize)
  int quality = 95;               // JPEG quality, or PNG compression 0-9 with encoding ".png"
  std::string encoding = ".jpg";  // ".jpg" or ".png" (im2rec --encoding)
  bool pass_through = false;      // store the files' bytes as they are (im2rec --pass-through)
  int workers = 0;                // images encoded in parallel; 0: one per core
};

struct PackReport {
  std::vector<std::string> labels;  // label number -> folder name
  std::vector<size_t> per_label;    // records per label number
  size_t records = 0;
  size_t escaped_magic = 0;
  std::vector<std::string> failed;  // "relative/path: why"; not in the .lst nor the .rec
  std::vector<std::filesystem::path> not_in_a_label;  // images directly in DIR, not packed
  std::vector<std::filesystem::path> not_images;
  std::filesystem::path lst, rec, idx, labels_json;
};

// PREFIX may end in .rec or .lst (dropped). Errors: DIR missing or without label folders with
// images, bad options, files that cannot be written.
Result<PackReport> pack_image_folder(const std::filesystem::path& in,
                                     const std::filesystem::path& prefix,
                                     const PackOptions& options);

// The label names of PREFIX.labels.json for `rec` (PREFIX.rec), or empty without one.
Result<std::vector<std::string>> read_label_names(const std::filesystem::path& rec);

struct UnpackReport {
  size_t records = 0;
  std::map<std::string, size_t> per_folder;  // written images per label folder
  std::vector<std::string> errors;           // corrupt records, each naming file and offset
};

// `posecast data unpack`: every record's image to OUT/<label>/<id>.jpg (.png for PNG bytes),
// where <label> is the name from PREFIX.labels.json (when it is a plain folder name), else the
// label number; several labels (flag > 0) make a folder named by them joined with '_'. A
// corrupt record is listed in errors and skipped. Errors: the .rec cannot be opened, OUT cannot
// be created.
Result<UnpackReport> unpack_records(const std::filesystem::path& rec,
                                    const std::filesystem::path& out);

}  // namespace posecast
