// Publishing the encoded stream to a media server (RTMP to nginx-rtmp, RTP to Janus), with
// reconnects. See include/posecast/stream_publisher.h.
#include "posecast/stream_publisher.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "encoded_buffer.h"
#include "gst_ptr.h"
#include "posecast/host_port.h"

namespace posecast {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kUsage =
    "use rtmp://HOST[:PORT]/APP/STREAM or rtp://HOST:PORT[?codec=vp8|h264&pt=96]";

Error bad_url(std::string_view url, const std::string& why) {
  return Error("bad --publish URL '" + std::string(url) + "': " + why);
}

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "HOST", "HOST:PORT", "[V6]" or "[V6]:PORT" (posecast/host_port.h) into `target`'s host and
// port; `target.port` is the scheme's default (0 for none).
Status parse_authority(std::string_view url, std::string_view authority, PublishTarget& target) {
  if (authority.find('@') != std::string_view::npos)
    return bad_url(url, "user names/passwords in the URL are not supported");
  auto address = parse_host_port(authority, HostPortRules::connecting(target.port));
  if (!address) return bad_url(url, address.error().message());
  target.host = std::move(address->host);
  target.port = address->port;
  return Status::Ok();
}

}  // namespace

Result<PublishTarget> parse_publish_url(std::string_view url) {
  for (unsigned char c : url)
    if (std::isspace(c) || std::iscntrl(c))
      return bad_url(url, "spaces and control characters are not allowed");
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad_url(url, std::string(kUsage));
  const std::string scheme = lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  const size_t authority_end = std::min(rest.find('/'), rest.find('?'));
  const std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);

  PublishTarget target;
  target.url = std::string(url);
  if (scheme == "rtmp" || scheme == "rtmps") {
    target.kind = PublishTarget::kRtmp;
    target.codec = VideoCodec::kH264;
    target.tls = scheme == "rtmps";
    target.port = target.tls ? 443 : 1935;
    if (Status s = parse_authority(url, authority, target); !s.ok()) return s.error();
    // "/APP/STREAM": the stream is everything after the application (a stream key may hold
    // more slashes or a query).
    if (rest.empty() || rest.front() != '/')
      return bad_url(url, scheme + ":// needs /APP/STREAM after the host (e.g. /live/pose)");
    rest.remove_prefix(1);
    const size_t slash = rest.find('/');
    target.app = std::string(rest.substr(0, slash));
    target.stream = slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1));
    if (target.app.empty()) return bad_url(url, "no application (rtmp://HOST/APP/STREAM)");
    if (target.stream.empty())
      return bad_url(url, "no stream name after the application '" + target.app +
                              "' (rtmp://HOST/" + target.app + "/STREAM)");
    return target;
  }
  if (scheme == "rtp") {
    target.kind = PublishTarget::kRtp;
    target.codec = VideoCodec::kVp8;
    if (Status s = parse_authority(url, authority, target); !s.ok()) return s.error();
    if (target.port == 0) return bad_url(url, "rtp:// needs a port (rtp://HOST:PORT)");
    if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    if (!rest.empty() && rest.front() != '?')
      return bad_url(url, "rtp:// takes no path, only ?codec=vp8|h264&pt=96");
    if (!rest.empty()) rest.remove_prefix(1);
    while (!rest.empty()) {
      const size_t amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      const size_t eq = pair.find('=');
      const std::string key = lower(pair.substr(0, eq));
      const std::string value = eq == std::string_view::npos ? "" : lower(pair.substr(eq + 1));
      if (key == "codec") {
        if (value == "vp8") {
          target.codec = VideoCodec::kVp8;
        } else if (value == "h264") {
          target.codec = VideoCodec::kH264;
        } else {
          return bad_url(url, "codec '" + value + "' is not vp8 or h264");
        }
      } else if (key == "pt") {
        const std::optional<int> pt = parse_int(value);
        if (!pt || *pt < 96 || *pt > 127)
          return bad_url(url, "pt '" + value + "' is not a dynamic payload type 96-127");
        target.payload_type = *pt;
      } else if (!key.empty()) {
        return bad_url(url, "unknown parameter '" + key + "' (codec, pt)");
      }
    }
    return target;
  }
  return bad_url(url, "unknown scheme '" + scheme + "': " + std::string(kUsage));
}

