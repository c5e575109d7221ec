// posecast's per-user folders, after the XDG base directory convention: the variable when set,
// else its documented default under $HOME (or /tmp without a home).
#pragma once

#include <filesystem>

namespace posecast {

std::filesystem::path user_cache_dir();   // $XDG_CACHE_HOME/posecast, else ~/.cache/posecast
std::filesystem::path user_data_dir();    // $XDG_DATA_HOME/posecast, else ~/.local/share/posecast
std::filesystem::path user_config_dir();  // $XDG_CONFIG_HOME/posecast, else ~/.config/posecast

}  // namespace posecast
