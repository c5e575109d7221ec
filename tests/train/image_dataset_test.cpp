#include "posecast/image_dataset.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace posecast {
namespace {

namespace fs = std::filesystem;

class ImageFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("posecast_dataset_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void touch(const fs::path& relative) {
    fs::create_directories((dir_ / relative).parent_path());
    std::ofstream(dir_ / relative) << "x";
  }
  fs::path dir_;
};

TEST_F(ImageFolderTest, LabelFoldersOfPhotos) {
  touch("tree/b.jpg");
  touch("tree/a.JPEG");
  touch("tree/notes.txt");
  touch("tree/.hidden.jpg");
  touch("downdog/x.png");
  touch(".cache/y.jpg");
  Result<ImageFolder> folder = scan_image_folder(dir_);
  ASSERT_TRUE(folder.ok()) << folder.error().message();
  EXPECT_FALSE(folder->has_split);
  EXPECT_EQ(folder->labels, (std::vector<std::string>{"downdog", "tree"}));
  ASSERT_EQ(folder->images.size(), 3u);
  EXPECT_EQ(folder->images[0].label, "downdog");
  EXPECT_EQ(folder->images[1].path.filename(), "a.JPEG");
  EXPECT_EQ(folder->images[2].path.filename(), "b.jpg");
  EXPECT_EQ(folder->images[2].split, "");
  ASSERT_EQ(folder->skipped.size(), 1u);
  EXPECT_EQ(folder->skipped[0].filename(), "notes.txt");
}

TEST_F(ImageFolderTest, TrainAndTestSplit) {
  touch("train/tree/1.jpg");
  touch("train/plank/2.jpg");
  touch("test/tree/3.jpg");
  Result<ImageFolder> folder = scan_image_folder(dir_);
  ASSERT_TRUE(folder.ok()) << folder.error().message();
  EXPECT_TRUE(folder->has_split);
  EXPECT_EQ(folder->labels, (std::vector<std::string>{"plank", "tree"}));
  ASSERT_EQ(folder->images.size(), 3u);
  int train = 0, test = 0;
  for (const auto& image : folder->images) (image.split == "train" ? train : test)++;
  EXPECT_EQ(train, 2);
  EXPECT_EQ(test, 1);
}

TEST_F(ImageFolderTest, ErrorsNameTheFolder) {
  Result<ImageFolder> missing = scan_image_folder(dir_ / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("nope: no such folder"), std::string::npos);

  touch("file.jpg");
  Result<ImageFolder> file = scan_image_folder(dir_ / "file.jpg");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message().find("not a folder"), std::string::npos);

  Result<ImageFolder> no_labels = scan_image_folder(dir_);
  ASSERT_FALSE(no_labels.ok());
  EXPECT_NE(no_labels.error().message().find("no label folders"), std::string::npos);

  touch("tree/readme.md");
  Result<ImageFolder> no_photos = scan_image_folder(dir_);
  ASSERT_FALSE(no_photos.ok());
  EXPECT_NE(no_photos.error().message().find(dir_.string() + ": no photos"), std::string::npos);
}

TEST(ImagePath, KnownExtensionsInAnyCase) {
  EXPECT_TRUE(is_image_path("a/b.JPG"));
  EXPECT_TRUE(is_image_path("b.webp"));
  EXPECT_FALSE(is_image_path("b.gif.txt"));
  EXPECT_FALSE(is_image_path("jpg"));
}

}  // namespace
}  // namespace posecast
