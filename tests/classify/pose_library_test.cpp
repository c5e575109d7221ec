#include "posecast/pose_library.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "classify/synthetic_poses.h"
#include "posecast/classifier.h"
#include "posecast/skeleton_poser.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;

PoseLibrary builtin() {
  auto lib = load_pose_library(default_pose_library_path());
  EXPECT_TRUE(lib.ok()) << lib.error().message();
  return lib.ok() ? lib.value() : PoseLibrary{};
}

// A temporary file holding `text`, removed with the object.
class TempFile {
 public:
  explicit TempFile(const std::string& text, const std::string& name = "poses.json") {
    dir_ =
        fs::temp_directory_path() /
        ("posecast_lib_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    path_ = dir_ / name;
    std::ofstream(path_) << text;
  }
  ~TempFile() { fs::remove_all(dir_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path dir_, path_;
};

std::string load_error(const std::string& text) {
  TempFile f(text);
  auto lib = load_pose_library(f.path());
  EXPECT_FALSE(lib.ok());
  if (lib.ok()) return "";
  EXPECT_NE(lib.error().message().find(f.path().string()), std::string::npos)
      << "error does not name the file: " << lib.error().message();
  return lib.error().message();
}

constexpr const char* kOnePose = R"({"version": 1, "poses": [
  {"id": "star", "aliases": ["Star_Pose"], "targets": [
    {"joint": "left_arm", "target_deg": 135, "tolerance_deg": 15},
    {"joint": "right_arm", "target_deg": 135, "tolerance_deg": 15}]}]})";

TEST(PoseLibrary, BuiltInLibraryHasTheTenPoses) {
  PoseLibrary lib = builtin();
  EXPECT_GE(lib.poses.size(), 10u);
  for (auto id : testing::library_pose_ids()) {
    const PoseEntry* p = lib.find(id);
    ASSERT_NE(p, nullptr) << id;
    EXPECT_EQ(p->id, id);
    EXPECT_FALSE(p->name.empty());
    EXPECT_GE(p->targets.size(), 6u) << id;
  }
  EXPECT_TRUE(lib.find("tree")->sided);
  EXPECT_TRUE(lib.find("warrior2")->sided);
  EXPECT_FALSE(lib.find("plank")->sided);
}

TEST(PoseLibrary, FindsDataSetFolderNamesIgnoringCaseAndSeparators) {
  PoseLibrary lib = builtin();
  const std::pair<const char*, const char*> cases[] = {
      {"Tree_Pose_or_Vrksasana_", "tree"},
      {"Downward-Facing_Dog_pose_or_Adho_Mukha_Svanasana_", "downdog"},
      {"downward facing dog pose or adho mukha svanasana", "downdog"},
      {"Warrior_II_Pose_or_Virabhadrasana_II_", "warrior2"},
      {"Warrior_I_Pose_or_Virabhadrasana_I_", "warrior1"},
      {"Plank_Pose_or_Kumbhakasana_", "plank"},
      {"Goddess_Pose_or_Deviasana_", "goddess"},
      {"Chair_Pose_or_Utkatasana_", "chair"},
      {"Cobra_Pose_or_Bhujangasana_", "cobra"},
      {"Extended_Revolved_Triangle_Pose_or_Utthita_Trikonasana_", "triangle"},
      {"Triangle", "triangle"},
      {"Mountain", "mountain"},
      {"TADASANA", "mountain"},
      {"Down-Dog", "downdog"},
      {"WARRIOR_2", "warrior2"},
      {"warrior 2", "warrior2"},
  };
  for (auto [name, id] : cases) {
    const PoseEntry* p = lib.find(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->id, id) << name;
  }
  EXPECT_EQ(lib.find("handstand"), nullptr);
  EXPECT_EQ(lib.find("--"), nullptr);
  EXPECT_EQ(normalize_alias("Tree_Pose or-Vrksasana_"), "treeposeorvrksasana");
}

TEST(PoseLibrary, RightVariantMirrorsTheTargets) {
  PoseLibrary lib = builtin();
  const PoseEntry& tree = *lib.find("tree");
  auto left = variant_targets(tree, Side::kLeft);
  auto right = variant_targets(tree, Side::kRight);
  ASSERT_EQ(left.size(), right.size());
  for (size_t i = 0; i < left.size(); ++i) {
    EXPECT_EQ(right[i].angle, mirror_angle(left[i].angle));
    EXPECT_EQ(right[i].target_deg, left[i].target_deg);
  }
  EXPECT_EQ(pose_variants(tree).size(), 2u);
  EXPECT_EQ(pose_variants(*lib.find("plank")), std::vector<Side>{Side::kNone});
  EXPECT_EQ(side_name(Side::kRight), "right");
}

TEST(PoseLibrary, MalformedJsonNamesTheFile) {
  std::string e = load_error(R"({"poses": [ {"id": "x", )");
  EXPECT_NE(e.find("malformed JSON"), std::string::npos) << e;
}