// ---------------------------------------------------------------------------------------------

struct StreamPublisher::Impl {
  Impl(PublishTarget t, VideoEncoder& e, StreamPublisherOptions o, bool use_rtmp2)
      : target(std::move(t)), encoder(e), options(std::move(o)), rtmp2(use_rtmp2) {}

  const PublishTarget target;
  VideoEncoder& encoder;
  const StreamPublisherOptions options;
  const bool rtmp2;  // rtmp2sink (GIO, byte counts); else librtmp's rtmpsink
  int subscription = -1;
  std::thread thread;

  mutable std::mutex mutex;  // everything below
  std::condition_variable wake;
  bool stopping = false;
  publish::GstElementPtr appsrc;  // the current pipeline's; null between pipelines
  bool need_keyframe = true;      // after a (re)connect or a drop: skip until a key frame
  std::string state = "connecting";
  std::string last_error;
  int64_t frames = 0, frames_dropped = 0, bytes = 0, bytes_sent = 0;
  int64_t frames_this_connection = 0;
  int reconnects = 0;

  std::string pipeline_description() const {
    const std::string src =
        "appsrc name=src is-live=true do-timestamp=true format=time block=false ";
    if (target.kind == PublishTarget::kRtmp)
      return src + "! h264parse ! flvmux streamable=true ! " + (rtmp2 ? "rtmp2sink" : "rtmpsink") +
             " name=sink sync=false async=false";
    // SPS/PPS go with every IDR (config-interval=-1), so a relay's late joiner can start at
    // the next key frame; 1200-byte packets leave room for SRTP on a WebRTC relay.
    const std::string pay =
        target.codec == VideoCodec::kH264 ? "rtph264pay config-interval=-1" : "rtpvp8pay";
    return src + "! " + pay + " mtu=1200 pt=" + std::to_string(target.payload_type) +
           " ! udpsink name=sink sync=false async=false";
  }

  // A new pipeline for one connection attempt, or the reason there is none.
  Result<publish::GstElementPtr> build() const {
    GError* error = nullptr;
    auto pipeline =
        publish::adopt_floating(gst_parse_launch(pipeline_description().c_str(), &error));
    // An error with a pipeline is a warning-level "could not link" etc.: the pipeline is there.
    const std::string why = publish::take_error_text(error, "cannot build the pipeline");
    if (!pipeline) return Error(why);
    const publish::GstCapsPtr caps(
        gst_caps_from_string(std::string(encoded_caps(target.codec)).c_str()));
    gst_app_src_set_caps(GST_APP_SRC(publish::bin_child(pipeline.get(), "src").get()), caps.get());
    const publish::GstElementPtr sink = publish::bin_child(pipeline.get(), "sink");
    if (target.kind == PublishTarget::kRtp) {
      g_object_set(sink.get(), "host", target.host.c_str(), "port", static_cast<int>(target.port),
                   nullptr);
    } else if (rtmp2) {
      gst_util_set_object_arg(G_OBJECT(sink.get()), "scheme", target.tls ? "rtmps" : "rtmp");
      g_object_set(sink.get(), "host", target.host.c_str(), "port", static_cast<int>(target.port),
                   "application", target.app.c_str(), "stream", target.stream.c_str(), nullptr);
    } else {
      const std::string location = target.url + " live=1";
      g_object_set(sink.get(), "location", location.c_str(), nullptr);
    }
    return pipeline;
  }

