// posecast config show: the settings `run` (or `class`) would start with, as a config file, each
// with where it came from: a flag, FILE:LINE, or the default. The flags after the command's own
// are `run`'s (or `class`'s), parsed by the same options table the command uses.
#include <iomanip>
#include <iostream>
#include <memory>

#include "class_options.h"
#include "commands.h"
#include "config_setup.h"
#include "run_options.h"

namespace posecast::cli {

namespace {

void print_files(const std::string& explicit_file) {
  std::cout << "# files read (later ones win):";
  if (!explicit_file.empty()) {
    std::cout << " " << explicit_file << " (--config)\n";
    return;
  }
  for (const auto& path : {system_config_path(), user_config_path()}) {
    std::error_code ec;
    std::cout << " " << path.string() << (std::filesystem::exists(path, ec) ? "" : " (none)");
  }
  std::cout << "\n";
}

void print_settings(const std::vector<Setting>& settings) {
  std::string section;
  for (const Setting& s : settings) {
    const std::string this_section = s.key.substr(0, s.key.find('.'));
    if (this_section != section) {
      std::cout << "\n[" << this_section << "]\n";
      section = this_section;
    }
    const std::string name = s.key.substr(this_section.size() + 1);
    const std::string line = s.set ? name + " = " + s.value : "# " + name + " (unset)";
    std::cout << std::left << std::setw(44) << line << " # " << s.origin << "  " << s.flag << "\n";
  }
}

// The flags in `args` parsed into a fresh copy of the command's options, the files laid under.
template <class Args, class AddOptions>
Result<std::vector<Setting>> effective_settings(const std::string& command,
                                                std::vector<std::string> args,
                                                AddOptions add_options) {
  auto parsed = std::make_unique<Args>();
  CLI::App cmd{"posecast " + command};
  add_options(cmd, *parsed);
  try {
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    cmd.parse(args);
  } catch (const CLI::ParseError& e) {
    return Error(std::string(e.what()));
  }
  const auto unmapped = unmapped_options(cmd, command, config_keys());
  if (!unmapped.empty()) {
    std::string names;
    for (const auto& n : unmapped) names += " " + n;
    return Error("options of " + command + " without a config key:" + names +
                 " (add them to src/cli/config_keys.cpp)");
  }
  print_files(parsed->config_file);
  return apply_config_files(cmd, command, parsed->config_file);
}

}  // namespace

void add_config(CLI::App& app, Context& ctx) {
  CLI::App* config = app.add_subcommand("config", "The config file (docs/config.md)");
  config->require_subcommand(1);
  CLI::App* show = config->add_subcommand(
      "show",
      "Print the settings `run` would start with and where each came from (flag, FILE:LINE, "
      "default); any of run's flags may follow, --config FILE included");
  auto for_class = std::make_shared<bool>(false);
  show->add_flag("--class", *for_class, "The settings of `class` instead");
  show->allow_extras();
  show->callback([show, for_class, &ctx] {
    const std::vector<std::string> args = show->remaining();
    auto settings = *for_class ? effective_settings<ClassArgs>("class", args, add_class_options)
                               : effective_settings<RunOptions>("run", args, add_run_options);
    if (!settings) {
      std::cerr << "posecast config show: " << settings.error().message() << "\n";
      ctx.exit_code = 1;
      return;
    }
    print_settings(settings.value());
  });
}

}  // namespace posecast::cli
