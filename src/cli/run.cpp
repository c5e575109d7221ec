// posecast run: the live coach. Capture -> keypoints -> classify/coach -> overlay -> the viewer
// page, MJPEG stream and WebSocket of results at the printed URL.
//
// The flags are in run_options (RunOptions, checked into a RunSetup by plan_run), laid over the
// config file (config_setup); the running parts and their start-up and shutdown order are in
// live_run (LiveRun). A SIGHUP reads the config file again (reload_config).
#include <iostream>
#include <memory>

#include "commands.h"
#include "config_setup.h"
#include "live_run.h"
#include "run_options.h"

namespace posecast::cli {

namespace {

// The config files read again under the same flags, into a fresh copy of run's options; the
// running settings change in place and the keys whose value changed are returned.
Result<std::vector<std::string>> reread_config(const CLI::App& cmd, RunOptions& next,
                                               std::vector<Setting>& settings) {
  CLI::App fresh_cmd;
  add_run_options(fresh_cmd, next);
  copy_given_flags(cmd, fresh_cmd);
  auto fresh = apply_config_files(fresh_cmd, "run", next.config_file);
  if (!fresh) return fresh.error();
  std::vector<std::string> changed;
  for (const Setting& now : fresh.value())
    for (const Setting& before : settings)
      if (before.key == now.key && before.value != now.value) changed.push_back(now.key);
  settings = std::move(fresh).value();
  return changed;
}

void reload_config(const CLI::App& cmd, LiveRun& run, std::vector<Setting>& settings) {
  std::cerr << "posecast run: reload: reading the config again\n";
  auto next = std::make_unique<RunOptions>();
  auto changed = reread_config(cmd, *next, settings);
  if (!changed) {
    std::cerr << "posecast run: reload: " << changed.error().message()
              << " (the running settings stay)\n";
    return;
  }
  if (changed->empty()) std::cerr << "posecast run: reload: nothing changed\n";
  for (const std::string& key : changed.value())
    std::cerr << "posecast run: reload: " << config_key_label(key) << " changed\n";
  for (const std::string& key : run.reload(*next, changed.value()))
    std::cerr << "posecast run: reload: " << config_key_label(key)
              << " takes effect after a restart\n";
}

}  // namespace

void add_run(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run the live coach and serve it to a browser");
  add_run_options(*cmd, *options);
  cmd->callback([options, cmd, &ctx] {
    auto fail = [&ctx](const std::string& message) {
      std::cerr << "posecast run: " << message << "\n";
      ctx.exit_code = 1;
    };
    auto settings = apply_config_files(*cmd, "run", options->config_file);
    if (!settings) return fail(settings.error().message());
    auto setup = plan_run(*options);
    if (!setup) return fail(setup.error().message());
    LiveRun run(*options, std::move(setup).value());
    if (Status s = run.start(); !s.ok()) return fail(s.error().message());
    while (run.wait() == LiveRun::WaitEnd::kReload) reload_config(*cmd, run, settings.value());
    run.stop();
  });
}

}  // namespace posecast::cli
