// The config file laid under a command's flags: a flag given on the command line wins, then the
// file, then the flag's default. Each option of a command has one key in the file (ConfigKey);
// the file's value goes through the option exactly as if it had been typed, so the option's own
// checks (ranges, choices, numbers) apply, and an error names the file, line and key.
#pragma once

#include <CLI/CLI.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "posecast/config_file.h"
#include "posecast/status.h"

namespace posecast {

// A flag of a command and its key in the file; `command` "" is every command that has the flag.
struct ConfigKey {
  std::string_view command;  // "run", "class", or "" for both
  std::string_view flag;     // "--mqtt-qos"
  std::string_view key;      // "mqtt.qos"
};

// One effective setting of a command, for `posecast config show`.
struct Setting {
  std::string key;     // "mqtt.qos"
  std::string flag;    // "--mqtt-qos"
  std::string value;   // as TOML: "1", "\"0.0.0.0:8080\"", "[\"stun:a:3478\"]"
  std::string origin;  // "default", "flag" or "FILE:LINE"
  bool set = true;     // false: no value (an empty default)
};

// An error for every key of `values` that no ConfigKey names: "FILE:LINE: unknown key
// [http] lisen (known in [http]: listen, public_url, ...)".
Status check_config_keys(const ConfigValues& values, std::span<const ConfigKey> keys);

// The options of `cmd` (called `command`) that `keys` has no key for (besides --help and
// --config): a new flag nobody mapped yet.
std::vector<std::string> unmapped_options(const CLI::App& cmd, std::string_view command,
                                          std::span<const ConfigKey> keys);

// Gives every option of `cmd` that was not on the command line its value from `values`, after
// cmd has parsed its flags. Returns the effective settings in `keys` order. Errors: a value of
// the wrong type or one the option refuses, "FILE:LINE: [mqtt] qos = 5: ...".
Result<std::vector<Setting>> apply_config(CLI::App& cmd, std::string_view command,
                                          std::span<const ConfigKey> keys,
                                          const ConfigValues& values);

// Gives `to` the flags that were given to `from` on its command line (options of the same
// name): a fresh copy of a command's options, to re-read the file into on a reload.
void copy_given_flags(const CLI::App& from, CLI::App& to);

// "[mqtt] qos" for "mqtt.qos".
std::string config_key_label(std::string_view key);

}  // namespace posecast
