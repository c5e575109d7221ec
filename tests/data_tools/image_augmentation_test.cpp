// Keras ImageDataGenerator semantics: each parameter's geometric effect on a synthetic picture,
// the fill modes at the borders, rescale, the drawn ranges, and the folder tool's determinism.
#include "posecast/image_augmentation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data_tools/data_temp_dir.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using testing::DataTempDir;

// 101 x 81: the centre ((w - 1) / 2, (h - 1) / 2) is the pixel (50, 40).
const cv::Size kSize(101, 81);
const cv::Point2d kCentre(50, 40);

// A white 5x5 square centred on `at`, on black, one channel.
cv::Mat dot_image(cv::Point at) {
  cv::Mat image = cv::Mat::zeros(kSize, CV_8UC1);
  cv::rectangle(image, cv::Rect(at.x - 2, at.y - 2, 5, 5), cv::Scalar(255), cv::FILLED);
  return image;
}

// The brightness-weighted centre of the picture.
cv::Point2d centroid(const cv::Mat& image) {
  const cv::Moments m = cv::moments(image, false);
  if (m.m00 == 0) return {-1, -1};
  return {m.m10 / m.m00, m.m01 / m.m00};
}

AugmentOptions defaults() { return AugmentOptions{}; }

TEST(AugmentGeometry, HorizontalFlipMirrorsTheColumn) {
  AffineParams p;
  p.flip_horizontal = true;
  const cv::Point2d c = centroid(apply_transform(dot_image({20, 30}), p, defaults()));
  EXPECT_NEAR(c.x, kSize.width - 1 - 20, 1e-9);
  EXPECT_NEAR(c.y, 30, 1e-9);
}

TEST(AugmentGeometry, VerticalFlipMirrorsTheRow) {
  AffineParams p;
  p.flip_vertical = true;
  const cv::Point2d c = centroid(apply_transform(dot_image({20, 30}), p, defaults()));
  EXPECT_NEAR(c.x, 20, 1e-9);
  EXPECT_NEAR(c.y, kSize.height - 1 - 30, 1e-9);
}

TEST(AugmentGeometry, WidthShiftOfAQuarterMovesTheContentAQuarterWidth) {
  // Keras: tx = 0.25 * width; the matrix maps output to input, so the content moves left by tx.
  AffineParams p;
  p.tx = 0.25 * 100;
  const cv::Point2d c = centroid(apply_transform(dot_image({60, 40}), p, defaults()));
  EXPECT_NEAR(c.x, 60 - 25, 1e-6);
  EXPECT_NEAR(c.y, 40, 1e-6);
}

TEST(AugmentGeometry, HeightShiftMovesTheContentVertically) {
  AffineParams p;
  p.ty = -20;  // content moves down by 20
  const cv::Point2d c = centroid(apply_transform(dot_image({60, 30}), p, defaults()));
  EXPECT_NEAR(c.x, 60, 1e-6);
  EXPECT_NEAR(c.y, 50, 1e-6);
}

TEST(AugmentGeometry, Rotation90TurnsCounterClockwiseAboutTheCentre) {
  // A point 20 px right of the centre ends 20 px above it.
  AffineParams p;
  p.theta_deg = 90;
  const cv::Point2d c = centroid(apply_transform(dot_image({70, 40}), p, defaults()));
  EXPECT_NEAR(c.x, kCentre.x, 1e-6);
  EXPECT_NEAR(c.y, kCentre.y - 20, 1e-6);
  // And the centre itself stays put.
  const cv::Point2d centre = centroid(apply_transform(dot_image({50, 40}), p, defaults()));
  EXPECT_NEAR(centre.x, 50, 1e-6);
  EXPECT_NEAR(centre.y, 40, 1e-6);
}

TEST(AugmentGeometry, ZoomAboveOneZoomsOutTowardsTheCentre) {
  AffineParams p;
  p.zx = 2;
  p.zy = 2;
  const cv::Mat out = apply_transform(dot_image({70, 40}), p, defaults());
  const cv::Point2d c = centroid(out);
  EXPECT_NEAR(c.x, kCentre.x + 10, 0.05);  // 20 px from the centre -> 10
  EXPECT_NEAR(c.y, kCentre.y, 0.05);
  EXPECT_LT(cv::sum(out)[0], cv::sum(dot_image({70, 40}))[0] / 2);  // a smaller square

  p.zx = 0.5;  // zoom in, x only
  p.zy = 1;
  const cv::Point2d in = centroid(apply_transform(dot_image({60, 30}), p, defaults()));
  EXPECT_NEAR(in.x, kCentre.x + 20, 0.05);
  EXPECT_NEAR(in.y, 30, 0.05);
}

