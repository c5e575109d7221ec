// A small JSON Schema checker for the keywords posecast's schemas use (type, required,
// properties, additionalProperties, items, enum, minimum, maximum, minLength, maxLength,
// maxItems): enough to hold the messages to the documented schemas in tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_paths.h"

namespace posecast::testing {

inline nlohmann::json load_schema(const std::string& name) {
  std::ifstream in(std::filesystem::path(POSECAST_SOURCE_DIR) / "schemas" / name);
  return nlohmann::json::parse(in);
}

inline bool json_has_type(const nlohmann::json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  return false;
}

// The problems of `value` against `schema`, "" when none; `at` names the place ("$.top.tree").
inline std::string schema_problems(const nlohmann::json& value, const nlohmann::json& schema,
                                   const std::string& at = "$") {
  std::string out;
  auto fail = [&](const std::string& what) { out += at + ": " + what + "\n"; };
  if (schema.contains("type")) {
    std::vector<std::string> types;
    if (schema["type"].is_array())
      for (const auto& t : schema["type"]) types.push_back(t.get<std::string>());
    else
      types.push_back(schema["type"].get<std::string>());
    bool ok = false;
    for (const auto& t : types) ok = ok || json_has_type(value, t);
    if (!ok) return at + ": expected " + schema["type"].dump() + ", got " + value.dump() + "\n";
  }
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& e : schema["enum"]) found = found || e == value;
    if (!found) fail(value.dump() + " is not one of " + schema["enum"].dump());
  }
  if (value.is_number()) {
    if (schema.contains("minimum") && value.get<double>() < schema["minimum"].get<double>())
      fail(value.dump() + " < minimum " + schema["minimum"].dump());
    if (schema.contains("maximum") && value.get<double>() > schema["maximum"].get<double>())
      fail(value.dump() + " > maximum " + schema["maximum"].dump());
  }
  if (value.is_string()) {
    const size_t n = value.get<std::string>().size();
    if (schema.contains("maxLength") && n > schema["maxLength"].get<size_t>())
      fail("longer than maxLength");
    if (schema.contains("minLength") && n < schema["minLength"].get<size_t>())
      fail("shorter than minLength");
  }
  if (value.is_object()) {
    if (schema.contains("required"))
      for (const auto& r : schema["required"])
        if (!value.contains(r.get<std::string>())) fail("missing required " + r.dump());
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (schema.contains("properties") && schema["properties"].contains(it.key()))
        out += schema_problems(it.value(), schema["properties"][it.key()], at + "." + it.key());
      else if (schema.contains("additionalProperties") &&
               schema["additionalProperties"].is_object())
        out += schema_problems(it.value(), schema["additionalProperties"], at + "." + it.key());
      else if (schema.contains("additionalProperties") && schema["additionalProperties"] == false)
        fail("unexpected property " + it.key());
    }
  }
  if (value.is_array()) {
    if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<size_t>())
      fail("too many items");
    if (schema.contains("items"))
      for (size_t i = 0; i < value.size(); ++i)
        out += schema_problems(value[i], schema["items"], at + "[" + std::to_string(i) + "]");
  }
  return out;
}

}  // namespace posecast::testing
