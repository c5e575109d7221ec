// The config file laid under a command's flags: flag > file > default, each value through the
// option's own checks, errors that name the file, line and key.
#include "posecast/config_binding.h"

#include <gtest/gtest.h>

#include "config/config_temp.h"

namespace posecast {
namespace {

using testing::ConfigDir;

constexpr ConfigKey kKeys[] = {
    {"run", "--http", "http.listen"},      {"", "--mqtt-qos", "mqtt.qos"},
    {"run", "--fps", "source.fps"},        {"run", "--display", "video.display"},
    {"run", "--publish", "video.publish"}, {"class", "--http", "class.listen"},
};

// A command like `run`, with one option of each kind.
struct Options {
  std::string http = "127.0.0.1:8080";
  int qos = 1;
  double fps = 0;
  bool display = false;
  std::vector<std::string> publish;
};

void add_options(CLI::App& cmd, Options& o) {
  cmd.add_option("--http", o.http)->capture_default_str();
  cmd.add_option("--mqtt-qos", o.qos)->check(CLI::Range(0, 2))->capture_default_str();
  cmd.add_option("--fps", o.fps);
  cmd.add_flag("--display", o.display);
  cmd.add_option("--publish", o.publish);
}

// `args` parsed, then `toml` laid under them.
struct Applied {
  Options options;
  Result<std::vector<Setting>> settings = Error("not run");
  std::string file;
};

Applied apply(std::vector<std::string> args, const std::string& toml) {
  ConfigDir dir;
  Applied a;
  a.file = dir.write("posecast.toml", toml).string();
  CLI::App cmd;
  add_options(cmd, a.options);
  std::reverse(args.begin(), args.end());
  cmd.parse(args);
  ConfigValues values;
  if (Status s = read_config_file(a.file, values); !s.ok()) {
    a.settings = s.error();
    return a;
  }
  a.settings = apply_config(cmd, "run", kKeys, values);
  return a;
}

const Setting& setting(const std::vector<Setting>& settings, const std::string& key) {
  for (const Setting& s : settings)
    if (s.key == key) return s;
  throw std::runtime_error("no setting " + key);
}

TEST(ConfigBinding, AFlagWinsOverTheFileAndTheFileOverTheDefault) {
  Applied a = apply({"--http", "127.0.0.1:9999"},
                    "[http]\nlisten = \"0.0.0.0:8080\"\n[mqtt]\nqos = 2\n"
                    "[video]\ndisplay = true\npublish = [\"rtmp://a/live/x\", \"rtp://b:5004\"]\n"
                    "[source]\nfps = 12.5\n");
  ASSERT_TRUE(a.settings) << a.settings.error().message();
  EXPECT_EQ(a.options.http, "127.0.0.1:9999");
  EXPECT_EQ(a.options.qos, 2);
  EXPECT_EQ(a.options.fps, 12.5);
  EXPECT_TRUE(a.options.display);
  EXPECT_EQ(a.options.publish, (std::vector<std::string>{"rtmp://a/live/x", "rtp://b:5004"}));

  const auto& s = a.settings.value();
  ASSERT_EQ(s.size(), 5u);  // class.listen is not run's
  EXPECT_EQ(setting(s, "http.listen").origin, "flag");
  EXPECT_EQ(setting(s, "http.listen").value, "\"127.0.0.1:9999\"");
  EXPECT_EQ(setting(s, "mqtt.qos").origin, a.file + ":4");
  EXPECT_EQ(setting(s, "mqtt.qos").value, "2");
  EXPECT_EQ(setting(s, "video.publish").value, "[\"rtmp://a/live/x\", \"rtp://b:5004\"]");
  EXPECT_EQ(setting(s, "video.display").value, "true");
}

TEST(ConfigBinding, WithoutFileOrFlagTheDefaultsStandAndSayWhere) {
  Applied a = apply({}, "");
  ASSERT_TRUE(a.settings);
  EXPECT_EQ(a.options.http, "127.0.0.1:8080");
  const auto& s = a.settings.value();
  EXPECT_EQ(setting(s, "http.listen").origin, "default");
  EXPECT_EQ(setting(s, "http.listen").value, "\"127.0.0.1:8080\"");
  EXPECT_EQ(setting(s, "mqtt.qos").value, "1");
  EXPECT_EQ(setting(s, "video.display").value, "false");
  EXPECT_FALSE(setting(s, "source.fps").set);  // no default shown by --help
  EXPECT_FALSE(setting(s, "video.publish").set);
}

TEST(ConfigBinding, AValueTheOptionRefusesNamesTheFileLineAndKey) {
  Applied a = apply({}, "[mqtt]\n\nqos = 5\n");
  ASSERT_FALSE(a.settings);
  EXPECT_EQ(a.settings.error().message().rfind(a.file + ":3: [mqtt] qos = 5: ", 0), 0u)
      << a.settings.error().message();
  EXPECT_NE(a.settings.error().message().find("not in range"), std::string::npos);
}

TEST(ConfigBinding, AValueOfTheWrongTypeNamesTheTypeWanted) {
  auto error = [](const std::string& toml) {
    Applied a = apply({}, toml);
    return a.settings ? "accepted" : a.settings.error().message().substr(a.file.size());
  };
  EXPECT_EQ(error("[mqtt]\nqos = \"high\"\n"),
            ":2: [mqtt] qos = \"high\": expected a whole number");
  EXPECT_EQ(error("[mqtt]\nqos = 1.5\n"), ":2: [mqtt] qos = 1.5: expected a whole number");
  EXPECT_EQ(error("[http]\nlisten = 8080\n"),
            ":2: [http] listen = 8080: expected a string (in quotes)");
  EXPECT_EQ(error("[video]\ndisplay = \"yes\"\n"),
            ":2: [video] display = \"yes\": expected true or false");
  EXPECT_EQ(error("[source]\nfps = \"30\"\n"), ":2: [source] fps = \"30\": expected a number");
  EXPECT_EQ(error("[source]\nfps = 30\n"), "accepted");  // a whole number is a number
}

TEST(ConfigBinding, AnUnknownKeyNamesTheFileLineAndTheKeysItsSectionHas) {
  ConfigDir dir;
  ConfigValues values;
  ASSERT_TRUE(
      read_config_file(dir.write("p.toml", "[http]\nlisten = \"x\"\nlisen = \"y\"\n"), values)
          .ok());
  Status s = check_config_keys(values, kKeys);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            (dir.path() / "p.toml").string() + ":3: unknown key [http] lisen ([http] has listen)");

