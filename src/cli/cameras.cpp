// posecast cameras: the V4L2 cameras of this machine with their formats, sizes and frame rates,
// to pick one for `run --source` (or [source] input in the config file).
#include "posecast/cameras.h"

#include <iostream>
#include <memory>

#include "commands.h"

namespace posecast::cli {

void add_cameras(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "cameras", "List the cameras (V4L2, /dev/video*) with their formats, sizes and rates");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "One JSON array instead of text");
  cmd->callback([json, &ctx] {
    const std::vector<CameraInfo> cameras = list_cameras();
    ctx.exit_code = 0;
    if (*json) {
      std::cout << cameras_json(cameras).dump() << "\n";
    } else if (cameras.empty()) {
      std::cout << "posecast: no cameras found (no /dev/video* device that captures video); "
                   "`posecast run` will play the demo\n";
    } else {
      std::cout << format_cameras(cameras);
    }
  });
}

}  // namespace posecast::cli
