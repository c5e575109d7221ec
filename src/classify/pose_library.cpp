#include "posecast/pose_library.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "posecast/source_dir.h"
#include "posecast/user_dirs.h"

namespace posecast {

namespace {

using nlohmann::json;
constexpr int kLibraryVersion = 1;

std::string known_angle_names() {
  std::string out;
  for (int a = 0; a < kNumAngles; ++a) {
    if (a) out += ", ";
    out += angle_name(static_cast<Angle>(a));
  }
  return out;
}

// Reads the fields of one JSON object, recording the first problem as "<source>: <path>: ...".
class FieldReader {
 public:
  FieldReader(const json& object, std::string path, std::string* error)
      : object_(object), path_(std::move(path)), error_(error) {}

  const json* get(const char* key, bool required) {
    if (!error_->empty()) return nullptr;
    auto it = object_.find(key);
    if (it == object_.end()) {
      if (required) fail(key, "missing required field");
      return nullptr;
    }
    return &*it;
  }

  void number(const char* key, float& out, bool required, float min, float max) {
    const json* v = get(key, required);
    if (!v) return;
    if (!v->is_number()) return fail(key, "expected a number, got " + v->dump());
    double d = v->get<double>();
    if (!std::isfinite(d) || d < min || d > max) {
      std::ostringstream msg;
      msg << "value " << v->dump() << " is outside [" << min << ", " << max << "]";
      return fail(key, msg.str());
    }
    out = static_cast<float>(d);
  }

  void string(const char* key, std::string& out, bool required) {
    const json* v = get(key, required);
    if (!v) return;
    if (!v->is_string()) return fail(key, "expected a string, got " + v->dump());
    out = v->get<std::string>();
  }

  void boolean(const char* key, bool& out) {
    const json* v = get(key, false);
    if (!v) return;
    if (!v->is_boolean()) return fail(key, "expected true or false, got " + v->dump());
    out = v->get<bool>();
  }

