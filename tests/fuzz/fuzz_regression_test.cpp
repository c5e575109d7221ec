// Every fuzz target's seed corpus (fuzz/corpus/<target>/) and every input a fuzzer once crashed on
// (tests/data/fuzz_regressions/<target>/) through the same entry point the fuzzer calls, built
// with the project's normal compiler: each input must give a result or an error that says what is
// wrong, never a crash. scripts/fuzz.sh runs the fuzzers themselves; see docs/fuzzing.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#define POSECAST_FUZZ_NO_MAIN
#include "../../fuzz/graph_model_fuzzer.cpp"
#include "../../fuzz/http_request_fuzzer.cpp"
#include "../../fuzz/image_decode_fuzzer.cpp"
#include "../../fuzz/instructor_command_fuzzer.cpp"
#include "../../fuzz/mlp_model_fuzzer.cpp"
#include "../../fuzz/model_def_fuzzer.cpp"
#include "../../fuzz/recordio_fuzzer.cpp"
#include "test_paths.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;

struct FuzzTarget {
  std::string name;
  Status (*run)(std::string_view input);
  // Inputs (seeds and reproducers, by file name) with the outcome a user would see: "" = accepted,
  // else a piece of the error.
  std::map<std::string, std::string> expected;
};

void PrintTo(const FuzzTarget& target, std::ostream* out) { *out << target.name; }

const std::vector<FuzzTarget>& fuzz_targets() {
  static const std::vector<FuzzTarget> targets = {
      {"instructor_command",
       fuzz::run_instructor_command,
       {{"target", ""},
        {"session_stop", ""},
        {"person", ""},
        {"person_all", ""},
        {"unknown", "unknown command \"dance\""}}},
      {"http_request",
       fuzz::run_http_request,
       {{"get_status", ""},
        {"post_target", ""},
        {"post_chunked", ""},
        {"post_command", ""},
        {"cross_origin", "answered 403: {\"error\":\"cross-origin request refused"},
        {"wrong_method", "answered 401"},
        // Reproducers: invalid UTF-8 quoted in an error answer made json::dump throw out of
        // handle(), which terminated the server.
        {"invalid_utf8_path", "answered 404: {\"error\":\"not found: /met\xef\xbf\xbd"},
        {"invalid_utf8_origin",
         "answered 403: {\"error\":\"cross-origin request refused: http://\xef\xbf\xbd"}}},
      {"recordio",
       fuzz::run_recordio,
       {{"three_records", ""},
        {"damaged", "data.rec: byte 44: bad magic 0x00000000"},
        {"truncated", "runs past the end of the file"},
        {"bad_idx", "data.idx: line 2: offset 999 is past the end of"}}},
      {"mlp_model",
       fuzz::run_mlp_model,
       {{"two_classes", ""},
        {"hidden_layer", ""},
        {"bad_checksum", "pose.model: weights: checksum mismatch"},
        {"truncated", "(truncated)"},
        {"version_1", "unsupported model version 1"}}},
      {"model_def",
       fuzz::run_model_def,
       {{"add_relu", ""},
        {"conv_quantized", ""},
        // Reproducer: a weight of shape [0] handed memcpy a null pointer.
        {"zero_element_weight", "but the manifest describes 0"},
        // Reproducer: split_tensor_name's std::stoi threw on "add:99999999999" (out of range).
        {"huge_output_index", ""}}},
      {"graph_model",
       fuzz::run_graph_model,
       {{"add_relu", ""},
        {"conv_quantized", ""},
        {"not_a_model", "the model has no signature outputs"},
        // Reproducer: the same index, uncaught out of GraphModel::load.
        {"huge_output_index", "reads 'add:99999999999', which no node defines"},
        // Reproducer: a Placeholder's malformed dtype threw out of GraphModel::load.
        {"placeholder_dtype_not_a_type",
         "node 'x' (op Placeholder): attribute 'dtype' is not a type"}}},
      {"image_decode",
       fuzz::run_image_decode,
       {{"tiny.png", ""},
        {"tiny.jpg", ""},
        {"gray.png", ""},
        {"truncated.jpg", "fuzz.img: cannot decode image"},
        {"tiny.webp", ""},
        {"tiny.tiff", ""},
        {"tiny.ppm", ""},
        // 33 bytes of PNG header that claim 30000x30000: refused before any decoder allocates.
        {"huge_header.png", "fuzz.img: image is 30000x30000 (900.0 megapixels), over the limit"},
        {"huge_header.jpg", "fuzz.img: image is 30000x30000"},
        {"not_an_image", "not an image format posecast reads"},
        // Reproducer: a TIFF directory offset of 0xffffffff wrapped the bounds check (uint32).
        {"tiff_ifd_offset_wraps", "fuzz.img: cannot decode image: TIFF header is truncated"}}},
  };
  return targets;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Runs `input` through the target; an error must say something. Returns whether the input has a
// known outcome in target.expected (and checks it).
bool expect_outcome(const FuzzTarget& target, const fs::path& input) {
  const Status status = target.run(read_bytes(input));
  if (!status.ok()) {
    EXPECT_FALSE(status.error().message().empty());
  }
  auto expected = target.expected.find(input.filename().string());
  if (expected == target.expected.end()) return false;
  if (expected->second.empty()) {
    EXPECT_TRUE(status.ok()) << status.error().message();
  } else if (status.ok()) {
    ADD_FAILURE() << "expected an error containing: " << expected->second;
  } else {
    EXPECT_NE(status.error().message().find(expected->second), std::string::npos)
        << status.error().message();
  }
  return true;
}

class FuzzRegressionTest : public ::testing::TestWithParam<FuzzTarget> {};

TEST_P(FuzzRegressionTest, SeedCorpusGivesResultsOrClearErrors) {
  const FuzzTarget& target = GetParam();
  const std::vector<fs::path> seeds =
      files_in(fs::path(POSECAST_SOURCE_DIR) / "fuzz" / "corpus" / target.name);
  ASSERT_GE(seeds.size(), 3u) << "fuzz/corpus/" << target.name << " lost its seeds";
  size_t checked = 0;
  for (const fs::path& seed : seeds) {
    SCOPED_TRACE(seed.string());
    if (expect_outcome(target, seed)) ++checked;
  }
  EXPECT_GE(checked, 2u) << "the seeds with known outcomes are missing";
}

TEST_P(FuzzRegressionTest, CrashReproducersGiveClearErrors) {
  const FuzzTarget& target = GetParam();
  for (const fs::path& input :
       files_in(fs::path(POSECAST_TEST_DATA) / "fuzz_regressions" / target.name)) {
    SCOPED_TRACE(input.string());
    expect_outcome(target, input);
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzRegressionTest, ::testing::ValuesIn(fuzz_targets()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace posecast
