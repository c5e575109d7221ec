// Loader: weights, quantization and every error a broken model file can produce.
#include "engine/model_def.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/tiny_graph.h"
#include "posecast/engine.h"

namespace posecast {
namespace {

using engine::load_model_def;
using testing::TinyGraph;
namespace fs = std::filesystem;

TinyGraph add_graph() {
  TinyGraph g;
  g.input("x", {1, 3});
  g.const_f32("w", {3}, {1.f, 2.f, 3.f});
  g.node("y", "AddV2", {"x", "w"}, {{"T", TinyGraph::type("DT_FLOAT")}});
  g.output("y:0");
  return g;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ModelDef, ReadsNodesWeightsAndSignature) {
  auto def = load_model_def(add_graph().write("def"));
  ASSERT_TRUE(def.ok()) << def.error().message();
  ASSERT_EQ(def->nodes.size(), 3u);
  EXPECT_EQ(def->nodes[2].op, "AddV2");
  ASSERT_EQ(def->inputs.size(), 1u);
  EXPECT_EQ(def->inputs[0].name, "x:0");
  EXPECT_EQ(def->inputs[0].shape, (std::vector<int64_t>{1, 3}));
  ASSERT_EQ(def->outputs.size(), 1u);
  EXPECT_EQ(def->weights.at("w").f32, (std::vector<float>{1.f, 2.f, 3.f}));
}

TEST(ModelDef, DequantizesFloat16AndUint8) {
  TinyGraph g;
  g.input("x", {2});
  // 1.0, -2.0, 0.5, 65504 (max half), a subnormal (2^-24).
  g.const_f16("h", {5}, {0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001});
  g.const_u8("q", {3}, {0, 10, 255}, 0.5f, -1.f);
  g.node("y", "Identity", {"h"});
  g.output("y:0");
  auto def = load_model_def(g.write("quant"));
  ASSERT_TRUE(def.ok()) << def.error().message();
  const auto& h = def->weights.at("h").f32;
  EXPECT_FLOAT_EQ(h[0], 1.f);
  EXPECT_FLOAT_EQ(h[1], -2.f);
  EXPECT_FLOAT_EQ(h[2], 0.5f);
  EXPECT_FLOAT_EQ(h[3], 65504.f);
  EXPECT_FLOAT_EQ(h[4], 5.9604645e-08f);
  EXPECT_EQ(def->weights.at("q").f32, (std::vector<float>{-1.f, 4.f, 126.5f}));
}

TEST(ModelDef, MalformedJsonNamesTheFile) {
  auto path = add_graph().write("badjson");
  std::ofstream(path) << "{\"modelTopology\": {\"node\": [";
  auto def = load_model_def(path);
  ASSERT_FALSE(def.ok());
  EXPECT_NE(def.error().message().find(path.string()), std::string::npos);
  EXPECT_NE(def.error().message().find("malformed JSON"), std::string::npos);
}

TEST(ModelDef, MissingShardIsNamed) {
  auto path = add_graph().write("noshard");
  fs::remove(path.parent_path() / "group1-shard1of1.bin");
  auto def = load_model_def(path);
  ASSERT_FALSE(def.ok());
  EXPECT_NE(def.error().message().find("group1-shard1of1.bin"), std::string::npos);
  EXPECT_NE(def.error().message().find("missing"), std::string::npos);
}

TEST(ModelDef, TruncatedShardNamesTheWeight) {
  auto path = add_graph().write("short");
  auto shard = path.parent_path() / "group1-shard1of1.bin";
  std::string bytes = read(shard);
  std::ofstream(shard, std::ios::binary) << bytes.substr(0, 7);
  auto def = load_model_def(path);
  ASSERT_FALSE(def.ok());
  EXPECT_NE(def.error().message().find("weight 'w'"), std::string::npos) << def.error().message();
  EXPECT_NE(def.error().message().find("truncated"), std::string::npos);
}

TEST(ModelDef, ShardWithExtraBytesIsAnError) {
  auto path = add_graph().write("long");
  std::ofstream(path.parent_path() / "group1-shard1of1.bin", std::ios::binary | std::ios::app)
      << "junk";
  auto def = load_model_def(path);
  ASSERT_FALSE(def.ok());
  EXPECT_NE(def.error().message().find("describes"), std::string::npos) << def.error().message();
}

TEST(ModelDef, NotAGraphModel) {
  auto dir = fs::temp_directory_path() / "posecast-test-notgraph";
  fs::create_directories(dir);
  std::ofstream(dir / "model.json") << R"({"format":"layers-model","modelTopology":{"config":{}}})";
  auto def = load_model_def(dir / "model.json");
  ASSERT_FALSE(def.ok());
  EXPECT_NE(def.error().message().find("not a TF.js graph model"), std::string::npos);
}

TEST(ModelDef, MissingFile) {
  auto def = load_model_def("/nonexistent/model.json");
  ASSERT_FALSE(def.ok());
  EXPECT_NE(def.error().message().find("/nonexistent/model.json"), std::string::npos);
}

TEST(GraphModelLoad, UnknownOpNamesNodeAndOp) {
  TinyGraph g;
  g.input("x", {1});
  g.node("weird", "FancyNewOp", {"x"});
  g.output("weird:0");
  auto m = GraphModel::load(g.write("unknownop"));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("'weird'"), std::string::npos) << m.error().message();
  EXPECT_NE(m.error().message().find("FancyNewOp"), std::string::npos);
}

TEST(GraphModelLoad, DanglingInputIsNamed) {
  TinyGraph g;
  g.input("x", {1});
  g.node("y", "AddV2", {"x", "ghost"});
  g.output("y:0");
  auto m = GraphModel::load(g.write("dangling"));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("ghost"), std::string::npos) << m.error().message();
}

