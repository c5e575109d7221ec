// Spoken cues on the device (`run --speak`), for a student without a screen: each result's
// "say" (spoken_cues.h picks it) read aloud by espeak-ng, one child process per cue, on the
// device's default sound output.
//
// Threading: say() may be called from any thread (the pipeline's render thread) and never waits
// for speech: one worker thread runs espeak-ng for one cue at a time. A cue arriving while
// another is spoken waits in a one-cue slot, and a newer cue replaces a waiting one (by then it
// is out of date), so cues never pile up behind a slow voice. stop() ends the cue being spoken.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "posecast/status.h"

namespace posecast {

struct SpeakerOptions {
  std::string voice = "en";    // espeak-ng -v: a voice or language (`espeak-ng --voices`)
  int words_per_minute = 160;  // espeak-ng -s (its own default is 175; cues are heard from afar)
  std::string program = "espeak-ng";  // on PATH; tests put a stand-in here
};

inline constexpr int kMinSpeechWpm = 80, kMaxSpeechWpm = 450;  // espeak-ng's range

// OK when `options.program` runs and accepts the voice and speed (a silent trial, espeak-ng
// -q); else "speech needs espeak-ng (apt install espeak-ng): 'espeak-ng' is not on PATH", or
// which option it refused.
Status check_speech(const SpeakerOptions& options);

// Renders `text` to a WAV file (espeak-ng -w) and waits for it: for tests and for trying voices.
Status speak_to_wav(const SpeakerOptions& options, std::string_view text,
                    const std::filesystem::path& wav);

struct SpeakerStats {
  int64_t spoken = 0;    // cues espeak-ng said to the end
  int64_t replaced = 0;  // waiting cues replaced by a newer one
  int64_t failed = 0;    // espeak-ng runs that failed (reported once through the error sink)
};

class Speaker {
 public:
  using ErrorSink = std::function<void(const std::string& message)>;

  // check_speech(), then the worker. `on_error` hears the first failure of espeak-ng while
  // running (no sound device, ...), once; it is called on the worker thread.
  static Result<std::unique_ptr<Speaker>> start(SpeakerOptions options, ErrorSink on_error = {});
  ~Speaker();  // stop()s
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  // Says `text` as soon as the cue before it is done; "" is ignored.
  void say(std::string text);
  // Ends the cue being spoken, drops a waiting one and joins the worker. Idempotent.
  void stop();
  SpeakerStats stats() const;

 private:
  struct Impl;
  explicit Speaker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