TEST(AugmentGeometry, ShearSlantsRowsBelowTheCentreToTheRight) {
  // Keras's shear matrix [[1, -sin s], [0, cos s]]: a point 20 px below the centre goes to
  // y = 20 / cos s, x = 20 / cos s * sin s; points on the centre row stay.
  AffineParams p;
  p.shear_deg = 30;
  const double s = 30 * M_PI / 180;
  const cv::Point2d below = centroid(apply_transform(dot_image({50, 60}), p, defaults()));
  EXPECT_NEAR(below.y, kCentre.y + 20 / std::cos(s), 0.3);
  EXPECT_NEAR(below.x, kCentre.x + 20 / std::cos(s) * std::sin(s), 0.3);
  const cv::Point2d level = centroid(apply_transform(dot_image({70, 40}), p, defaults()));
  EXPECT_NEAR(level.x, 70, 0.05);
  EXPECT_NEAR(level.y, 40, 0.05);
}

TEST(AugmentGeometry, TransformMatrixComposesAboutTheCentre) {
  AffineParams identity;
  const cv::Matx23d m = transform_matrix(identity, kSize);
  EXPECT_EQ(m, cv::Matx23d(1, 0, 0, 0, 1, 0));
  AffineParams p;
  p.theta_deg = 180;
  const cv::Matx23d r = transform_matrix(p, {100, 80});  // centre (49.5, 39.5)
  const cv::Vec2d corner = r * cv::Vec3d(0, 0, 1);
  EXPECT_NEAR(corner[0], 99, 1e-9);
  EXPECT_NEAR(corner[1], 79, 1e-9);
}

// A horizontal ramp, value 2x, shifted right by 30 px: the left 30 columns come from outside.
uchar shifted_ramp_pixel(FillMode mode, double cval, int x) {
  cv::Mat ramp(kSize, CV_8UC1);
  for (int c = 0; c < ramp.cols; ++c) ramp.col(c).setTo(2 * c);
  AugmentOptions o;
  o.fill_mode = mode;
  o.cval = cval;
  AffineParams p;
  p.tx = -30;
  return apply_transform(ramp, p, o).at<uchar>(40, x);
}

TEST(AugmentFill, ModesFillTheUncoveredBorderAsKerasDoes) {
  // Output column 10 samples input column -20.
  EXPECT_EQ(shifted_ramp_pixel(FillMode::kNearest, 0, 10), 0);     // column 0
  EXPECT_EQ(shifted_ramp_pixel(FillMode::kConstant, 77, 10), 77);  // cval
  EXPECT_EQ(shifted_ramp_pixel(FillMode::kConstant, 0, 10), 0);
  EXPECT_EQ(shifted_ramp_pixel(FillMode::kReflect, 0, 10), 2 * 19);  // dcba|abcd: -20 -> 19
  EXPECT_EQ(shifted_ramp_pixel(FillMode::kWrap, 0, 10), 2 * 81);     // -20 -> 101 - 20
  for (FillMode mode :
       {FillMode::kNearest, FillMode::kConstant, FillMode::kReflect, FillMode::kWrap})
    EXPECT_EQ(shifted_ramp_pixel(mode, 77, 50), 2 * 20) << fill_mode_name(mode);  // inside
}

TEST(AugmentFill, NamesParseAndMapToOpenCvBorders) {
  EXPECT_EQ(parse_fill_mode("reflect").value(), FillMode::kReflect);
  EXPECT_EQ(border_mode(FillMode::kNearest), cv::BORDER_REPLICATE);
  EXPECT_EQ(border_mode(FillMode::kWrap), cv::BORDER_WRAP);
  Result<FillMode> bad = parse_fill_mode("mirror");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("'mirror'"), std::string::npos);
}

