// posecast data augment|split|pack|unpack: the image-dataset tools of a Keras / MXNet (SageMaker)
// training recipe, on this device: ImageDataGenerator augmentation, a stratified split, and
// im2rec's RecordIO files in both directions.
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"
#include "posecast/dataset_split.h"
#include "posecast/image_augmentation.h"
#include "posecast/recordio.h"

namespace posecast::cli {

namespace {

struct AugmentArgs {
  std::string in, out;
  AugmentFolderOptions options;
  std::string zoom_range = "0";
  std::string fill_mode = "nearest";
  bool no_original = false;
};

int fail(const std::string& command, const std::string& message) {
  std::cerr << "posecast data " << command << ": " << message << "\n";
  return 1;
}

void report_not_images(const std::string& command,
                       const std::vector<std::filesystem::path>& not_images) {
  if (!not_images.empty())
    std::cerr << "posecast data " << command << ": " << not_images.size()
              << " files are not images (by extension) and were left out, e.g. "
              << not_images.front().generic_string() << "\n";
}

int run_augment(AugmentArgs args) {
  Result<std::pair<double, double>> zoom = parse_zoom_range(args.zoom_range);
  if (!zoom) return fail("augment", zoom.error().message());
  args.options.transform.zoom_lo = zoom->first;
  args.options.transform.zoom_hi = zoom->second;
  Result<FillMode> fill = parse_fill_mode(args.fill_mode);
  if (!fill) return fail("augment", fill.error().message());
  args.options.transform.fill_mode = fill.value();
  args.options.copy_original = !args.no_original;

  Result<AugmentReport> report = augment_folder(args.in, args.out, args.options);
  if (!report) return fail("augment", report.error().message());
  for (const std::string& failed : report->failed)
    std::cerr << "posecast data augment: skipped " << failed << "\n";
  report_not_images("augment", report->not_images);
  std::printf("augmented %zu of %zu images: %zu new images", report->images, report->inputs,
              report->written);
  if (args.options.copy_original) std::printf(" + %zu originals", report->originals_copied);
  std::printf(" in %s\n", args.out.c_str());
  return report->written + report->originals_copied > 0 ? 0 : 1;
}

struct SplitArgs {
  std::string in, out;
  SplitOptions options;
  bool copy = false, link = false;
};

int run_split(SplitArgs args) {
  if (args.copy) args.options.mode = PlaceMode::kCopy;
  if (args.link) args.options.mode = PlaceMode::kLink;
  Result<SplitReport> report = split_folder(args.in, args.out, args.options);
  if (!report) return fail("split", report.error().message());
  report_not_images("split", report->plan.not_images);
  if (!report->plan.not_in_a_label.empty())
    std::cerr << "posecast data split: " << report->plan.not_in_a_label.size()
              << " images are not in a label folder and were left out, e.g. "
              << report->plan.not_in_a_label.front().generic_string() << "\n";
  size_t width = 5;
  for (const LabelSplit& s : report->plan.labels) width = std::max(width, s.label.size());
  const int w = static_cast<int>(width);
  std::printf("%-*s  %6s  %6s  %6s\n", w, "label", "train", "val", "total");
  size_t train = 0, val = 0;
  for (const LabelSplit& s : report->plan.labels) {
    std::printf("%-*s  %6zu  %6zu  %6zu\n", w, s.label.c_str(), s.train.size(), s.val.size(),
                s.train.size() + s.val.size());
    train += s.train.size();
    val += s.val.size();
  }
  std::printf("%-*s  %6zu  %6zu  %6zu\n", w, "total", train, val, train + val);
  std::printf("%zu hard links, %zu copies in %s/train and %s/val\n", report->linked, report->copied,
              args.out.c_str(), args.out.c_str());
  return 0;
}

struct PackArgs {
  std::string in, out;
  PackOptions options;
  std::string encoding = "jpg";
  int quality = -1;  // -1: 95 for JPEG (im2rec's default), 3 for PNG (OpenCV's)
};

int run_pack(PackArgs args) {
  args.options.encoding = "." + args.encoding;
  if (args.quality >= 0)
    args.options.quality = args.quality;
  else if (args.encoding == "png")
    args.options.quality = 3;
  Result<PackReport> report = pack_image_folder(args.in, args.out, args.options);
  if (!report) return fail("pack", report.error().message());
  for (const std::string& failed : report->failed)
    std::cerr << "posecast data pack: skipped " << failed << "\n";
  report_not_images("pack", report->not_images);
  if (!report->not_in_a_label.empty())
    std::cerr << "posecast data pack: " << report->not_in_a_label.size()
              << " images are not in a label folder and were left out, e.g. "
              << report->not_in_a_label.front().generic_string() << "\n";
  for (size_t i = 0; i < report->labels.size(); ++i)
    std::printf("label %zu: %s (%zu images)\n", i, report->labels[i].c_str(), report->per_label[i]);
  std::printf("packed %zu images into %s (+ %s, %s, %s)\n", report->records,
              report->rec.string().c_str(), report->lst.filename().string().c_str(),
              report->idx.filename().string().c_str(),
              report->labels_json.filename().string().c_str());
  return report->records > 0 ? 0 : 1;
}

struct UnpackArgs {
  std::string in, out;
};

int run_unpack(const UnpackArgs& args) {
  Result<UnpackReport> report = unpack_records(args.in, args.out);
  if (!report) return fail("unpack", report.error().message());
  for (const std::string& error : report->errors)
    std::cerr << "posecast data unpack: corrupt record skipped: " << error << "\n";
  for (const auto& [folder, count] : report->per_folder)
    std::printf("%s: %zu images\n", folder.c_str(), count);
  std::printf("unpacked %zu records into %s", report->records, args.out.c_str());
  if (!report->errors.empty()) std::printf(" (%zu corrupt records skipped)", report->errors.size());
  std::printf("\n");
  return report->errors.empty() && report->records > 0 ? 0 : 1;
}

void add_augment(CLI::App& data, Context& ctx) {
  auto args = std::make_shared<AugmentArgs>();
  CLI::App* cmd = data.add_subcommand(
      "augment",
      "Augmented copies of every image under --in, as Keras's ImageDataGenerator makes them: one "
      "random rotation/shift/shear/zoom per output, about the image centre, then flips. Label "
      "folders are kept: IN/<label>/x.jpg -> OUT/<label>/x_aug0.jpg ... (and x.jpg itself unless "
      "--no-original). Deterministic for a --seed. Unreadable images are reported and skipped.");
  AugmentOptions& t = args->options.transform;
  cmd->add_option("--in", args->in, "Folder of images (DIR/<label>/*.jpg)")->required();
  cmd->add_option("--out", args->out, "Output folder (created)")->required();
  cmd->add_option("--per-image", args->options.per_image, "Augmented outputs per image")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  cmd->add_option("--seed", args->options.seed, "Random seed")->capture_default_str();
  cmd->add_option("--rotation-range", t.rotation_range, "Degrees: rotation drawn from [-r, r]")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--width-shift-range", t.width_shift_range,
                  "Horizontal shift from [-r, r]: a fraction of the width (< 1) or pixels (>= 1)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--height-shift-range", t.height_shift_range,
                  "Vertical shift from [-r, r]: a fraction of the height (< 1) or pixels (>= 1)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--shear-range", t.shear_range, "Degrees: shear angle drawn from [-r, r]")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--zoom-range", args->zoom_range,
                  "lo,hi, or z meaning [1-z, 1+z]; x and y zoom drawn independently; > 1 zooms "
                  "out")
      ->capture_default_str();
  cmd->add_flag("--horizontal-flip", t.horizontal_flip, "Mirror left-right half of the outputs");
  cmd->add_flag("--vertical-flip", t.vertical_flip, "Mirror top-bottom half of the outputs");
  cmd->add_option("--fill-mode", args->fill_mode, "Pixels from outside the image")
      ->check(CLI::IsMember({"nearest", "constant", "reflect", "wrap"}))
      ->capture_default_str();
  cmd->add_option("--cval", t.cval, "Fill value (0-255) for --fill-mode constant")
      ->check(CLI::Range(0.0, 255.0))
      ->capture_default_str();
  cmd->add_option("--rescale", t.rescale,
                  "Multiply pixel values by this (0: none); saved clipped to 0-255, so Keras's "
                  "1/255 would make black files: see docs/data.md")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--no-original", args->no_original, "Do not copy the original images to --out");
  cmd->add_option("--quality", args->options.quality, "JPEG/WebP quality of the outputs")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->add_option("--workers", args->options.workers, "Images in parallel (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args, &ctx] { ctx.exit_code = run_augment(*args); });
}

void add_split(CLI::App& data, Context& ctx) {
  auto args = std::make_shared<SplitArgs>();
  CLI::App* cmd = data.add_subcommand(
      "split",
      "Stratified train/validation split: DIR/<label>/... -> OUT/train/<label>/... and "
      "OUT/val/<label>/... (hard links when possible, else copies). Every label with 2 or more "
      "images gets at least one of each. Deterministic for a --seed; prints the counts per "
      "label.");
  cmd->add_option("--in", args->in, "Folder of labelled images (DIR/<label>/*.jpg)")->required();
  cmd->add_option("--out", args->out, "Output folder (its train/ and val/ must be empty)")
      ->required();
  cmd->add_option("--val", args->options.val_fraction, "Share of each label for validation")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--seed", args->options.seed, "Random seed")->capture_default_str();
  CLI::Option* copy = cmd->add_flag("--copy", args->copy, "Always copy the files");
  cmd->add_flag("--link", args->link, "Always hard-link (fail rather than copy)")->excludes(copy);
  cmd->callback([args, &ctx] { ctx.exit_code = run_split(*args); });
}

void add_pack(CLI::App& data, Context& ctx) {
  auto args = std::make_shared<PackArgs>();
  CLI::App* cmd = data.add_subcommand(
      "pack",
      "MXNet RecordIO from a labelled folder, as im2rec.py --recursive makes it: PREFIX.lst "
      "(index, label, path), PREFIX.rec, PREFIX.idx; labels are the folder names sorted "
      "(0, 1, ...), also written to PREFIX.labels.json.");
  cmd->add_option("--in", args->in, "Folder of labelled images (DIR/<label>/*.jpg)")->required();
  cmd->add_option("--out", args->out, "PREFIX of the files to write")->required();
  cmd->add_option("--resize", args->options.resize, "Shorter side to this many pixels (0: keep)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--quality", args->quality,
                  "JPEG quality, default 95 (with --encoding png: compression 0-9, default 3)");
  cmd->add_option("--encoding", args->encoding, "Image encoding in the records")
      ->check(CLI::IsMember({"jpg", "png"}))
      ->capture_default_str();
  cmd->add_flag("--pass-through", args->options.pass_through,
                "Store the files' bytes unchanged (no decode, resize or re-encode)");
  cmd->add_option("--workers", args->options.workers, "Images encoded in parallel")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args, &ctx] { ctx.exit_code = run_pack(*args); });
}

void add_unpack(CLI::App& data, Context& ctx) {
  auto args = std::make_shared<UnpackArgs>();
  CLI::App* cmd = data.add_subcommand(
      "unpack",
      "Images out of an MXNet .rec (im2rec's or posecast's): OUT/<label>/<id>.jpg, label names "
      "from PREFIX.labels.json when it is there. Corrupt records are reported with their byte "
      "offset and skipped (exit code 1).");
  cmd->add_option("--in", args->in, "The .rec file")->required();
  cmd->add_option("--out", args->out, "Output folder (created)")->required();
  cmd->callback([args, &ctx] { ctx.exit_code = run_unpack(*args); });
}

}  // namespace

void add_data(CLI::App& app, Context& ctx) {
  CLI::App* data = app.add_subcommand(
      "data", "Image dataset tools: augment, split, pack / unpack MXNet RecordIO (docs/data.md)");
  data->require_subcommand(1);
  add_augment(*data, ctx);
  add_split(*data, ctx);
  add_pack(*data, ctx);
  add_unpack(*data, ctx);
}

}  // namespace posecast::cli
