// `run --speak`'s speaker: real espeak-ng rendering cues to WAV files that must hold audible
// speech (skipped, saying why, without espeak-ng), and the one-cue queue and stop() driven
// through a stand-in program that logs what it was asked to say.
#include "posecast/speaker.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace posecast {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;

struct Wav {
  int sample_rate = 0;
  int channels = 0;
  int bits = 0;
  std::vector<int16_t> samples;
  double seconds() const {
    return sample_rate > 0 ? double(samples.size()) / (sample_rate * channels) : 0;
  }
};

uint32_t le32(const std::string& b, size_t at) {
  return uint32_t(uint8_t(b[at])) | uint32_t(uint8_t(b[at + 1])) << 8 |
         uint32_t(uint8_t(b[at + 2])) << 16 | uint32_t(uint8_t(b[at + 3])) << 24;
}
uint16_t le16(const std::string& b, size_t at) {
  return uint16_t(uint8_t(b[at]) | uint8_t(b[at + 1]) << 8);
}

// The RIFF chunks of a PCM WAV file: "fmt " for the format, "data" for the samples (a data size
// left unset by a streaming writer reads as "to the end of the file").
Wav read_wav(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Wav wav;
  if (b.size() < 12 || b.compare(0, 4, "RIFF") != 0 || b.compare(8, 4, "WAVE") != 0) {
    ADD_FAILURE() << path << " is not a RIFF WAVE file (" << b.size() << " bytes)";
    return wav;
  }
  for (size_t at = 12; at + 8 <= b.size();) {
    const std::string id = b.substr(at, 4);
    size_t size = le32(b, at + 4);
    if (id == "fmt " && at + 24 <= b.size()) {
      EXPECT_EQ(le16(b, at + 8), 1) << "not PCM";
      wav.channels = le16(b, at + 10);
      wav.sample_rate = static_cast<int>(le32(b, at + 12));
      wav.bits = le16(b, at + 22);
    } else if (id == "data") {
      if (size == 0 || size == 0xffffffffu || at + 8 + size > b.size()) size = b.size() - at - 8;
      wav.samples.resize(size / 2);
      std::memcpy(wav.samples.data(), b.data() + at + 8, wav.samples.size() * 2);
      break;
    }
    at += 8 + size + (size & 1);
  }
  return wav;
}

double rms(const std::vector<int16_t>& samples) {
  double sum = 0;
  for (int16_t s : samples) sum += double(s) * s;
  return samples.empty() ? 0 : std::sqrt(sum / samples.size());
}

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() /
         ("posecast-speaker-" + std::to_string(::getpid()) + "-" + name);
}

std::string espeak_missing() {
  const Status s = check_speech({});
  return s.ok() ? "" : "espeak-ng does not run here: " + s.error().message();
}

TEST(Speaker, EspeakRendersACueToAWavThatHoldsSpeech) {
  if (const std::string missing = espeak_missing(); !missing.empty()) GTEST_SKIP() << missing;
  const fs::path short_cue = temp_path("short.wav"), long_cue = temp_path("long.wav");
  const Status s1 = speak_to_wav({}, "7 of 10", short_cue);
  ASSERT_TRUE(s1.ok()) << s1.error().message();
  const Status s2 = speak_to_wav({}, "Step back so your feet are in view", long_cue);
  ASSERT_TRUE(s2.ok()) << s2.error().message();

  const Wav wav = read_wav(short_cue);
  EXPECT_EQ(wav.bits, 16);
  EXPECT_EQ(wav.channels, 1);
  EXPECT_GE(wav.sample_rate, 16000);
  EXPECT_GT(wav.seconds(), 0.4) << "\"7 of 10\" is three words";
  EXPECT_LT(wav.seconds(), 3.0);
  // Speech is loud: espeak-ng's voice runs at an RMS in the thousands; silence is 0.
  EXPECT_GT(rms(wav.samples), 500.0);
  const Wav longer = read_wav(long_cue);
  EXPECT_GT(rms(longer.samples), 500.0);
  EXPECT_GT(longer.seconds(), 1.5 * wav.seconds()) << "eight words take longer than three";

  // The speed option reaches espeak-ng: twice the words a minute, about half the time.
  const fs::path fast = temp_path("fast.wav");
  ASSERT_TRUE(
      speak_to_wav({.words_per_minute = 320}, "Step back so your feet are in view", fast).ok());
  EXPECT_LT(read_wav(fast).seconds(), 0.75 * longer.seconds());
  for (const fs::path& p : {short_cue, long_cue, fast}) fs::remove(p);
}

TEST(Speaker, AMissingEspeakSaysHowToInstallIt) {
  const SpeakerOptions options{.program = "posecast-no-such-espeak-ng"};
  const Status s = check_speech(options);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("needs espeak-ng (apt install espeak-ng)"), std::string::npos)
      << s.error().message();
  EXPECT_NE(s.error().message().find("posecast-no-such-espeak-ng"), std::string::npos);
  const auto speaker = Speaker::start(options);
  ASSERT_FALSE(speaker.ok());
  EXPECT_EQ(speaker.error().message(), s.error().message());
}