  // The encoder's thread: hand the frame over or drop it; never wait.
  void on_frame(const EncodedFrame& frame) {
    publish::GstElementPtr src;
    bool ask_keyframe = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!appsrc || stopping) return;
      if (need_keyframe && !frame.keyframe) {
        ++frames_dropped;
        return;
      }
      if (gst_app_src_get_current_level_buffers(GST_APP_SRC(appsrc.get())) >=
          static_cast<guint64>(options.max_queued_frames)) {
        // The server (or the network) is slower than the encoder: drop, and resume at a key
        // frame so that no viewer sees a smeared picture.
        ++frames_dropped;
        ask_keyframe = !need_keyframe;
        need_keyframe = true;
      } else {
        need_keyframe = false;
        src.reset(GST_ELEMENT(gst_object_ref(appsrc.get())));
        ++frames;
        ++frames_this_connection;
        bytes += static_cast<int64_t>(frame.data->size());
      }
    }
    if (ask_keyframe) encoder.request_keyframe();
    if (!src) return;
    gst_app_src_push_buffer(GST_APP_SRC(src.get()),
                            publish::wrap_encoded_frame(frame));  // takes it
  }

  // Watches one running pipeline until it fails, ends, or stop(); returns why it ended.
  std::string watch(GstElement* pipeline, GstElement* sink) {
    const publish::GstBusPtr bus(gst_element_get_bus(pipeline));
    std::string ended;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (stopping) break;
      }
      const publish::GstMessagePtr message(gst_bus_timed_pop_filtered(
          bus.get(), 100 * GST_MSECOND,
          static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS)));
      if (message) {
        ended = GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_ERROR
                    ? publish::message_error_text(message.get())
                    : "the server ended the stream";
        break;
      }
      update_state(sink);
    }
    return ended;
  }

  // "publishing" once the server takes data: RTMP, when bytes went out over the connection;
  // RTP (no connection), as soon as frames are sent.
  void update_state(GstElement* sink) {
    int64_t sent = -1;
    if (target.kind == PublishTarget::kRtmp && rtmp2) {
      GstStructure* stats_out = nullptr;
      g_object_get(sink, "stats", &stats_out, nullptr);
      const publish::GstStructurePtr stats(stats_out);
      guint64 out_bytes = 0;
      if (stats && gst_structure_get_uint64(stats.get(), "out-bytes-total", &out_bytes))
        sent = static_cast<int64_t>(out_bytes);
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (sent >= 0) bytes_sent = connection_bytes_base + sent;
    const bool flowing = frames_this_connection > 0 && (sent < 0 || sent > 0);
    if (flowing && state != "publishing") {
      state = "publishing";
      published_since = Clock::now();
    }
  }

  void run() {
    std::chrono::milliseconds backoff = options.retry_initial;
    for (;;) {
      std::string failure;
      Result<publish::GstElementPtr> built = build();
      if (!built) {
        failure = built.error().message();
      } else {
        GstElement* pipeline = built.value().get();
        const publish::GstElementPtr sink = publish::bin_child(pipeline, "sink");
        {
          std::lock_guard<std::mutex> lock(mutex);
          appsrc = publish::bin_child(pipeline, "src");
          need_keyframe = true;
          frames_this_connection = 0;
          connection_bytes_base = bytes_sent;
          state = "connecting";
        }
        if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
          failure = first_error(pipeline);
        } else {
          encoder.request_keyframe();
          failure = watch(pipeline, sink.get());
        }
        publish::GstElementPtr old_src;  // released outside the lock
        bool had_published = false;
        {
          std::lock_guard<std::mutex> lock(mutex);
          std::swap(old_src, appsrc);
          had_published =
              state == "publishing" && Clock::now() - published_since > std::chrono::seconds(5);
        }
        gst_element_set_state(pipeline, GST_STATE_NULL);
        built.value().reset();
        if (had_published) backoff = options.retry_initial;  // it had worked: retry soon
      }
      std::unique_lock<std::mutex> lock(mutex);
      if (stopping) break;
      ++reconnects;
      state = "retrying";
      std::ostringstream message;
      message << target.url << ": " << (failure.empty() ? "disconnected" : failure)
              << " (retrying in " << backoff.count() / 1000.0 << " s)";
      last_error = message.str();
      if (options.on_error) {
        lock.unlock();
        options.on_error(message.str());
        lock.lock();
      }
      if (wake.wait_for(lock, backoff, [this] { return stopping; })) break;
      backoff = std::min(backoff * 2, options.retry_max);
    }
    std::lock_guard<std::mutex> lock(mutex);
    state = "stopped";
  }

  // The error a pipeline posted while failing to start.
  static std::string first_error(GstElement* pipeline) {
    const publish::GstBusPtr bus(gst_element_get_bus(pipeline));
    const publish::GstMessagePtr message(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
    if (!message) return "the pipeline did not start";
    return publish::message_error_text(message.get());
  }

  int64_t connection_bytes_base = 0;  // bytes_sent before this connection (guarded by mutex)
  Clock::time_point published_since;  // guarded by mutex
};