TEST(AugmentRescale, MultipliesPixelValuesAndClipsTo8Bit) {
  const cv::Mat grey(kSize, CV_8UC3, cv::Scalar(100, 100, 100));
  AugmentOptions o;
  o.rescale = 1.5;
  EXPECT_EQ(apply_transform(grey, {}, o).at<cv::Vec3b>(5, 5), cv::Vec3b(150, 150, 150));
  o.rescale = 3;
  EXPECT_EQ(apply_transform(grey, {}, o).at<cv::Vec3b>(5, 5), cv::Vec3b(255, 255, 255));
  o.rescale = 1.0 / 255;  // Keras's usual value: fine for float tensors, near-black when saved
  EXPECT_EQ(apply_transform(grey, {}, o).at<cv::Vec3b>(5, 5), cv::Vec3b(0, 0, 0));
}

TEST(AugmentRanges, DrawsStayInsideTheRangesAndSpreadOverThem) {
  AugmentOptions o;
  o.rotation_range = 30;
  o.width_shift_range = 0.25;  // of 100 px
  o.height_shift_range = 10;   // >= 1: pixels
  o.shear_range = 20;
  o.zoom_lo = 0.8;
  o.zoom_hi = 1.2;
  o.horizontal_flip = true;
  std::mt19937_64 rng(5);
  double theta_min = 1e9, theta_max = -1e9, tx_min = 1e9, tx_max = -1e9;
  int flips = 0, zoom_differs = 0;
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    const AffineParams p = draw_transform(o, {100, 80}, rng);
    ASSERT_LE(std::abs(p.theta_deg), 30);
    ASSERT_LE(std::abs(p.tx), 25);
    ASSERT_LE(std::abs(p.ty), 10);
    ASSERT_LE(std::abs(p.shear_deg), 20);
    ASSERT_GE(p.zx, 0.8);
    ASSERT_LE(p.zx, 1.2);
    ASSERT_GE(p.zy, 0.8);
    ASSERT_LE(p.zy, 1.2);
    ASSERT_FALSE(p.flip_vertical);
    theta_min = std::min(theta_min, p.theta_deg);
    theta_max = std::max(theta_max, p.theta_deg);
    tx_min = std::min(tx_min, p.tx);
    tx_max = std::max(tx_max, p.tx);
    flips += p.flip_horizontal;
    zoom_differs += p.zx != p.zy;
  }
  EXPECT_LT(theta_min, -29);
  EXPECT_GT(theta_max, 29);
  EXPECT_LT(tx_min, -24);
  EXPECT_GT(tx_max, 24);
  EXPECT_NEAR(flips, n / 2, n / 10);
  EXPECT_EQ(zoom_differs, n);  // x and y zoom are drawn independently, as in Keras

  const AffineParams none = draw_transform(AugmentOptions{}, {100, 80}, rng);
  EXPECT_EQ(none.theta_deg, 0);
  EXPECT_EQ(none.tx, 0);
  EXPECT_EQ(none.zx, 1);
  EXPECT_FALSE(none.flip_horizontal);
}

TEST(AugmentRanges, ZoomRangeParsesLikeKeras) {
  EXPECT_EQ(parse_zoom_range("0.2").value(), std::make_pair(0.8, 1.2));
  EXPECT_EQ(parse_zoom_range("0.9,1.3").value(), std::make_pair(0.9, 1.3));
  EXPECT_EQ(parse_zoom_range("0").value(), std::make_pair(1.0, 1.0));
  for (const char* bad : {"abc", "1.2,0.9", "-0.1", "0,1", "1,", "1.5"}) {
    Result<std::pair<double, double>> r = parse_zoom_range(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message().find(bad), std::string::npos);
    }
  }
}

// IN/a/{0,1,2}.png, IN/b/{0,1}.png, IN/b/bad.png (not an image), IN/b/notes.txt.
void make_folder(const fs::path& in) {
  for (int i = 0; i < 3; ++i) testing::write_test_image(in / "a" / (std::to_string(i) + ".png"), i);
  for (int i = 0; i < 2; ++i)
    testing::write_test_image(in / "b" / (std::to_string(i) + ".png"), 5 + i);
  testing::write_bytes(in / "b" / "bad.png", "this is not a PNG");
  testing::write_bytes(in / "b" / "notes.txt", "hello");
}

