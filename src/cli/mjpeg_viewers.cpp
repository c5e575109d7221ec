#include "mjpeg_viewers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace posecast::cli {

double unix_ms_precise() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// What one viewer saw while the measurement ran.
struct ViewerReport {
  int64_t frames = 0;
  std::vector<double> latency_ms;  // receive time - X-Capture-Time, per part
  double cpu_seconds = 0;          // this client's own thread: parsing is not the server's cost
  std::string error;
};

}  // namespace

// A viewer of /stream.mjpg over a plain loopback socket: reads the multipart stream, and for each
// complete part takes its X-Capture-Time and the moment its last byte arrived. It counts only
// while `measuring` is set and stops when `stop` is set or the server closes the stream.
class MjpegViewer {
 public:
  MjpegViewer(uint16_t port, const std::atomic<bool>& measuring, const std::atomic<bool>& stop)
      : port_(port), measuring_(measuring), stop_(stop) {}

  void run() {
    const double cpu_start = thread_cpu_seconds();
    read_stream();
    report_.cpu_seconds = thread_cpu_seconds() - cpu_start;
    if (fd_ >= 0) ::close(fd_);
  }
  ViewerReport& report() { return report_; }

 private:
  void read_stream() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return fail(std::string("socket: ") + std::strerror(errno));
    timeval timeout{0, 200 * 1000};  // so that `stop` is seen while no frame comes
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
      return fail(std::string("connect: ") + std::strerror(errno));
    const std::string request = "GET /stream.mjpg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size()))
      return fail(std::string("send: ") + std::strerror(errno));

    size_t head_end = std::string::npos;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!receive()) return fail("no response head from /stream.mjpg");
    const std::string head = buffer_.substr(0, head_end);
    buffer_.erase(0, head_end + 4);
    if (head.rfind("HTTP/1.1 200", 0) != 0)
      return fail("/stream.mjpg answered " + head.substr(0, head.find('\r')));
    const size_t boundary_at = head.find("boundary=");
    if (boundary_at == std::string::npos) return fail("/stream.mjpg has no multipart boundary");
    const std::string delimiter =
        "--" + head.substr(boundary_at + 9, head.find('\r', boundary_at) - boundary_at - 9);

    for (;;) {
      // A part: delimiter line, headers, blank line, Content-Length bytes of JPEG, CRLF.
      size_t part_end = std::string::npos;
      while ((part_end = buffer_.find("\r\n\r\n")) == std::string::npos)
        if (!receive()) return;
      if (buffer_.compare(0, delimiter.size(), delimiter) != 0)
        return fail("part does not start with the boundary " + delimiter);
      const std::string headers = buffer_.substr(0, part_end + 2);
      const int64_t length = header_number(headers, "Content-Length");
      const int64_t capture_ms = header_number(headers, "X-Capture-Time");
      if (length < 0 || capture_ms < 0)
        return fail("part without Content-Length or X-Capture-Time");
      const size_t total = part_end + 4 + static_cast<size_t>(length) + 2;
      while (buffer_.size() < total)
        if (!receive()) return;
      if (measuring_) {
        ++report_.frames;
        report_.latency_ms.push_back(unix_ms_precise() - static_cast<double>(capture_ms));
      }
      buffer_.erase(0, total);
    }
  }

  // Appends what the socket has to the buffer; false when the stream ended or `stop` was set.
  bool receive() {
    char chunk[64 * 1024];
    for (;;) {
      if (stop_) return false;
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
      return false;
    }
  }

  static int64_t header_number(const std::string& headers, const std::string& name) {
    const size_t at = headers.find("\r\n" + name + ":");
    if (at == std::string::npos) return -1;
    return std::strtoll(headers.c_str() + at + name.size() + 3, nullptr, 10);
  }

  void fail(std::string message) {
    if (report_.error.empty()) report_.error = std::move(message);
  }

  uint16_t port_;
  const std::atomic<bool>& measuring_;
  const std::atomic<bool>& stop_;
  int fd_ = -1;
  std::string buffer_;
  ViewerReport report_;
};

ViewerGroup::ViewerGroup(int count, uint16_t port, const std::atomic<bool>& measuring) {
  for (int i = 0; i < count; ++i) {
    viewers_.push_back(std::make_unique<MjpegViewer>(port, measuring, stop_));
    threads_.emplace_back([viewer = viewers_.back().get()] { viewer->run(); });
  }
}

ViewerGroup::~ViewerGroup() {
  request_stop();
  join();
}

void ViewerGroup::join() {
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
}

ViewerTotals ViewerGroup::totals(double wall) const {
  ViewerTotals sum;
  for (const auto& viewer : viewers_) {
    ViewerReport& r = viewer->report();
    sum.latency_ms.insert(sum.latency_ms.end(), r.latency_ms.begin(), r.latency_ms.end());
    sum.cpu_seconds += r.cpu_seconds;
    sum.frames += r.frames;
    const double fps = static_cast<double>(r.frames) / wall;
    if (sum.min_fps < 0 || fps < sum.min_fps) sum.min_fps = fps;
    if (sum.error.empty() && !r.error.empty()) sum.error = r.error;
  }
  return sum;
}

}  // namespace posecast::cli