  ConfigValues other;
  ASSERT_TRUE(read_config_file(dir.write("q.toml", "[htp]\nlisten = \"x\"\n"), other).ok());
  s = check_config_keys(other, kKeys);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            (dir.path() / "q.toml").string() +
                ":2: unknown key [htp] listen (the sections are [class], [http], [mqtt], "
                "[source], [video])");
}

TEST(ConfigBinding, AnotherCommandsKeysAreKnownButNotApplied) {
  ConfigDir dir;
  ConfigValues values;
  ASSERT_TRUE(
      read_config_file(dir.write("p.toml", "[class]\nlisten = \"0.0.0.0:8090\"\n"), values).ok());
  EXPECT_TRUE(check_config_keys(values, kKeys).ok());
  Options o;
  CLI::App cmd;
  add_options(cmd, o);
  cmd.parse(std::vector<std::string>{});
  ASSERT_TRUE(apply_config(cmd, "run", kKeys, values));
  EXPECT_EQ(o.http, "127.0.0.1:8080");
}

TEST(ConfigBinding, NamesTheOptionsWithoutAKey) {
  Options o;
  int extra = 0;
  CLI::App cmd;
  add_options(cmd, o);
  cmd.add_option("--new-flag", extra);
  std::string config;
  cmd.add_option("--config", config);
  EXPECT_EQ(unmapped_options(cmd, "run", kKeys), std::vector<std::string>{"--new-flag"});
}

TEST(ConfigBinding, CopiesTheGivenFlagsToAFreshCommand) {
  Options given, fresh;
  CLI::App cmd, fresh_cmd;
  add_options(cmd, given);
  add_options(fresh_cmd, fresh);
  std::vector<std::string> args = {"--http", "0.0.0.0:1", "--display", "--publish", "rtp://a:1"};
  std::reverse(args.begin(), args.end());
  cmd.parse(args);
  copy_given_flags(cmd, fresh_cmd);
  EXPECT_EQ(fresh.http, "0.0.0.0:1");
  EXPECT_TRUE(fresh.display);
  EXPECT_EQ(fresh.publish, std::vector<std::string>{"rtp://a:1"});
  EXPECT_EQ(fresh.qos, 1);
  EXPECT_EQ(fresh_cmd.get_option("--http")->count(), 1u);  // a flag again: the file cannot win
}

TEST(ConfigBinding, AValueFromTheFileIsNotCopiedAsAFlag) {
  ConfigDir dir;
  ConfigValues values;
  ASSERT_TRUE(read_config_file(dir.write("p.toml", "[mqtt]\nqos = 2\n"), values).ok());
  Options given, fresh;
  CLI::App cmd, fresh_cmd;
  add_options(cmd, given);
  add_options(fresh_cmd, fresh);
  cmd.parse(std::vector<std::string>{});
  ASSERT_TRUE(apply_config(cmd, "run", kKeys, values));
  EXPECT_EQ(given.qos, 2);
  copy_given_flags(cmd, fresh_cmd);  // a reload: the file is read again, not frozen as a flag
  EXPECT_EQ(fresh.qos, 1);
  EXPECT_EQ(fresh_cmd.get_option("--mqtt-qos")->count(), 0u);
}

}  // namespace
}  // namespace posecast
