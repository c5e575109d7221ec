// The RecordIO reader (`posecast data unpack`, training from .rec files): sequential reading with
// its resync after damage, random access through the .idx, and the image record header.
//
// Input: the .rec bytes, then optionally "\n#idx\n" and the .idx text ("key<TAB>offset" lines).
#include <cstdint>
#include <optional>
#include <string_view>

#include "fuzz_support.h"
#include "posecast/recordio.h"

namespace posecast::fuzz {

inline constexpr std::string_view kIdxSeparator = "\n#idx\n";

Status run_recordio(std::string_view input) {
  bool with_idx = false;
  const auto [rec_bytes, idx_text] = split_last(input, kIdxSeparator, &with_idx);
  const std::filesystem::path rec = scratch_file("data.rec", rec_bytes);
  const std::filesystem::path idx = scratch_file("data.idx", idx_text);
  if (rec.empty() || idx.empty()) return Error("fuzz: cannot write the scratch files");

  Status first_error;
  auto note = [&](const Error& e) {
    if (first_error.ok()) first_error = e;
  };
  // Random access through the .idx, as training's shuffled reading does.
  if (with_idx) {
    Result<RecordReader> indexed = RecordReader::open(rec, idx);
    if (!indexed) {
      note(indexed.error());
    } else {
      for (const RecordIndexEntry& entry : indexed->index()) {
        Result<Record> record = indexed->read_key(entry.key);
        if (!record) {
          note(record.error());
          continue;
        }
        if (Result<ImageRecord> image = indexed->image(record.value()); !image) note(image.error());
      }
    }
  }
  // Sequential reading, as unpack does: every record, each error skipping only the damage. Every
  // call moves at least 4 bytes on, so this ends; the bound only guards against a regression.
  Result<RecordReader> reader = RecordReader::open_sequential(rec);
  if (!reader) return reader.error();
  for (size_t calls = 0; calls <= rec_bytes.size() / 4 + 2; ++calls) {
    Result<std::optional<Record>> record = reader->next();
    if (!record) {
      note(record.error());
      continue;
    }
    if (!record->has_value()) return first_error;
    if (Result<ImageRecord> image = reader->image(**record); !image) note(image.error());
    // read_at must find the same record at the offset next() reported.
    Result<Record> again = reader->read_at((*record)->offset);
    if (!again || again->payload != (*record)->payload) std::abort();
  }
  std::abort();  // next() never reached the end of the file
}

}  // namespace posecast::fuzz

#ifndef POSECAST_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)posecast::fuzz::run_recordio(posecast::fuzz::as_text(data, size));
  return 0;
}
#endif
