// One function per subcommand: each adds itself to the app and sets its callback.
// A callback returns the process exit code through `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace posecast::cli {

struct Context {
  int exit_code = 0;
};

void add_keypoints(CLI::App& app, Context& ctx);
void add_bench(CLI::App& app, Context& ctx);
void add_run(CLI::App& app, Context& ctx);
void add_classify(CLI::App& app, Context& ctx);
void add_eval(CLI::App& app, Context& ctx);
void add_analyze(CLI::App& app, Context& ctx);
void add_eval_video(CLI::App& app, Context& ctx);
void add_train(CLI::App& app, Context& ctx);
void add_train_image(CLI::App& train, Context& ctx);  // under `train`
void add_data(CLI::App& app, Context& ctx);
void add_pose_commands(CLI::App& app, Context& ctx);
void add_history(CLI::App& app, Context& ctx);
void add_class(CLI::App& app, Context& ctx);
void add_config(CLI::App& app, Context& ctx);   // config show
void add_cameras(CLI::App& app, Context& ctx);  // the V4L2 cameras
void add_setup(CLI::App& app, Context& ctx);    // the models, on a device

}  // namespace posecast::cli