TEST(PoseLibrary, UnknownJointNamesTheFieldAndTheJoint) {
  std::string e = load_error(R"({"poses": [{"id": "x", "targets": [
      {"joint": "left_knee", "target_deg": 90, "tolerance_deg": 10},
      {"joint": "left_knuckle", "target_deg": 90, "tolerance_deg": 10}]}]})");
  EXPECT_NE(e.find("poses[0].targets[1].joint"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown joint \"left_knuckle\""), std::string::npos) << e;
  EXPECT_NE(e.find("left_knee"), std::string::npos) << "lists the known joints: " << e;
}

TEST(PoseLibrary, MissingFieldNamesTheField) {
  std::string e = load_error(R"({"poses": [{"id": "x", "targets": [
      {"joint": "left_knee", "tolerance_deg": 10}]}]})");
  EXPECT_NE(e.find("poses[0].targets[0].target_deg: missing required field"), std::string::npos)
      << e;
  e = load_error(R"({"poses": [{"targets": []}]})");
  EXPECT_NE(e.find("poses[0].id: missing required field"), std::string::npos) << e;
  e = load_error(R"({"version": 1})");
  EXPECT_NE(e.find("poses: missing required field"), std::string::npos) << e;
  e = load_error(R"({"poses": [{"id": "x"}]})");
  EXPECT_NE(e.find("poses[0].targets: missing required field"), std::string::npos) << e;
}

TEST(PoseLibrary, BadValuesAreErrors) {
  std::string e = load_error(R"({"poses": [{"id": "x", "targets": [
      {"joint": "left_knee", "target_deg": 270, "tolerance_deg": 10}]}]})");
  EXPECT_NE(e.find("poses[0].targets[0].target_deg: value 270 is outside [0, 180]"),
            std::string::npos)
      << e;
  e = load_error(R"({"poses": [{"id": "x", "targets": [
      {"joint": "left_knee", "target_deg": "ninety", "tolerance_deg": 10}]}]})");
  EXPECT_NE(e.find("target_deg: expected a number"), std::string::npos) << e;
  e = load_error(R"({"version": 7, "poses": []})");
  EXPECT_NE(e.find("unsupported version 7"), std::string::npos) << e;
  e = load_error(R"({"poses": [{"id": "x", "targets": [
      {"joint": "left_knee", "target_deg": 90, "tolerance_deg": 10},
      {"joint": "left_knee", "target_deg": 80, "tolerance_deg": 10}]}]})");
  EXPECT_NE(e.find("\"left_knee\" is already targeted"), std::string::npos) << e;
  e = load_error(R"({"poses": [{"id": "x", "targets": [
      {"joint": "left_knee", "target_deg": 90, "tolerance_deg": 10, "limit_deg": -5}]}]})");
  EXPECT_NE(e.find("poses[0].targets[0].limit_deg: value -5 is outside [0, 180]"),
            std::string::npos)
      << e;
  e = load_error(R"({"scoring": {"temperature": -1}, "poses": []})");
  EXPECT_NE(e.find("scoring.temperature"), std::string::npos) << e;
}

TEST(PoseLibrary, EachPoseSaysTheViewItIsJudgedFrom) {
  const PoseLibrary lib = builtin();
  EXPECT_EQ(lib.find("tree")->view, ViewNeed::kFront);
  EXPECT_EQ(lib.find("downdog")->view, ViewNeed::kSide);
  auto plain = parse_pose_library(kOnePose, "<memory>");
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  EXPECT_EQ(plain->poses[0].view, ViewNeed::kAny);  // the default
  const std::string e = load_error(R"({"poses": [{"id": "star", "view": "diagonal", "targets": [
      {"joint": "left_arm", "target_deg": 135, "tolerance_deg": 15}]}]})");
  EXPECT_NE(e.find("poses[0].view: unknown view \"diagonal\" for pose \"star\" (known: any, "
                   "front, side)"),
            std::string::npos)
      << e;
}

TEST(PoseLibrary, DuplicateNamesAcrossPosesAreErrors) {
  std::string e = load_error(R"({"poses": [
      {"id": "tree", "targets": [{"joint": "torso", "target_deg": 0, "tolerance_deg": 10}]},
      {"id": "other", "aliases": ["T-R-E-E"],
       "targets": [{"joint": "torso", "target_deg": 0, "tolerance_deg": 10}]}]})");
  EXPECT_NE(e.find("poses[1] (\"other\"): name \"T-R-E-E\" is already used by pose \"tree\""),
            std::string::npos)
      << e;
}

TEST(PoseLibrary, MissingFileIsAnError) {
  auto lib = load_pose_library("/nonexistent/poses.json");
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.error().message(), "/nonexistent/poses.json: cannot open the pose library");
}

