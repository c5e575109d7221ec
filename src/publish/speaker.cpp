#include "posecast/speaker.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

extern char** environ;

namespace posecast {

namespace {

// espeak-ng's command line for `text`: to the sound output, to `wav`, or (quiet) to nowhere.
std::vector<std::string> espeak_args(const SpeakerOptions& o, std::string_view text,
                                     const std::filesystem::path& wav, bool quiet) {
  std::vector<std::string> args = {o.program, "-v", o.voice, "-s",
                                   std::to_string(o.words_per_minute)};
  if (quiet) args.push_back("-q");
  if (!wav.empty()) {
    args.push_back("-w");
    args.push_back(wav.string());
  }
  args.push_back("--");  // a cue is words, never an option
  args.emplace_back(text);
  return args;
}

// Starts `args` with stdin, stdout and stderr on /dev/null (espeak-ng's sound library is
// chatty on a device without a sound card).
Result<pid_t> spawn_quietly(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == ENOENT)
    return Error("speech needs espeak-ng (apt install espeak-ng): '" + args[0] +
                 "' is not on PATH");
  if (rc != 0) return Error("cannot start '" + args[0] + "': " + std::strerror(rc));
  return pid;
}

// Reaps `pid`: its exit code, or 128 + the signal that ended it.
int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Result<int> run_to_end(const std::vector<std::string>& args) {
  auto pid = spawn_quietly(args);
  if (!pid) return pid.error();
  return wait_exit(pid.value());
}

}  // namespace

Status check_speech(const SpeakerOptions& options) {
  if (options.words_per_minute < kMinSpeechWpm || options.words_per_minute > kMaxSpeechWpm)
    return Error("speech speed " + std::to_string(options.words_per_minute) +
                 " words a minute: espeak-ng takes " + std::to_string(kMinSpeechWpm) + "-" +
                 std::to_string(kMaxSpeechWpm));
  auto code = run_to_end(espeak_args(options, "check", {}, true));
  if (!code) return code.error();
  if (code.value() != 0)
    return Error("'" + options.program + "' refused the voice '" + options.voice + "' (exit code " +
                 std::to_string(code.value()) + "; `espeak-ng --voices` lists the voices)");
  return Status::Ok();
}

Status speak_to_wav(const SpeakerOptions& options, std::string_view text,
                    const std::filesystem::path& wav) {
  auto code = run_to_end(espeak_args(options, text, wav, false));
  if (!code) return code.error();
  if (code.value() != 0)
    return Error("'" + options.program + "' could not write " + wav.string() + " (exit code " +
                 std::to_string(code.value()) + ")");
  return Status::Ok();
}

struct Speaker::Impl {
  SpeakerOptions options;
  ErrorSink on_error;
  mutable std::mutex mutex;  // guards everything below
  std::condition_variable wake;
  std::string waiting;  // the next cue; "" = none
  bool stopping = false;
  bool reported = false;
  pid_t speaking = 0;  // espeak-ng saying a cue, not yet reaped; 0 = none
  SpeakerStats stats;
  std::thread worker;

  void run() {
    for (;;) {
      std::string text;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stopping || !waiting.empty(); });
        if (stopping) return;
        text.swap(waiting);
      }
      speak(text);
    }
  }

  void speak(const std::string& text) {
    auto pid = spawn_quietly(espeak_args(options, text, {}, false));
    if (!pid) return fail(pid.error().message());
    {
      std::lock_guard lock(mutex);
      speaking = pid.value();
      if (stopping) ::kill(speaking, SIGTERM);
    }
    // Waits without reaping, so that stop() never signals a pid the system has given away.
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid.value()), &info, WEXITED | WNOWAIT) < 0 &&
           errno == EINTR) {
    }
    {
      std::lock_guard lock(mutex);
      speaking = 0;
    }
    const int code = wait_exit(pid.value());
    bool failed = false;
    {
      std::lock_guard lock(mutex);
      if (code == 0) ++stats.spoken;
      failed = code != 0 && !stopping;
    }
    if (failed)
      fail("'" + options.program + "' exited with " + std::to_string(code) + " saying \"" + text +
           "\"");
  }

  void fail(const std::string& message) {
    {
      std::lock_guard lock(mutex);
      ++stats.failed;
      if (reported) return;
      reported = true;
    }
    if (on_error) on_error(message);
  }
};

Result<std::unique_ptr<Speaker>> Speaker::start(SpeakerOptions options, ErrorSink on_error) {
  if (Status s = check_speech(options); !s.ok()) return s.error();
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->on_error = std::move(on_error);
  Impl* i = impl.get();
  impl->worker = std::thread([i] { i->run(); });
  return std::unique_ptr<Speaker>(new Speaker(std::move(impl)));
}

Speaker::Speaker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Speaker::~Speaker() { stop(); }

void Speaker::say(std::string text) {
  if (text.empty()) return;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping) return;
    if (!impl_->waiting.empty()) ++impl_->stats.replaced;
    impl_->waiting = std::move(text);
  }
  impl_->wake.notify_one();
}

void Speaker::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    impl_->waiting.clear();
    if (impl_->speaking > 0) ::kill(impl_->speaking, SIGTERM);
  }
  impl_->wake.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

SpeakerStats Speaker::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

}  // namespace posecast
