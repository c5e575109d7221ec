// MXNet RecordIO: a golden .rec/.idx written byte by byte from the format (not with RecordWriter),
// including a multi-label record and a record split around embedded magic numbers; the writer
// must reproduce it exactly; corrupt files are reported with their offsets; pack/unpack round
// trips.
#include "posecast/recordio.h"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>

#include "data_tools/data_temp_dir.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using testing::DataTempDir;

// Little-endian bytes, spelled out.
std::string u32(uint32_t v) {
  return {static_cast<char>(v & 0xff), static_cast<char>((v >> 8) & 0xff),
          static_cast<char>((v >> 16) & 0xff), static_cast<char>((v >> 24) & 0xff)};
}
std::string u64(uint64_t v) {
  return u32(static_cast<uint32_t>(v)) + u32(static_cast<uint32_t>(v >> 32));
}
std::string f32(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return u32(bits);
}
const std::string kMagicBytes("\x0a\x23\xd7\xce", 4);  // 0xced7230a, little endian

std::string lrecord(uint32_t cflag, uint32_t length) { return u32((cflag << 29) | length); }
std::string ir_header(uint32_t flag, float label, uint64_t id) {
  return u32(flag) + f32(label) + u64(id) + u64(0);
}

// The three golden records, as payloads and as framed bytes.
struct Golden {
  std::string payload_a, payload_b, payload_c;
  std::string rec;
  uint64_t offset_a = 0, offset_b = 0, offset_c = 0;
  std::string c_image;
};

Golden golden() {
  Golden g;
  // A: one label (2) in the header, id 7, 9 image bytes: 33 bytes + 3 padding.
  g.payload_a = ir_header(0, 2.0f, 7) + "JPEGDATA1";
  g.offset_a = 0;
  g.rec += kMagicBytes + lrecord(0, 33) + g.payload_a + std::string(3, '\0');
  // B: three labels after the header (flag 3, header label 0), id 8: 24 + 12 + 8 = 44 bytes.
  g.payload_b = ir_header(3, 0.0f, 8) + f32(1) + f32(0) + f32(5.5f) + "PNGBYTES";
  g.offset_b = g.rec.size();
  EXPECT_EQ(g.offset_b, 44u);
  g.rec += kMagicBytes + lrecord(0, 44) + g.payload_b;
  // C: the image holds the magic number at payload offsets 28 and 36 (4-aligned), so dmlc writes
  // it in three parts without those 4-byte words: [0, 28) cflag 1, [32, 36) cflag 2, [40, 42)
  // cflag 3 + 2 bytes padding.
  g.c_image = "abcd" + kMagicBytes + "efgh" + kMagicBytes + "ij";
  g.payload_c = ir_header(0, 1.0f, 9) + g.c_image;
  EXPECT_EQ(g.payload_c.size(), 42u);
  g.offset_c = g.rec.size();
  g.rec += kMagicBytes + lrecord(1, 28) + g.payload_c.substr(0, 28);
  g.rec += kMagicBytes + lrecord(2, 4) + "efgh";
  g.rec += kMagicBytes + lrecord(3, 2) + "ij" + std::string(2, '\0');
  return g;
}

TEST(RecordIOGolden, ReaderParsesHandWrittenRecords) {
  DataTempDir dir;
  const Golden g = golden();
  testing::write_bytes(dir / "golden.rec", g.rec);
  testing::write_bytes(dir / "golden.idx", "7\t0\n8\t44\n9\t" + std::to_string(g.offset_c) + "\n");
  Result<RecordReader> reader = RecordReader::open(dir / "golden.rec");
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  ASSERT_TRUE(reader->has_index());
  ASSERT_EQ(reader->index().size(), 3u);
  EXPECT_EQ(reader->index()[2].key, 9u);
  EXPECT_EQ(reader->index()[2].offset, g.offset_c);

  std::vector<Record> records;
  for (;;) {
    Result<std::optional<Record>> next = reader->next();
    ASSERT_TRUE(next.ok()) << next.error().message();
    if (!next->has_value()) break;
    records.push_back(std::move(**next));
  }
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].offset, 0u);
  EXPECT_EQ(records[1].offset, 44u);
  EXPECT_EQ(records[2].offset, g.offset_c);
  EXPECT_EQ(records[2].payload, g.payload_c);  // the magic words are back

  Result<ImageRecord> a = reader->image(records[0]);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->header.flag, 0u);
  EXPECT_EQ(a->header.id, 7u);
  EXPECT_EQ(a->labels, std::vector<float>{2.0f});
  EXPECT_EQ(a->image, "JPEGDATA1");
  Result<ImageRecord> b = reader->image(records[1]);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->header.flag, 3u);
  EXPECT_EQ(b->header.id, 8u);
  EXPECT_EQ(b->labels, (std::vector<float>{1.0f, 0.0f, 5.5f}));
  EXPECT_EQ(b->image, "PNGBYTES");
  Result<ImageRecord> c = reader->image(records[2]);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->header.id, 9u);
  EXPECT_EQ(c->labels, std::vector<float>{1.0f});
  EXPECT_EQ(c->image, g.c_image);

  Result<Record> by_key = reader->read_key(9);
  ASSERT_TRUE(by_key.ok());
  EXPECT_EQ(by_key->payload, g.payload_c);
  Result<Record> by_offset = reader->read_at(44);
  ASSERT_TRUE(by_offset.ok());
  EXPECT_EQ(by_offset->payload, g.payload_b);
  EXPECT_FALSE(reader->read_key(10).ok());
  Result<Record> unaligned = reader->read_at(2);
  ASSERT_FALSE(unaligned.ok());
  EXPECT_NE(unaligned.error().message().find("byte 2"), std::string::npos);
}

