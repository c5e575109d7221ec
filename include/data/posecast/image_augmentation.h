// Image augmentation as Keras's ImageDataGenerator does it (rotation, shift, shear, zoom, flips,
// fill modes, rescale), for users of a Keras / SageMaker training recipe who want the same
// augmented photos on this device: `posecast data augment`. CPU only (OpenCV).
//
// One output = one random affine transform, composed about the image centre exactly as
// keras.preprocessing.image.apply_affine_transform and transform_matrix_offset_center do, then
// cv::warpAffine (bilinear, Keras's interpolation_order=1) with the fill mode as the border mode,
// then the flips, then rescale. See docs/data.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <opencv2/core.hpp>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "posecast/status.h"

namespace posecast {

// Keras fill_mode -> OpenCV border: nearest = BORDER_REPLICATE (aaa|abcd|ddd), constant =
// BORDER_CONSTANT with cval, reflect = BORDER_REFLECT (dcba|abcd|dcba), wrap = BORDER_WRAP.
enum class FillMode { kNearest, kConstant, kReflect, kWrap };
Result<FillMode> parse_fill_mode(std::string_view name);
std::string_view fill_mode_name(FillMode mode);
int border_mode(FillMode mode);  // the cv::BorderTypes value

// ImageDataGenerator's random-transform settings, with Keras's names and meanings.
struct AugmentOptions {
  double rotation_range = 0;      // degrees; theta ~ U(-r, r)
  double width_shift_range = 0;   // < 1: a fraction of the width; >= 1: pixels; tx ~ U(-r, r)
  double height_shift_range = 0;  // the same for the height
  double shear_range = 0;         // degrees (Keras 2 semantics); shear ~ U(-r, r)
  // zx and zy are drawn independently from U(lo, hi), as Keras does (so the aspect ratio changes
  // too); values above 1 zoom OUT (the transform maps output to input pixels).
  double zoom_lo = 1, zoom_hi = 1;
  bool horizontal_flip = false;  // each output is mirrored left-right with probability 1/2
  bool vertical_flip = false;
  FillMode fill_mode = FillMode::kNearest;
  double cval = 0;     // the fill value for FillMode::kConstant, in pixel units (0-255)
  double rescale = 0;  // 0: none; else every pixel value is multiplied by it (see docs/data.md)
};

// "0.2" -> [0.8, 1.2] (Keras's float zoom_range); "0.9,1.3" -> [0.9, 1.3]. Errors name the text.
Result<std::pair<double, double>> parse_zoom_range(std::string_view text);
// Negative ranges, an empty zoom range, zoom <= 0, cval outside 0-255, negative rescale.
Status validate(const AugmentOptions& options);

// One drawn transform: ImageDataGenerator.get_random_transform's parameters, in image terms
// (x to the right, y down, pixels). The matrix maps output pixels to input pixels, as Keras's does:
// a positive tx shows the content moved LEFT by tx pixels; positive theta turns the picture
// counter-clockwise on screen; zx > 1 shrinks it horizontally.
struct AffineParams {
  double theta_deg = 0;
  double tx = 0, ty = 0;
  double shear_deg = 0;
  double zx = 1, zy = 1;
  bool flip_horizontal = false, flip_vertical = false;
};

// Draws in Keras's order (theta, shifts, shear, zoom, flips); a range of 0 draws nothing.
AffineParams draw_transform(const AugmentOptions& options, cv::Size image_size,
                            std::mt19937_64& rng);

// The 2x3 matrix M with input = M * (x, y, 1) for every output pixel (x, y): Keras's
// rotation * shift * shear * zoom, about the centre ((w - 1) / 2, (h - 1) / 2). Flips are not in
// it (Keras applies them after the affine step).
cv::Matx23d transform_matrix(const AffineParams& params, cv::Size image_size);

// The transformed image: warp, flips, then rescale (saturated and rounded to the input's depth).
cv::Mat apply_transform(const cv::Mat& image, const AffineParams& params,
                        const AugmentOptions& options);

// `posecast data augment`: every image under IN (any depth; label folders are kept) gives
// per_image outputs OUT/<same relative folder>/<stem>_aug<k><ext>, plus a byte-for-byte copy of
// the original unless copy_original is false.
struct AugmentFolderOptions {
  AugmentOptions transform;
  int per_image = 1;
  uint64_t seed = 0;  // with the relative path, seeds each image's own generator (see docs)
  bool copy_original = true;
  int quality = 95;  // JPEG / WebP quality of the outputs
  int workers = 0;   // images in parallel; 0: one per core
};

struct AugmentReport {
  size_t inputs = 0;                              // image files found (by extension)
  size_t images = 0;                              // inputs that decoded
  size_t written = 0;                             // augmented outputs
  size_t originals_copied = 0;                    // copies of the inputs
  std::vector<std::string> failed;                // "relative/path: why", input order
  std::vector<std::filesystem::path> not_images;  // skipped by extension, relative
};

// Errors: IN missing / not a folder / without images, OUT inside IN, OUT not creatable, bad
// options. A corrupt image is no error: it is listed in `failed` and the others go on.
Result<AugmentReport> augment_folder(const std::filesystem::path& in,
                                     const std::filesystem::path& out,
                                     const AugmentFolderOptions& options);

}  // namespace posecast