  void fail(std::string_view key, std::string_view message) {
    if (error_->empty()) *error_ = field(key) + ": " + std::string(message);
  }
  std::string field(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

 private:
  const json& object_;
  std::string path_;
  std::string* error_;
};

AngleTarget parse_target(const json& j, const std::string& path, std::string* error) {
  AngleTarget t;
  if (!j.is_object()) {
    *error = path + ": expected an object, got " + j.dump();
    return t;
  }
  FieldReader r(j, path, error);
  std::string joint;
  r.string("joint", joint, true);
  if (error->empty()) {
    auto angle = angle_from_name(joint);
    if (!angle)
      r.fail("joint", "unknown joint \"" + joint + "\" (known: " + known_angle_names() + ")");
    else
      t.angle = *angle;
  }
  r.number("target_deg", t.target_deg, true, 0, 180);
  r.number("tolerance_deg", t.tolerance_deg, true, 0, 180);
  r.number("weight", t.weight, false, 0.001f, 100);
  r.number("limit_deg", t.limit_deg, false, 0, 180);
  r.string("cue_below", t.cue_below, false);
  r.string("cue_above", t.cue_above, false);
  return t;
}

PoseEntry parse_pose(const json& j, const std::string& path, std::string* error) {
  PoseEntry p;
  if (!j.is_object()) {
    *error = path + ": expected an object, got " + j.dump();
    return p;
  }
  FieldReader r(j, path, error);
  r.string("id", p.id, true);
  if (error->empty() && normalize_alias(p.id).empty()) r.fail("id", "must not be empty");
  r.string("name", p.name, false);
  if (p.name.empty()) p.name = p.id;
  r.string("sanskrit", p.sanskrit, false);
  r.string("description", p.description, false);
  r.boolean("sided", p.sided);
  std::string view(view_need_name(ViewNeed::kAny));
  r.string("view", view, false);
  if (error->empty()) {
    if (auto need = view_need_from_name(view))
      p.view = *need;
    else
      r.fail("view", "unknown view \"" + view + "\" for pose \"" + p.id +
                         "\" (known: " + std::string(known_view_names()) + ")");
  }
  if (const json* aliases = r.get("aliases", false)) {
    if (!aliases->is_array()) {
      r.fail("aliases", "expected an array of strings");
    } else {
      for (size_t i = 0; i < aliases->size() && error->empty(); ++i) {
        const json& a = (*aliases)[i];
        if (!a.is_string() || normalize_alias(a.get<std::string>()).empty())
          r.fail("aliases[" + std::to_string(i) + "]", "expected a non-empty string");
        else
          p.aliases.push_back(a.get<std::string>());
      }
    }
  }
  if (const json* targets = r.get("targets", true)) {
    if (!targets->is_array() || targets->empty()) {
      r.fail("targets", "expected a non-empty array");
    } else {
      for (size_t i = 0; i < targets->size() && error->empty(); ++i)
        p.targets.push_back(
            parse_target((*targets)[i], r.field("targets[" + std::to_string(i) + "]"), error));
    }
  }
  return p;
}

// Problems an entry can have against the rest of the library; "" when none.
std::string check_entry(const std::vector<PoseEntry>& others, const PoseEntry& entry) {
  if (normalize_alias(entry.id).empty()) return "id: must not be empty";
  if (entry.targets.empty()) return "targets: a pose needs at least one target angle";
  for (size_t i = 0; i < entry.targets.size(); ++i)
    for (size_t k = 0; k < i; ++k)
      if (entry.targets[i].angle == entry.targets[k].angle)
        return "targets[" + std::to_string(i) + "].joint: \"" +
               std::string(angle_name(entry.targets[i].angle)) + "\" is already targeted";
  std::vector<std::string> names = {entry.id};
  names.insert(names.end(), entry.aliases.begin(), entry.aliases.end());
  for (const PoseEntry& other : others) {
    std::vector<std::string> other_names = {other.id};
    other_names.insert(other_names.end(), other.aliases.begin(), other.aliases.end());
    for (const std::string& n : names)
      for (const std::string& o : other_names)
        if (normalize_alias(n) == normalize_alias(o))
          return "name \"" + n + "\" is already used by pose \"" + other.id + "\"";
  }
  return "";
}

// "Open your left knee" -> "Open your right knee" (whole words only, keeping a capital).
std::string swap_left_right_words(const std::string& text) {
  std::string out;
  size_t i = 0;
  auto is_letter = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
  while (i < text.size()) {
    if (!is_letter(text[i])) {
      out += text[i++];
      continue;
    }
    size_t end = i;
    while (end < text.size() && is_letter(text[end])) ++end;
    std::string word = text.substr(i, end - i);
    std::string lower = normalize_alias(word);
    if (lower == "left" || lower == "right") {
      std::string swapped = lower == "left" ? "right" : "left";
      if (std::isupper(static_cast<unsigned char>(word[0])))
        swapped[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(swapped[0])));
      word = swapped;
    }
    out += word;
    i = end;
  }
  return out;
}

json target_to_json(const AngleTarget& t) {
  json j = {{"joint", angle_name(t.angle)},
            {"target_deg", std::round(t.target_deg * 10) / 10},
            {"tolerance_deg", std::round(t.tolerance_deg * 10) / 10}};
  if (t.weight != 1.0f) j["weight"] = t.weight;
  if (t.limit_deg > 0) j["limit_deg"] = t.limit_deg;
  if (!t.cue_below.empty()) j["cue_below"] = t.cue_below;
  if (!t.cue_above.empty()) j["cue_above"] = t.cue_above;
  return j;
}

}  // namespace

std::string_view side_name(Side side) {
  switch (side) {
    case Side::kLeft:
      return "left";
    case Side::kRight:
      return "right";
    case Side::kNone:
      break;
  }
  return "";
}

std::string normalize_alias(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '-' || c == '_' || std::isspace(static_cast<unsigned char>(c))) continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

const PoseEntry* PoseLibrary::find(std::string_view id_or_alias) const {
  std::string key = normalize_alias(id_or_alias);
  if (key.empty()) return nullptr;
  for (const PoseEntry& p : poses) {
    if (normalize_alias(p.id) == key) return &p;
    for (const std::string& a : p.aliases)
      if (normalize_alias(a) == key) return &p;
  }
  return nullptr;
}

std::vector<AngleTarget> variant_targets(const PoseEntry& entry, Side side) {
  std::vector<AngleTarget> out = entry.targets;
  if (!entry.sided || side != Side::kRight) return out;
  for (AngleTarget& t : out) {
    t.angle = mirror_angle(t.angle);
    t.cue_below = swap_left_right_words(t.cue_below);
    t.cue_above = swap_left_right_words(t.cue_above);
  }
  return out;
}

std::vector<Side> pose_variants(const PoseEntry& entry) {
  if (entry.sided) return {Side::kLeft, Side::kRight};
  return {Side::kNone};
}

Result<PoseLibrary> parse_pose_library(std::string_view json_text, std::string_view source) {
  const std::string src(source);
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    return Error(src + ": malformed JSON: " + e.what());
  }
  if (!root.is_object()) return Error(src + ": expected a JSON object at the top level");
  PoseLibrary lib;
  std::string error;
  FieldReader r(root, "", &error);
  float version = kLibraryVersion;
  r.number("version", version, false, 0, 1e6);
  if (error.empty() && version != kLibraryVersion)
    r.fail("version", "unsupported version " + std::to_string(static_cast<int>(version)) +
                          " (this posecast reads version " + std::to_string(kLibraryVersion) + ")");
  if (const json* scoring = r.get("scoring", false)) {
    if (!scoring->is_object()) {
      r.fail("scoring", "expected an object");
    } else {
      FieldReader s(*scoring, "scoring", &error);
      s.number("error_scale_deg", lib.scoring.error_scale_deg, false, 0.1f, 180);
      s.number("cost_exponent", lib.scoring.cost_exponent, false, 0.5f, 4);
      s.number("max_cost", lib.scoring.max_cost, false, 0, 1e6);
      s.number("missing_cost", lib.scoring.missing_cost, false, 0, 1e6);
      s.number("temperature", lib.scoring.temperature, false, 0.001f, 100);
      s.number("none_distance", lib.scoring.none_distance, false, 0, 1000);
      s.number("max_distance", lib.scoring.max_distance, false, 0, 1000);
      s.number("min_coverage", lib.scoring.min_coverage, false, 0, 1);
      s.number("key_target_deg", lib.scoring.key_target_deg, false, 0, 180);
      s.number("min_key_coverage", lib.scoring.min_key_coverage, false, 0, 1);
    }
  }
  if (const json* poses = r.get("poses", true)) {
    if (!poses->is_array() || poses->empty()) {
      r.fail("poses", "expected a non-empty array");
    } else {
      for (size_t i = 0; i < poses->size() && error.empty(); ++i) {
        std::string path = "poses[" + std::to_string(i) + "]";
        PoseEntry p = parse_pose((*poses)[i], path, &error);
        if (!error.empty()) break;
        if (std::string problem = check_entry(lib.poses, p); !problem.empty()) {
          error = path + " (\"" + p.id + "\"): " + problem;
          break;
        }
        lib.poses.push_back(std::move(p));
      }
    }
  }
  if (!error.empty()) return Error(src + ": " + error);
  return lib;
}

