// Where the pretrained TF.js models live: fetched once by scripts/fetch-models.sh
// into ${POSECAST_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/posecast/models}; never into the repo.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "posecast/status.h"

namespace posecast {

// The folder: `override_dir` when non-empty (the --models flag), else $POSECAST_MODELS,
// else $XDG_CACHE_HOME/posecast/models, else $HOME/.cache/posecast/models.
std::filesystem::path models_dir(const std::filesystem::path& override_dir = {});

// <dir>/<name>.json when it exists; otherwise an error that says how to fetch it.
Result<std::filesystem::path> find_model(std::string_view name,
                                         const std::filesystem::path& override_dir = {});

}  // namespace posecast
