// MoveNet over many photos with a content-addressed keypoint cache. Each worker has its own
// MoveNet and background remover (an instance serialises its calls) running single-threaded: on a
// few cores, photos in parallel beat one photo on many threads, and decoding overlaps inference.
#include "posecast/pose_extraction.h"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <thread>

#include "posecast/fnv1a.h"
#include "posecast/image_io.h"
#include "posecast/user_dirs.h"

namespace posecast {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCacheMagic = "posecast-keypoints 1";

// Keypoints of the same photo differ by model, passes and background mode: each has its folder.
std::string cache_tag(const PoseExtractionOptions& o) {
  return "movenet-" + std::string(variant_name(o.movenet.variant)) + (o.refine ? "-refined" : "") +
         (o.background == BackgroundMode::kRemove ? "-background-removed" : "");
}

fs::path cache_file(const fs::path& dir, const std::string& tag, const std::string& bytes) {
  char name[64];
  std::snprintf(name, sizeof name, "%016llx-%zu.txt",
                static_cast<unsigned long long>(fnv1a64(bytes)), bytes.size());
  return dir / tag / name;
}

std::optional<Pose> read_cached(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string magic;
  std::getline(in, magic);
  if (magic != kCacheMagic) return std::nullopt;
  Pose pose;
  in >> pose.image_width >> pose.image_height;
  for (Keypoint& k : pose.keypoints) in >> k.x >> k.y >> k.score;
  if (!in) return std::nullopt;  // truncated or corrupt: extract again
  return pose;
}

void write_cached(const fs::path& file, const Pose& pose) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) return;  // a cache that cannot be written only costs time
  fs::path tmp = file;
  tmp += ".tmp" + std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id()));
  {
    std::ofstream out(tmp);
    out.precision(9);
    out << kCacheMagic << '\n' << pose.image_width << ' ' << pose.image_height << '\n';
    for (const Keypoint& k : pose.keypoints) out << k.x << ' ' << k.y << ' ' << k.score << '\n';
    if (!out.flush()) return;
  }
  fs::rename(tmp, file, ec);
}

}  // namespace

fs::path default_keypoint_cache_dir() { return user_cache_dir() / "keypoints"; }

PhotoPoseEstimator::PhotoPoseEstimator(MoveNet movenet, std::optional<BackgroundRemover> remover,
                                       bool refine)
    : movenet_(std::move(movenet)), remover_(std::move(remover)), refine_(refine) {}

Result<PhotoPoseEstimator> PhotoPoseEstimator::load(const PoseExtractionOptions& options) {
  Result<MoveNet> movenet = MoveNet::load(options.movenet);
  if (!movenet) return movenet.error();
  std::optional<BackgroundRemover> remover;
  if (options.background == BackgroundMode::kRemove) {
    Result<BackgroundRemover> loaded =
        BackgroundRemover::load(options.movenet.models_dir.string(), options.movenet.threads);
    if (!loaded) return loaded.error();
    remover.emplace(std::move(loaded).value());
  }
  return PhotoPoseEstimator(std::move(movenet).value(), std::move(remover), options.refine);
}

Result<PhotoPoseEstimator::Analysed> PhotoPoseEstimator::estimate(const cv::Mat& bgr) const {
  auto pose_of = [this](const cv::Mat& image) {
    return refine_ ? movenet_.estimate_refined(image) : movenet_.estimate(image);
  };
  Analysed out;
  out.image = bgr;
  if (remover_) {
    // A first look at the photo as it is guides the segmentation (background.h), as the previous
    // frame does in the live pipeline; the keypoints that count come from the flattened photo.
    Result<Pose> guide = pose_of(bgr);
    if (!guide) return guide.error();
    Result<cv::Mat> flat = remover_->flatten(bgr, guide.value());
    if (!flat) return flat.error();
    out.image = std::move(flat).value();
  }
  Result<Pose> pose = pose_of(out.image);
  if (!pose) return pose.error();
  out.pose = pose.value();
  return out;
}

Result<std::vector<ExtractedPose>> extract_poses(const std::vector<fs::path>& photos,
                                                 const PoseExtractionOptions& options,
                                                 const ExtractionProgress& progress) {
  std::vector<ExtractedPose> out(photos.size());
  const bool use_cache = options.cache_dir != "-";
  const fs::path cache_dir =
      options.cache_dir.empty() ? default_keypoint_cache_dir() : options.cache_dir;
  const std::string tag = cache_tag(options);
  int workers = options.workers > 0
                    ? options.workers
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  workers = std::max(1, std::min<int>(workers, static_cast<int>(photos.size())));

  std::atomic<size_t> next{0};
  std::mutex mutex;  // guards done, load_error and the progress callback
  size_t done = 0;
  std::optional<Error> load_error;

  auto work = [&] {
    std::optional<PhotoPoseEstimator> estimator;  // loaded at the first cache miss
    for (size_t i; (i = next++) < photos.size();) {
      ExtractedPose& result = out[i];
      const fs::path& path = photos[i];
      std::ifstream in(path, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) {
        result.error = path.string() + ": cannot read the file";
      } else if (bytes.empty()) {
        result.error = path.string() + ": empty file";
      } else {
        const fs::path cached = cache_file(cache_dir, tag, bytes);
        if (use_cache) {
          if (std::optional<Pose> pose = read_cached(cached)) {
            result.pose = *pose;
            result.from_cache = true;
          }
        }
        if (!result.pose) {
          Result<cv::Mat> decoded = decode_image(bytes, path.string());
          cv::Mat image = decoded ? std::move(decoded).value() : cv::Mat();
          if (!decoded) {
            result.error = decoded.error().message();
          } else {
            if (!estimator) {
              Result<PhotoPoseEstimator> loaded = PhotoPoseEstimator::load(options);
              if (!loaded) {
                std::lock_guard lock(mutex);
                load_error = loaded.error();
                next = photos.size();  // stop every worker
                return;
              }
              estimator.emplace(std::move(loaded).value());
            }
            Result<PhotoPoseEstimator::Analysed> analysed = estimator->estimate(image);
            if (analysed) {
              result.pose = analysed->pose;
              if (use_cache) write_cached(cached, analysed->pose);
            } else {
              result.error = path.string() + ": " + analysed.error().message();
            }
          }
        }
      }
      std::lock_guard lock(mutex);
      ++done;
      if (progress) progress(done, photos.size());
    }
  };
  std::vector<std::thread> threads;
  for (int w = 1; w < workers; ++w) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  if (load_error) return *load_error;
  return out;
}

}  // namespace posecast
