// posecast's config file: TOML, one [section] per concern (source, model, http, access, video,
// mqtt, history, speech, run, class), read into flat "section.key" values that remember the file
// and line they came from, so that every error and `posecast config show` can point at them.
//
// The files: --config FILE alone, else /etc/posecast/posecast.toml and then
// ~/.config/posecast/posecast.toml (a key in the second replaces the same key in the first).
// docs/config.md lists the keys.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "posecast/status.h"

namespace posecast {

// One value of a config file, with its items spelled as on the command line ("8080", "true",
// "0.5", or each element of an array).
struct ConfigValue {
  enum class Type { kString, kInteger, kFloat, kBoolean, kArray };
  Type type = Type::kString;
  std::vector<std::string> items;
  std::string file;
  int line = 0;
  std::string where() const { return file + ":" + std::to_string(line); }  // "FILE:LINE"
};

// "section.key" -> its value; a later file's value replaces an earlier one's.
using ConfigValues = std::map<std::string, ConfigValue>;

// Reads the TOML file `path` into `values`. The errors name the file and line: a TOML syntax
// error (with the column), a key outside a section, a section inside a section, a value that is
// a table, an array of tables, an array that mixes types or a date.
Status read_config_file(const std::filesystem::path& path, ConfigValues& values);

// The system-wide file: /etc/posecast/posecast.toml ($POSECAST_SYSTEM_CONFIG when set, for
// tests and unusual installs).
std::filesystem::path system_config_path();
// The user's file: ~/.config/posecast/posecast.toml ($XDG_CONFIG_HOME honoured).
std::filesystem::path user_config_path();

// `explicit_file` alone when given (it must exist); else the system and the user file, those
// that exist, in that order.
Result<ConfigValues> read_config_files(const std::string& explicit_file);

}  // namespace posecast
