// What a V4L2 camera answers, turned into the list `posecast cameras` prints and the MJPEG mode
// `run` asks for. The answers are canned (this machine may have no camera).
#include "posecast/cameras.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

namespace posecast {
namespace {

// A camera of canned answers: its formats, each format's sizes and each size's rates.
class FakeCamera : public V4l2Queries {
 public:
  struct Size {
    v4l2_frmsizeenum size{};
    std::vector<v4l2_frmivalenum> intervals;
  };
  uint32_t capabilities = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
  std::vector<v4l2_fmtdesc> formats;
  std::map<uint32_t, std::vector<Size>> sizes;

  void add_format(uint32_t fourcc, const char* description, bool compressed) {
    v4l2_fmtdesc f{};
    f.pixelformat = fourcc;
    std::strncpy(reinterpret_cast<char*>(f.description), description, sizeof f.description - 1);
    f.flags = compressed ? V4L2_FMT_FLAG_COMPRESSED : 0;
    formats.push_back(f);
  }
  void add_size(uint32_t fourcc, uint32_t w, uint32_t h, std::vector<uint32_t> rates) {
    Size s;
    s.size.type = V4L2_FRMSIZE_TYPE_DISCRETE;
    s.size.discrete = {w, h};
    for (uint32_t rate : rates) {
      v4l2_frmivalenum i{};
      i.type = V4L2_FRMIVAL_TYPE_DISCRETE;
      i.discrete = {1, rate};
      s.intervals.push_back(i);
    }
    sizes[fourcc].push_back(s);
  }

