// Training batches for `posecast train image` (image_training_batches.h).
#include "image_training_batches.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <random>

#include "posecast/parallel_for.h"
#include "posecast/torch/image_model_io.h"

namespace posecast::image_training {

namespace {

// A random part of the picture (35-100 % of its area, aspect 3/4-4/3), mirrored half the time.
cv::Mat random_crop_flip(const cv::Mat& image, std::mt19937& rng) {
  std::uniform_real_distribution<double> area(0.35, 1.0),
      log_aspect(std::log(3.0 / 4), std::log(4.0 / 3));
  const double total = static_cast<double>(image.cols) * image.rows;
  cv::Rect crop(0, 0, image.cols, image.rows);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double a = area(rng) * total, aspect = std::exp(log_aspect(rng));
    const int w = static_cast<int>(std::lround(std::sqrt(a * aspect)));
    const int h = static_cast<int>(std::lround(std::sqrt(a / aspect)));
    if (w <= image.cols && h <= image.rows && w > 0 && h > 0) {
      crop = cv::Rect(std::uniform_int_distribution<int>(0, image.cols - w)(rng),
                      std::uniform_int_distribution<int>(0, image.rows - h)(rng), w, h);
      break;
    }
  }
  cv::Mat out = image(crop).clone();
  if (std::bernoulli_distribution(0.5)(rng)) cv::flip(out, out, 1);
  return out;
}

// MXNet's random_h=36, random_s=50, random_l=50 (the values SageMaker uses for crop_color):
// hue shifted by up to ±36 degrees, saturation and lightness by up to ±50 of 255.
void color_jitter(cv::Mat& image, std::mt19937& rng) {
  std::uniform_int_distribution<int> dh(-18, 18), ds(-50, 50), dl(-50, 50);  // OpenCV hue: 0-179
  cv::Mat hls;
  cv::cvtColor(image, hls, cv::COLOR_BGR2HLS);
  const int h = dh(rng), l = dl(rng), s = ds(rng);
  hls.forEach<cv::Vec3b>([&](cv::Vec3b& p, const int*) {
    p[0] = static_cast<uint8_t>((p[0] + h + 180) % 180);
    p[1] = cv::saturate_cast<uint8_t>(p[1] + l);
    p[2] = cv::saturate_cast<uint8_t>(p[2] + s);
  });
  cv::cvtColor(hls, image, cv::COLOR_HLS2BGR);
}

// MXNet's max_rotate_angle=10, max_shear_ratio=0.1, max_aspect_ratio=0.25 (crop_color_transform).
void geometric_jitter(cv::Mat& image, std::mt19937& rng) {
  std::uniform_real_distribution<double> angle(-10, 10), shear(-0.1, 0.1), aspect(-0.25, 0.25);
  const double a = angle(rng) * CV_PI / 180, sh = shear(rng), ar = 1 + aspect(rng);
  const double sx = std::sqrt(ar), sy = 1 / std::sqrt(ar);
  // rotation x shear x aspect, about the centre
  cv::Matx22d m = cv::Matx22d(std::cos(a), -std::sin(a), std::sin(a), std::cos(a)) *
                  cv::Matx22d(1, sh, 0, 1) * cv::Matx22d(sx, 0, 0, sy);
  const cv::Point2d c(image.cols / 2.0, image.rows / 2.0);
  cv::Matx23d affine(m(0, 0), m(0, 1), c.x - m(0, 0) * c.x - m(0, 1) * c.y, m(1, 0), m(1, 1),
                     c.y - m(1, 0) * c.x - m(1, 1) * c.y);
  cv::warpAffine(image, image, affine, image.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
}

cv::Mat prepare(const cv::Mat& image, const std::string& augmentation, bool train, int width,
                int height, std::mt19937& rng) {
  if (!train || augmentation.empty()) return image_model::fit_to_input(image, width, height);
  cv::Mat out = random_crop_flip(image, rng);
  if (augmentation == "crop_color_transform") geometric_jitter(out, rng);
  out = image_model::fit_to_input(out, width, height);
  if (augmentation != "crop") color_jitter(out, rng);
  return out;
}

Batch make_batch(const DataSet& set, const std::vector<size_t>& order, size_t begin, size_t end,
                 const ImageModelInfo& info, const std::string& augmentation, bool train,
                 uint64_t seed, int epoch, int workers) {
  const size_t n = end - begin;
  std::vector<cv::Mat> pictures(n);
  std::vector<std::string> errors(n);
  data::parallel_for(n, workers, [&](size_t i) {
    const Sample& s = set.samples[order[begin + i]];
    // Seeded per (seed, epoch, sample): the same run gives the same pictures, resumed or not.
    std::seed_seq seq{seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(order[begin + i])};
    std::mt19937 rng(seq);
    try {
      Result<cv::Mat> image = decode_sample(set, s);
      if (!image) {
        errors[i] = image.error().message();
        return;
      }
      pictures[i] = prepare(image.value(), augmentation, train, info.width, info.height, rng);
    } catch (const cv::Exception& e) {
      errors[i] = s.name + ": " + e.what();
    }
  });
  Batch batch;
  std::vector<cv::Mat> good;
  std::vector<int64_t> labels;
  for (size_t i = 0; i < n; ++i) {
    if (!errors[i].empty()) {
      batch.errors.push_back(errors[i]);
      continue;
    }
    good.push_back(pictures[i]);
    labels.push_back(set.samples[order[begin + i]].label);
  }
  if (!good.empty()) {
    batch.input = image_model::to_input(good, info);
    batch.target = torch::tensor(labels, torch::kLong);
  }
  return batch;
}
}  // namespace

std::optional<Batch> BatchStream::next() {
  if (!next_.valid()) return std::nullopt;
  Batch b = next_.get();
  launch();
  return b;
}

void BatchStream::launch() {
  if (pos_ >= order_.size()) return;
  const size_t begin = pos_, end = std::min(order_.size(), pos_ + batch_size_);
  pos_ = end;
  next_ = std::async(std::launch::async, [this, begin, end] {
    return make_batch(set_, order_, begin, end, info_, augmentation_, train_, seed_, epoch_,
                      workers_);
  });
}

}  // namespace posecast::image_training
