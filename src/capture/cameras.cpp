#include "posecast/cameras.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <sstream>

namespace posecast {

namespace {

std::string kernel_text(const uint8_t* text, size_t size) {
  const auto* begin = reinterpret_cast<const char*>(text);
  return std::string(begin, strnlen(begin, size));
}

// The rates of one size, highest first.
void describe_rates(V4l2Queries& queries, uint32_t pixel_format, CameraMode& mode) {
  v4l2_frmivalenum interval{};
  const auto w = static_cast<uint32_t>(mode.width), h = static_cast<uint32_t>(mode.height);
  for (uint32_t i = 0; queries.enum_frame_interval(pixel_format, w, h, i, interval); ++i) {
    if (interval.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
      const auto& f = interval.discrete;
      if (f.numerator > 0) mode.fps.push_back(static_cast<double>(f.denominator) / f.numerator);
    } else {
      const auto& s = interval.stepwise;  // the slowest interval is the lowest rate
      if (s.max.numerator > 0 && s.min.numerator > 0) {
        mode.fps = {static_cast<double>(s.max.denominator) / s.max.numerator,
                    static_cast<double>(s.min.denominator) / s.min.numerator};
        mode.fps_range = true;
      }
      return;
    }
  }
  std::sort(mode.fps.begin(), mode.fps.end(), std::greater<>());
}

std::vector<CameraMode> describe_sizes(V4l2Queries& queries, uint32_t pixel_format) {
  std::vector<CameraMode> modes;
  v4l2_frmsizeenum size{};
  for (uint32_t i = 0; queries.enum_frame_size(pixel_format, i, size); ++i) {
    CameraMode mode;
    if (size.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
      mode.width = static_cast<int>(size.discrete.width);
      mode.height = static_cast<int>(size.discrete.height);
    } else {
      mode.width = static_cast<int>(size.stepwise.max_width);
      mode.height = static_cast<int>(size.stepwise.max_height);
      mode.min_width = static_cast<int>(size.stepwise.min_width);
      mode.min_height = static_cast<int>(size.stepwise.min_height);
    }
    describe_rates(queries, pixel_format, mode);
    modes.push_back(std::move(mode));
    if (size.type != V4L2_FRMSIZE_TYPE_DISCRETE) break;  // one range describes them all
  }
  return modes;
}

std::string rate_text(double fps) {
  std::ostringstream out;
  out << std::round(fps * 100) / 100;
  return out.str();
}

std::string mode_text(const CameraMode& m) {
  std::string text = std::to_string(m.width) + "x" + std::to_string(m.height);
  if (m.min_width > 0)
    text = std::to_string(m.min_width) + "x" + std::to_string(m.min_height) + " to " + text;
  if (m.fps.empty()) return text;
  text += " at ";
  if (m.fps_range) return text + rate_text(m.fps[0]) + " to " + rate_text(m.fps[1]) + " fps";
  for (size_t i = 0; i < m.fps.size(); ++i) text += (i ? ", " : "") + rate_text(m.fps[i]);
  return text + " fps";
}

// The ioctls of an open /dev/videoN.
class V4l2Device : public V4l2Queries {
 public:
  explicit V4l2Device(int fd) : fd_(fd) {}
  bool query_capability(v4l2_capability& caps) override { return ask(VIDIOC_QUERYCAP, &caps); }
  bool enum_format(uint32_t index, v4l2_fmtdesc& format) override {
    format = {};
    format.index = index;
    format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    return ask(VIDIOC_ENUM_FMT, &format);
  }
  bool enum_frame_size(uint32_t pixel_format, uint32_t index, v4l2_frmsizeenum& size) override {
    size = {};
    size.index = index;
    size.pixel_format = pixel_format;
    return ask(VIDIOC_ENUM_FRAMESIZES, &size);
  }
  bool enum_frame_interval(uint32_t pixel_format, uint32_t width, uint32_t height, uint32_t index,
                           v4l2_frmivalenum& interval) override {
    interval = {};
    interval.index = index;
    interval.pixel_format = pixel_format;
    interval.width = width;
    interval.height = height;
    return ask(VIDIOC_ENUM_FRAMEINTERVALS, &interval);
  }

 private:
  bool ask(unsigned long request, void* arg) {
    int r;
    do r = ::ioctl(fd_, request, arg);
    while (r < 0 && errno == EINTR);
    return r == 0;
  }
  int fd_;
};

int device_number(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  try {
    return std::stoi(name.substr(5));
  } catch (...) {
    return -1;
  }
}

}  // namespace

std::string fourcc_text(uint32_t fourcc) {
  std::string text;
  for (int i = 0; i < 4; ++i) text.push_back(static_cast<char>((fourcc >> (8 * i)) & 0xff));
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::optional<CameraInfo> describe_camera(const std::string& device, V4l2Queries& queries) {
  v4l2_capability caps{};
  if (!queries.query_capability(caps)) return std::nullopt;
  const uint32_t device_caps =
      (caps.capabilities & V4L2_CAP_DEVICE_CAPS) ? caps.device_caps : caps.capabilities;
  if (!(device_caps & V4L2_CAP_VIDEO_CAPTURE)) return std::nullopt;
  CameraInfo camera;
  camera.device = device;
  camera.name = kernel_text(caps.card, sizeof caps.card);
  camera.driver = kernel_text(caps.driver, sizeof caps.driver);
  camera.bus = kernel_text(caps.bus_info, sizeof caps.bus_info);
  v4l2_fmtdesc format{};
  for (uint32_t i = 0; queries.enum_format(i, format); ++i) {
    CameraFormat f;
    f.fourcc = fourcc_text(format.pixelformat);
    f.description = kernel_text(format.description, sizeof format.description);
    f.compressed = format.flags & V4L2_FMT_FLAG_COMPRESSED;
    f.modes = describe_sizes(queries, format.pixelformat);
    camera.formats.push_back(std::move(f));
  }
  return camera;
}

std::vector<CameraInfo> list_cameras(const std::filesystem::path& dev_dir) {
  std::vector<std::filesystem::path> devices;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dev_dir, ec))
    if (entry.path().filename().string().starts_with("video") && device_number(entry.path()) >= 0)
      devices.push_back(entry.path());
  std::sort(devices.begin(), devices.end(),
            [](const auto& a, const auto& b) { return device_number(a) < device_number(b); });
  std::vector<CameraInfo> cameras;
  for (const auto& path : devices) {
    const int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    V4l2Device device(fd);
    if (auto camera = describe_camera(path.string(), device)) cameras.push_back(*camera);
    ::close(fd);
  }
  return cameras;
}

