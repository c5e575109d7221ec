#include "posecast/capture.h"

#include <condition_variable>

namespace posecast {

using namespace std::chrono;

Capture::Capture(std::string spec, SourceOptions options, ErrorHandler on_error)
    : spec_(std::move(spec)), options_(options), on_error_(std::move(on_error)) {
  stats_.source = spec_;
}

Capture::~Capture() { stop(); }

void Capture::start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void Capture::stop() {
  stop_ = true;
  slot_.close();
  if (thread_.joinable()) thread_.join();
}

std::optional<Frame> Capture::next(milliseconds timeout) { return slot_.take(timeout); }

CaptureStats Capture::stats() const {
  std::lock_guard<std::mutex> lock(stats_mutex_);
  CaptureStats s = stats_;
  s.frames_dropped = slot_.dropped();
  return s;
}

void Capture::run() {
  // Sleeps that stop() can cut short: checks the flag every 20 ms.
  auto nap = [this](steady_clock::duration d) {
    const auto until = steady_clock::now() + d;
    while (!stop_ && steady_clock::now() < until)
      std::this_thread::sleep_for(
          std::min<steady_clock::duration>(milliseconds(20), until - steady_clock::now()));
  };
  auto report = [this](const std::string& message, bool connected) {
    {
      std::lock_guard<std::mutex> lock(stats_mutex_);
      stats_.last_error = message;
      stats_.connected = connected;
    }
    if (on_error_) on_error_(message);
  };

  std::unique_ptr<FrameSource> source;
  milliseconds backoff(100);
  steady_clock::time_point due;
  int64_t number = 0;
  bool first_open = true;
  while (!stop_) {
    if (!source) {
      auto opened = open_source(spec_, options_);
      if (!opened) {
        report(opened.error().message(), false);
        nap(backoff);
        backoff = std::min(backoff * 2, milliseconds(2000));
        continue;
      }
      source = std::move(opened).value();
      backoff = milliseconds(100);
      due = steady_clock::now();
      std::lock_guard<std::mutex> lock(stats_mutex_);
      stats_.connected = true;
      stats_.source = source->describe();
      if (!first_open) ++stats_.reopens;
      first_open = false;
    }
    if (options_.as_fast_as_taken && !slot_.wait_until_taken(milliseconds(200))) continue;
    auto image = source->read();
    if (!image) {
      const bool skip = source->skip_on_error();
      report(image.error().message(), skip);
      if (!skip) {
        source.reset();
        nap(backoff);
        backoff = std::min(backoff * 2, milliseconds(2000));
      }
      continue;
    }
    Frame frame;
    frame.image = std::move(image).value();
    frame.number = ++number;
    frame.capture_unix_ms = unix_ms_now();
    frame.captured = steady_clock::now();
    slot_.put(std::move(frame));
    {
      std::lock_guard<std::mutex> lock(stats_mutex_);
      ++stats_.frames_read;
      stats_.connected = true;
    }
    if (double fps = source->pace_fps(); fps > 0 && !options_.as_fast_as_taken) {
      due += duration_cast<steady_clock::duration>(duration<double>(1.0 / fps));
      const auto now = steady_clock::now();
      if (due < now - milliseconds(100)) due = now;  // fell behind: do not burst to catch up
      nap(due - now);
    }
  }
}

}  // namespace posecast