TEST(Speaker, AnUnknownVoiceOrSpeedIsRefusedAtTheStart) {
  if (const std::string missing = espeak_missing(); !missing.empty()) GTEST_SKIP() << missing;
  const Status voice = check_speech({.voice = "nosuchvoice"});
  ASSERT_FALSE(voice.ok());
  EXPECT_NE(voice.error().message().find("voice 'nosuchvoice'"), std::string::npos)
      << voice.error().message();
  const Status speed = check_speech({.words_per_minute = 1000});
  ASSERT_FALSE(speed.ok());
  EXPECT_NE(speed.error().message().find("1000 words a minute"), std::string::npos);
}

// A stand-in for espeak-ng: logs the words it is asked to say (the last argument), then runs
// `then` (e.g. "sleep 0.3"); the silent check (-q) only succeeds.
struct StandIn {
  fs::path program = temp_path("stand-in.sh");
  fs::path log = temp_path("said.log");

  explicit StandIn(const std::string& then) {
    fs::remove(log);
    std::ofstream(program) << "#!/bin/sh\nfor a; do last=$a; done\n"
                           << "case \" $* \" in *\" -q \"*) exit 0;; esac\n"
                           << "echo \"$last\" >> '" << log.string() << "'\n"
                           << then << "\n";
    ::chmod(program.c_str(), 0755);
  }
  ~StandIn() {
    fs::remove(program);
    fs::remove(log);
  }
  std::vector<std::string> said() const {
    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  // Until `count` cues were logged, at most 5 s.
  bool wait_for(size_t count) const {
    for (auto end = steady_clock::now() + seconds(5); steady_clock::now() < end;) {
      if (said().size() >= count) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }
};

TEST(Speaker, ANewerCueReplacesAWaitingOneAndSayNeverWaitsForSpeech) {
  StandIn stand_in("sleep 0.4");
  auto speaker = Speaker::start({.program = stand_in.program.string()});
  ASSERT_TRUE(speaker.ok()) << speaker.error().message();
  Speaker& s = *speaker.value();
  s.say("1");
  ASSERT_TRUE(stand_in.wait_for(1));
  const auto t0 = steady_clock::now();
  s.say("Straighten your left knee");  // waits while "1" is spoken ...
  s.say("2");                          // ... and is replaced: out of date
  EXPECT_LT(steady_clock::now() - t0, milliseconds(50));
  ASSERT_TRUE(stand_in.wait_for(2));
  std::this_thread::sleep_for(milliseconds(600));  // "2" is spoken to the end
  EXPECT_EQ(stand_in.said(), (std::vector<std::string>{"1", "2"}));
  const SpeakerStats stats = s.stats();
  EXPECT_EQ(stats.spoken, 2);
  EXPECT_EQ(stats.replaced, 1);
  EXPECT_EQ(stats.failed, 0);
}

TEST(Speaker, StopEndsTheCueBeingSpoken) {
  StandIn stand_in("exec sleep 30");
  auto speaker = Speaker::start({.program = stand_in.program.string()});
  ASSERT_TRUE(speaker.ok()) << speaker.error().message();
  speaker.value()->say("Set done");
  ASSERT_TRUE(stand_in.wait_for(1));
  speaker.value()->say("waiting");
  const auto t0 = steady_clock::now();
  speaker.value()->stop();
  EXPECT_LT(steady_clock::now() - t0, seconds(2));
  EXPECT_EQ(stand_in.said(), std::vector<std::string>{"Set done"});
  EXPECT_EQ(speaker.value()->stats().failed, 0) << "a cue cut short by stop() is no failure";
  speaker.value()->say("after stop");  // ignored, no crash
}

TEST(Speaker, AFailingVoiceIsReportedOnce) {
  StandIn stand_in("exit 3");
  std::mutex mutex;
  std::vector<std::string> errors;
  auto speaker = Speaker::start({.program = stand_in.program.string()}, [&](const std::string& e) {
    std::lock_guard lock(mutex);
    errors.push_back(e);
  });
  ASSERT_TRUE(speaker.ok()) << speaker.error().message();
  speaker.value()->say("1");
  ASSERT_TRUE(stand_in.wait_for(1));
  std::this_thread::sleep_for(milliseconds(100));
  speaker.value()->say("2");
  ASSERT_TRUE(stand_in.wait_for(2));
  for (auto end = steady_clock::now() + seconds(5);
       speaker.value()->stats().failed < 2 && steady_clock::now() < end;)
    std::this_thread::sleep_for(milliseconds(10));
  speaker.value()->stop();
  EXPECT_EQ(speaker.value()->stats().failed, 2);
  std::lock_guard lock(mutex);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("exited with 3 saying \"1\""), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace posecast