TEST(PoseLibrary, SavesAndLoadsBack) {
  PoseLibrary lib = builtin();
  TempFile f("", "saved.json");
  ASSERT_TRUE(save_pose_library(lib, f.path()).ok());
  auto again = load_pose_library(f.path());
  ASSERT_TRUE(again.ok()) << again.error().message();
  ASSERT_EQ(again->poses.size(), lib.poses.size());
  EXPECT_EQ(again->scoring.temperature, lib.scoring.temperature);
  for (size_t i = 0; i < lib.poses.size(); ++i) {
    const PoseEntry &a = lib.poses[i], &b = again->poses[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.aliases, b.aliases);
    EXPECT_EQ(a.sided, b.sided);
    EXPECT_EQ(a.view, b.view);
    ASSERT_EQ(a.targets.size(), b.targets.size());
    for (size_t t = 0; t < a.targets.size(); ++t) {
      EXPECT_EQ(a.targets[t].angle, b.targets[t].angle);
      EXPECT_FLOAT_EQ(a.targets[t].target_deg, b.targets[t].target_deg);
      EXPECT_FLOAT_EQ(a.targets[t].tolerance_deg, b.targets[t].tolerance_deg);
      EXPECT_FLOAT_EQ(a.targets[t].weight, b.targets[t].weight);
      EXPECT_FLOAT_EQ(a.targets[t].limit_deg, b.targets[t].limit_deg);
      EXPECT_EQ(a.targets[t].cue_below, b.targets[t].cue_below);
    }
  }
}

TEST(PoseLibrary, PoseFromExamplesIsRecognisedAfterAdding) {
  // A "star" (arms and legs spread wide), built from a few photos' worth of keypoints.
  std::mt19937 rng(7);
  SkeletonAngles star;
  star.left_upper_arm = star.left_forearm = 135;
  star.right_upper_arm = star.right_forearm = -135;
  star.left_thigh = star.left_shin = 30;
  star.right_thigh = star.right_shin = -30;
  std::vector<Pose> examples;
  for (int i = 0; i < 4; ++i)
    examples.push_back(testing::jitter(pose_skeleton(testing::vary(star, 4, rng)), 1.0f, rng));
  auto entry = pose_entry_from_examples("star", examples);
  ASSERT_TRUE(entry.ok()) << entry.error().message();
  EXPECT_EQ(entry->id, "star");
  bool has_spread = false;
  for (const AngleTarget& t : entry->targets) {
    if (t.angle != Angle::kThighSpread) continue;
    has_spread = true;
    EXPECT_NEAR(t.target_deg, 60, 6);
    EXPECT_GE(t.tolerance_deg, 12);
  }
  EXPECT_TRUE(has_spread);

  PoseLibrary lib = builtin();
  ASSERT_TRUE(add_pose(lib, *entry).ok());
  EXPECT_FALSE(add_pose(lib, *entry).ok()) << "the same id twice";
  LibraryClassifier classifier(lib);
  Classification c = classifier.classify(pose_skeleton(star));
  EXPECT_EQ(c.decision, "star");

  // And it survives a save + load of the file the CLI will edit.
  TempFile f("", "with_star.json");
  ASSERT_TRUE(save_pose_library(lib, f.path()).ok());
  auto again = load_pose_library(f.path());
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_NE(again->find("star"), nullptr);
}

TEST(PoseLibrary, PoseFromExamplesNeedsABody) {
  auto entry = pose_entry_from_examples("ghost", {Pose{}, Pose{}});
  ASSERT_FALSE(entry.ok());
  EXPECT_NE(entry.error().message().find("no body found in the 2 example(s)"), std::string::npos);
}

TEST(PoseLibrary, AddPoseRejectsATakenAlias) {
  PoseLibrary lib = builtin();
  PoseEntry e;
  e.id = "my_tree";
  e.aliases = {"Tree Pose or Vrksasana"};
  AngleTarget upright;
  upright.target_deg = 0;
  e.targets = {upright};
  Status s = add_pose(lib, e);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("already used by pose \"tree\""), std::string::npos)
      << s.error().message();
}

TEST(PoseLibrary, ParsesFromMemoryWithDefaults) {
  auto lib = parse_pose_library(kOnePose, "<memory>");
  ASSERT_TRUE(lib.ok()) << lib.error().message();
  const PoseEntry& star = lib->poses.at(0);
  EXPECT_EQ(star.name, "star");  // defaults to the id
  EXPECT_FALSE(star.sided);
  EXPECT_EQ(star.targets[0].weight, 1.0f);
  EXPECT_EQ(lib->scoring.temperature, LibraryScoring{}.temperature);
  EXPECT_EQ(lib->find("star pose"), &star);
}

TEST(PoseLibrary, DefaultPathFindsTheSourceTreeFileAndHonoursTheEnvironment) {
  fs::path p = default_pose_library_path();
  EXPECT_TRUE(fs::exists(p)) << p;
  EXPECT_EQ(p.filename(), "poses.json");
  ::setenv("POSECAST_POSE_LIBRARY", "/somewhere/my_poses.json", 1);
  EXPECT_EQ(default_pose_library_path(), fs::path("/somewhere/my_poses.json"));
  ::unsetenv("POSECAST_POSE_LIBRARY");
}

}  // namespace
}  // namespace posecast