TEST(RecordIOGolden, WriterProducesTheSameBytesAndIndex) {
  DataTempDir dir;
  const Golden g = golden();
  Result<RecordWriter> writer = RecordWriter::create(dir / "w.rec", dir / "w.idx");
  ASSERT_TRUE(writer.ok());
  EXPECT_EQ(writer->write(7, g.payload_a).value(), 0u);
  EXPECT_EQ(writer->write(8, g.payload_b).value(), 44u);
  EXPECT_EQ(writer->write(9, g.payload_c).value(), g.offset_c);
  EXPECT_EQ(writer->escaped_magic(), 2u);
  ASSERT_TRUE(writer->close().ok());
  EXPECT_EQ(testing::read_bytes(dir / "w.rec"), g.rec);
  EXPECT_EQ(testing::read_bytes(dir / "w.idx"),
            "7\t0\n8\t44\n9\t" + std::to_string(g.offset_c) + "\n");

  // And the IRHeader packing matches the hand-made payloads.
  EXPECT_EQ(pack_image_record(7, {2.0f}, "JPEGDATA1"), g.payload_a);
  EXPECT_EQ(pack_image_record(8, {1.0f, 0.0f, 5.5f}, "PNGBYTES"), g.payload_b);
}

TEST(RecordIOGolden, MagicAtAnUnalignedPositionOrTheEndIsHandled) {
  DataTempDir dir;
  const std::string unaligned = "xy" + kMagicBytes + "zz";  // at offset 2: not escaped (dmlc)
  const std::string at_end = "abcd" + kMagicBytes;          // last word: an empty last part
  Result<RecordWriter> writer = RecordWriter::create(dir / "m.rec");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->write(unaligned).ok());
  EXPECT_EQ(writer->escaped_magic(), 0u);
  ASSERT_TRUE(writer->write(at_end).ok());
  EXPECT_EQ(writer->escaped_magic(), 1u);
  ASSERT_TRUE(writer->close().ok());
  EXPECT_EQ(testing::read_bytes(dir / "m.rec"), kMagicBytes + lrecord(0, 8) + unaligned +
                                                    kMagicBytes + lrecord(1, 4) + "abcd" +
                                                    kMagicBytes + lrecord(3, 0));
  Result<RecordReader> reader = RecordReader::open(dir / "m.rec");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader->next())->payload, unaligned);
  EXPECT_EQ((*reader->next())->payload, at_end);
  EXPECT_FALSE(reader->next()->has_value());
}

// All next() results: payloads, or "ERROR: message".
std::vector<std::string> read_all(const fs::path& rec) {
  std::vector<std::string> out;
  Result<RecordReader> reader = RecordReader::open_sequential(rec);
  if (!reader) return {"OPEN: " + reader.error().message()};
  for (int guard = 0; guard < 100; ++guard) {
    Result<std::optional<Record>> next = reader->next();
    if (!next) {
      out.push_back("ERROR: " + next.error().message());
      continue;
    }
    if (!next->has_value()) return out;
    out.push_back((*next)->payload);
  }
  out.push_back("NO END");
  return out;
}

