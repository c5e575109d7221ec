// Training and evaluating pose classifiers on photo folders.
#include "posecast/pose_training.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <set>

#include "posecast/classifier_loader.h"
#include "posecast/image_io.h"
#include "posecast/pose_sketches.h"

namespace posecast {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The training label of one photo: the library id, with the side a sided pose is done on.
std::string sided_label(const std::string& label, const Features& f, const PoseLibrary& library) {
  const PoseEntry* entry = library.find(label);
  if (!entry || !entry->sided) return label;
  const PoseMatch match = match_pose(f, *entry, library.scoring);
  return match.side == Side::kNone ? label : label + ":" + std::string(side_name(match.side));
}

// Sketched bodies of the library poses that are not among `trained`, varied, placed and jittered
// as photos would show them, labelled take_your_pose.
void add_sketched_negatives(std::vector<LabelledPose>& out, const std::set<std::string>& trained,
                            const PoseLibrary& library, const PoseTrainingOptions& options) {
  std::mt19937 rng(static_cast<uint32_t>(options.seed) + 3);
  std::uniform_real_distribution<float> size(60, 140), x(200, 440), y(200, 300);
  for (std::string_view id : sketched_poses()) {
    const PoseEntry* entry = library.find(id);
    if (trained.count(entry ? entry->id : std::string(id))) continue;
    for (int i = 0; i < options.negatives_per_pose; ++i) {
      SkeletonPlacement at;
      at.torso_px = size(rng);
      at.hip_x = x(rng);
      at.hip_y = y(rng);
      Pose pose = pose_skeleton(vary_sketch(*pose_sketch(id), 10, rng), at);
      std::normal_distribution<float> noise(0, 0.03f * at.torso_px);
      for (Keypoint& k : pose.keypoints) k.x += noise(rng), k.y += noise(rng);
      out.push_back({pose, std::string(kTakeYourPose)});
    }
  }
}

// A photo with a body, for training or validation.
struct Example {
  Pose pose;
  std::string label;  // library id or normalised folder name, no side
  std::string path;
};

// The photos sorted by what became of them: trained on, held out, or left out and why.
struct SortedPhotos {
  std::vector<Example> train, validation;
  std::vector<std::string> no_person, unreadable;
  size_t from_cache = 0;
};

// A stratified random split of the photos the folder does not place: the same share of every
// label held out.
void split_stratified(std::map<std::string, std::vector<Example>>& unsplit,
                      const PoseTrainingOptions& options, SortedPhotos& sorted) {
  std::mt19937 rng(static_cast<uint32_t>(options.seed));
  for (auto& [label, examples] : unsplit) {
    std::shuffle(examples.begin(), examples.end(), rng);
    size_t held = examples.size() >= 2
                      ? static_cast<size_t>(options.val_fraction * double(examples.size()) + 0.5)
                      : 0;
    held = std::min(held, examples.size() - 1);
    for (size_t k = 0; k < examples.size(); ++k)
      (k < held ? sorted.validation : sorted.train).push_back(std::move(examples[k]));
  }
}

// Photos with a body, per label, in the split they belong to (the folder's train/test split, or
// a stratified one).
SortedPhotos sort_photos(const ImageFolder& folder, const std::vector<ExtractedPose>& poses,
                         std::map<std::string, std::string>& label_of_folder,
                         const PoseTrainingOptions& options) {
  SortedPhotos sorted;
  std::map<std::string, std::vector<Example>> unsplit;
  for (size_t i = 0; i < folder.images.size(); ++i) {
    const ExtractedPose& e = poses[i];
    sorted.from_cache += e.from_cache;
    if (!e.pose) {
      sorted.unreadable.push_back(e.error);
      continue;
    }
    if (!compute_features(*e.pose, options.mlp.features).valid) {
      sorted.no_person.push_back(folder.images[i].path.string());
      continue;
    }
    Example ex{*e.pose, label_of_folder[folder.images[i].label], folder.images[i].path.string()};
    if (folder.images[i].split == "test")
      sorted.validation.push_back(std::move(ex));
    else if (folder.images[i].split == "train")
      sorted.train.push_back(std::move(ex));
    else
      unsplit[ex.label].push_back(std::move(ex));
  }
  split_stratified(unsplit, options, sorted);
  return sorted;
}

// The MLP's options, its epochs also reported as training progress.
MlpTrainOptions mlp_options(const PoseTrainingOptions& options, const TrainingProgress& progress) {
  MlpTrainOptions mlp = options.mlp;
  mlp.seed = options.seed;
  mlp.synthetic_negatives = options.random_negatives;
  mlp.on_epoch = [&options, &progress](int epoch, int epochs, float loss) {
    if (options.mlp.on_epoch) options.mlp.on_epoch(epoch, epochs, loss);
    if (progress)
      progress(TrainingPhase::kTraining, static_cast<size_t>(epoch), static_cast<size_t>(epochs));
  };
  return mlp;
}

// Accuracy on the held-out photos; their labels training never saw are counted apart.
Evaluation evaluate_held_out(const MlpClassifier& model, const std::vector<Example>& validation,
                             const std::set<std::string>& train_labels) {
  std::vector<LabelledPrediction> predictions;
  std::set<std::string> classes;
  for (const Example& e : validation) {
    predictions.push_back({e.label, model.classify(e.pose).decision});
    if (train_labels.count(e.label)) classes.insert(e.label);
  }
  Evaluation eval = evaluate(predictions, {classes.begin(), classes.end()});
  for (const Example& e : validation)
    if (!train_labels.count(e.label)) {
      auto it = std::find_if(eval.unknown_classes.begin(), eval.unknown_classes.end(),
                             [&](const auto& u) { return u.first == e.label; });
      if (it == eval.unknown_classes.end())
        eval.unknown_classes.push_back({e.label, 1});
      else
        ++it->second;
    }
  return eval;
}

}  // namespace

