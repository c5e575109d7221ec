// The config file read into "section.key" values that know their file and line.
#include "posecast/config_file.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "config/config_temp.h"

namespace posecast {
namespace {

using testing::ConfigDir;
using testing::ScopedEnv;

TEST(ConfigFile, ReadsEachValueWithItsLineAsTheCommandLineWouldSpellIt) {
  ConfigDir dir;
  const auto path = dir.write("a.toml",
                              "# comment\n"
                              "[http]\n"
                              "listen = \"0.0.0.0:8080\"\n"
                              "\n"
                              "[model]\n"
                              "threshold = 0.65\n"
                              "threads = 2\n"
                              "[video]\n"
                              "display = true\n"
                              "ice_servers = [\"stun:a:3478\", \"stun:b:3478\"]\n");
  ConfigValues values;
  ASSERT_TRUE(read_config_file(path, values).ok());
  ASSERT_EQ(values.size(), 5u);
  EXPECT_EQ(values["http.listen"].items, std::vector<std::string>{"0.0.0.0:8080"});
  EXPECT_EQ(values["http.listen"].line, 3);
  EXPECT_EQ(values["http.listen"].where(), path.string() + ":3");
  EXPECT_EQ(values["model.threshold"].items.front(), "0.65");
  EXPECT_EQ(values["model.threshold"].type, ConfigValue::Type::kFloat);
  EXPECT_EQ(values["model.threads"].items.front(), "2");
  EXPECT_EQ(values["model.threads"].type, ConfigValue::Type::kInteger);
  EXPECT_EQ(values["video.display"].items.front(), "true");
  EXPECT_EQ(values["video.ice_servers"].items,
            (std::vector<std::string>{"stun:a:3478", "stun:b:3478"}));
  EXPECT_EQ(values["video.ice_servers"].line, 10);
}

std::string error_of(const std::string& text) {
  ConfigDir dir;
  const auto path = dir.write("bad.toml", text);
  ConfigValues values;
  Status s = read_config_file(path, values);
  if (s.ok()) return "accepted";
  std::string message = s.error().message();
  const std::string prefix = path.string();
  EXPECT_EQ(message.substr(0, prefix.size()), prefix) << message;
  return message.substr(std::min(prefix.size(), message.size()));
}

TEST(ConfigFile, ASyntaxErrorNamesTheLineAndColumn) {
  const std::string error = error_of("[http]\nlisten = \"0.0.0.0:8080\"\nport = = 3\n");
  EXPECT_EQ(error.substr(0, 5), ":3:8:") << error;
}

TEST(ConfigFile, AKeyOutsideASectionIsAnErrorThatShowsWhereItBelongs) {
  EXPECT_EQ(error_of("\n\nlisten = \"0.0.0.0:8080\"\n"),
            ":3: listen: every setting belongs in a section, e.g. [http] listen = "
            "\"0.0.0.0:8080\"");
}

TEST(ConfigFile, SectionsDoNotNestAndArraysHoldOneKindOfScalar) {
  EXPECT_EQ(error_of("[http]\n[http.tls]\ncert = \"x\"\n"),
            ":2: [http.tls]: sections do not nest; write the keys in [http]");
  EXPECT_EQ(error_of("[video]\npublish = [\"rtmp://a/b/c\", 3]\n"),
            ":2: [video] publish: an array must hold one kind of value");
  EXPECT_EQ(error_of("[run]\nseconds = 1979-05-27\n"),
            ":2: [run] seconds: a table or a date is not a setting; use a string or a number");
}

TEST(ConfigFile, AMissingExplicitFileIsAnError) {
  auto values = read_config_files("/nonexistent/posecast.toml");
  ASSERT_FALSE(values);
  EXPECT_EQ(values.error().message(), "config /nonexistent/posecast.toml: cannot be read");
}

TEST(ConfigFile, TheUserFileOverridesTheSystemFileKeyByKey) {
  ConfigDir dir;
  const auto system = dir.write("etc/posecast.toml",
                                "[http]\nlisten = \"0.0.0.0:80\"\n"
                                "[mqtt]\nurl = \"tcp://broker:1883\"\n");
  dir.write("home/posecast/posecast.toml", "[http]\nlisten = \"127.0.0.1:9000\"\n");
  ScopedEnv system_env("POSECAST_SYSTEM_CONFIG", system.string());
  ScopedEnv user_env("XDG_CONFIG_HOME", (dir.path() / "home").string());
  auto values = read_config_files("");
  ASSERT_TRUE(values) << values.error().message();
  EXPECT_EQ(values->at("http.listen").items.front(), "127.0.0.1:9000");
  EXPECT_EQ(values->at("http.listen").file, (dir.path() / "home/posecast/posecast.toml").string());
  EXPECT_EQ(values->at("mqtt.url").file, system.string());
  // --config reads that file alone.
  auto only = read_config_files(system.string());
  ASSERT_TRUE(only);
  EXPECT_EQ(only->at("http.listen").items.front(), "0.0.0.0:80");
}

TEST(ConfigFile, NoFilesAreNoSettings) {
  ConfigDir dir;
  ScopedEnv system_env("POSECAST_SYSTEM_CONFIG", (dir.path() / "none.toml").string());
  ScopedEnv user_env("XDG_CONFIG_HOME", (dir.path() / "home").string());
  auto values = read_config_files("");
  ASSERT_TRUE(values);
  EXPECT_TRUE(values->empty());
}

}  // namespace
}  // namespace posecast
