// The compressed-video hub of `posecast run`; see include/posecast/video_outputs.h.
#include "posecast/video_outputs.h"

#include <array>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>

#include "posecast/host_port.h"
#include "posecast/prometheus.h"
#include "posecast/stream_publisher.h"

namespace posecast {

namespace {

// "HOST:PORT", ":PORT" or "PORT" (the --rtsp option, posecast/host_port.h); HOST defaults to
// loopback.
Result<HostPort> parse_rtsp_address(const std::string& text) {
  auto address = parse_host_port(text, HostPortRules::listening("127.0.0.1"));
  if (!address)
    return Error("bad --rtsp address '" + text + "': " + address.error().message() +
                 " (expected HOST:PORT, e.g. 127.0.0.1:8554 or 0.0.0.0:8554)");
  return address;
}

}  // namespace

struct VideoOutputs::Impl {
  VideoOutputOptions options;

  mutable std::mutex encoders_mutex;
  std::array<std::unique_ptr<VideoEncoder>, 2> encoders;  // by VideoCodec

  std::unique_ptr<WebRtcSignaling> webrtc;
  std::vector<std::unique_ptr<StreamPublisher>> publishers;
  std::unique_ptr<RtspServer> rtsp;

  std::mutex error_mutex;
  std::function<void(const std::string&)> on_error;
  bool stopped = false;

  // The codec's encoder, started on first use; nullptr (and `why`) when it cannot start.
  VideoEncoder* encoder(VideoCodec codec, std::string* why = nullptr) {
    std::lock_guard<std::mutex> lock(encoders_mutex);
    auto& slot = encoders[static_cast<size_t>(codec)];
    if (!slot && !stopped) {
      VideoEncoderOptions e;
      e.codec = codec;
      e.width = options.width;
      e.height = options.height;
      e.fps = options.fps;
      e.bitrate_kbps = options.bitrate_kbps;
      e.keyframe_interval =
          std::max(1, static_cast<int>(std::lround(options.keyframe_seconds * options.fps)));
      e.threads = options.encoder_threads;
      auto started = VideoEncoder::start(e);
      if (!started) {
        if (why) *why = started.error().message();
        return nullptr;
      }
      slot = std::move(started).value();
    }
    return slot.get();
  }

  void report(const std::string& message) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (on_error) on_error(message);
  }

  Status start_publishers(const std::vector<PublishTarget>& targets);
  Status start_rtsp(const HostPort& address);
  void start_webrtc();
};

