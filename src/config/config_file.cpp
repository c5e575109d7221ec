#include "posecast/config_file.h"

#include <toml++/toml.h>

#include <charconv>
#include <cstdlib>
#include <fstream>

#include "posecast/user_dirs.h"

namespace posecast {

namespace {

std::string shortest_text(double v) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(v);
}

// One scalar as the command line would spell it; false for a date, time or table.
bool scalar_text(const toml::node& node, std::string& text, ConfigValue::Type& type) {
  if (const auto* s = node.as_string()) {
    text = s->get(), type = ConfigValue::Type::kString;
  } else if (const auto* i = node.as_integer()) {
    text = std::to_string(i->get()), type = ConfigValue::Type::kInteger;
  } else if (const auto* f = node.as_floating_point()) {
    text = shortest_text(f->get()), type = ConfigValue::Type::kFloat;
  } else if (const auto* b = node.as_boolean()) {
    text = b->get() ? "true" : "false", type = ConfigValue::Type::kBoolean;
  } else {
    return false;
  }
  return true;
}

Result<ConfigValue> config_value(const toml::node& node, const std::string& file,
                                 const std::string& key) {
  ConfigValue value;
  value.file = file;
  value.line = static_cast<int>(node.source().begin.line);
  const std::string where = value.where() + ": " + key + ": ";
  std::string text;
  if (scalar_text(node, text, value.type)) {
    value.items.push_back(std::move(text));
    return value;
  }
  const auto* array = node.as_array();
  if (!array) return Error(where + "a table or a date is not a setting; use a string or a number");
  value.type = ConfigValue::Type::kArray;
  ConfigValue::Type first = ConfigValue::Type::kArray;
  for (const toml::node& element : *array) {
    ConfigValue::Type type;
    if (!scalar_text(element, text, type))
      return Error(where + "an array may hold only strings, numbers or booleans");
    if (first != ConfigValue::Type::kArray && type != first)
      return Error(where + "an array must hold one kind of value");
    first = type;
    value.items.push_back(std::move(text));
  }
  return value;
}

Status read_section(const std::string& section, const toml::table& table, const std::string& file,
                    ConfigValues& values) {
  for (const auto& [name, node] : table) {
    const std::string key = section + "." + std::string(name.str());
    if (node.is_table())
      return Error(file + ":" + std::to_string(node.source().begin.line) + ": [" + key +
                   "]: sections do not nest; write the keys in [" + section + "]");
    auto value = config_value(node, file, "[" + section + "] " + std::string(name.str()));
    if (!value) return value.error();
    values[key] = std::move(value).value();
  }
  return Status::Ok();
}

}  // namespace

Status read_config_file(const std::filesystem::path& path, ConfigValues& values) {
  const std::string file = path.string();
  if (!std::ifstream(path)) return Error("config " + file + ": cannot be read");
  toml::table root;
  try {
    root = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    return Error(file + ":" + std::to_string(e.source().begin.line) + ":" +
                 std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  for (const auto& [name, node] : root) {
    const auto* section = node.as_table();
    if (!section)
      return Error(file + ":" + std::to_string(node.source().begin.line) + ": " +
                   std::string(name.str()) +
                   ": every setting belongs in a section, e.g. [http] listen = \"0.0.0.0:8080\"");
    if (Status s = read_section(std::string(name.str()), *section, file, values); !s.ok()) return s;
  }
  return Status::Ok();
}

std::filesystem::path system_config_path() {
  if (const char* env = std::getenv("POSECAST_SYSTEM_CONFIG"); env && *env) return env;
  return "/etc/posecast/posecast.toml";
}

std::filesystem::path user_config_path() { return user_config_dir() / "posecast.toml"; }

Result<ConfigValues> read_config_files(const std::string& explicit_file) {
  ConfigValues values;
  if (!explicit_file.empty()) {
    if (Status s = read_config_file(explicit_file, values); !s.ok()) return s.error();
    return values;
  }
  for (const auto& path : {system_config_path(), user_config_path()}) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    if (Status s = read_config_file(path, values); !s.ok()) return s.error();
  }
  return values;
}

}  // namespace posecast
