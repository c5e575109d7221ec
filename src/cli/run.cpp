// posecast run: the live coach. Capture -> keypoints -> classify/coach -> overlay -> the viewer
// page, MJPEG stream and WebSocket of results at the printed URL.
//
// The flags are in run_options (RunOptions, checked into a RunSetup by plan_run); the running
// parts and their start-up and shutdown order are in live_run (LiveRun).
#include <iostream>
#include <memory>

#include "commands.h"
#include "live_run.h"
#include "run_options.h"

namespace posecast::cli {

void add_run(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run the live coach and serve it to a browser");
  add_run_options(*cmd, *options);
  cmd->callback([options, &ctx] {
    auto fail = [&ctx](const std::string& message) {
      std::cerr << "posecast run: " << message << "\n";
      ctx.exit_code = 1;
    };
    auto setup = plan_run(*options);
    if (!setup) return fail(setup.error().message());
    LiveRun run(*options, std::move(setup).value());
    if (Status s = run.start(); !s.ok()) return fail(s.error().message());
    run.wait();
    run.stop();
  });
}

}  // namespace posecast::cli
