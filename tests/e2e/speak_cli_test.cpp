// `posecast run --speak`: the real binary on the demo figure says its cues through espeak-ng (a
// stand-in on PATH that logs what it was asked to say and when, so the test needs no sound
// card), and a missing espeak-ng or a bad voice is one clear line.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/cli_run.h"
#include "e2e/demo_clip.h"
#include "e2e/posecast_process.h"
#include "posecast/speaker.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using namespace posecast::testing;

// PATH as `path` until the end of the scope.
class PathFor {
 public:
  explicit PathFor(const std::string& path) {
    if (const char* old = std::getenv("PATH")) old_ = old;
    ::setenv("PATH", path.c_str(), 1);
  }
  ~PathFor() { ::setenv("PATH", old_.c_str(), 1); }

 private:
  std::string old_;
};

const std::vector<std::string> kDemoRun = {"run",          "--source",    "demo",
                                           "--http",       "127.0.0.1:0", "--no-auth",
                                           "--no-history", "--webrtc",    "off"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(SpeakCli, WithoutEspeakNgRunSpeakSaysHowToInstallIt) {
  CliRun run = [] {
    PathFor path("/posecast-nowhere");
    return run_posecast(with(kDemoRun, {"--speak", "--seconds", "5"}));
  }();
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("posecast run: --speak: speech needs espeak-ng (apt install espeak-ng)"),
            std::string::npos)
      << run.err;
  EXPECT_TRUE(run.out.empty()) << run.out;  // nothing served
}

TEST(SpeakCli, ABadVoiceOrSpeedIsOneClearLine) {
  CliRun speed = run_posecast(with(kDemoRun, {"--speak", "--speak-wpm", "5", "--seconds", "1"}));
  EXPECT_NE(speed.exit_code, 0);
  EXPECT_NE(speed.err.find("--speak-wpm"), std::string::npos) << speed.err;
  if (!check_speech({}).ok()) GTEST_SKIP() << "espeak-ng is not installed";
  CliRun voice =
      run_posecast(with(kDemoRun, {"--speak", "--speak-voice", "nosuchvoice", "--seconds", "1"}));
  EXPECT_EQ(voice.exit_code, 1);
  EXPECT_NE(voice.err.find("posecast run: --speak: 'espeak-ng' refused the voice 'nosuchvoice'"),
            std::string::npos)
      << voice.err;
}

// The demo figure holds Mountain for its first 5 s, then flows into Tree: the first pose is
// announced, and no two cues but counts come closer than the policy's 3 s.
TEST(SpeakCli, RunSpeakSaysTheDemosCuesAtMostEveryFewSeconds) {
  if (const std::string missing = models_missing(); !missing.empty()) GTEST_SKIP() << missing;
  const fs::path dir = fs::temp_directory_path() / ("posecast-speak-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path log = dir / "said.tsv";
  // The stand-in: the silent check (-q) succeeds; a cue is logged with the time it came.
  std::ofstream(dir / "espeak-ng")
      << "#!/bin/sh\nfor a; do last=$a; done\n"
      << "case \" $* \" in *\" -q \"*) exit 0;; esac\n"
      << "printf '%s\\t%s\\n' \"$(date +%s.%N)\" \"$last\" >> '" << log.string() << "'\n";
  ::chmod((dir / "espeak-ng").c_str(), 0755);

  CliRun run = [&] {
    PathFor path(dir.string() + ":" + std::getenv("PATH"));
    return run_posecast(with(kDemoRun, {"--speak", "--speak-voice", "en-gb", "--seconds", "14"}));
  }();
  ASSERT_EQ(run.exit_code, 0) << run.err;

  std::vector<std::pair<double, std::string>> said;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    const size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    said.emplace_back(std::stod(line.substr(0, tab)), line.substr(tab + 1));
  }
  std::ostringstream listing;
  for (const auto& [t, text] : said) listing << t - said.front().first << " s: " << text << "\n";
  ASSERT_FALSE(said.empty()) << "nothing said; stderr:\n" << run.err;
  EXPECT_NE(
      std::find_if(said.begin(), said.end(), [](const auto& s) { return s.second == "Mountain"; }),
      said.end())
      << listing.str();
  const auto is_count = [](const std::string& text) {
    return text == "Set done" ||
           (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0])));
  };
  double last_cue = -1e9;  // the last cue but a count
  for (const auto& [t, text] : said) {
    if (is_count(text)) continue;
    // 3 s by the analysis clock; the stand-in's clock may run a frame or two behind.
    EXPECT_GE(t - last_cue, 2.8) << listing.str();
    last_cue = t;
  }
  fs::remove_all(dir);
}

// The same cues in `analyze` JSONL, by the video's clock: each pose named once it is taken, and
// no two cues closer than 3 s.
TEST(SpeakCli, AnalyzeLinesCarryTheCuesOfTheVideo) {
  if (const std::string missing = models_missing(); !missing.empty()) GTEST_SKIP() << missing;
  const fs::path dir = fs::temp_directory_path() / ("posecast-say-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  ASSERT_EQ(
      write_demo_clip(dir / "demo.avi", dir / "demo.tsv", {{"", 1}, {"tree", 5}, {"warrior2", 7}}),
      130);
  CliRun run = run_posecast({"analyze", (dir / "demo.avi").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::pair<double, std::string>> said;
  for (const std::string& line : run.out_lines()) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j.contains("say")) said.emplace_back(j["t_s"].get<double>(), j["say"].get<std::string>());
  }
  std::ostringstream listing;
  for (const auto& [t, text] : said) listing << t << " s: " << text << "\n";
  const auto when = [&](const std::string& text) {
    for (const auto& [t, said_text] : said)
      if (said_text == text) return t;
    return -1.0;
  };
  EXPECT_GE(when("Tree"), 1.0) << listing.str();
  EXPECT_LT(when("Tree"), 6.0) << listing.str();
  EXPECT_GE(when("Warrior II"), 6.0) << listing.str();
  for (size_t i = 1; i < said.size(); ++i)
    EXPECT_GE(said[i].first - said[i - 1].first, 3.0 - 1e-6) << listing.str();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace posecast