std::string format_cameras(const std::vector<CameraInfo>& cameras) {
  std::ostringstream out;
  for (const CameraInfo& c : cameras) {
    out << c.device << ": " << c.name << " (" << c.driver << ", " << c.bus << ")\n";
    if (c.formats.empty()) out << "  no formats offered\n";
    for (const CameraFormat& f : c.formats) {
      out << "  " << f.fourcc << " (" << f.description << ")\n";
      for (const CameraMode& m : f.modes) out << "    " << mode_text(m) << "\n";
    }
  }
  return out.str();
}

nlohmann::json cameras_json(const std::vector<CameraInfo>& cameras) {
  nlohmann::json list = nlohmann::json::array();
  for (const CameraInfo& c : cameras) {
    nlohmann::json formats = nlohmann::json::array();
    for (const CameraFormat& f : c.formats) {
      nlohmann::json modes = nlohmann::json::array();
      for (const CameraMode& m : f.modes) {
        nlohmann::json mode = {{"width", m.width}, {"height", m.height}, {"fps", m.fps}};
        if (m.min_width > 0) mode["min_width"] = m.min_width, mode["min_height"] = m.min_height;
        if (m.fps_range) mode["fps_range"] = true;
        modes.push_back(std::move(mode));
      }
      formats.push_back({{"fourcc", f.fourcc},
                         {"description", f.description},
                         {"compressed", f.compressed},
                         {"sizes", std::move(modes)}});
    }
    list.push_back({{"device", c.device},
                    {"name", c.name},
                    {"driver", c.driver},
                    {"bus", c.bus},
                    {"formats", std::move(formats)}});
  }
  return list;
}

std::optional<CameraRequest> choose_mjpeg_mode(const CameraInfo& camera, cv::Size size,
                                               double fps) {
  for (const CameraFormat& f : camera.formats) {
    if (f.fourcc != "MJPG") continue;
    for (const CameraMode& m : f.modes) {
      const bool fits = m.min_width > 0 ? size.width >= m.min_width && size.width <= m.width &&
                                              size.height >= m.min_height && size.height <= m.height
                                        : size.width == m.width && size.height == m.height;
      if (!fits) continue;
      if (m.fps.empty()) return CameraRequest{size, fps};
      if (m.fps_range)
        return CameraRequest{size, fps > 0 ? std::clamp(fps, m.fps[0], m.fps[1]) : m.fps[1]};
      if (fps <= 0) return CameraRequest{size, m.fps.front()};
      for (double offered : m.fps)  // highest first: the first not above the rate asked for
        if (offered <= fps + 0.01) return CameraRequest{size, offered};
      return CameraRequest{size, m.fps.back()};
    }
  }
  return std::nullopt;
}

std::string camera_device_path(const std::string& spec) {
  const bool number = !spec.empty() && std::all_of(spec.begin(), spec.end(), ::isdigit);
  return number ? "/dev/video" + spec : spec;
}

Result<std::string> open_v4l2_camera(cv::VideoCapture& cap, const std::string& device,
                                     cv::Size size, double fps) {
  std::optional<CameraRequest> mjpeg;
  if (const int fd = ::open(device.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC); fd >= 0) {
    V4l2Device queries(fd);
    if (auto camera = describe_camera(device, queries); camera && size.area() > 0)
      mjpeg = choose_mjpeg_mode(*camera, size, fps);
    ::close(fd);
  }
  if (!cap.open(device, cv::CAP_V4L2) || !cap.isOpened())
    return Error("camera " + device + ": cannot be opened (not connected, or in use?)");
  if (mjpeg) cap.set(cv::CAP_PROP_FOURCC, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'));
  if (size.area() > 0) {
    cap.set(cv::CAP_PROP_FRAME_WIDTH, size.width);
    cap.set(cv::CAP_PROP_FRAME_HEIGHT, size.height);
  }
  if (mjpeg && mjpeg->fps > 0)
    cap.set(cv::CAP_PROP_FPS, mjpeg->fps);
  else if (fps > 0)
    cap.set(cv::CAP_PROP_FPS, fps);
  const auto fourcc = static_cast<uint32_t>(cap.get(cv::CAP_PROP_FOURCC));
  return fourcc_text(fourcc) + " " +
         std::to_string(static_cast<int>(cap.get(cv::CAP_PROP_FRAME_WIDTH))) + "x" +
         std::to_string(static_cast<int>(cap.get(cv::CAP_PROP_FRAME_HEIGHT))) + " at " +
         rate_text(cap.get(cv::CAP_PROP_FPS)) + " fps";
}

}  // namespace posecast