namespace {

// What the options ask for, checked and parsed before anything starts.
struct OutputPlan {
  std::vector<PublishTarget> targets;
  std::optional<HostPort> rtsp_address;
};

Result<OutputPlan> plan_outputs(VideoOutputOptions& options) {
  if (options.width <= 0 || options.height <= 0)
    return Error("compressed video needs a known frame size (--size WxH)");
  // Encoders want even sizes; the odd last row or column is cropped away.
  options.width &= ~1;
  options.height &= ~1;
  if (options.bitrate_kbps < 50 || options.bitrate_kbps > 100'000)
    return Error("bad --video-bitrate " + std::to_string(options.bitrate_kbps) +
                 ": use 50-100000 kbit/s");
  if (options.webrtc)
    if (Status s = check_webrtc_options(options.webrtc_options); !s.ok()) return s.error();
  OutputPlan plan;
  for (const auto& url : options.publish) {
    auto target = parse_publish_url(url);
    if (!target) return target.error();
    plan.targets.push_back(std::move(target).value());
  }
  if (!options.rtsp.empty()) {
    auto parsed = parse_rtsp_address(options.rtsp);
    if (!parsed) return parsed.error();
    plan.rtsp_address = parsed.value();
  }
  return plan;
}

}  // namespace

Status VideoOutputs::Impl::start_publishers(const std::vector<PublishTarget>& targets) {
  for (const auto& target : targets) {
    std::string why;
    VideoEncoder* encoder = this->encoder(target.codec, &why);
    if (!encoder) return Error("--publish " + target.url + ": " + why);
    StreamPublisherOptions p;
    p.on_error = [this](const std::string& message) { report(message); };
    auto publisher = StreamPublisher::start(target, *encoder, p);
    if (!publisher) return publisher.error();
    publishers.push_back(std::move(publisher).value());
  }
  return Status::Ok();
}

Status VideoOutputs::Impl::start_rtsp(const HostPort& address) {
  std::string why;
  VideoEncoder* encoder = this->encoder(VideoCodec::kH264, &why);
  if (!encoder) return Error("--rtsp " + options.rtsp + ": " + why);
  auto server = RtspServer::start(address.host, address.port, *encoder);
  if (!server) return server.error();
  rtsp = std::move(server).value();
  return Status::Ok();
}

void VideoOutputs::Impl::start_webrtc() {
  webrtc = std::make_unique<WebRtcSignaling>(
      [this]() -> VideoEncoder* {
        std::string why;
        VideoEncoder* encoder = this->encoder(VideoCodec::kVp8, &why);
        if (!encoder) report("webrtc: " + why);
        return encoder;
      },
      options.webrtc_options);
}

Result<std::unique_ptr<VideoOutputs>> VideoOutputs::start(VideoOutputOptions options) {
  auto plan = plan_outputs(options);
  if (!plan) return plan.error();
  if (!options.webrtc && plan->targets.empty() && !plan->rtsp_address)
    return std::unique_ptr<VideoOutputs>(new VideoOutputs(std::make_unique<Impl>()));
  if (Status s = init_gstreamer(); !s.ok()) return s.error();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (Status s = impl->start_publishers(plan->targets); !s.ok()) return s.error();
  if (plan->rtsp_address)
    if (Status s = impl->start_rtsp(*plan->rtsp_address); !s.ok()) return s.error();
  if (options.webrtc) impl->start_webrtc();
  return std::unique_ptr<VideoOutputs>(new VideoOutputs(std::move(impl)));
}

VideoOutputs::VideoOutputs(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoOutputs::~VideoOutputs() { stop(); }

void VideoOutputs::push(const FrameResult& result, const cv::Mat& annotated) {
  std::lock_guard<std::mutex> lock(impl_->encoders_mutex);
  for (auto& encoder : impl_->encoders) {
    // Nobody watching this codec (every WebRTC viewer gone): no encoding. A new subscriber asks
    // for a key frame, so the next pushed frame starts its stream.
    if (encoder && encoder->subscribers() > 0)
      encoder->push(annotated, result.frame, result.capture_unix_ms);
  }
}

void VideoOutputs::attach(LiveServerHooks& hooks) {
  if (impl_->webrtc) hooks.open_signaling = impl_->webrtc->hook();
}

std::vector<std::string> VideoOutputs::announcements() const {
  std::vector<std::string> lines;
  if (impl_->rtsp) lines.push_back("rtsp at " + impl_->rtsp->url());
  for (const auto& p : impl_->publishers) lines.push_back("publishing to " + p->target().url);
  return lines;
}

nlohmann::json VideoOutputs::status() const {
  nlohmann::json j = nlohmann::json::object();
  nlohmann::json encoders = nlohmann::json::object();
  {
    std::lock_guard<std::mutex> lock(impl_->encoders_mutex);
    for (const auto& e : impl_->encoders)
      if (e) encoders[std::string(codec_name(e->options().codec))] = e->status();
  }
  j["encoders"] = encoders;
  j["webrtc"] = impl_->webrtc ? impl_->webrtc->status() : nlohmann::json(nullptr);
  nlohmann::json publish = nlohmann::json::array();
  for (const auto& p : impl_->publishers) publish.push_back(p->status());
  j["publish"] = publish;
  j["rtsp"] = impl_->rtsp ? impl_->rtsp->status() : nlohmann::json(nullptr);
  return j;
}

std::string VideoOutputs::metrics() const {
  PrometheusText m;
  const nlohmann::json s = status();
  const struct {
    const char* name;
    PrometheusText::Type type;
    const char* help;
    const char* field;  // of the encoder's status
  } per_codec[] = {
      {"posecast_video_encoded_frames_total", PrometheusText::kCounter,
       "Frames encoded, per codec.", "frames_out"},
      {"posecast_video_encoded_bytes_total", PrometheusText::kCounter,
       "Bytes of encoded video, per codec.", "bytes_out"},
      {"posecast_video_encode_ms", PrometheusText::kGauge,
       "Median time from frame to encoded frame.", "encode_ms"},
  };
  const nlohmann::json& encoders = s["encoders"];
  for (const auto& metric : per_codec) {
    if (encoders.empty()) break;  // no encoder: no family
    m.family(metric.name, metric.type, metric.help);
    for (const auto& [codec, e] : encoders.items()) {
      const nlohmann::json& value = e[metric.field];
      if (value.is_number_integer())
        m.sample(metric.name, {{"codec", codec}}, value.get<int64_t>());
      else
        m.sample(metric.name, {{"codec", codec}}, value.get<double>());
    }
  }
  if (impl_->webrtc) m.gauge("posecast_webrtc_peers", "WebRTC viewers.", impl_->webrtc->peers());
  return m.str();
}

void VideoOutputs::set_error_sink(std::function<void(const std::string& message)> sink) {
  std::lock_guard<std::mutex> lock(impl_->error_mutex);
  impl_->on_error = std::move(sink);
}

void VideoOutputs::stop() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->encoders_mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  if (impl_->webrtc) impl_->webrtc->close_all();
  for (auto& p : impl_->publishers) p->stop();
  if (impl_->rtsp) impl_->rtsp->stop();
  // Consumers are gone: the encoders can go (no callback runs into a stopped consumer).
  std::lock_guard<std::mutex> lock(impl_->encoders_mutex);
  for (auto& e : impl_->encoders)
    if (e) e->stop();
}

}  // namespace posecast
