// The PracticeStore contract, run on both implementations: the SQLite file and a real PostgreSQL
// server (postgres_server.h; those cases skip, saying why, without PostgreSQL). The same
// assertions for both: one interface, whichever keeps the class.
#include "posecast/practice_store.h"

#include <gtest/gtest.h>

#include <memory>

#include "telemetry/history_temp_dir.h"
#include "telemetry/postgres_server.h"

namespace posecast {
namespace {

using testing::HistoryTempDir;
using testing::PostgresServer;

constexpr int64_t kT0 = 1'735'812'000'000;  // 2025-01-02 10:00:00 UTC

class PracticeStoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (GetParam() == "sqlite") {
      dir_ = std::make_unique<HistoryTempDir>();
      location_ = (dir_->path() / "class.sqlite").string();
    } else {
      if (const std::string why = PostgresServer::missing(); !why.empty()) GTEST_SKIP() << why;
      if (!server_) {
        server_ = std::make_unique<PostgresServer>();
        ASSERT_TRUE(server_->start()) << server_->log();
      }
      // Each test from empty tables.
      ASSERT_EQ(server_->sql("DROP TABLE IF EXISTS posecast_sets, posecast_holds, "
                             "posecast_sessions, posecast_schema"),
                0);
      location_ = server_->url();
    }
    auto store = open_practice_store(location_);
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(store).value();
  }

  static std::unique_ptr<PostgresServer> server_;
  std::unique_ptr<HistoryTempDir> dir_;
  std::string location_;
  std::unique_ptr<PracticeStore> store_;
};

std::unique_ptr<PostgresServer> PracticeStoreContract::server_;

TEST_P(PracticeStoreContract, SessionsHoldsAndSetsRoundTripNewestFirst) {
  auto a = store_->start_session("mat1", "builtin", kT0);
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(store_
                  ->add_hold(*a, {"tree", "left", kT0 + 5'000, 32.125, 92, 85.25f,
                                  "Straighten your left knee"})
                  .ok());
  ASSERT_TRUE(store_->add_hold(*a, {"chair", "", kT0 + 1'000, 4.5, 0, 0, ""}).ok());
  ASSERT_TRUE(
      store_->add_set(*a, {"squat", 2, 10, 1, kT0 + 60'000, 31.5, 78.5f, 0.875f, "Chest up"}).ok());
  ASSERT_TRUE(store_->end_session(*a, kT0 + 120'000).ok());
  auto b = store_->start_session("mat2", "movenet-thunder", kT0 + 3'600'000);
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);

  auto all = store_->sessions({});
  ASSERT_TRUE(all.ok()) << all.error().message();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(all->at(0).id, *b);          // newest first
  EXPECT_EQ(all->at(0).end_unix_ms, 0);  // open
  const PracticeSession& s = all->at(1);
  EXPECT_EQ(s.device, "mat1");
  EXPECT_EQ(s.model, "builtin");
  EXPECT_EQ(s.start_unix_ms, kT0);
  EXPECT_EQ(s.end_unix_ms, kT0 + 120'000);
  ASSERT_EQ(s.holds.size(), 2u);
  EXPECT_EQ(s.holds[0].pose, "chair");  // in time order
  const HoldRecord& tree = s.holds[1];
  EXPECT_EQ(tree.variant, "left");
  EXPECT_EQ(tree.start_unix_ms, kT0 + 5'000);
  EXPECT_DOUBLE_EQ(tree.duration_s, 32.125);
  EXPECT_FLOAT_EQ(tree.best_score, 92);
  EXPECT_FLOAT_EQ(tree.mean_score, 85.25f);
  EXPECT_EQ(tree.main_correction, "Straighten your left knee");
  ASSERT_EQ(s.sets.size(), 1u);
  EXPECT_EQ(s.sets[0].exercise, "squat");
  EXPECT_EQ(s.sets[0].set, 2);
  EXPECT_EQ(s.sets[0].reps, 10);
  EXPECT_EQ(s.sets[0].partial_reps, 1);
  EXPECT_DOUBLE_EQ(s.sets[0].duration_s, 31.5);
  EXPECT_FLOAT_EQ(s.sets[0].mean_range, 0.875f);
  EXPECT_EQ(s.sets[0].main_cue, "Chest up");
}

TEST_P(PracticeStoreContract, QueriesSelectByDeviceSessionAndLimit) {
  for (int i = 0; i < 5; ++i) {
    auto id = store_->start_session(i % 2 ? "mat2" : "mat1", "", kT0 + i * 1000);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store_->add_hold(*id, {"tree", "", kT0 + i * 1000, 3, 1, 1, ""}).ok());
  }
  SessionQuery mat1;
  mat1.device = "mat1";
  auto ones = store_->sessions(mat1);
  ASSERT_TRUE(ones.ok());
  ASSERT_EQ(ones->size(), 3u);
  for (const auto& s : *ones) EXPECT_EQ(s.device, "mat1");
  SessionQuery newest_two;
  newest_two.limit = 2;
  auto two = store_->sessions(newest_two);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ(two->at(0).start_unix_ms, kT0 + 4000);
  ASSERT_EQ(two->at(1).holds.size(), 1u);
  SessionQuery one;
  one.session = two->at(1).id;
  one.limit = 0;
  auto just = store_->sessions(one);
  ASSERT_TRUE(just.ok());
  ASSERT_EQ(just->size(), 1u);
  EXPECT_EQ(just->at(0).start_unix_ms, kT0 + 3000);
  one.session = 999'999;
  EXPECT_TRUE(store_->sessions(one)->empty());
  auto devices = store_->devices();
  ASSERT_TRUE(devices.ok());
  EXPECT_EQ(*devices, (std::vector<std::string>{"mat1", "mat2"}));
}

TEST_P(PracticeStoreContract, AnEndIsNeverBeforeItsStartAndBadRecordsAreRefused) {
  auto id = store_->start_session("mat1", "", kT0);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store_->end_session(*id, kT0 - 5'000).ok());
  EXPECT_EQ(store_->sessions({})->at(0).end_unix_ms, kT0);
  Status no_pose = store_->add_hold(*id, {"", "", kT0, 3, 1, 1, ""});
  ASSERT_FALSE(no_pose.ok());
  EXPECT_EQ(no_pose.error().message(), "a hold needs a pose");
  EXPECT_FALSE(store_->add_set(*id, {"squat", 0, 1, 0, kT0, 1, 1, 1, ""}).ok());
  EXPECT_TRUE(store_->sessions({})->at(0).holds.empty());
  EXPECT_TRUE(store_->reachable());
}

INSTANTIATE_TEST_SUITE_P(BothStores, PracticeStoreContract,
                         ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST(PostgresStore, AnUnreachableServerIsAnErrorNamingTheUrlWithoutItsPassword) {
  auto store = open_practice_store("postgresql://coach:secret@127.0.0.1:1/studio");
  ASSERT_FALSE(store.ok());
  const std::string message = store.error().message();
  EXPECT_EQ(message.rfind("postgresql://coach@127.0.0.1:1/studio: creating the tables: cannot "
                          "reach the server: ",
                          0),
            0u)
      << message;
  EXPECT_EQ(message.find("secret"), std::string::npos);
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
}

}  // namespace
}  // namespace posecast