TEST(RecordIOCorrupt, BadMagicIsReportedWithItsOffsetAndReadingGoesOn) {
  DataTempDir dir;
  Golden g = golden();
  std::memset(g.rec.data() + 44, 0, 4);  // record B's magic
  testing::write_bytes(dir / "bad.rec", g.rec);
  const std::vector<std::string> got = read_all(dir / "bad.rec");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], g.payload_a);
  EXPECT_NE(got[1].find("bad.rec: byte 44: bad magic 0x00000000 (expected 0xced7230a)"),
            std::string::npos)
      << got[1];
  EXPECT_EQ(got[2], g.payload_c);  // found again at the next record start
}

TEST(RecordIOCorrupt, TruncatedAndOversizedLengthsNeverOverRead) {
  DataTempDir dir;
  const Golden g = golden();
  testing::write_bytes(dir / "cut.rec", g.rec.substr(0, 44 + 20));
  std::vector<std::string> got = read_all(dir / "cut.rec");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], g.payload_a);
  EXPECT_NE(got[1].find("cut.rec: byte 44: length 44 (44 with padding) runs past the end of the "
                        "file (64 bytes)"),
            std::string::npos)
      << got[1];

  std::string huge = g.rec;
  const std::string max_length = lrecord(0, (1u << 29) - 1);
  huge.replace(4, 4, max_length);
  testing::write_bytes(dir / "huge.rec", huge);
  got = read_all(dir / "huge.rec");
  ASSERT_GE(got.size(), 1u);
  EXPECT_NE(got[0].find("byte 0: length 536870911"), std::string::npos) << got[0];
  EXPECT_EQ(got.back(), g.payload_c);

  testing::write_bytes(dir / "stub.rec", kMagicBytes + "\x01");
  got = read_all(dir / "stub.rec");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("stub.rec: byte 0: truncated: 5 bytes left"), std::string::npos) << got[0];

  // A cut inside a split record names the part and the record it belongs to.
  testing::write_bytes(dir / "split-cut.rec", g.rec.substr(0, g.offset_c + 8 + 28 + 6));
  got = read_all(dir / "split-cut.rec");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(got[2].find("truncated: 6 bytes left"), std::string::npos) << got[2];
  EXPECT_NE(got[2].find("record starting at byte " + std::to_string(g.offset_c)),
            std::string::npos);
}

TEST(RecordIOCorrupt, WrongContinuationFlagsAndBadHeaders) {
  DataTempDir dir;
  testing::write_bytes(dir / "cont.rec", kMagicBytes + lrecord(2, 4) + "abcd");
  std::vector<std::string> got = read_all(dir / "cont.rec");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("byte 0: cflag 2 where a record starts"), std::string::npos) << got[0];

  // A first part followed by a whole record: the split record never ends properly.
  testing::write_bytes(dir / "open.rec",
                       kMagicBytes + lrecord(1, 4) + "abcd" + kMagicBytes + lrecord(0, 4) + "efgh");
  got = read_all(dir / "open.rec");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].find("byte 12: cflag 0 inside a split record"), std::string::npos) << got[0];
  EXPECT_EQ(got[1], "efgh");

  // Payloads that frame correctly but are no image records.
  testing::write_bytes(dir / "short.rec", kMagicBytes + lrecord(0, 8) + "12345678" + kMagicBytes +
                                              lrecord(0, 28) + ir_header(1000, 0, 1) + "abcd");
  Result<RecordReader> reader = RecordReader::open(dir / "short.rec");
  ASSERT_TRUE(reader.ok());
  Result<ImageRecord> short_header = reader->image(**reader->next());
  ASSERT_FALSE(short_header.ok());
  EXPECT_NE(short_header.error().message().find(
                "short.rec: byte 0: payload of 8 bytes is shorter than the 24-byte"),
            std::string::npos)
      << short_header.error().message();
  Result<ImageRecord> many_labels = reader->image(**reader->next());
  ASSERT_FALSE(many_labels.ok());
  EXPECT_NE(many_labels.error().message().find("byte 16: IRHeader flag 1000 announces 1000 labels"),
            std::string::npos)
      << many_labels.error().message();
}

