// `posecast data augment|split|pack|unpack` end to end: the real binary on a small generated
// folder, checking what a user sees (stdout, stderr, exit code) and the files it leaves.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "data_tools/data_temp_dir.h"
#include "e2e/cli_run.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using testing::DataTempDir;
using testing::run_posecast;

// IN/chair/{0,1,2}.png, IN/tree/{0,1}.jpg, IN/tree/zz-bad.jpg (not an image).
void make_folder(const fs::path& in) {
  for (int i = 0; i < 3; ++i)
    testing::write_test_image(in / "chair" / (std::to_string(i) + ".png"), i);
  for (int i = 0; i < 2; ++i)
    testing::write_test_image(in / "tree" / (std::to_string(i) + ".jpg"), 4 + i);
  testing::write_bytes(in / "tree/zz-bad.jpg", "not a jpeg");
}

TEST(DataCli, AugmentWritesOutputsAndNamesTheBadImage) {
  DataTempDir dir;
  make_folder(dir / "in");
  const std::string in = (dir / "in").string(), out = (dir / "out").string();
  const std::vector<std::string> args = {"data",
                                         "augment",
                                         "--in=" + in,
                                         "--out=" + out,
                                         "--per-image=2",
                                         "--seed=4",
                                         "--rotation-range=20",
                                         "--zoom-range=0.9,1.1",
                                         "--horizontal-flip",
                                         "--fill-mode=constant",
                                         "--cval=30",
                                         "--workers=2"};
  testing::CliRun run = run_posecast(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "augmented 5 of 6 images: 10 new images + 5 originals in " + out + "\n");
  EXPECT_NE(run.err.find("posecast data augment: skipped tree/zz-bad.jpg: not a readable image"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(cv::imread((dir / "out/tree/1_aug1.jpg").string()).size(), cv::Size(48, 32));
  EXPECT_TRUE(fs::exists(dir / "out/chair/2.png"));
}

TEST(DataCli, AugmentFailsClearlyOnBadInput) {
  DataTempDir dir;
  testing::CliRun missing = run_posecast(
      {"data", "augment", "--in", (dir / "none").string(), "--out", (dir / "o").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err,
            "posecast data augment: " + (dir / "none").string() + ": no such folder\n");

  testing::write_bytes(dir / "bad/a/x.jpg", "broken");
  testing::CliRun nothing = run_posecast(
      {"data", "augment", "--in", (dir / "bad").string(), "--out", (dir / "o").string()});
  EXPECT_EQ(nothing.exit_code, 1);  // nothing could be produced
  EXPECT_NE(nothing.err.find("skipped a/x.jpg: not a readable image"), std::string::npos);
}

TEST(DataCli, SplitPrintsTheCountsPerLabel) {
  DataTempDir dir;
  make_folder(dir / "in");
  const std::string out = (dir / "split").string();
  testing::CliRun run = run_posecast({"data", "split", "--in", (dir / "in").string(), "--out", out,
                                      "--val", "0.25", "--seed", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // zz-bad.jpg is an image by its name: the split never decodes, so tree has 3.
  EXPECT_EQ(run.out,
            "label   train     val   total\n"
            "chair       2       1       3\n"
            "tree        2       1       3\n"
            "total       4       2       6\n"
            "6 hard links, 0 copies in " +
                out + "/train and " + out + "/val\n");
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(out)) files += e.is_regular_file();
  EXPECT_EQ(files, 6u);
}

TEST(DataCli, PackThenUnpackRoundTrips) {
  DataTempDir dir;
  make_folder(dir / "in");
  const std::string prefix = (dir / "rec/set").string();
  testing::CliRun pack =
      run_posecast({"data", "pack", "--in", (dir / "in").string(), "--out", prefix});
  ASSERT_EQ(pack.exit_code, 0) << pack.err;
  EXPECT_EQ(pack.out, "label 0: chair (3 images)\nlabel 1: tree (2 images)\npacked 5 images into " +
                          prefix + ".rec (+ set.lst, set.idx, set.labels.json)\n");
  EXPECT_NE(pack.err.find("skipped tree/zz-bad.jpg: not a readable image"), std::string::npos);

  testing::CliRun unpack = run_posecast(
      {"data", "unpack", "--in", prefix + ".rec", "--out", (dir / "unpacked").string()});
  ASSERT_EQ(unpack.exit_code, 0) << unpack.err;
  EXPECT_EQ(unpack.out, "chair: 3 images\ntree: 2 images\nunpacked 5 records into " +
                            (dir / "unpacked").string() + "\n");
  EXPECT_EQ(cv::imread((dir / "unpacked/tree/4.jpg").string()).size(), cv::Size(48, 32));

  // A damaged .rec: the bad record is named with its offset, the others still come out.
  std::string bytes = testing::read_bytes(prefix + ".rec");
  bytes[0] = 0;
  testing::write_bytes(dir / "rec/broken.rec", bytes);
  testing::CliRun broken =
      run_posecast({"data", "unpack", "--in", (dir / "rec/broken.rec").string(), "--out",
                    (dir / "from-broken").string()});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("corrupt record skipped: " + (dir / "rec/broken.rec").string() +
                            ": byte 0: bad magic 0xced72300"),
            std::string::npos)
      << broken.err;
  EXPECT_NE(broken.out.find("unpacked 4 records"), std::string::npos) << broken.out;
}

}  // namespace
}  // namespace posecast
