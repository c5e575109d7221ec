// Hot reload of the --model file: a small thread polls the file (inode, size, modification time)
// and loads it again through load_classifier() when it changed, so a model retrained in place, or
// renamed over the old one, takes over without a restart. A file that does not load (truncated,
// garbage, gone) leaves the running model as it is and is reported once per version of the file.
// The instructor's `model` command goes through the same object (switch_to), so a reload and a
// switch never race: the last one asked for wins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <thread>

#include "posecast/classifier_loader.h"
#include "posecast/pose_library.h"
#include "posecast/status.h"

namespace posecast {

struct ModelWatchOptions {
  std::chrono::milliseconds interval{1000};  // between looks at the file
  // A changed file must hold still this long before it is loaded, so that a copy still being
  // written is not mistaken for a corrupt model.
  std::chrono::milliseconds settle{200};
  float guide_box = 0;  // passed to load_classifier: image models keep run's guide box
};

class ModelWatcher {
 public:
  // Called, one at a time, with every model the watcher loads (reloads and switch_to).
  using OnLoaded = std::function<void(const LoadedClassifier&)>;
  // "model file FILE changed but does not load; the previous model keeps running: ..."
  using OnError = std::function<void(const std::string& message)>;

  // Watches `spec` (a model file; "builtin": nothing to watch), which the caller has loaded.
  ModelWatcher(std::string spec, PoseLibrary library, float threshold, OnLoaded on_loaded,
               OnError on_error, ModelWatchOptions options = {});
  ~ModelWatcher();  // stop()s
  ModelWatcher(const ModelWatcher&) = delete;
  ModelWatcher& operator=(const ModelWatcher&) = delete;

  void start();  // starts polling (once the callbacks' targets are ready)
  void stop();

  // Loads `spec` now and watches it from then on; an error leaves model and watch unchanged.
  // `threshold` (a config reload) replaces the threshold for this and every later load.
  Status switch_to(const std::string& spec, std::optional<float> threshold = std::nullopt);

  // {"file": "model.pcm" | null, "reloads": 2, "last_reload_ms": ..., "error": "..."}; "error"
  // only while the file's current version fails to load.
  nlohmann::json status() const;

 private:
  struct Version {
    bool exists = false;
    uint64_t inode = 0;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const Version&) const = default;
  };
  static Version version_of(const std::string& path);
  void poll_loop();
  void check_once();

  const PoseLibrary library_;
  float threshold_;  // guarded by load_mutex_
  const OnLoaded on_loaded_;
  const OnError on_error_;
  const ModelWatchOptions options_;

  std::mutex load_mutex_;          // one load at a time; guards spec_, loaded_, failed_
  std::string spec_;               // the file watched ("" for builtin)
  Version loaded_;                 // the version running now
  std::optional<Version> failed_;  // the last version that did not load (reported once)

  // What status() shows; kept apart from load_mutex_, which a load holds for a while.
  mutable std::mutex status_mutex_;
  std::string watched_;  // spec_'s copy
  int reloads_ = 0;
  int64_t last_reload_ms_ = 0;
  std::string error_;

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace posecast
