// posecast pose add / list: the user's pose library.
#include <iostream>
#include <memory>

#include "commands.h"
#include "json_output.h"
#include "photo_options.h"
#include "posecast/movenet.h"

namespace posecast::cli {

namespace {

struct PoseAddArgs {
  PhotoArgs photo;
  std::string id, name;
  std::vector<std::string> photos, aliases;
  bool sided = false;
};

int run_pose_add(const PoseAddArgs& args) {
  auto fail = [](const std::string& message) {
    std::cerr << "posecast pose add: " << message << "\n";
    return 1;
  };
  // Poses are added to the user's own library (a copy of the built-in one at first), never to
  // the installed file, unless --library names one.
  const std::filesystem::path target = args.photo.library.empty()
                                           ? user_pose_library_path()
                                           : std::filesystem::path(args.photo.library);
  std::error_code ec;
  Result<PoseLibrary> library =
      load_pose_library(std::filesystem::exists(target, ec) ? target : default_pose_library_path());
  if (!library) return fail(library.error().message());

  const PoseExtractionOptions extraction = extraction_options(args.photo);
  Result<MoveNet> movenet = MoveNet::load(extraction.movenet);
  if (!movenet) return fail(movenet.error().message());
  std::vector<Pose> examples;
  for (const std::string& path : args.photos) {
    Result<cv::Mat> image = read_image(path);
    if (!image) return fail(image.error().message());
    Result<Pose> pose =
        extraction.refine ? movenet->estimate_refined(*image) : movenet->estimate(*image);
    if (!pose) return fail(path + ": " + pose.error().message());
    if (!compute_features(pose.value()).valid) {
      std::cerr << "posecast pose add: " << path << ": no person found, not used\n";
      continue;
    }
    examples.push_back(pose.value());
  }
  if (examples.empty()) return fail("no person found in any of the photos");
  PoseFromExamplesOptions options;
  options.sided = args.sided;
  Result<PoseEntry> entry = pose_entry_from_examples(args.id, examples, options);
  if (!entry) return fail(entry.error().message());
  if (!args.name.empty()) entry->name = args.name;
  for (const std::string& alias : args.aliases) entry->aliases.push_back(alias);
  const size_t targets = entry->targets.size();
  if (Status s = add_pose(library.value(), std::move(entry).value()); !s.ok())
    return fail(s.error().message());
  std::filesystem::create_directories(target.parent_path(), ec);
  if (Status s = save_pose_library(library.value(), target); !s.ok())
    return fail(s.error().message());
  print_json_line({{"added", args.id},
                   {"library", target.string()},
                   {"photos", examples.size()},
                   {"angle_targets", targets}});
  return 0;
}

}  // namespace

void add_pose_commands(CLI::App& app, Context& ctx) {
  CLI::App* pose =
      app.add_subcommand("pose", "The pose library: poses recognised with no training");
  pose->require_subcommand(1);

  auto args = std::make_shared<PoseAddArgs>();
  CLI::App* add = pose->add_subcommand(
      "add",
      "Add a pose to the library from photos of it: each body angle measured in the photos becomes "
      "a "
      "target (mean) with a tolerance (from their spread). Writes the user's library "
      "(~/.config/posecast/poses.json, which then replaces the built-in one) unless --library "
      "names a file.");
  add->add_option("id", args->id, "Pose id (lower case, e.g. warrior3)")->required();
  add->add_option("--from", args->photos, "Photos of the pose (several people and angles help)")
      ->required();
  add->add_option("--name", args->name, "Display name (default: the id)");
  add->add_option("--alias", args->aliases,
                  "Other names (e.g. a data set's folder name); repeatable");
  add->add_flag("--sided", args->sided,
                "A sided pose; the photos show its left variant (the right is mirrored)");
  add_photo_options(*add, args->photo);
  add->callback([args, &ctx] { ctx.exit_code = run_pose_add(*args); });

  auto list_library = std::make_shared<std::string>();
  CLI::App* list =
      pose->add_subcommand("list", "List the poses of the library: one JSON line per pose");
  list->add_option("--library", *list_library,
                   "Pose library JSON (default: the one posecast uses)");
  list->callback([list_library, &ctx] {
    const std::filesystem::path path =
        list_library->empty() ? default_pose_library_path() : std::filesystem::path(*list_library);
    Result<PoseLibrary> library = load_pose_library(path);
    if (!library) {
      std::cerr << "posecast pose list: " << library.error().message() << "\n";
      ctx.exit_code = 1;
      return;
    }
    for (const PoseEntry& e : library->poses)
      print_json_line({{"id", e.id},
                       {"name", e.name},
                       {"sided", e.sided},
                       {"aliases", e.aliases},
                       {"angle_targets", e.targets.size()},
                       {"library", path.string()}});
  });
}

}  // namespace posecast::cli
