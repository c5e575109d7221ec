// posecast: a thin CLI of subcommands over the posecast library.
#include <iostream>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"posecast: a live exercise-pose coach on one edge device"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "posecast 0.1.0");
  posecast::cli::Context ctx;
  posecast::cli::add_keypoints(app, ctx);
  posecast::cli::add_classify(app, ctx);
  posecast::cli::add_eval(app, ctx);
  posecast::cli::add_analyze(app, ctx);
  posecast::cli::add_eval_video(app, ctx);
  posecast::cli::add_train(app, ctx);
  posecast::cli::add_data(app, ctx);
  posecast::cli::add_pose_commands(app, ctx);
  posecast::cli::add_bench(app, ctx);
  posecast::cli::add_run(app, ctx);
  posecast::cli::add_history(app, ctx);
  posecast::cli::add_class(app, ctx);
  posecast::cli::add_config(app, ctx);
  posecast::cli::add_cameras(app, ctx);
  posecast::cli::add_setup(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "posecast: " << e.what() << "\n";
    return 1;
  }
  return ctx.exit_code;
}
