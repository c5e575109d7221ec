#include "posecast/user_dirs.h"

#include <cstdlib>

namespace posecast {

namespace {
std::filesystem::path xdg_dir(const char* variable, const char* default_under_home) {
  if (const char* xdg = std::getenv(variable); xdg && *xdg)
    return std::filesystem::path(xdg) / "posecast";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : "/tmp") / default_under_home / "posecast";
}
}  // namespace

std::filesystem::path user_cache_dir() { return xdg_dir("XDG_CACHE_HOME", ".cache"); }
std::filesystem::path user_data_dir() { return xdg_dir("XDG_DATA_HOME", ".local/share"); }
std::filesystem::path user_config_dir() { return xdg_dir("XDG_CONFIG_HOME", ".config"); }

}  // namespace posecast