Result<PoseTrainingReport> train_pose_classifier(const ImageFolder& folder,
                                                 const PoseLibrary& library,
                                                 const PoseTrainingOptions& options,
                                                 const TrainingProgress& progress) {
  const auto t0 = Clock::now();
  std::vector<std::filesystem::path> paths;
  for (const LabelledImage& image : folder.images) paths.push_back(image.path);
  Result<std::vector<ExtractedPose>> poses =
      extract_poses(paths, options.extraction, [&](size_t done, size_t total) {
        if (progress) progress(TrainingPhase::kKeypoints, done, total);
      });
  if (!poses) return poses.error();
  const double keypoints_s = seconds_since(t0);

  std::map<std::string, std::string> label_of_folder;
  for (const std::string& l : folder.labels) label_of_folder[l] = label_for_folder(l, library);
  SortedPhotos sorted = sort_photos(folder, poses.value(), label_of_folder, options);
  std::set<std::string> train_labels;
  for (const Example& e : sorted.train) train_labels.insert(e.label);
  if (train_labels.size() < 2)
    return Error(
        folder.root.string() +
        ": training needs photos of at least two labels with a person found in them (found " +
        std::to_string(train_labels.size()) + ")");

  std::vector<LabelledPose> train_set, validation_set;
  for (const Example& e : sorted.train)
    train_set.push_back(
        {e.pose, sided_label(e.label, compute_features(e.pose, options.mlp.features), library)});
  for (const Example& e : sorted.validation) validation_set.push_back({e.pose, e.label});
  add_sketched_negatives(train_set, train_labels, library, options);

  const auto t1 = Clock::now();
  Result<MlpClassifier> model =
      MlpClassifier::train(train_set, mlp_options(options, progress), validation_set);
  if (!model) return Error(folder.root.string() + ": " + model.error().message());

  PoseTrainingReport report{.model = std::move(model).value(),
                            .label_of_folder = std::move(label_of_folder),
                            .photos = folder.images.size(),
                            .train_photos = sorted.train.size(),
                            .validation_photos = sorted.validation.size(),
                            .from_cache = sorted.from_cache,
                            .no_person = std::move(sorted.no_person),
                            .unreadable = std::move(sorted.unreadable),
                            .validation = {},
                            .keypoints_s = keypoints_s,
                            .training_s = seconds_since(t1)};
  if (!sorted.validation.empty())
    report.validation = evaluate_held_out(report.model, sorted.validation, train_labels);
  return report;
}

