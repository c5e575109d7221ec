// Pastes the people of labelled photos onto other backgrounds: the validation sets of
// docs/background.md. The person is cut out with OpenCV's GrabCut seeded from MoveNet's keypoints
// (`posecast keypoints` JSON lines): outside the keypoints' box (with a margin) is background, the
// skeleton's limbs and torso are foreground, the rest GrabCut decides. The selfie model is not
// used, on purpose: a cut-out made by the model that background removal uses would let removal
// undo the composite exactly and flatter it. scripts/make-bgval.sh builds and runs this:
//   g++ -O2 -std=c++17 scripts/compose-backgrounds.cpp $(pkg-config --cflags --libs opencv4)
//       -o compose-backgrounds
//   compose-backgrounds KEYPOINTS.jsonl OUT_DIR NAME=BACKGROUND...
// Each photo's label is the name of its folder. Writes OUT_DIR/<NAME>/<label>/<photo>.jpg for each
// background, and OUT_DIR/cutout/<label>/<photo>.png (the person's alpha) to look at. BACKGROUND is
// an image file, VIDEO@FRAME (that frame of a video), or stripes:BGR1:BGR2 (diagonal stripes of
// two colours, e.g. stripes:0,0,255:0,255,0). The background is scaled to cover the photo and
// centre-cropped. Photos with fewer than 6 keypoints of score >= 0.3 are skipped and listed.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr float kMinScore = 0.3f;

struct Background {
  std::string name;
  cv::Mat image;  // empty for stripes: drawn at each photo's size
  cv::Scalar stripe_a, stripe_b;
};

bool parse_bgr(const std::string& text, cv::Scalar& out) {
  int b, g, r;
  if (std::sscanf(text.c_str(), "%d,%d,%d", &b, &g, &r) != 3) return false;
  out = cv::Scalar(b, g, r);
  return true;
}

bool load_background(const std::string& spec, Background& bg) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  bg.name = spec.substr(0, eq);
  const std::string source = spec.substr(eq + 1);
  if (source.rfind("stripes:", 0) == 0) {
    const size_t colon = source.find(':', 8);
    return colon != std::string::npos && parse_bgr(source.substr(8, colon - 8), bg.stripe_a) &&
           parse_bgr(source.substr(colon + 1), bg.stripe_b);
  }
  if (const size_t at = source.rfind('@'); at != std::string::npos) {
    cv::VideoCapture video(source.substr(0, at));
    video.set(cv::CAP_PROP_POS_FRAMES, std::stoi(source.substr(at + 1)));
    return video.read(bg.image) && !bg.image.empty();
  }
  bg.image = cv::imread(source, cv::IMREAD_COLOR);
  return !bg.image.empty();
}

