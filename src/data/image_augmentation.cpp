// Keras ImageDataGenerator's geometric augmentation on OpenCV.
#include "posecast/image_augmentation.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "image_tree.h"
#include "posecast/image_io.h"
#include "posecast/parallel_for.h"
#include "random.h"

namespace posecast {

namespace fs = std::filesystem;

Result<FillMode> parse_fill_mode(std::string_view name) {
  if (name == "nearest") return FillMode::kNearest;
  if (name == "constant") return FillMode::kConstant;
  if (name == "reflect") return FillMode::kReflect;
  if (name == "wrap") return FillMode::kWrap;
  return Error("fill mode '" + std::string(name) +
               "': expected one of nearest, constant, reflect, wrap");
}

std::string_view fill_mode_name(FillMode mode) {
  switch (mode) {
    case FillMode::kNearest:
      return "nearest";
    case FillMode::kConstant:
      return "constant";
    case FillMode::kReflect:
      return "reflect";
    case FillMode::kWrap:
      return "wrap";
  }
  return "nearest";
}

int border_mode(FillMode mode) {
  switch (mode) {
    case FillMode::kNearest:
      return cv::BORDER_REPLICATE;
    case FillMode::kConstant:
      return cv::BORDER_CONSTANT;
    case FillMode::kReflect:
      return cv::BORDER_REFLECT;
    case FillMode::kWrap:
      return cv::BORDER_WRAP;
  }
  return cv::BORDER_REPLICATE;
}

namespace {

bool parse_double(std::string_view text, double& value) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end && std::isfinite(value);
}

}  // namespace

Result<std::pair<double, double>> parse_zoom_range(std::string_view text) {
  const size_t comma = text.find(',');
  double lo = 0, hi = 0;
  if (comma == std::string_view::npos) {
    double z = 0;
    if (!parse_double(text, z) || z < 0)
      return Error("zoom range '" + std::string(text) +
                   "': expected a number z >= 0 (meaning [1-z, 1+z]) or lo,hi");
    lo = 1 - z;
    hi = 1 + z;
  } else if (!parse_double(text.substr(0, comma), lo) ||
             !parse_double(text.substr(comma + 1), hi)) {
    return Error("zoom range '" + std::string(text) + "': expected lo,hi (two numbers)");
  }
  if (lo <= 0 || hi < lo)
    return Error("zoom range '" + std::string(text) + "': needs 0 < lo <= hi (got [" +
                 std::to_string(lo) + ", " + std::to_string(hi) + "])");
  return std::make_pair(lo, hi);
}

Status validate(const AugmentOptions& o) {
  auto nonnegative = [](double v) { return std::isfinite(v) && v >= 0; };
  if (!nonnegative(o.rotation_range)) return Error("rotation range must be >= 0 degrees");
  if (!nonnegative(o.width_shift_range)) return Error("width shift range must be >= 0");
  if (!nonnegative(o.height_shift_range)) return Error("height shift range must be >= 0");
  if (!nonnegative(o.shear_range)) return Error("shear range must be >= 0 degrees");
  if (!(o.zoom_lo > 0) || !(o.zoom_hi >= o.zoom_lo) || !std::isfinite(o.zoom_hi))
    return Error("zoom range needs 0 < lo <= hi");
  if (!(o.cval >= 0 && o.cval <= 255)) return Error("cval must be a pixel value, 0-255");
  if (!nonnegative(o.rescale)) return Error("rescale must be >= 0 (0: none)");
  return Status::Ok();
}

namespace {

// ImageDataGenerator's shift: a float range below 1 is a fraction of the side, else pixels.
double draw_shift(double range, int side, std::mt19937_64& rng) {
  if (range == 0) return 0;
  const double shift = data::uniform(rng, -range, range);
  return range < 1 ? shift * side : shift;
}

}  // namespace

AffineParams draw_transform(const AugmentOptions& o, cv::Size size, std::mt19937_64& rng) {
  AffineParams p;
  if (o.rotation_range != 0) p.theta_deg = data::uniform(rng, -o.rotation_range, o.rotation_range);
  p.tx = draw_shift(o.width_shift_range, size.width, rng);
  p.ty = draw_shift(o.height_shift_range, size.height, rng);
  if (o.shear_range != 0) p.shear_deg = data::uniform(rng, -o.shear_range, o.shear_range);
  if (!(o.zoom_lo == 1 && o.zoom_hi == 1)) {
    p.zx = data::uniform(rng, o.zoom_lo, o.zoom_hi);
    p.zy = data::uniform(rng, o.zoom_lo, o.zoom_hi);
  }
  if (o.horizontal_flip) p.flip_horizontal = data::uniform01(rng) < 0.5;
  if (o.vertical_flip) p.flip_vertical = data::uniform01(rng) < 0.5;
  return p;
}