TEST(GraphModelLoad, CycleIsAnError) {
  TinyGraph g;
  g.input("x", {1});
  g.node("a", "AddV2", {"x", "b"});
  g.node("b", "AddV2", {"a", "x"});
  g.output("b:0");
  auto m = GraphModel::load(g.write("cycle"));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("cycle"), std::string::npos) << m.error().message();
}

TEST(GraphModelLoad, BadAttributeNamesNode) {
  TinyGraph g;
  g.input("x", {1, 4, 4, 1});
  g.const_f32("w", {1, 1, 1, 1}, {1.f});
  g.node("c", "Conv2D", {"x", "w"},
         {{"strides", TinyGraph::ints({1, 1, 1, 1})}, {"padding", TinyGraph::s("ODD")}});
  g.output("c:0");
  auto m = GraphModel::load(g.write("badattr"));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("'c'"), std::string::npos);
  EXPECT_NE(m.error().message().find("ODD"), std::string::npos) << m.error().message();
}

TEST(GraphModelRun, WrongInputShapeIsAnErrorNotACrash) {
  auto m = GraphModel::load(add_graph().write("wrongin"));
  ASSERT_TRUE(m.ok()) << m.error().message();
  auto out = m->run({HostTensor::floats({1, 4}, {1, 2, 3, 4})});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message().find("x:0"), std::string::npos) << out.error().message();
  auto good = m->run({HostTensor::floats({1, 3}, {1, 1, 1})});
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->at(0).f32, (std::vector<float>{2.f, 3.f, 4.f}));
}

TEST(GraphModelRun, ConstantsAreFoldedAtLoad) {
  TinyGraph g;
  g.input("x", {3});
  g.const_f32("a", {3}, {1, 2, 3});
  g.const_f32("b", {3}, {10, 20, 30});
  g.node("ab", "Mul", {"a", "b"});
  g.node("y", "AddV2", {"x", "ab"});
  g.output("y:0");
  auto m = GraphModel::load(g.write("fold"));
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->planned_nodes(), 1u);  // only the AddV2 runs per frame
  auto out = m->run({HostTensor::floats({3}, {1, 1, 1})});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->at(0).f32, (std::vector<float>{11, 41, 91}));
}

}  // namespace
}  // namespace posecast