TEST(RecordIOCorrupt, RandomDamageAlwaysEndsWithNamedErrors) {
  // 300 damaged copies of the golden file (bytes overwritten, or cut short): reading each one to
  // the end terminates, and every error names the file and a byte offset inside it.
  DataTempDir dir;
  const Golden g = golden();
  std::mt19937_64 rng(11);
  for (int round = 0; round < 300; ++round) {
    std::string bytes = g.rec;
    if (round % 3 == 0) {
      bytes.resize(rng() % bytes.size());
    } else {
      for (int k = 0; k < 1 + round % 4; ++k)
        bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xff);
    }
    const fs::path rec = dir / "damaged.rec";
    testing::write_bytes(rec, bytes);
    Result<RecordReader> reader = RecordReader::open_sequential(rec);
    ASSERT_TRUE(reader.ok());
    int calls = 0;
    for (; calls < 100; ++calls) {
      Result<std::optional<Record>> next = reader->next();
      if (!next) {
        const std::string& message = next.error().message();
        ASSERT_EQ(message.rfind(rec.string() + ": byte ", 0), 0u) << message;
        const uint64_t at = std::stoull(message.substr(rec.string().size() + 7));
        EXPECT_LT(at, bytes.size() + 1) << message;
        continue;
      }
      if (!next->has_value()) break;
      EXPECT_LE((*next)->payload.size(), bytes.size());
      (void)reader->image(**next);  // may fail, must not crash
    }
    EXPECT_LT(calls, 100) << "round " << round << ": no end";
  }
}

TEST(RecordIOCorrupt, BadIndexNamesTheFileAndLine) {
  DataTempDir dir;
  const Golden g = golden();
  testing::write_bytes(dir / "x.rec", g.rec);
  testing::write_bytes(dir / "x.idx", "7\t0\nseven\t44\n");
  Result<RecordReader> bad_line = RecordReader::open(dir / "x.rec");
  ASSERT_FALSE(bad_line.ok());
  EXPECT_NE(bad_line.error().message().find("x.idx: line 2: 'seven\t44'"), std::string::npos)
      << bad_line.error().message();
  testing::write_bytes(dir / "x.idx", "7\t0\n8\t99999\n");
  Result<RecordReader> past_end = RecordReader::open(dir / "x.rec");
  ASSERT_FALSE(past_end.ok());
  EXPECT_NE(past_end.error().message().find("line 2: offset 99999 is past the end"),
            std::string::npos);
  EXPECT_TRUE(RecordReader::open_sequential(dir / "x.rec").ok());  // no index wanted
}

// IN/chair/{0,1,2}.png and IN/tree/{0,1}.jpg.
void make_folder(const fs::path& in) {
  for (int i = 0; i < 3; ++i)
    testing::write_test_image(in / "chair" / (std::to_string(i) + ".png"), i);
  for (int i = 0; i < 2; ++i)
    testing::write_test_image(in / "tree" / (std::to_string(i) + ".jpg"), 4 + i, {40, 60});
}

TEST(RecordIOPack, WritesIm2recFilesThatUnpackToTheSameBytesAndLabels) {
  DataTempDir dir;
  make_folder(dir / "in");
  testing::write_bytes(dir / "in/tree/0b.jpg", "not a jpeg");
  Result<PackReport> report = pack_image_folder(dir / "in", dir / "out/set", {});
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->records, 5u);
  EXPECT_EQ(report->labels, (std::vector<std::string>{"chair", "tree"}));
  EXPECT_EQ(report->per_label, (std::vector<size_t>{3, 2}));
  ASSERT_EQ(report->failed.size(), 1u);
  EXPECT_EQ(report->failed[0].rfind("tree/0b.jpg: not a readable image: cannot decode image", 0),
            0u)
      << report->failed[0];
  // im2rec's .lst: index, label as %f, relative path; the broken 0b.jpg (index 4) is a gap.
  EXPECT_EQ(testing::read_bytes(dir / "out/set.lst"),
            "0\t0.000000\tchair/0.png\n1\t0.000000\tchair/1.png\n2\t0.000000\tchair/2.png\n"
            "3\t1.000000\ttree/0.jpg\n5\t1.000000\ttree/1.jpg\n");
  const nlohmann::json labels =
      nlohmann::json::parse(testing::read_bytes(dir / "out/set.labels.json"));
  EXPECT_EQ(labels["labels"], nlohmann::json({"chair", "tree"}));

  Result<RecordReader> reader = RecordReader::open(dir / "out/set.rec");
  ASSERT_TRUE(reader.ok());
  ASSERT_EQ(reader->index().size(), 5u);
  std::vector<ImageRecord> images;
  for (const RecordIndexEntry& entry : reader->index()) {
    Result<Record> record = reader->read_key(entry.key);
    ASSERT_TRUE(record.ok());
    EXPECT_EQ(record->offset, entry.offset);
    Result<ImageRecord> image = reader->image(record.value());
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image->header.id, entry.key);
    images.push_back(image.value());
  }
  EXPECT_EQ(images[0].labels, std::vector<float>{0.0f});
  EXPECT_EQ(images[4].labels, std::vector<float>{1.0f});
  EXPECT_EQ(images[4].header.id, 5u);
  const cv::Mat decoded = cv::imdecode(
      std::vector<uchar>(images[3].image.begin(), images[3].image.end()), cv::IMREAD_COLOR);
  EXPECT_EQ(decoded.size(), cv::Size(40, 60));
  EXPECT_TRUE(images[0].image.starts_with("\xff\xd8\xff"));  // re-encoded as JPEG, as im2rec

  Result<UnpackReport> unpacked = unpack_records(dir / "out/set.rec", dir / "unpacked");
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().message();
  EXPECT_EQ(unpacked->records, 5u);
  EXPECT_TRUE(unpacked->errors.empty());
  EXPECT_EQ(unpacked->per_folder, (std::map<std::string, size_t>{{"chair", 3}, {"tree", 2}}));
  EXPECT_EQ(testing::read_bytes(dir / "unpacked/chair/1.jpg"), images[1].image);
  EXPECT_EQ(testing::read_bytes(dir / "unpacked/tree/5.jpg"), images[4].image);
}

