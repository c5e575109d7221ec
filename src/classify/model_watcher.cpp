#include "posecast/model_watcher.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace posecast {

namespace {

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_file_spec(const std::string& spec) { return !spec.empty() && spec != "builtin"; }

}  // namespace

ModelWatcher::ModelWatcher(std::string spec, PoseLibrary library, float threshold,
                           OnLoaded on_loaded, OnError on_error, ModelWatchOptions options)
    : library_(std::move(library)),
      threshold_(threshold),
      on_loaded_(std::move(on_loaded)),
      on_error_(std::move(on_error)),
      options_(options),
      spec_(is_file_spec(spec) ? std::move(spec) : std::string()),
      watched_(spec_) {
  if (!spec_.empty()) loaded_ = version_of(spec_);
}

ModelWatcher::~ModelWatcher() { stop(); }

void ModelWatcher::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { poll_loop(); });
}

void ModelWatcher::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ModelWatcher::Version ModelWatcher::version_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {};
  return {true, static_cast<uint64_t>(info.st_ino), static_cast<int64_t>(info.st_size),
          static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};
}

void ModelWatcher::poll_loop() {
  std::unique_lock lock(stop_mutex_);
  while (!stop_cv_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
    lock.unlock();
    check_once();
    lock.lock();
  }
}

void ModelWatcher::check_once() {
  std::string spec;
  Version seen;
  {
    std::lock_guard lock(load_mutex_);
    if (spec_.empty()) return;
    spec = spec_;
    seen = version_of(spec);
    if (seen == loaded_ || seen == failed_) return;  // unchanged, or already reported
  }
  // Changed: wait until it holds still (a copy in progress keeps growing).
  {
    std::unique_lock lock(stop_mutex_);
    if (stop_cv_.wait_for(lock, options_.settle, [this] { return stopping_; })) return;
  }
  std::lock_guard lock(load_mutex_);
  if (spec_ != spec || version_of(spec) != seen) return;  // switched away, or still changing
  const auto fail = [&](const std::string& why) {
    failed_ = seen;
    const std::string message =
        "model file " + spec +
        " changed but does not load; the previous model keeps running: " + why;
    {
      std::lock_guard status_lock(status_mutex_);
      error_ = message;
    }
    if (on_error_) on_error_(message);
  };
  if (!seen.exists) return fail(std::string("cannot read it: ") + std::strerror(ENOENT));
  auto loaded = load_classifier(spec, library_, threshold_, options_.guide_box);
  if (!loaded) return fail(loaded.error().message());
  loaded_ = seen;
  failed_.reset();
  {
    std::lock_guard status_lock(status_mutex_);
    ++reloads_;
    last_reload_ms_ = unix_ms();
    error_.clear();
  }
  if (on_loaded_) on_loaded_(loaded.value());
}

Status ModelWatcher::switch_to(const std::string& spec, std::optional<float> threshold) {
  std::lock_guard lock(load_mutex_);
  const Version version = is_file_spec(spec) ? version_of(spec) : Version{};
  auto loaded = load_classifier(spec, library_, threshold.value_or(threshold_), options_.guide_box);
  if (!loaded) return loaded.error();
  if (threshold) threshold_ = *threshold;
  spec_ = is_file_spec(spec) ? spec : std::string();
  loaded_ = version;
  failed_.reset();
  {
    std::lock_guard status_lock(status_mutex_);
    watched_ = spec_;
    error_.clear();
  }
  if (on_loaded_) on_loaded_(loaded.value());
  return Status::Ok();
}

nlohmann::json ModelWatcher::status() const {
  std::lock_guard lock(status_mutex_);
  nlohmann::json j = {{"file", nullptr}, {"reloads", reloads_}};
  if (!watched_.empty()) j["file"] = watched_;
  if (last_reload_ms_ > 0) j["last_reload_ms"] = last_reload_ms_;
  if (!error_.empty()) j["error"] = error_;
  return j;
}

}  // namespace posecast