cv::Matx23d transform_matrix(const AffineParams& p, cv::Size size) {
  const double theta = p.theta_deg * std::numbers::pi / 180;
  const double shear = p.shear_deg * std::numbers::pi / 180;
  const cv::Matx33d rotation(std::cos(theta), -std::sin(theta), 0,  //
                             std::sin(theta), std::cos(theta), 0,   //
                             0, 0, 1);
  const cv::Matx33d shift(1, 0, p.tx, 0, 1, p.ty, 0, 0, 1);
  const cv::Matx33d shear_m(1, -std::sin(shear), 0, 0, std::cos(shear), 0, 0, 0, 1);
  const cv::Matx33d zoom(p.zx, 0, 0, 0, p.zy, 0, 0, 0, 1);
  // About the centre of the pixel grid: pixel centres are at 0 .. w-1.
  const double cx = size.width / 2.0 - 0.5, cy = size.height / 2.0 - 0.5;
  const cv::Matx33d to_centre(1, 0, cx, 0, 1, cy, 0, 0, 1);
  const cv::Matx33d from_centre(1, 0, -cx, 0, 1, -cy, 0, 0, 1);
  const cv::Matx33d m = to_centre * rotation * shift * shear_m * zoom * from_centre;
  return cv::Matx23d(m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2));
}

cv::Mat apply_transform(const cv::Mat& image, const AffineParams& p, const AugmentOptions& o) {
  cv::Mat out;
  const bool affine =
      p.theta_deg != 0 || p.tx != 0 || p.ty != 0 || p.shear_deg != 0 || p.zx != 1 || p.zy != 1;
  if (affine) {
    cv::warpAffine(image, out, transform_matrix(p, image.size()), image.size(),
                   cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, border_mode(o.fill_mode),
                   cv::Scalar::all(o.cval));
  } else {
    out = image.clone();
  }
  if (p.flip_horizontal) cv::flip(out, out, 1);
  if (p.flip_vertical) cv::flip(out, out, 0);
  if (o.rescale != 0 && o.rescale != 1) out.convertTo(out, out.type(), o.rescale);
  return out;
}

namespace {

std::vector<int> encode_params(const fs::path& path, int quality) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".jpg" || ext == ".jpeg") return {cv::IMWRITE_JPEG_QUALITY, quality};
  if (ext == ".webp") return {cv::IMWRITE_WEBP_QUALITY, quality};
  return {};
}

struct ImageOutcome {
  bool decoded = false;
  size_t written = 0;
  bool copied = false;
  std::string error;
};

ImageOutcome augment_one(const fs::path& in_root, const fs::path& out_root,
                         const fs::path& relative, const AugmentFolderOptions& options) {
  ImageOutcome outcome;
  const fs::path source = in_root / relative;
  try {
    Result<cv::Mat> decoded = read_image_file(source);
    if (!decoded) {
      // The report names the file itself: the reason without the path it starts with.
      outcome.error =
          "not a readable image: " + decoded.error().message().substr(source.string().size() + 2);
      return outcome;
    }
    const cv::Mat image = std::move(decoded).value();
    outcome.decoded = true;
    std::mt19937_64 rng = data::rng_for(options.seed, relative.generic_string());
    const fs::path folder = out_root / relative.parent_path();
    const std::string stem = relative.stem().string(), ext = relative.extension().string();
    const std::vector<int> params = encode_params(relative, options.quality);
    for (int k = 0; k < options.per_image; ++k) {
      const AffineParams p = draw_transform(options.transform, image.size(), rng);
      const cv::Mat augmented = apply_transform(image, p, options.transform);
      const fs::path target = folder / (stem + "_aug" + std::to_string(k) + ext);
      if (!cv::imwrite(target.string(), augmented, params)) {
        outcome.error = "cannot write " + target.string();
        return outcome;
      }
      ++outcome.written;
    }
  } catch (const cv::Exception& e) {
    outcome.error = std::string("OpenCV: ") + e.what();
    return outcome;
  }
  if (options.copy_original) {
    std::error_code ec;
    fs::copy_file(source, out_root / relative, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      outcome.error = "cannot copy the original: " + ec.message();
      return outcome;
    }
    outcome.copied = true;
  }
  return outcome;
}

}  // namespace

Result<AugmentReport> augment_folder(const fs::path& in, const fs::path& out,
                                     const AugmentFolderOptions& options) {
  if (Status s = validate(options.transform); !s.ok()) return s.error();
  if (options.per_image < 0) return Error("per-image count must be >= 0");
  if (options.quality < 0 || options.quality > 100) return Error("quality must be 0-100");
  Result<data::ImageTree> tree = data::scan_image_tree(in);
  if (!tree) return tree.error();
  if (tree->images.empty())
    return Error(in.string() + ": no images (.jpg .jpeg .png .bmp .webp) in it or its folders");
  if (Status s = data::check_outside(in, out); !s.ok()) return s.error();

  // Folders first, on one thread: creating the same folder from two threads races.
  std::set<fs::path> folders;
  for (const fs::path& relative : tree->images) folders.insert(out / relative.parent_path());
  for (const fs::path& folder : folders) {
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return Error(folder.string() + ": cannot create: " + ec.message());
  }

  std::vector<ImageOutcome> outcomes(tree->images.size());
  data::parallel_for(tree->images.size(), options.workers, [&](size_t i) {
    outcomes[i] = augment_one(in, out, tree->images[i], options);
  });

  AugmentReport report;
  report.inputs = tree->images.size();
  report.not_images = tree->not_images;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const ImageOutcome& o = outcomes[i];
    report.images += o.decoded;
    report.written += o.written;
    report.originals_copied += o.copied;
    if (!o.error.empty())
      report.failed.push_back(tree->images[i].generic_string() + ": " + o.error);
  }
  return report;
}

}  // namespace posecast
