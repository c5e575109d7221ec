// The data sets of `posecast train image`: a folder of labelled photos or an MXNet RecordIO file,
// read into one list of samples with label numbers, and the pictures decoded from it. Private to
// src/train.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <string>
#include <utility>
#include <vector>

#include "posecast/pose_library.h"
#include "posecast/recordio.h"
#include "posecast/status.h"

namespace posecast::image_training {

struct Sample {
  std::string name;            // the file, or "data.rec@1032"
  std::filesystem::path path;  // a photo file, or empty for a record
  uint64_t offset = 0;         // the record's offset in the .rec
  int label = 0;               // index into DataSet::labels
};

// A .rec shared by the loading threads: RecordReader has one file position.
struct RecordSource {
  std::mutex mutex;
  RecordReader reader;
  explicit RecordSource(RecordReader r) : reader(std::move(r)) {}
};

struct DataSet {
  std::string origin;
  std::vector<std::string> labels;  // label names (library ids where they match)
  std::vector<Sample> samples;
  std::shared_ptr<RecordSource> records;
};

// A PREFIX.rec file, or else a folder of <label>/ folders of photos.
Result<DataSet> load_data(const std::filesystem::path& path, const PoseLibrary& library);

// DIR/train with DIR/val (as `posecast data split` writes), DIR/validation or DIR/test; else
// {DIR, empty}.
std::pair<std::filesystem::path, std::filesystem::path> split_folders(
    const std::filesystem::path& dir);

// Moves `val` onto `train`'s label numbering; labels training never saw are dropped (counted).
size_t align_labels(DataSet& val, const DataSet& train);

// The sample's picture, from its file or its record; thread-safe.
Result<cv::Mat> decode_sample(const DataSet& set, const Sample& s);

}  // namespace posecast::image_training
