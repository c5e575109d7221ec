#include "config_setup.h"

namespace posecast::cli {

void add_config_option(CLI::App& cmd, std::string& file) {
  cmd.add_option("--config", file,
                 "Config file (TOML, docs/config.md) to read instead of "
                 "/etc/posecast/posecast.toml and ~/.config/posecast/posecast.toml; flags given "
                 "here override it");
}

Result<std::vector<Setting>> apply_config_files(CLI::App& cmd, std::string_view command,
                                                const std::string& file) {
  auto values = read_config_files(file);
  if (!values) return values.error();
  if (Status s = check_config_keys(values.value(), config_keys()); !s.ok()) return s.error();
  return apply_config(cmd, command, config_keys(), values.value());
}

}  // namespace posecast::cli
