// The Prometheus text writer every /metrics uses: the exact lines a scraper reads.
#include "posecast/prometheus.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace posecast {
namespace {

TEST(PrometheusText, WritesACounterFamilyWithLabelledSamples) {
  PrometheusText m;
  m.family("posecast_frames_total", PrometheusText::kCounter, "Frames by stage.");
  m.sample("posecast_frames_total", {{"stage", "captured"}}, int64_t{120});
  m.sample("posecast_frames_total", {{"stage", "rendered"}}, 118u);
  EXPECT_EQ(m.str(),
            "# HELP posecast_frames_total Frames by stage.\n"
            "# TYPE posecast_frames_total counter\n"
            "posecast_frames_total{stage=\"captured\"} 120\n"
            "posecast_frames_total{stage=\"rendered\"} 118\n");
}

TEST(PrometheusText, WritesAGaugeWithoutLabels) {
  PrometheusText m;
  m.gauge("posecast_fps", "Frames per second rendered.", 29.970149f);
  EXPECT_EQ(m.str(),
            "# HELP posecast_fps Frames per second rendered.\n"
            "# TYPE posecast_fps gauge\n"
            "posecast_fps 29.9701\n");
}

TEST(PrometheusText, WritesHelpAndTypeOncePerFamily) {
  PrometheusText m;
  m.family("posecast_stage_ms", PrometheusText::kGauge, "Median stage time.");
  m.sample("posecast_stage_ms", {{"stage", "pose"}}, 7.5);
  m.family("posecast_stage_ms", PrometheusText::kGauge, "Median stage time.");
  m.sample("posecast_stage_ms", {{"stage", "render"}}, 1.25);
  m.counter("posecast_errors_total", "Errors.", 0);
  EXPECT_EQ(m.str(),
            "# HELP posecast_stage_ms Median stage time.\n"
            "# TYPE posecast_stage_ms gauge\n"
            "posecast_stage_ms{stage=\"pose\"} 7.5\n"
            "posecast_stage_ms{stage=\"render\"} 1.25\n"
            "# HELP posecast_errors_total Errors.\n"
            "# TYPE posecast_errors_total counter\n"
            "posecast_errors_total 0\n");
}

TEST(PrometheusText, EscapesBackslashQuoteAndNewlineInLabelValues) {
  EXPECT_EQ(prometheus_label_value("plain"), "plain");
  EXPECT_EQ(prometheus_label_value("a\\b"), "a\\\\b");
  EXPECT_EQ(prometheus_label_value("say \"hi\""), "say \\\"hi\\\"");
  EXPECT_EQ(prometheus_label_value("two\nlines"), "two\\nlines");

  PrometheusText m;
  m.family("x", PrometheusText::kGauge, "Help with a \\ and a\nnewline, \"quotes\" kept.");
  m.sample("x", {{"path", "C:\\v\"1\"\n"}, {"kind", "b"}}, 1);
  EXPECT_EQ(m.str(),
            "# HELP x Help with a \\\\ and a\\nnewline, \"quotes\" kept.\n"
            "# TYPE x gauge\n"
            "x{path=\"C:\\\\v\\\"1\\\"\\n\",kind=\"b\"} 1\n");
}

TEST(PrometheusText, FormatsNumbersOneWay) {
  using Number = PrometheusText::Number;
  EXPECT_EQ(Number(int64_t{9007199254740993}).text, "9007199254740993");  // exact, not a double
  EXPECT_EQ(Number(-3).text, "-3");
  EXPECT_EQ(Number(2.0).text, "2");
  EXPECT_EQ(Number(0.125).text, "0.125");
  EXPECT_EQ(Number(1234567.0).text, "1.23457e+06");
  EXPECT_EQ(Number(std::numeric_limits<double>::quiet_NaN()).text, "NaN");
  EXPECT_EQ(Number(std::numeric_limits<double>::infinity()).text, "+Inf");
  EXPECT_EQ(Number(-std::numeric_limits<double>::infinity()).text, "-Inf");
}

}  // namespace
}  // namespace posecast
