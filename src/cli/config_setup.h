// The config file on the command line: --config FILE on `run`, `class` and `setup`, the files
// laid under a command's flags when it starts (flags > file > defaults), and `posecast config
// show`. The keys are in config_keys.cpp; the reading and binding in the config layer.
#pragma once

#include <CLI/CLI.hpp>
#include <span>
#include <string>
#include <vector>

#include "posecast/config_binding.h"
#include "posecast/status.h"

namespace posecast::cli {

// Every option of `run` and `class` and its key (config_keys.cpp).
std::span<const ConfigKey> config_keys();

// --config FILE: read only this file instead of /etc/posecast/posecast.toml and
// ~/.config/posecast/posecast.toml.
void add_config_option(CLI::App& cmd, std::string& file);

// In `cmd`'s callback (its flags parsed): reads the config files (`file`, else the default ones),
// refuses unknown keys and lays the values under the flags not given. The settings say where
// each came from; errors name the file, line and key.
Result<std::vector<Setting>> apply_config_files(CLI::App& cmd, std::string_view command,
                                                const std::string& file);

}  // namespace posecast::cli
