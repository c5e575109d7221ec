// Hot reload of a model file (ModelWatcher): a new version replaces the running model whether it
// is renamed over the old file or rewritten in place; a truncated or garbage version is reported
// once, naming the file, while the previous model keeps running; the instructor's switch goes
// through the same watcher.
#include "posecast/model_watcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "classify/tiny_mlp_model.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

// What the watcher reported, for the test to wait on.
struct Reports {
  std::mutex mutex;
  std::vector<std::vector<std::string>> loaded_labels;  // labels() of each model loaded
  std::vector<std::string> errors;

  ModelWatcher::OnLoaded on_loaded() {
    return [this](const LoadedClassifier& c) {
      std::lock_guard lock(mutex);
      loaded_labels.push_back(c.classifier->labels());
    };
  }
  ModelWatcher::OnError on_error() {
    return [this](const std::string& message) {
      std::lock_guard lock(mutex);
      errors.push_back(message);
    };
  }
  size_t loads() {
    std::lock_guard lock(mutex);
    return loaded_labels.size();
  }
  size_t error_count() {
    std::lock_guard lock(mutex);
    return errors.size();
  }
};

template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return predicate();
}

class ModelWatcherTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("posecast_model_watch_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    ASSERT_TRUE(testing::save_tiny_mlp_model(*dir_ / "a.model", {"tree", "plank"}, 1).ok());
    ASSERT_TRUE(testing::save_tiny_mlp_model(*dir_ / "b.model", {"warrior2", "downdog"}, 2).ok());
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    watched_ =
        *dir_ /
        (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".model");
    fs::copy_file(*dir_ / "a.model", watched_, fs::copy_options::overwrite_existing);
    auto library = load_pose_library(default_pose_library_path());
    ASSERT_TRUE(library.ok()) << library.error().message();
    library_ = library.value();
  }
  std::unique_ptr<ModelWatcher> watch(const std::string& spec, Reports& reports) {
    ModelWatchOptions options;
    options.interval = 50ms;
    options.settle = 30ms;
    auto watcher = std::make_unique<ModelWatcher>(spec, library_, -1, reports.on_loaded(),
                                                  reports.on_error(), options);
    watcher->start();
    return watcher;
  }

  static fs::path* dir_;
  fs::path watched_;
  PoseLibrary library_;
};
fs::path* ModelWatcherTest::dir_ = nullptr;

const std::vector<std::string> kModelA = {"plank", "tree"};
const std::vector<std::string> kModelB = {"downdog", "warrior2"};

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST_F(ModelWatcherTest, ANewFileRenamedOverTheOldOneIsLoaded) {
  Reports reports;
  auto watcher = watch(watched_.string(), reports);
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(reports.loads(), 0u) << "an unchanged file is not reloaded";
  EXPECT_EQ(watcher->status()["file"], watched_.string());
  EXPECT_EQ(watcher->status()["reloads"], 0);

  fs::copy_file(*dir_ / "b.model", watched_.string() + ".tmp");
  fs::rename(watched_.string() + ".tmp", watched_);
  ASSERT_TRUE(eventually([&] { return reports.loads() == 1; }));
  EXPECT_EQ(sorted(reports.loaded_labels[0]), kModelB);
  const nlohmann::json status = watcher->status();
  EXPECT_EQ(status["reloads"], 1);
  EXPECT_GT(status["last_reload_ms"].get<int64_t>(), 0);
  EXPECT_FALSE(status.contains("error"));
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(reports.loads(), 1u) << "loaded once per version";
}

TEST_F(ModelWatcherTest, ACorruptVersionIsReportedOnceAndTheOldModelStays) {
  Reports reports;
  auto watcher = watch(watched_.string(), reports);
  const std::string good = read_bytes(*dir_ / "b.model");

  // Truncated in place: reported once, naming the file; nothing loaded.
  write_bytes(watched_, good.substr(0, good.size() / 2));
  ASSERT_TRUE(eventually([&] { return reports.error_count() == 1; }));
  EXPECT_TRUE(reports.errors[0].starts_with(
      "model file " + watched_.string() +
      " changed but does not load; the previous model keeps running: "))
      << reports.errors[0];
  EXPECT_EQ(watcher->status()["error"], reports.errors[0]);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(reports.error_count(), 1u) << "one report per version of the file";
  EXPECT_EQ(reports.loads(), 0u);

  // Garbage: a new version, a new report.
  write_bytes(watched_, "this is not a model\n");
  ASSERT_TRUE(eventually([&] { return reports.error_count() == 2; }));
  // Gone: reported too.
  fs::remove(watched_);
  ASSERT_TRUE(eventually([&] { return reports.error_count() == 3; }));
  EXPECT_NE(reports.errors[2].find("cannot read it: No such file or directory"), std::string::npos)
      << reports.errors[2];

  // A good version again (rewritten in place): loaded, and the error is over.
  write_bytes(watched_, good);
  ASSERT_TRUE(eventually([&] { return reports.loads() == 1; }));
  EXPECT_EQ(sorted(reports.loaded_labels[0]), kModelB);
  EXPECT_FALSE(watcher->status().contains("error"));
  EXPECT_EQ(watcher->status()["reloads"], 1);
}

TEST_F(ModelWatcherTest, SwitchingFollowsTheNewFileAndABadSwitchChangesNothing) {
  Reports reports;
  auto watcher = watch(watched_.string(), reports);
  const Status bad = watcher->switch_to((*dir_ / "missing.model").string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("missing.model"), std::string::npos);
  EXPECT_EQ(watcher->status()["file"], watched_.string());

  const fs::path other = *dir_ / "switched.model";
  fs::copy_file(*dir_ / "b.model", other, fs::copy_options::overwrite_existing);
  ASSERT_TRUE(watcher->switch_to(other.string()).ok());
  ASSERT_EQ(reports.loads(), 1u);
  EXPECT_EQ(sorted(reports.loaded_labels[0]), kModelB);
  EXPECT_EQ(watcher->status()["file"], other.string());

  // The old file is not watched any more; the new one is.
  write_bytes(watched_, "garbage");
  fs::copy_file(*dir_ / "a.model", other.string() + ".tmp", fs::copy_options::overwrite_existing);
  fs::rename(other.string() + ".tmp", other);
  ASSERT_TRUE(eventually([&] { return reports.loads() == 2; }));
  EXPECT_EQ(sorted(reports.loaded_labels[1]), kModelA);
  EXPECT_EQ(reports.error_count(), 0u);

  // builtin: nothing to watch.
  ASSERT_TRUE(watcher->switch_to("builtin").ok());
  EXPECT_TRUE(watcher->status()["file"].is_null());
  fs::remove(other);
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(reports.error_count(), 0u);
}

}  // namespace
}  // namespace posecast
