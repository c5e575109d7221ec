// The config file through the real binary: `posecast config show`, a run set up by the file, and
// the errors a bad file gives.
#include <gtest/gtest.h>

#include "cli_run.h"
#include "config/config_temp.h"
#include "posecast_process.h"

namespace posecast::testing {
namespace {

// No /etc/posecast or ~/.config/posecast file of this machine takes part.
class ConfigCli : public ::testing::Test {
 protected:
  ConfigDir dir;
  ScopedEnv system{"POSECAST_SYSTEM_CONFIG", (dir.path() / "etc-posecast.toml").string()};
  ScopedEnv user{"XDG_CONFIG_HOME", (dir.path() / "home").string()};
};

// The line of `out` that sets `key` ("listen = ...", "# fps (unset)").
std::string line_of(const std::string& out, const std::string& key) {
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + " = ", 0) == 0 || line.rfind("# " + key + " ", 0) == 0) return line;
  return "";
}

TEST_F(ConfigCli, ShowPrintsEachSettingOfRunWithWhereItCameFrom) {
  const auto file =
      dir.write("p.toml", "[http]\nlisten = \"0.0.0.0:9000\"\n[model]\nthreshold = 0.7\n");
  CliRun r = run_posecast({"config", "show", "--config", file.string(), "--mqtt-qos", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("# files read (later ones win): " + file.string() + " (--config)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\n[http]\n"), std::string::npos);
  const std::string listen = line_of(r.out, "listen");
  EXPECT_EQ(listen.substr(0, 21), "listen = \"0.0.0.0:900");
  EXPECT_NE(listen.find("# " + file.string() + ":2  --http"), std::string::npos) << listen;
  EXPECT_NE(line_of(r.out, "threshold").find("# " + file.string() + ":4  --threshold"),
            std::string::npos);
  EXPECT_NE(line_of(r.out, "qos").find("qos = 2"), std::string::npos);
  EXPECT_NE(line_of(r.out, "qos").find("# flag  --mqtt-qos"), std::string::npos);
  EXPECT_NE(line_of(r.out, "size").find("size = \"640x480\""), std::string::npos);
  EXPECT_NE(line_of(r.out, "size").find("# default  --size"), std::string::npos);
  EXPECT_NE(line_of(r.out, "input").find("# input (unset)"), std::string::npos);
}

TEST_F(ConfigCli, ShowUsesTheSystemFileThenTheUsersFile) {
  dir.write("etc-posecast.toml", "[http]\nlisten = \"0.0.0.0:80\"\n[mqtt]\nqos = 2\n");
  dir.write("home/posecast/posecast.toml", "[http]\nlisten = \"0.0.0.0:81\"\n");
  CliRun r = run_posecast({"config", "show"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(line_of(r.out, "listen").find("0.0.0.0:81"), std::string::npos);
  EXPECT_NE(line_of(r.out, "listen").find("home/posecast/posecast.toml:2"), std::string::npos);
  EXPECT_NE(line_of(r.out, "qos").find("etc-posecast.toml:4"), std::string::npos);
}

TEST_F(ConfigCli, EveryOptionOfRunAndClassHasAKeyInTheFile) {
  CliRun run = run_posecast({"config", "show"});
  EXPECT_EQ(run.exit_code, 0) << run.err;  // else it names the options without a key
  CliRun dashboard = run_posecast({"config", "show", "--class"});
  EXPECT_EQ(dashboard.exit_code, 0) << dashboard.err;
  EXPECT_NE(line_of(dashboard.out, "listen").find("127.0.0.1:8090"), std::string::npos);
  EXPECT_NE(dashboard.out.find("\n[class]\n"), std::string::npos);
}

TEST_F(ConfigCli, TheExampleConfigOfThePackageIsValid) {
  const std::string example = std::string(POSECAST_SOURCE_DIR) + "/deploy/posecast.toml";
  CliRun r = run_posecast({"config", "show", "--config", example});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(line_of(r.out, "listen").find("0.0.0.0:8080"), std::string::npos);
  EXPECT_NE(line_of(r.out, "models_dir").find("/var/cache/posecast/models"), std::string::npos);
}

TEST_F(ConfigCli, AnUnknownKeyOrABadValueStopsRunWithTheFileLineAndKey) {
  const auto typo = dir.write("typo.toml", "[http]\n\nlisen = \"0.0.0.0:8080\"\n");
  CliRun r = run_posecast({"run", "--config", typo.string(), "--source", "demo"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "posecast run: " + typo.string() +
                       ":3: unknown key [http] lisen ([http] has jpeg_quality, listen, "
                       "public_url)\n");

  const auto bad = dir.write("bad.toml", "[mqtt]\nqos = 3\n");
  r = run_posecast({"run", "--config", bad.string(), "--source", "demo"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("posecast run: " + bad.string() + ":2: [mqtt] qos = 3: ", 0), 0u) << r.err;

  const auto broken = dir.write("broken.toml", "[http\nlisten = 1\n");
  r = run_posecast({"class", "--config", broken.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("posecast class: " + broken.string() + ":1:", 0), 0u) << r.err;
}

TEST_F(ConfigCli, ClassNeedsABrokerFromAFlagOrTheFile) {
  CliRun r = run_posecast({"class", "--seconds", "0.1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "posecast class: --mqtt is required (or url in the config file's [mqtt] section)\n");
}

TEST_F(ConfigCli, RunTakesItsSettingsFromTheFileAndFlagsOverrideThem) {
  if (std::string why = models_missing(); !why.empty()) GTEST_SKIP() << why;
  const auto file = dir.write("run.toml",
                              "[source]\ninput = \"demo\"\nsize = \"320x240\"\n"
                              "[http]\nlisten = \"127.0.0.1:1\"\n"
                              "[access]\nno_auth = true\n"
                              "[video]\nwebrtc = \"off\"\n"
                              "[history]\ndisabled = true\n"
                              "[run]\nseconds = 3\n");
  PosecastProcess run({"run", "--config", file.string(), "--http", "127.0.0.1:0"});
  ASSERT_TRUE(run.started()) << run.error();
  auto url = run.wait_for_url(std::chrono::seconds(60));
  ASSERT_TRUE(url) << run.err();
  EXPECT_EQ(url->find("?token="), std::string::npos) << *url;          // no_auth from the file
  EXPECT_NE(run.port(), 1);                                            // the flag's port 0
  EXPECT_EQ(run.wait_exit(std::chrono::seconds(30)), 0) << run.err();  // seconds from the file
}

}  // namespace
}  // namespace posecast::testing
