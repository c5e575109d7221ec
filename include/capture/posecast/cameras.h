// The V4L2 cameras of this machine (/dev/video*) with what each offers: the pixel formats, frame
// sizes and frame rates (VIDIOC_QUERYCAP, ENUM_FMT, ENUM_FRAMESIZES, ENUM_FRAMEINTERVALS), for
// `posecast cameras` and for opening a USB camera in MJPEG at the size and rate asked for.
#pragma once

#include <linux/videodev2.h>

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/core/types.hpp>
#include <opencv2/videoio.hpp>
#include <optional>
#include <string>
#include <vector>

#include "posecast/status.h"

namespace posecast {

struct CameraMode {
  int width = 0, height = 0;
  // A stepwise size (min_width x min_height up to width x height); 0: one discrete size.
  int min_width = 0, min_height = 0;
  std::vector<double> fps;  // the discrete rates, highest first; or {min, max} if fps_range
  bool fps_range = false;
};

struct CameraFormat {
  std::string fourcc;       // "MJPG", "YUYV", ...
  std::string description;  // the driver's: "Motion-JPEG"
  bool compressed = false;
  std::vector<CameraMode> modes;
};

struct CameraInfo {
  std::string device;             // "/dev/video0"
  std::string name, driver, bus;  // "HD Pro Webcam C920", "uvcvideo", "usb-0000:00:14.0-1"
  std::vector<CameraFormat> formats;
};

// The answers of one V4L2 device: V4l2Device asks the kernel; tests give canned answers. Each
// returns false when the driver has no (more) answer (EINVAL past the last index).
class V4l2Queries {
 public:
  virtual ~V4l2Queries() = default;
  virtual bool query_capability(v4l2_capability& caps) = 0;
  virtual bool enum_format(uint32_t index, v4l2_fmtdesc& format) = 0;
  virtual bool enum_frame_size(uint32_t pixel_format, uint32_t index, v4l2_frmsizeenum& size) = 0;
  virtual bool enum_frame_interval(uint32_t pixel_format, uint32_t width, uint32_t height,
                                   uint32_t index, v4l2_frmivalenum& interval) = 0;
};

// The camera behind `queries`; none when the device does not capture video (a UVC camera's
// second node carries metadata only).
std::optional<CameraInfo> describe_camera(const std::string& device, V4l2Queries& queries);

// /dev/video* of `dev_dir` in number order, those that open and capture video.
std::vector<CameraInfo> list_cameras(const std::filesystem::path& dev_dir = "/dev");

// One device per paragraph: its name, driver and bus, then each format and its sizes with rates.
std::string format_cameras(const std::vector<CameraInfo>& cameras);
nlohmann::json cameras_json(const std::vector<CameraInfo>& cameras);

// "MJPG" for V4L2_PIX_FMT_MJPEG.
std::string fourcc_text(uint32_t fourcc);

// The MJPEG mode to ask `camera` for: `size` when its MJPG format offers it, at `fps` when
// offered at that size (else the highest rate below it, else the lowest above; fps 0: the
// highest). None when MJPG is not offered at that size.
struct CameraRequest {
  cv::Size size;
  double fps = 0;
};
std::optional<CameraRequest> choose_mjpeg_mode(const CameraInfo& camera, cv::Size size, double fps);

// "/dev/video0" for "0" or "/dev/video0".
std::string camera_device_path(const std::string& spec);

// Opens the V4L2 camera `device` into `cap`: in MJPEG at `size` and `fps` when it offers that
// (choose_mjpeg_mode; a USB camera sends large sizes at full rate only compressed), else at
// `size` in its default format. Returns what the driver settled on: "MJPG 1280x720 at 30 fps".
Result<std::string> open_v4l2_camera(cv::VideoCapture& cap, const std::string& device,
                                     cv::Size size, double fps);

}  // namespace posecast