  bool query_capability(v4l2_capability& caps) override {
    caps = {};
    std::strcpy(reinterpret_cast<char*>(caps.card), "HD Pro Webcam C920");
    std::strcpy(reinterpret_cast<char*>(caps.driver), "uvcvideo");
    std::strcpy(reinterpret_cast<char*>(caps.bus_info), "usb-0000:00:14.0-1");
    caps.capabilities = capabilities | V4L2_CAP_DEVICE_CAPS;
    caps.device_caps = capabilities;
    return true;
  }
  bool enum_format(uint32_t index, v4l2_fmtdesc& format) override {
    if (index >= formats.size()) return false;
    format = formats[index];
    return true;
  }
  bool enum_frame_size(uint32_t fourcc, uint32_t index, v4l2_frmsizeenum& size) override {
    if (index >= sizes[fourcc].size()) return false;
    size = sizes[fourcc][index].size;
    return true;
  }
  bool enum_frame_interval(uint32_t fourcc, uint32_t w, uint32_t h, uint32_t index,
                           v4l2_frmivalenum& interval) override {
    for (const Size& s : sizes[fourcc])
      if (s.size.discrete.width == w && s.size.discrete.height == h) {
        if (index >= s.intervals.size()) return false;
        interval = s.intervals[index];
        return true;
      }
    return false;
  }
};

FakeCamera c920() {
  FakeCamera c;
  c.add_format(V4L2_PIX_FMT_YUYV, "YUYV 4:2:2", false);
  c.add_format(V4L2_PIX_FMT_MJPEG, "Motion-JPEG", true);
  c.add_size(V4L2_PIX_FMT_YUYV, 640, 480, {30, 15});
  c.add_size(V4L2_PIX_FMT_YUYV, 1280, 720, {10, 5});
  c.add_size(V4L2_PIX_FMT_MJPEG, 640, 480, {15, 30});
  c.add_size(V4L2_PIX_FMT_MJPEG, 1280, 720, {30, 24, 15});
  return c;
}

TEST(Cameras, DescribesTheFormatsSizesAndRatesACameraOffers) {
  FakeCamera fake = c920();
  auto camera = describe_camera("/dev/video0", fake);
  ASSERT_TRUE(camera);
  EXPECT_EQ(camera->name, "HD Pro Webcam C920");
  EXPECT_EQ(camera->driver, "uvcvideo");
  EXPECT_EQ(camera->bus, "usb-0000:00:14.0-1");
  ASSERT_EQ(camera->formats.size(), 2u);
  EXPECT_EQ(camera->formats[1].fourcc, "MJPG");
  EXPECT_TRUE(camera->formats[1].compressed);
  ASSERT_EQ(camera->formats[1].modes.size(), 2u);
  EXPECT_EQ(camera->formats[1].modes[0].fps, (std::vector<double>{30, 15}));  // highest first

  EXPECT_EQ(format_cameras({*camera}),
            "/dev/video0: HD Pro Webcam C920 (uvcvideo, usb-0000:00:14.0-1)\n"
            "  YUYV (YUYV 4:2:2)\n"
            "    640x480 at 30, 15 fps\n"
            "    1280x720 at 10, 5 fps\n"
            "  MJPG (Motion-JPEG)\n"
            "    640x480 at 30, 15 fps\n"
            "    1280x720 at 30, 24, 15 fps\n");
  const auto json = cameras_json({*camera});
  EXPECT_EQ(json[0]["formats"][1]["sizes"][1]["width"], 1280);
  EXPECT_EQ(json[0]["formats"][1]["sizes"][1]["fps"][1], 24.0);
}

TEST(Cameras, ANodeThatDoesNotCaptureVideoIsNoCamera) {
  FakeCamera metadata = c920();
  metadata.capabilities = V4L2_CAP_META_CAPTURE | V4L2_CAP_STREAMING;
  EXPECT_FALSE(describe_camera("/dev/video1", metadata));
}

TEST(Cameras, StepwiseSizesAndRatesAreOneRange) {
  struct Stepwise : FakeCamera {
    bool enum_frame_size(uint32_t, uint32_t index, v4l2_frmsizeenum& size) override {
      if (index > 0) return false;
      size = {};
      size.type = V4L2_FRMSIZE_TYPE_STEPWISE;
      size.stepwise = {32, 1920, 2, 32, 1080, 2};
      return true;
    }
    bool enum_frame_interval(uint32_t, uint32_t, uint32_t, uint32_t index,
                             v4l2_frmivalenum& interval) override {
      if (index > 0) return false;
      interval = {};
      interval.type = V4L2_FRMIVAL_TYPE_CONTINUOUS;
      interval.stepwise = {{1, 60}, {1, 1}, {1, 1}};
      return true;
    }
  } fake;
  fake.add_format(V4L2_PIX_FMT_MJPEG, "Motion-JPEG", true);
  auto camera = describe_camera("/dev/video4", fake);
  ASSERT_TRUE(camera);
  EXPECT_EQ(format_cameras({*camera}),
            "/dev/video4: HD Pro Webcam C920 (uvcvideo, usb-0000:00:14.0-1)\n"
            "  MJPG (Motion-JPEG)\n"
            "    32x32 to 1920x1080 at 1 to 60 fps\n");
  auto mode = choose_mjpeg_mode(*camera, {1280, 720}, 25);
  ASSERT_TRUE(mode);
  EXPECT_EQ(mode->fps, 25);
}

TEST(Cameras, RunAsksForMjpegWhenTheCameraOffersTheSizeAtTheRateAskedOrTheNextLower) {
  FakeCamera fake = c920();
  auto camera = *describe_camera("/dev/video0", fake);
  auto exact = choose_mjpeg_mode(camera, {1280, 720}, 24);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->size, cv::Size(1280, 720));
  EXPECT_EQ(exact->fps, 24);
  EXPECT_EQ(choose_mjpeg_mode(camera, {1280, 720}, 20)->fps, 15);  // next lower
  EXPECT_EQ(choose_mjpeg_mode(camera, {1280, 720}, 0)->fps, 30);   // none asked: the highest
  EXPECT_EQ(choose_mjpeg_mode(camera, {1280, 720}, 60)->fps, 30);
  EXPECT_EQ(choose_mjpeg_mode(camera, {640, 480}, 5)->fps, 15);  // below all: the lowest
  EXPECT_FALSE(choose_mjpeg_mode(camera, {1920, 1080}, 30));     // not offered in MJPEG
}

TEST(Cameras, NamesFourccCodes) {
  EXPECT_EQ(fourcc_text(V4L2_PIX_FMT_MJPEG), "MJPG");
  EXPECT_EQ(fourcc_text(V4L2_PIX_FMT_YUYV), "YUYV");
  EXPECT_EQ(camera_device_path("2"), "/dev/video2");
  EXPECT_EQ(camera_device_path("/dev/video3"), "/dev/video3");
}

TEST(Cameras, AFolderWithoutVideoDevicesHasNoCameras) {
  EXPECT_TRUE(list_cameras(std::filesystem::temp_directory_path()).empty());
  EXPECT_TRUE(list_cameras("/nonexistent").empty());
}

}  // namespace
}  // namespace posecast