Result<PoseLibrary> load_pose_library(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(path.string() + ": cannot open the pose library");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_pose_library(text.str(), path.string());
}

std::string pose_library_to_json(const PoseLibrary& library) {
  json poses = json::array();
  for (const PoseEntry& p : library.poses) {
    json entry = {{"id", p.id}, {"name", p.name}};
    if (!p.sanskrit.empty()) entry["sanskrit"] = p.sanskrit;
    if (!p.description.empty()) entry["description"] = p.description;
    entry["aliases"] = p.aliases;
    entry["sided"] = p.sided;
    if (p.view != ViewNeed::kAny) entry["view"] = view_need_name(p.view);
    json targets = json::array();
    for (const AngleTarget& t : p.targets) targets.push_back(target_to_json(t));
    entry["targets"] = std::move(targets);
    poses.push_back(std::move(entry));
  }
  const LibraryScoring& s = library.scoring;
  json root = {{"version", library.version},
               {"scoring",
                {{"error_scale_deg", s.error_scale_deg},
                 {"cost_exponent", s.cost_exponent},
                 {"max_cost", s.max_cost},
                 {"missing_cost", s.missing_cost},
                 {"temperature", s.temperature},
                 {"none_distance", s.none_distance},
                 {"max_distance", s.max_distance},
                 {"min_coverage", s.min_coverage},
                 {"key_target_deg", s.key_target_deg},
                 {"min_key_coverage", s.min_key_coverage}}},
               {"poses", std::move(poses)}};
  return root.dump(2) + "\n";
}

