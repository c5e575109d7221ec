#include "posecast/exercise_library.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

namespace posecast {

const ExerciseEntry* ExerciseLibrary::find(std::string_view id) const {
  for (const auto& e : exercises)
    if (e.id == id) return &e;
  return nullptr;
}

// SKELETON: parses ids and names only; the full schema replaces this.
Result<ExerciseLibrary> load_exercise_library(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Error("exercise library " + path.string() + ": cannot be read");
  auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded() || !json.contains("exercises"))
    return Error("exercise library " + path.string() + ": not valid JSON with \"exercises\"");
  ExerciseLibrary library;
  for (const auto& e : json["exercises"])
    library.exercises.push_back({e.value("id", ""), e.value("name", "")});
  return library;
}

std::filesystem::path default_exercise_library_path() {
  if (const char* env = std::getenv("POSECAST_EXERCISE_LIBRARY"); env && *env) return env;
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    std::filesystem::path installed =
        exe.parent_path() / ".." / "share" / "posecast" / "exercises.json";
    if (std::filesystem::exists(installed, ec)) return installed.lexically_normal();
  }
  return std::filesystem::path(POSECAST_SOURCE_DIR) / "data" / "exercises.json";
}

}  // namespace posecast
