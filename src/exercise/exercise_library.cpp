#include "posecast/exercise_library.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "posecast/source_dir.h"

namespace posecast {

namespace {

using nlohmann::json;
constexpr int kLibraryVersion = 1;

constexpr std::string_view kSignalNames[kNumBodySignals] = {
    "knee_angle", "hip_angle",   "elbow_angle",    "arm_elevation",  "body_line",
    "torso_lean", "torso_tilt",  "hip_height",     "hip_above_knee", "feet_spread",
    "stance",     "knee_spread", "knee_height_gap"};

std::string known_signals() {
  std::string out;
  for (auto name : kSignalNames) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

// Reads the fields of one JSON object, recording the first problem as "<path>.<key>: ...";
// a key it was not asked for is an error too (a typo must not pass silently).
class FieldReader {
 public:
  FieldReader(const json& object, std::string path, std::string* error)
      : object_(object), path_(std::move(path)), error_(error) {
    if (!object.is_object()) fail("", "expected an object, got " + object.dump());
  }

  const json* get(const char* key, bool required) {
    if (!error_->empty()) return nullptr;
    read_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end()) {
      if (required) fail(key, "missing required field");
      return nullptr;
    }
    return &*it;
  }

  template <class T>
  void number(const char* key, T& out, bool required, double min, double max) {
    const json* v = get(key, required);
    if (!v) return;
    if (!v->is_number()) return fail(key, "expected a number, got " + v->dump());
    const double d = v->get<double>();
    if (!std::isfinite(d) || d < min || d > max) {
      std::ostringstream msg;
      msg << "value " << v->dump() << " is outside [" << min << ", " << max << "]";
      return fail(key, msg.str());
    }
    out = static_cast<T>(d);
  }

  void string(const char* key, std::string& out, bool required) {
    const json* v = get(key, required);
    if (!v) return;
    if (!v->is_string()) return fail(key, "expected a string, got " + v->dump());
    out = v->get<std::string>();
    if (required && out.empty()) fail(key, "must not be empty");
  }

  // Call after reading every field.
  void no_unknown_fields() {
    if (!error_->empty() || !object_.is_object()) return;
    for (const auto& [key, value] : object_.items())
      if (!read_.count(key)) return fail(key, "unknown field");
  }

  void fail(std::string_view key, std::string_view message) {
    if (error_->empty()) *error_ = field(key) + ": " + std::string(message);
  }
  std::string field(std::string_view key) const {
    if (key.empty()) return path_;
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  bool ok() const { return error_->empty(); }

 private:
  const json& object_;
  std::string path_;
  std::string* error_;
  std::set<std::string, std::less<>> read_;
};

// "knee_angle", "knee_angle.min", "knee_angle.max".
void read_signal(FieldReader& r, const char* key, SignalRef& out) {
  std::string text;
  r.string(key, text, true);
  if (!r.ok()) return;
  const size_t dot = text.find('.');
  const std::string name = text.substr(0, dot);
  const std::string rule = dot == std::string::npos ? "" : text.substr(dot + 1);
  bool found = false;
  for (int s = 0; s < kNumBodySignals; ++s)
    if (kSignalNames[s] == name) out.signal = static_cast<BodySignal>(s), found = true;
  if (!found)
    return r.fail(key, "unknown signal \"" + name + "\" (known: " + known_signals() + ")");
  if (rule.empty()) {
    out.side = SideRule::kVisible;
  } else if (!is_sided(out.signal)) {
    r.fail(key, "\"" + name + "\" has no sides, so no ." + rule);
  } else if (rule == "min" || rule == "max") {
    out.side = rule == "min" ? SideRule::kMin : SideRule::kMax;
  } else {
    r.fail(key, "unknown side rule \"." + rule + "\" (known: .min, .max)");
  }
}

template <class Enum, size_t N>
void read_choice(FieldReader& r, const char* key, Enum& out,
                 const std::pair<std::string_view, Enum> (&choices)[N]) {
  std::string text;
  r.string(key, text, false);
  if (!r.ok() || text.empty()) return;
  std::string known;
  for (const auto& [name, value] : choices) {
    if (name == text) return void(out = value);
    known += (known.empty() ? "" : ", ") + std::string(name);
  }
  r.fail(key, "unknown value \"" + text + "\" (known: " + known + ")");
}

constexpr std::pair<std::string_view, RepMoment> kMoments[] = {
    {"top", RepMoment::kTop}, {"bottom", RepMoment::kBottom}, {"rep", RepMoment::kRep}};

// "view": "any", "front" or "side"; `owner` names the entry in the error ("" for a condition,
// whose path says enough).
void read_view(FieldReader& r, ViewNeed& out, const std::string& owner) {
  std::string text(view_need_name(out));
  r.string("view", text, false);
  if (!r.ok()) return;
  if (auto need = view_need_from_name(text)) return void(out = *need);
  r.fail("view", "unknown value \"" + text + "\"" + owner +
                     " (known: " + std::string(known_view_names()) + ")");
}

void read_condition(FieldReader& r, SignalCondition& c) {
  read_choice(r, "at", c.at, kMoments);
  read_signal(r, "signal", c.signal);
  read_view(r, c.view, "");
  float min = 0, max = 0;
  r.number("min", min, false, -1000, 1000);
  r.number("max", max, false, -1000, 1000);
  if (!r.ok()) return;
  if (r.get("min", false)) c.min = min;
  if (r.get("max", false)) c.max = max;
  if (!c.min && !c.max) r.fail("", "needs \"min\" or \"max\"");
  if (c.min && c.max && *c.min > *c.max) r.fail("min", "is above max");
}

void read_movement(FieldReader& r, ExerciseEntry& e) {
  read_signal(r, "signal", e.signal);
  r.number("top", e.top, true, -1000, 1000);
  r.number("bottom", e.bottom, true, -1000, 1000);
  if (r.ok() && e.top == e.bottom) r.fail("bottom", "equals top: no movement to count");
  r.number("start", e.start, false, 0.01, 1);
  r.number("partial", e.partial, false, 0.01, 1.5);
  r.number("full", e.full, false, 0.01, 1.5);
  r.number("hysteresis", e.hysteresis, false, 0, 1);
  if (!r.ok()) return;
  if (!(e.start < e.partial && e.partial <= e.full))
    return r.fail("full", "thresholds must rise: start < partial <= full");
  if (e.hysteresis >= e.start)
    r.fail("hysteresis", "must be below start (the top must be reachable again)");
  r.number("min_rep_s", e.min_rep_s, false, 0, 60);
  r.number("max_rep_s", e.max_rep_s, false, 0.1, 600);
  if (r.ok() && e.min_rep_s >= e.max_rep_s) r.fail("max_rep_s", "must be above min_rep_s");
}

template <class T, class ReadOne>
void read_list(FieldReader& r, const char* key, const std::string& path, std::string* error,
               std::vector<T>& out, ReadOne read_one) {
  const json* list = r.get(key, false);
  if (!list) return;
  if (!list->is_array()) return r.fail(key, "expected an array");
  for (size_t i = 0; i < list->size() && error->empty(); ++i) {
    FieldReader item((*list)[i], path + "." + key + "[" + std::to_string(i) + "]", error);
    T value;
    read_one(item, value);
    item.no_unknown_fields();
    out.push_back(std::move(value));
  }
}

ExerciseEntry read_exercise(const json& entry, const std::string& path, std::string* error) {
  ExerciseEntry e;
  FieldReader r(entry, path, error);
  r.string("id", e.id, true);
  r.string("name", e.name, true);
  r.string("description", e.description, false);
  read_view(r, e.view, " for exercise \"" + e.id + "\"");
  read_movement(r, e);
  r.string("range_cue", e.range_cue, false);
  read_list(r, "posture", path, error, e.posture,
            [](FieldReader& item, SignalCondition& c) { read_condition(item, c); });
  read_list(r, "checks", path, error, e.checks, [](FieldReader& item, FormCheck& c) {
    read_condition(item, c.condition);
    item.string("cue", c.cue, true);
    item.number("weight", c.weight, false, 0, 100);
    item.number("tolerance", c.tolerance, false, 0.001, 1000);
  });
  r.no_unknown_fields();
  return e;
}

Result<ExerciseLibrary> read_library(const json& root, std::string* error) {
  ExerciseLibrary library;
  FieldReader r(root, "", error);
  int version = 0;
  r.number("version", version, true, kLibraryVersion, kLibraryVersion);
  r.number("min_score", library.min_score, false, 0, 1);
  r.number("set_pause_s", library.set_pause_s, false, 0.5, 3600);
  r.number("forget_after_s", library.forget_after_s, false, 1, 86400);
  r.number("front_view_width", library.front_view_width, false, 0.05, 2);
  r.number("max_body_jump", library.max_body_jump, false, 0.01, 100);
  const json* list = r.get("exercises", true);
  r.no_unknown_fields();
  if (!r.ok()) return Error(*error);
  if (!list->is_array() || list->empty()) return Error("exercises: expected a non-empty array");
  std::set<std::string> ids;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = "exercises[" + std::to_string(i) + "]";
    ExerciseEntry e = read_exercise((*list)[i], path, error);
    if (!error->empty()) return Error(*error);
    if (!ids.insert(e.id).second) return Error(path + ".id: duplicate id \"" + e.id + "\"");
    library.exercises.push_back(std::move(e));
  }
  return library;
}

}  // namespace

std::string_view body_signal_name(BodySignal signal) {
  return kSignalNames[static_cast<int>(signal)];
}

bool is_sided(BodySignal signal) { return signal <= BodySignal::kBodyLine; }

const ExerciseEntry* ExerciseLibrary::find(std::string_view id) const {
  for (const auto& e : exercises)
    if (e.id == id) return &e;
  return nullptr;
}

Result<ExerciseLibrary> parse_exercise_library(std::string_view text, const std::string& name) {
  const json root = json::parse(text, nullptr, false);
  if (root.is_discarded()) return Error(name + ": not valid JSON");
  std::string error;
  auto library = read_library(root, &error);
  if (!library) return Error(name + ": " + library.error().message());
  return library;
}

Result<ExerciseLibrary> load_exercise_library(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Error("exercise library " + path.string() + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return parse_exercise_library(text.str(), path.string());
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
