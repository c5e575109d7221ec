// A temporary folder for config files, removed with the test, and an environment variable set for
// one test.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>

namespace posecast::testing {

class ConfigDir {
 public:
  ConfigDir()
      : dir_(std::filesystem::temp_directory_path() /
             ("posecast-config-" + std::to_string(::getpid()) + "-" +
              std::to_string(std::random_device{}()))) {
    std::filesystem::create_directories(dir_);
  }
  ~ConfigDir() { std::filesystem::remove_all(dir_); }
  ConfigDir(const ConfigDir&) = delete;
  ConfigDir& operator=(const ConfigDir&) = delete;

  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const auto path = dir_ / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path;
  }
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

// The environment of one test, restored after it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { old_ ? (void)::setenv(name_, old_->c_str(), 1) : (void)::unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace posecast::testing