TEST(RecordIOPack, PassThroughKeepsTheFilesBytesAndResizeFollowsIm2rec) {
  DataTempDir dir;
  make_folder(dir / "in");
  PackOptions through;
  through.pass_through = true;
  ASSERT_TRUE(pack_image_folder(dir / "in", dir / "raw.rec", through).ok());  // .rec dropped
  ASSERT_TRUE(fs::exists(dir / "raw.idx"));
  Result<UnpackReport> unpacked = unpack_records(dir / "raw.rec", dir / "raw-out");
  ASSERT_TRUE(unpacked.ok());
  EXPECT_EQ(testing::read_bytes(dir / "raw-out/chair/2.png"),
            testing::read_bytes(dir / "in/chair/2.png"));  // PNG bytes -> .png
  EXPECT_EQ(testing::read_bytes(dir / "raw-out/tree/3.jpg"),
            testing::read_bytes(dir / "in/tree/0.jpg"));

  PackOptions resized;
  resized.resize = 16;
  resized.encoding = ".png";
  resized.quality = 3;
  ASSERT_TRUE(pack_image_folder(dir / "in", dir / "small", resized).ok());
  Result<RecordReader> reader = RecordReader::open(dir / "small.rec");
  ASSERT_TRUE(reader.ok());
  auto size_of = [&](uint64_t key) {
    const std::string bytes = reader->image(reader->read_key(key).value()).value().image;
    return cv::imdecode(std::vector<uchar>(bytes.begin(), bytes.end()), cv::IMREAD_COLOR).size();
  };
  EXPECT_EQ(size_of(0), cv::Size(48 * 16 / 32, 16));  // landscape 48x32: height -> 16
  EXPECT_EQ(size_of(3), cv::Size(16, 60 * 16 / 40));  // portrait 40x60: width -> 16
}

TEST(RecordIOPack, UnpackSkipsCorruptRecordsAndNamesMultiLabelFolders) {
  DataTempDir dir;
  Result<RecordWriter> writer = RecordWriter::create(dir / "mixed.rec");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->write(pack_image_record(1, {3.0f}, "\xff\xd8\xff one")).ok());
  ASSERT_TRUE(writer->write("too short").ok());
  ASSERT_TRUE(writer->write(pack_image_record(2, {1.0f, 4.0f}, "\xff\xd8\xff two")).ok());
  ASSERT_TRUE(writer->close().ok());
  // A crafted name must not lead outside OUT: label 3 falls back to its number.
  testing::write_bytes(dir / "mixed.labels.json", R"({"labels": ["a", "b", "c", "../evil"]})");
  Result<UnpackReport> unpacked = unpack_records(dir / "mixed.rec", dir / "out");
  ASSERT_TRUE(unpacked.ok());
  EXPECT_EQ(unpacked->records, 2u);
  ASSERT_EQ(unpacked->errors.size(), 1u);
  EXPECT_NE(unpacked->errors[0].find("mixed.rec: byte 40: payload of 9 bytes"), std::string::npos)
      << unpacked->errors[0];
  EXPECT_EQ(testing::read_bytes(dir / "out/3/1.jpg"), "\xff\xd8\xff one");
  EXPECT_FALSE(fs::exists(dir / "evil"));
  EXPECT_EQ(testing::read_bytes(dir / "out/1_4/2.jpg"), "\xff\xd8\xff two");
}

}  // namespace
}  // namespace posecast