Status save_pose_library(const PoseLibrary& library, const std::filesystem::path& path) {
  // Write a sibling file and rename it over the old one, so that a failed write never leaves
  // a half-written library behind.
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error(path.string() + ": cannot write the pose library");
    out << pose_library_to_json(library);
    if (!out.flush()) return Error(tmp.string() + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Error(path.string() + ": cannot replace the pose library: " + ec.message());
  return Status::Ok();
}

Status validate_new_pose(const PoseLibrary& library, const PoseEntry& entry) {
  std::string problem = check_entry(library.poses, entry);
  if (problem.empty()) {
    for (size_t i = 0; i < entry.targets.size() && problem.empty(); ++i) {
      const AngleTarget& t = entry.targets[i];
      auto bad = [](float v, float lo, float hi) { return !std::isfinite(v) || v < lo || v > hi; };
      if (bad(t.target_deg, 0, 180) || bad(t.tolerance_deg, 0, 180) || bad(t.weight, 0.001f, 100) ||
          bad(t.limit_deg, 0, 180))
        problem = "targets[" + std::to_string(i) + "]: target, tolerance or weight out of range";
    }
  }
  if (!problem.empty()) return Error("pose \"" + entry.id + "\": " + problem);
  return Status::Ok();
}

Status add_pose(PoseLibrary& library, PoseEntry entry) {
  if (Status s = validate_new_pose(library, entry); !s.ok()) return s;
  library.poses.push_back(std::move(entry));
  return Status::Ok();
}

Result<PoseEntry> pose_entry_from_examples(std::string id, const std::vector<Pose>& examples,
                                           const PoseFromExamplesOptions& options) {
  std::vector<Features> seen;
  for (const Pose& pose : examples) {
    Features f = compute_features(pose, {.min_score = options.min_score});
    if (f.valid) seen.push_back(f);
  }
  if (seen.empty())
    return Error("pose \"" + id + "\": no body found in the " + std::to_string(examples.size()) +
                 " example(s) (a shoulder and a hip must be visible)");
  PoseEntry entry;
  entry.id = id;
  entry.name = id;
  entry.sided = options.sided;
  for (int a = 0; a < kNumAngles; ++a) {
    // Angles are unsigned in [0, 180], so a plain mean is the right average.
    std::vector<float> values;
    for (const Features& f : seen)
      if (!std::isnan(f.angle_deg[a])) values.push_back(f.angle_deg[a]);
    if (values.empty() || values.size() < options.min_measured_share * seen.size()) continue;
    double mean = 0, var = 0;
    for (float v : values) mean += v;
    mean /= values.size();
    for (float v : values) var += (v - mean) * (v - mean);
    float sd = values.size() > 1 ? static_cast<float>(std::sqrt(var / (values.size() - 1))) : 0.0f;
    AngleTarget t;
    t.angle = static_cast<Angle>(a);
    t.target_deg = std::round(static_cast<float>(mean));
    t.tolerance_deg = std::round(std::max(options.min_tolerance_deg, options.spread_factor * sd));
    entry.targets.push_back(t);
  }
  if (entry.targets.empty())
    return Error("pose \"" + id + "\": no body angle could be measured in the examples");
  return entry;
}

std::filesystem::path user_pose_library_path() { return user_config_dir() / "poses.json"; }

std::filesystem::path default_pose_library_path() {
  if (const char* env = std::getenv("POSECAST_POSE_LIBRARY"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::path user = user_pose_library_path(); std::filesystem::exists(user, ec))
    return user;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    std::filesystem::path installed =
        exe.parent_path() / ".." / "share" / "posecast" / "poses.json";
    if (std::filesystem::exists(installed, ec)) return installed.lexically_normal();
  }
  return std::filesystem::path(POSECAST_SOURCE_DIR) / "data" / "poses.json";
}

}  // namespace posecast