cv::Mat background_for(const Background& bg, cv::Size size) {
  if (bg.image.empty()) {
    cv::Mat out(size, CV_8UC3, bg.stripe_a);
    const int period = std::max(16, std::max(size.width, size.height) / 12);
    for (int y = 0; y < size.height; ++y)
      for (int x = 0; x < size.width; ++x)
        if ((x + y) % period >= period / 2)
          out.at<cv::Vec3b>(y, x) =
              cv::Vec3b(static_cast<uchar>(bg.stripe_b[0]), static_cast<uchar>(bg.stripe_b[1]),
                        static_cast<uchar>(bg.stripe_b[2]));
    return out;
  }
  const double scale = std::max(static_cast<double>(size.width) / bg.image.cols,
                                static_cast<double>(size.height) / bg.image.rows);
  cv::Mat scaled;
  cv::resize(bg.image, scaled, cv::Size(), scale, scale,
             scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const cv::Rect crop((scaled.cols - size.width) / 2, (scaled.rows - size.height) / 2, size.width,
                      size.height);
  return scaled(crop & cv::Rect(0, 0, scaled.cols, scaled.rows)).clone();
}

// COCO keypoint order, as `posecast keypoints` prints it.
enum {
  kNose,
  kLEye,
  kREye,
  kLEar,
  kREar,
  kLSh,
  kRSh,
  kLEl,
  kREl,
  kLWr,
  kRWr,
  kLHip,
  kRHip,
  kLKnee,
  kRKnee,
  kLAnk,
  kRAnk
};
const std::pair<int, int> kBones[] = {
    {kLSh, kRSh},    {kLSh, kLEl},    {kLEl, kLWr},    {kRSh, kREl},
    {kREl, kRWr},    {kLSh, kLHip},   {kRSh, kRHip},   {kLHip, kRHip},
    {kLHip, kLKnee}, {kLKnee, kLAnk}, {kRHip, kRKnee}, {kRKnee, kRAnk},
    {kNose, kLEye},  {kNose, kREye},  {kLEye, kLEar},  {kREye, kREar}};

// The person's alpha (CV_32F 0..1) at the photo's size; empty when the keypoints are too few.
cv::Mat cut_out(const cv::Mat& photo, const std::vector<cv::Point2f>& points,
                const std::vector<float>& scores) {
  std::vector<cv::Point2f> seen;
  for (size_t i = 0; i < points.size(); ++i)
    if (scores[i] >= kMinScore) seen.push_back(points[i]);
  if (seen.size() < 6) return {};
  // GrabCut at most 480 pixels on the long side: its Gaussian mixtures do not need more, and
  // it is slow on big photos.
  const double scale = std::min(1.0, 480.0 / std::max(photo.cols, photo.rows));
  cv::Mat small;
  cv::resize(photo, small, cv::Size(), scale, scale, cv::INTER_AREA);
  cv::Rect2f box = cv::boundingRect(seen);
  const float size = std::max(box.width, box.height);
  // Keypoints stop at the ankles, wrists and ears: feet, hands and the top of the head lie beyond.
  const float margin = 0.12f * size;
  box.x -= margin;
  box.y -= margin * 1.5f;
  box.width += 2 * margin;
  box.height += 2.5f * margin;
  const cv::Rect region =
      cv::Rect(cv::Point(cvFloor(box.x * scale), cvFloor(box.y * scale)),
               cv::Point(cvCeil(box.br().x * scale), cvCeil(box.br().y * scale))) &
      cv::Rect(0, 0, small.cols, small.rows);
  cv::Mat mask(small.size(), CV_8UC1, cv::Scalar(cv::GC_BGD));
  mask(region).setTo(cv::GC_PR_BGD);
  const int limb = std::max(2, cvRound(0.025 * size * scale));
  auto at = [&](int k) {
    return cv::Point(cvRound(points[k].x * scale), cvRound(points[k].y * scale));
  };
  auto ok = [&](int k) { return scores[k] >= kMinScore; };
  // Around the skeleton: probably the person; on the bones and in the torso: surely.
  for (auto [a, b] : kBones)
    if (ok(a) && ok(b)) cv::line(mask, at(a), at(b), cv::GC_PR_FGD, 4 * limb);
  for (auto [a, b] : kBones)
    if (ok(a) && ok(b)) cv::line(mask, at(a), at(b), cv::GC_FGD, limb);
  if (ok(kLSh) && ok(kRSh) && ok(kRHip) && ok(kLHip)) {
    const std::vector<cv::Point> torso = {at(kLSh), at(kRSh), at(kRHip), at(kLHip)};
    cv::fillConvexPoly(mask, torso, cv::GC_FGD);
  }
  cv::Mat bgd, fgd;
  cv::grabCut(small, mask, region, bgd, fgd, 5, cv::GC_INIT_WITH_MASK);
  cv::Mat person = (mask == cv::GC_FGD) | (mask == cv::GC_PR_FGD);
  // The largest blob connected to the skeleton only: GrabCut sometimes keeps bits of background
  // the colour of the clothes.
  cv::Mat labels;
  const int n = cv::connectedComponents(person, labels, 8, CV_32S);
  std::vector<int> votes(static_cast<size_t>(n), 0);
  for (size_t i = 0; i < points.size(); ++i) {
    if (!ok(static_cast<int>(i))) continue;
    const cv::Point p = at(static_cast<int>(i));
    if (p.inside(cv::Rect(0, 0, labels.cols, labels.rows))) ++votes[labels.at<int>(p)];
  }
  votes[0] = 0;  // label 0 is the background
  const int keep = static_cast<int>(std::max_element(votes.begin(), votes.end()) - votes.begin());
  cv::Mat alpha;
  cv::Mat(labels == keep).convertTo(alpha, CV_32F, 1.0 / 255);
  cv::resize(alpha, alpha, photo.size(), 0, 0, cv::INTER_LINEAR);
  // A 1-2 pixel feather, as a real photo's edge has: no hard cut-out seam for a model to key on.
  cv::GaussianBlur(alpha, alpha, cv::Size(5, 5), 1.2);
  return alpha;
}

bool read_keypoints(const nlohmann::json& line, std::vector<cv::Point2f>& points,
                    std::vector<float>& scores) {
  if (!line.contains("keypoints") || line["keypoints"].size() != 17) return false;
  for (const auto& k : line["keypoints"]) {
    points.emplace_back(k["x"].get<float>(), k["y"].get<float>());
    scores.push_back(k["score"].get<float>());
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s KEYPOINTS.jsonl OUT_DIR NAME=BACKGROUND...\n", argv[0]);
    return 2;
  }
  const fs::path out_dir = argv[2];
  std::vector<Background> backgrounds;
  for (int i = 3; i < argc; ++i) {
    Background bg;
    if (!load_background(argv[i], bg)) {
      std::fprintf(stderr, "compose-backgrounds: cannot use background '%s'\n", argv[i]);
      return 1;
    }
    backgrounds.push_back(std::move(bg));
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "compose-backgrounds: cannot read %s\n", argv[1]);
    return 1;
  }
  int composed = 0, skipped = 0;
  for (std::string text; std::getline(in, text);) {
    if (text.empty()) continue;
    const nlohmann::json line = nlohmann::json::parse(text, nullptr, false);
    const fs::path photo_path = line.is_object() ? line.value("image", "") : "";
    std::vector<cv::Point2f> points;
    std::vector<float> scores;
    const cv::Mat photo = cv::imread(photo_path.string(), cv::IMREAD_COLOR);
    if (photo.empty() || !read_keypoints(line, points, scores)) {
      std::fprintf(stderr, "compose-backgrounds: skipped (unreadable): %s\n", photo_path.c_str());
      ++skipped;
      continue;
    }
    const cv::Mat alpha = cut_out(photo, points, scores);
    if (alpha.empty()) {
      std::fprintf(stderr, "compose-backgrounds: skipped (too few keypoints): %s\n",
                   photo_path.c_str());
      ++skipped;
      continue;
    }
    const std::string label = photo_path.parent_path().filename().string();
    const std::string stem = photo_path.stem().string();
    fs::create_directories(out_dir / "cutout" / label);
    cv::Mat alpha8;
    alpha.convertTo(alpha8, CV_8U, 255);
    cv::imwrite((out_dir / "cutout" / label / (stem + ".png")).string(), alpha8);
    cv::Mat alpha3, photo_f;
    cv::cvtColor(alpha, alpha3, cv::COLOR_GRAY2BGR);
    photo.convertTo(photo_f, CV_32FC3);
    for (const Background& bg : backgrounds) {
      cv::Mat back;
      background_for(bg, photo.size()).convertTo(back, CV_32FC3);
      const cv::Mat mixed = photo_f.mul(alpha3) + back.mul(cv::Scalar::all(1) - alpha3);
      cv::Mat out;
      mixed.convertTo(out, CV_8UC3);
      fs::create_directories(out_dir / bg.name / label);
      cv::imwrite((out_dir / bg.name / label / (stem + ".jpg")).string(), out,
                  {cv::IMWRITE_JPEG_QUALITY, 92});
    }
    ++composed;
  }
  std::printf("compose-backgrounds: %d photos on %zu backgrounds in %s (%d skipped)\n", composed,
              backgrounds.size(), out_dir.c_str(), skipped);
  return composed > 0 ? 0 : 1;
}
