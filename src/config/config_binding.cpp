#include "posecast/config_binding.h"

#include <algorithm>
#include <set>

namespace posecast {

namespace {

enum class OptionKind { kFlag, kList, kInteger, kNumber, kText };

OptionKind kind_of(const CLI::Option& option) {
  if (option.get_items_expected_max() == 0) return OptionKind::kFlag;
  if (option.get_items_expected_max() > 1) return OptionKind::kList;
  const std::string type = option.get_type_name();
  if (type.starts_with("INT") || type.starts_with("UINT")) return OptionKind::kInteger;
  if (type.starts_with("FLOAT") || type.starts_with("NUMBER")) return OptionKind::kNumber;
  return OptionKind::kText;
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// `items` as the TOML value of an option of `kind`; "" when there is none.
std::string toml_text(OptionKind kind, const std::vector<std::string>& items) {
  if (kind == OptionKind::kList) {
    if (items.empty() || (items.size() == 1 && items[0].empty())) return "";
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + quoted(items[i]);
    return out + "]";
  }
  if (items.empty() || items.back().empty()) return kind == OptionKind::kFlag ? "false" : "";
  if (kind == OptionKind::kText) return quoted(items.back());
  return items.back();
}

// Empty when `value` may be given to an option of `kind`, else what it should be.
std::string type_problem(OptionKind kind, const ConfigValue& value) {
  using T = ConfigValue::Type;
  switch (kind) {
    case OptionKind::kFlag:
      return value.type == T::kBoolean ? "" : "expected true or false";
    case OptionKind::kInteger:
      return value.type == T::kInteger ? "" : "expected a whole number";
    case OptionKind::kNumber:
      return value.type == T::kInteger || value.type == T::kFloat ? "" : "expected a number";
    case OptionKind::kList:
      return value.type == T::kString || value.type == T::kArray ? ""
                                                                 : "expected a list of strings";
    case OptionKind::kText:
      return value.type == T::kString ? "" : "expected a string (in quotes)";
  }
  return "";
}

std::string shown(const ConfigValue& value) {
  if (value.type == ConfigValue::Type::kArray) return toml_text(OptionKind::kList, value.items);
  if (value.type == ConfigValue::Type::kString) return quoted(value.items.front());
  return value.items.front();
}

bool for_command(const ConfigKey& key, std::string_view command) {
  return key.command.empty() || key.command == command;
}

// The file's value into `option`, through its own conversion and checks.
Status apply_value(CLI::Option& option, const std::string& key, const ConfigValue& value) {
  const std::string where = value.where() + ": " + config_key_label(key) + " = " + shown(value);
  const OptionKind kind = kind_of(option);
  if (std::string problem = type_problem(kind, value); !problem.empty())
    return Error(where + ": " + problem);
  if (kind == OptionKind::kFlag && value.items.front() == "false") return Status::Ok();
  // Through the option as if typed; then its results are dropped again, so that the option still
  // counts as not given (copy_given_flags copies only what was typed).
  try {
    option.add_result(value.items);
    option.run_callback();
  } catch (const CLI::Error& e) {
    option.clear();
    return Error(where + ": " + e.what());
  }
  option.clear();
  return Status::Ok();
}

}  // namespace

std::string config_key_label(std::string_view key) {
  const size_t dot = key.find('.');
  if (dot == std::string_view::npos) return std::string(key);
  return "[" + std::string(key.substr(0, dot)) + "] " + std::string(key.substr(dot + 1));
}

Status check_config_keys(const ConfigValues& values, std::span<const ConfigKey> keys) {
  std::set<std::string, std::less<>> known;
  for (const ConfigKey& k : keys) known.emplace(k.key);
  for (const auto& [key, value] : values) {
    if (known.contains(key)) continue;
    const std::string section = key.substr(0, key.find('.'));
    std::string siblings, sections;
    for (const std::string& k : known) {
      const std::string s = k.substr(0, k.find('.'));
      if (s == section) siblings += (siblings.empty() ? "" : ", ") + k.substr(s.size() + 1);
      if (sections.find("[" + s + "]") == std::string::npos)
        sections += (sections.empty() ? "[" : ", [") + s + "]";
    }
    return Error(
        value.where() + ": unknown key " + config_key_label(key) + " (" +
        (siblings.empty() ? "the sections are " + sections : "[" + section + "] has " + siblings) +
        ")");
  }
  return Status::Ok();
}

std::vector<std::string> unmapped_options(const CLI::App& cmd, std::string_view command,
                                          std::span<const ConfigKey> keys) {
  std::vector<std::string> unmapped;
  for (const CLI::Option* option : cmd.get_options()) {
    const std::string name = option->get_name();
    if (name == "--help" || name == "--config") continue;
    const bool mapped = std::any_of(keys.begin(), keys.end(), [&](const ConfigKey& k) {
      return for_command(k, command) && k.flag == name;
    });
    if (!mapped) unmapped.push_back(name);
  }
  return unmapped;
}

Result<std::vector<Setting>> apply_config(CLI::App& cmd, std::string_view command,
                                          std::span<const ConfigKey> keys,
                                          const ConfigValues& values) {
  std::vector<Setting> settings;
  for (const ConfigKey& k : keys) {
    if (!for_command(k, command)) continue;
    CLI::Option* option = cmd.get_option_no_throw(std::string(k.flag));
    if (!option) continue;
    Setting setting{std::string(k.key), std::string(k.flag), "", "default"};
    const OptionKind kind = kind_of(*option);
    const auto value = values.find(setting.key);
    if (option->count() > 0) {
      setting.origin = "flag";
      setting.value = kind == OptionKind::kFlag ? "true" : toml_text(kind, option->results());
    } else if (value != values.end()) {
      if (Status s = apply_value(*option, setting.key, value->second); !s.ok()) return s.error();
      setting.origin = value->second.where();
      setting.value = shown(value->second);
    } else {
      setting.value = toml_text(kind, {option->get_default_str()});
    }
    setting.set = !setting.value.empty();
    settings.push_back(std::move(setting));
  }
  return settings;
}

void copy_given_flags(const CLI::App& from, CLI::App& to) {
  for (const CLI::Option* given : from.get_options()) {
    if (given->count() == 0) continue;
    CLI::Option* option = to.get_option_no_throw(given->get_name());
    if (!option) continue;
    option->add_result(given->results());
    option->run_callback();
  }
}

}  // namespace posecast