Result<std::vector<Result<Classification>>> classify_photos(
    const std::vector<std::filesystem::path>& paths, const PoseClassifier& classifier,
    const PoseExtractionOptions& extraction, const ExtractionProgress& progress) {
  std::vector<Result<Classification>> out;
  if (classifier.uses_image()) {  // the picture itself: no keypoints needed
    // With --background remove the model sees the flattened photo, as `classify` and `run` do
    // (the remover is guided by MoveNet's body box, so MoveNet runs then too).
    std::optional<PhotoPoseEstimator> flattener;
    if (extraction.background == BackgroundMode::kRemove) {
      auto loaded = PhotoPoseEstimator::load(extraction);
      if (!loaded) return loaded.error();
      flattener.emplace(std::move(loaded).value());
    }
    for (size_t i = 0; i < paths.size(); ++i) {
      Result<cv::Mat> image = read_image_file(paths[i]);
      if (image && flattener) {
        auto analysed = flattener->estimate(image.value());
        if (analysed)
          image = analysed->image;
        else
          image = Error(paths[i].string() + ": " + analysed.error().message());
      }
      if (image)
        out.push_back(classifier.classify_frame(Pose{}, image.value()));
      else
        out.push_back(image.error());
      if (progress) progress(i + 1, paths.size());
    }
    return out;
  }
  Result<std::vector<ExtractedPose>> poses = extract_poses(paths, extraction, progress);
  if (!poses) return poses.error();
  for (const ExtractedPose& e : poses.value()) {
    if (e.pose)
      out.push_back(classifier.classify(*e.pose));
    else
      out.push_back(Error(e.error));
  }
  return out;
}

Result<Evaluation> evaluate_on_folder(const ImageFolder& folder, const PoseClassifier& classifier,
                                      const PoseLibrary& library,
                                      const PoseExtractionOptions& extraction,
                                      const ExtractionProgress& progress) {
  std::vector<const LabelledImage*> images;
  for (const LabelledImage& image : folder.images)
    if (!folder.has_split || image.split == "test") images.push_back(&image);
  std::vector<std::filesystem::path> paths;
  for (const LabelledImage* image : images) paths.push_back(image->path);
  Result<std::vector<Result<Classification>>> classified =
      classify_photos(paths, classifier, extraction, progress);
  if (!classified) return classified.error();

  const std::vector<std::string> known = classifier.labels();
  std::vector<std::string> classes;
  std::map<std::string, int> unknown;
  std::vector<LabelledPrediction> predictions;
  std::vector<std::string> unreadable;
  int no_person = 0;
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string label = label_for_folder(images[i]->label, library);
    if (std::find(known.begin(), known.end(), label) == known.end()) {
      ++unknown[images[i]->label];
      continue;
    }
    if (std::find(classes.begin(), classes.end(), label) == classes.end()) classes.push_back(label);
    const Result<Classification>& result = classified.value()[i];
    if (!result) {
      unreadable.push_back(result.error().message());
      continue;
    }
    const Classification& c = result.value();
    if (c.reason == "no_body") ++no_person;
    predictions.push_back({label, c.decision});
  }
  std::sort(classes.begin(), classes.end());
  Evaluation eval = evaluate(predictions, classes);
  for (const auto& [label, count] : unknown) eval.unknown_classes.push_back({label, count});
  eval.unreadable = std::move(unreadable);
  eval.no_person = no_person;
  if (classes.empty())
    return Error(folder.root.string() + ": none of its classes (" +
                 std::to_string(folder.labels.size()) + ") is known to the model");
  return eval;
}

}  // namespace posecast