AugmentFolderOptions folder_options(uint64_t seed, int workers) {
  AugmentFolderOptions o;
  o.per_image = 2;
  o.seed = seed;
  o.workers = workers;
  o.transform.rotation_range = 25;
  o.transform.width_shift_range = 0.2;
  o.transform.zoom_lo = 0.9;
  o.transform.zoom_hi = 1.1;
  o.transform.horizontal_flip = true;
  return o;
}

TEST(AugmentFolder, KeepsLabelFoldersCopiesOriginalsAndReportsBadImages) {
  DataTempDir dir;
  make_folder(dir / "in");
  Result<AugmentReport> report = augment_folder(dir / "in", dir / "out", folder_options(1, 2));
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->inputs, 6u);
  EXPECT_EQ(report->images, 5u);
  EXPECT_EQ(report->written, 10u);
  EXPECT_EQ(report->originals_copied, 5u);
  ASSERT_EQ(report->failed.size(), 1u);
  EXPECT_EQ(report->failed[0].rfind("b/bad.png: not a readable image: cannot decode image", 0), 0u)
      << report->failed[0];
  ASSERT_EQ(report->not_images.size(), 1u);
  EXPECT_EQ(report->not_images[0], fs::path("b/notes.txt"));
  for (const char* name : {"a/0_aug0.png", "a/0_aug1.png", "a/2_aug1.png", "b/1_aug0.png"}) {
    const cv::Mat image = cv::imread((dir / "out" / name).string());
    ASSERT_FALSE(image.empty()) << name;
    EXPECT_EQ(image.size(), cv::Size(48, 32)) << name;
  }
  EXPECT_EQ(testing::read_bytes(dir / "out/a/1.png"), testing::read_bytes(dir / "in/a/1.png"));
  EXPECT_FALSE(fs::exists(dir / "out/b/bad.png"));
  EXPECT_FALSE(fs::exists(dir / "out/b/bad_aug0.png"));
}

TEST(AugmentFolder, SameSeedSameBytesWhateverTheThreadsOrOtherFiles) {
  DataTempDir dir;
  make_folder(dir / "in");
  ASSERT_TRUE(augment_folder(dir / "in", dir / "one", folder_options(7, 1)).ok());
  ASSERT_TRUE(augment_folder(dir / "in", dir / "two", folder_options(7, 2)).ok());
  ASSERT_TRUE(augment_folder(dir / "in", dir / "other", folder_options(8, 2)).ok());
  testing::write_test_image(dir / "in/a/00-new.png", 9);  // sorts first: must change nothing else
  ASSERT_TRUE(augment_folder(dir / "in", dir / "more", folder_options(7, 2)).ok());
  int differs_with_other_seed = 0;
  for (const char* name : {"a/0_aug0.png", "a/0_aug1.png", "a/1_aug0.png", "b/0_aug1.png"}) {
    const std::string one = testing::read_bytes(dir / "one" / name);
    ASSERT_FALSE(one.empty()) << name;
    EXPECT_EQ(one, testing::read_bytes(dir / "two" / name)) << name;
    EXPECT_EQ(one, testing::read_bytes(dir / "more" / name)) << name;
    differs_with_other_seed += one != testing::read_bytes(dir / "other" / name);
  }
  EXPECT_EQ(differs_with_other_seed, 4);
}

TEST(AugmentFolder, NoOriginalAndRefusesAnOutputInsideTheInput) {
  DataTempDir dir;
  make_folder(dir / "in");
  AugmentFolderOptions o = folder_options(1, 1);
  o.copy_original = false;
  o.per_image = 1;
  Result<AugmentReport> report = augment_folder(dir / "in", dir / "out", o);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->originals_copied, 0u);
  EXPECT_FALSE(fs::exists(dir / "out/a/0.png"));
  EXPECT_TRUE(fs::exists(dir / "out/a/0_aug0.png"));

  Result<AugmentReport> inside = augment_folder(dir / "in", dir / "in/aug", o);
  ASSERT_FALSE(inside.ok());
  EXPECT_NE(inside.error().message().find("is inside"), std::string::npos);
  Result<AugmentReport> missing = augment_folder(dir / "nothing", dir / "out2", o);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("no such folder"), std::string::npos);
}

}  // namespace
}  // namespace posecast