Result<std::unique_ptr<StreamPublisher>> StreamPublisher::start(const PublishTarget& target,
                                                                VideoEncoder& encoder,
                                                                StreamPublisherOptions options) {
  if (Status s = init_gstreamer(); !s.ok()) return s.error();
  const VideoCodec encoded = encoder.options().codec;
  if (target.kind == PublishTarget::kRtmp && target.codec != VideoCodec::kH264)
    return Error(target.url + ": RTMP carries H.264 only");
  if (encoded != target.codec)
    return Error(target.url + ": the stream should be " + std::string(codec_name(target.codec)) +
                 " but the encoder makes " + std::string(codec_name(encoded)));
  bool rtmp2 = false;
  std::vector<std::pair<const char*, const char*>> needed = {
      {"appsrc", "gstreamer1.0-plugins-base"}};
  if (target.kind == PublishTarget::kRtmp) {
    needed.push_back({"h264parse", "gstreamer1.0-plugins-bad"});
    needed.push_back({"flvmux", "gstreamer1.0-plugins-good"});
    rtmp2 = require_gst_element("rtmp2sink", "gstreamer1.0-plugins-bad").ok();
    if (!rtmp2) needed.push_back({"rtmpsink", "gstreamer1.0-plugins-bad"});
    if (target.tls && !rtmp2)
      return Error(target.url +
                   ": rtmps:// needs GStreamer's rtmp2sink (gstreamer1.0-plugins-bad)");
  } else {
    needed.push_back({target.codec == VideoCodec::kH264 ? "rtph264pay" : "rtpvp8pay",
                      "gstreamer1.0-plugins-good"});
    needed.push_back({"udpsink", "gstreamer1.0-plugins-good"});
  }
  for (const auto& [element, package] : needed)
    if (Status s = require_gst_element(element, package); !s.ok())
      return Error(target.url + ": " + s.error().message());

  auto impl = std::make_unique<Impl>(target, encoder, std::move(options), rtmp2);
  Impl* p = impl.get();
  p->thread = std::thread([p] { p->run(); });
  p->subscription = encoder.subscribe([p](const EncodedFrame& frame) { p->on_frame(frame); });
  return std::unique_ptr<StreamPublisher>(new StreamPublisher(std::move(impl)));
}

StreamPublisher::StreamPublisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StreamPublisher::~StreamPublisher() { stop(); }

const PublishTarget& StreamPublisher::target() const { return impl_->target; }

void StreamPublisher::stop() {
  if (impl_->subscription >= 0) {
    impl_->encoder.unsubscribe(impl_->subscription);  // no frame arrives after this
    impl_->subscription = -1;
  }
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

nlohmann::json StreamPublisher::status() const {
  const Impl& p = *impl_;
  std::lock_guard<std::mutex> lock(p.mutex);
  nlohmann::json status = {{"url", p.target.url},
                           {"kind", p.target.kind == PublishTarget::kRtmp ? "rtmp" : "rtp"},
                           {"codec", codec_name(p.target.codec)},
                           {"state", p.state},
                           {"frames", p.frames},
                           {"frames_dropped", p.frames_dropped},
                           {"bytes", p.bytes},
                           {"last_error", p.last_error},
                           {"reconnects", p.reconnects}};
  if (p.target.kind == PublishTarget::kRtmp && p.rtmp2) status["bytes_sent"] = p.bytes_sent;
  return status;
}

}  // namespace posecast
