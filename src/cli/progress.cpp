#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace posecast::cli {

namespace {
std::string clock_text(double seconds) {
  int s = static_cast<int>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%d:%02d", s / 60, s % 60);
  return text;
}
}  // namespace

Progress::Progress(std::string prefix, std::string what, size_t total)
    : prefix_(std::move(prefix)),
      what_(std::move(what)),
      total_(total),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

void Progress::update(size_t done) {
  if (finished_ || total_ == 0) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta = done ? elapsed * double(total_ - done) / double(done) : 0;
  const double share = double(done) / double(total_);
  if (terminal_) {
    if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(share * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\r%s: %s [%s] %zu/%zu %3d %%  %s elapsed, ETA %s ", prefix_.c_str(),
                 what_.c_str(), bar.c_str(), done, total_, static_cast<int>(share * 100),
                 clock_text(elapsed).c_str(), clock_text(eta).c_str());
    std::fflush(stderr);
  } else {
    const int decile = static_cast<int>(share * 10);
    if (decile == last_decile_ && done < total_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s: %s %zu/%zu (%d %%), %.1f s elapsed, ETA %.0f s\n", prefix_.c_str(),
                 what_.c_str(), done, total_, static_cast<int>(share * 100), elapsed, eta);
  }
  if (done >= total_) finish();
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (terminal_) std::fputc('\n', stderr);
}

}  // namespace posecast::cli
