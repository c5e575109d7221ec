// GStreamer encoder: appsrc (BGR) ! videoconvert ! encoder ! appsink, one per codec; every encoded
// frame goes to each subscriber. See include/posecast/video_encoder.h.
#include "posecast/video_encoder.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "gst_ptr.h"

namespace posecast {

namespace {

using Clock = std::chrono::steady_clock;

std::string gst_error_text(GError* error) {
  return publish::take_error_text(error, "unknown GStreamer error");
}

// The Debian package that ships each element this file uses, for the error message.
const char* package_of(std::string_view element) {
  if (element == "x264enc") return "gstreamer1.0-plugins-ugly";
  if (element == "vp8enc") return "gstreamer1.0-plugins-good";
  return "gstreamer1.0-plugins-base";
}

Status check_encoder_options(const VideoEncoderOptions& options) {
  if (options.width <= 0 || options.height <= 0 || options.width % 2 || options.height % 2)
    return Error("bad video size " + std::to_string(options.width) + "x" +
                 std::to_string(options.height) + ": width and height must be even and > 0");
  if (!(options.fps > 0 && options.fps <= 240))
    return Error("bad video frame rate " + std::to_string(options.fps) + ": use 1-240");
  if (options.bitrate_kbps < 50 || options.bitrate_kbps > 100000)
    return Error("bad video bitrate " + std::to_string(options.bitrate_kbps) +
                 " kbit/s: use 50-100000");
  if (options.keyframe_interval < 1)
    return Error("bad key frame interval " + std::to_string(options.keyframe_interval));
  const char* encoder_element = options.codec == VideoCodec::kH264 ? "x264enc" : "vp8enc";
  for (const char* element : {"appsrc", "videoconvert", "appsink", encoder_element})
    if (Status s = require_gst_element(element, package_of(element)); !s.ok()) return s;
  return Status::Ok();
}

// The encoder element and what follows it up to the encoded caps.
std::string encoder_description(const VideoEncoderOptions& options) {
  const std::string threads = std::to_string(std::max(0, options.threads));
  if (options.codec == VideoCodec::kH264) {
    // zerolatency: no B-frames, no lookahead, sliced threads; constrained baseline plays
    // everywhere (browsers via WebRTC/HLS, VLC, NVRs); SPS/PPS repeated before each key frame so
    // that anybody can join at a key frame.
    return "x264enc name=encoder tune=zerolatency speed-preset=ultrafast bitrate=" +
           std::to_string(options.bitrate_kbps) +
           " key-int-max=" + std::to_string(options.keyframe_interval) + " threads=" + threads +
           " ! video/x-h264,profile=constrained-baseline ! h264parse config-interval=-1";
  }
  // Realtime mode, no frame lag, constant bitrate: the settings WebRTC senders use.
  return "vp8enc name=encoder deadline=1 cpu-used=8 lag-in-frames=0 end-usage=cbr "
         "error-resilient=default target-bitrate=" +
         std::to_string(options.bitrate_kbps * 1000) +
         " keyframe-max-dist=" + std::to_string(options.keyframe_interval) +
         " threads=" + (options.threads > 0 ? threads : "1");
}

// appsrc (BGR, newest frame only) ! videoconvert ! encoder ! appsink.
std::string pipeline_description(const VideoEncoderOptions& options) {
  const int fps_num = static_cast<int>(std::lround(options.fps * 1000));
  return "appsrc name=" + std::string(codec_name(options.codec)) +
         "-frames is-live=true format=time do-timestamp=false block=false "
         "max-buffers=1 leaky-type=downstream caps=video/x-raw,format=BGR,width=" +
         std::to_string(options.width) + ",height=" + std::to_string(options.height) +
         ",framerate=" + std::to_string(fps_num) +
         "/1000 ! videoconvert name=convert ! video/x-raw,format=I420 ! " +
         encoder_description(options) + " ! " + std::string(encoded_caps(options.codec)) +
         " ! appsink name=sink sync=false max-buffers=8 drop=false";
}

}  // namespace

std::string_view codec_name(VideoCodec codec) {
  return codec == VideoCodec::kH264 ? "h264" : "vp8";
}

std::string_view encoded_caps(VideoCodec codec) {
  return codec == VideoCodec::kH264 ? "video/x-h264,stream-format=byte-stream,alignment=au"
                                    : "video/x-vp8";
}

Status init_gstreamer() {
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    GError* error = nullptr;
    if (!gst_init_check(nullptr, nullptr, &error))
      failure = "cannot start GStreamer: " + gst_error_text(error);
  });
  if (!failure.empty()) return Error(failure);
  return Status::Ok();
}

Status require_gst_element(std::string_view element, std::string_view debian_package) {
  if (Status s = init_gstreamer(); !s.ok()) return s;
  const publish::GstObjectPtr<GstElementFactory> factory(
      gst_element_factory_find(std::string(element).c_str()));
  if (!factory)
    return Error("GStreamer element '" + std::string(element) + "' not found: install " +
                 std::string(debian_package));
  return Status::Ok();
}

struct VideoEncoder::Impl {
  VideoEncoderOptions options;
  publish::GstElementPtr pipeline;
  publish::GstElementPtr appsrc;   // in the pipeline
  publish::GstElementPtr appsink;  // in the pipeline
  Clock::time_point started = Clock::now();
  int64_t frame_duration_ns = 0;
  std::atomic<bool> stopped{false};

  // What push() knew of each frame, found again by its timestamp when it comes out encoded.
  struct Pending {
    int64_t pts_ns, frame, capture_unix_ms;
    Clock::time_point pushed;
  };
  std::mutex pending_mutex;
  std::deque<Pending> pending;  // pushed, not yet taken by the encoder (appsrc may drop them)
  std::deque<Pending> entered;
  int64_t frames_entered = 0;  // taken by the encoder, in order; encoders here emit 1 per frame
  int64_t last_pts_ns = -1;

  // Subscribers are called with subscribers_mutex held, so unsubscribe() returning means the
  // callback is not running and will not run again.
  struct Subscriber {
    EncodedFrameCallback callback;
    bool waiting_for_keyframe = true;
  };
  std::mutex subscribers_mutex;
  std::map<int, Subscriber> subscribers;
  int next_id = 1;

  mutable std::mutex stats_mutex;
  VideoEncoderStats stats;
  std::deque<double> encode_times_ms;  // the last 120
  std::string last_error;

  ~Impl() {
    if (pipeline) gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  }

  void on_sample(GstSample* sample) {
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    if (!buffer) return;
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
    EncodedFrame out;
    out.codec = options.codec;
    out.data = std::make_shared<const std::vector<uint8_t>>(map.data, map.data + map.size);
    gst_buffer_unmap(buffer, &map);
    out.keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    out.pts_ns = GST_BUFFER_PTS_IS_VALID(buffer) ? static_cast<int64_t>(GST_BUFFER_PTS(buffer)) : 0;
    out.duration_ns = frame_duration_ns;
    double encode_ms = -1;
    {
      std::lock_guard<std::mutex> lock(pending_mutex);
      // The encoders run without reordering or lag (zerolatency, lag-in-frames=0): the output
      // is the oldest frame that went in. (Output timestamps are the encoder's own: x264enc
      // shifts them.)
      if (!entered.empty()) {
        out.frame = entered.front().frame;
        out.capture_unix_ms = entered.front().capture_unix_ms;
        encode_ms = std::chrono::duration<double, std::milli>(Clock::now() - entered.front().pushed)
                        .count();
        entered.pop_front();
      }
    }
    {
      std::lock_guard<std::mutex> lock(stats_mutex);
      ++stats.frames_out;
      stats.keyframes += out.keyframe;
      stats.bytes_out += static_cast<int64_t>(out.data->size());
      if (encode_ms >= 0) {
        encode_times_ms.push_back(encode_ms);
        if (encode_times_ms.size() > 120) encode_times_ms.pop_front();
      }
    }
    std::lock_guard<std::mutex> lock(subscribers_mutex);
    for (auto& [id, subscriber] : subscribers) {
      if (subscriber.waiting_for_keyframe && !out.keyframe) continue;
      subscriber.waiting_for_keyframe = false;
      subscriber.callback(out);
    }
  }

  // A frame reaching the converter left appsrc's queue (older waiting ones were dropped there).
  static GstPadProbeReturn on_frame_entering(GstPad*, GstPadProbeInfo* info, gpointer self) {
    auto* impl = static_cast<Impl*>(self);
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (!buffer) return GST_PAD_PROBE_OK;
    const auto pts = static_cast<int64_t>(GST_BUFFER_PTS(buffer));
    std::lock_guard<std::mutex> lock(impl->pending_mutex);
    while (!impl->pending.empty() && impl->pending.front().pts_ns < pts) impl->pending.pop_front();
    ++impl->frames_entered;
    if (!impl->pending.empty() && impl->pending.front().pts_ns == pts) {
      impl->entered.push_back(impl->pending.front());
      impl->pending.pop_front();
      if (impl->entered.size() > 64) impl->entered.pop_front();
    }
    return GST_PAD_PROBE_OK;
  }

  static GstFlowReturn new_sample(GstAppSink* sink, gpointer self) {
    const publish::GstSamplePtr sample(gst_app_sink_pull_sample(sink));
    if (!sample) return GST_FLOW_EOS;
    static_cast<Impl*>(self)->on_sample(sample.get());
    return GST_FLOW_OK;
  }

  // Errors are posted from streaming threads; kept for status() (the stream itself goes on as
  // far as GStreamer lets it).
  static GstBusSyncReply on_bus_message(GstBus*, GstMessage* message, gpointer self) {
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
      GError* error = nullptr;
      gst_message_parse_error(message, &error, nullptr);
      auto* impl = static_cast<Impl*>(self);
      std::lock_guard<std::mutex> lock(impl->stats_mutex);
      impl->last_error = gst_error_text(error);
    }
    return GST_BUS_DROP;
  }

  // The pipeline made and wired to this object; not yet playing.
  Status build() {
    const std::string name(codec_name(options.codec));
    GError* error = nullptr;
    pipeline =
        publish::adopt_floating(gst_parse_launch(pipeline_description(options).c_str(), &error));
    if (!pipeline || error) {
      pipeline.reset();
      return Error("cannot build the " + name + " encoder: " + gst_error_text(error));
    }
    // Its streaming thread, which also converts and encodes, is named "h264-frames:src" or
    // "vp8-frames:src": per-thread CPU time is the encoder's cost (scripts/bench-stream.sh).
    appsrc = publish::bin_child(pipeline.get(), (name + "-frames").c_str());
    appsink = publish::bin_child(pipeline.get(), "sink");
    const publish::GstElementPtr convert = publish::bin_child(pipeline.get(), "convert");
    const publish::GstPadPtr convert_sink(gst_element_get_static_pad(convert.get(), "sink"));
    gst_pad_add_probe(convert_sink.get(), GST_PAD_PROBE_TYPE_BUFFER, &Impl::on_frame_entering, this,
                      nullptr);
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = &Impl::new_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(appsink.get()), &callbacks, this, nullptr);
    const publish::GstBusPtr bus(gst_element_get_bus(pipeline.get()));
    gst_bus_set_sync_handler(bus.get(), &Impl::on_bus_message, this, nullptr);
    return Status::Ok();
  }
};

Result<std::unique_ptr<VideoEncoder>> VideoEncoder::start(VideoEncoderOptions options) {
  if (Status s = check_encoder_options(options); !s.ok()) return s.error();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->frame_duration_ns = static_cast<int64_t>(1e9 / options.fps);
  if (Status s = impl->build(); !s.ok()) return s.error();
  if (gst_element_set_state(impl->pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    return Error("cannot start the " + std::string(codec_name(options.codec)) + " encoder");
  impl->started = Clock::now();
  return std::unique_ptr<VideoEncoder>(new VideoEncoder(std::move(impl)));
}

VideoEncoder::VideoEncoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoEncoder::~VideoEncoder() { stop(); }

void VideoEncoder::push(const cv::Mat& bgr, int64_t frame, int64_t capture_unix_ms) {
  Impl& i = *impl_;
  if (i.stopped || bgr.empty() || bgr.type() != CV_8UC3) return;
  const auto now = Clock::now();
  int64_t pts = std::chrono::duration_cast<std::chrono::nanoseconds>(now - i.started).count();
  {
    std::lock_guard<std::mutex> lock(i.pending_mutex);
    if (pts <= i.last_pts_ns) pts = i.last_pts_ns + 1;  // strictly increasing for the encoder
    i.last_pts_ns = pts;
    i.pending.push_back({pts, frame, capture_unix_ms, now});
    if (i.pending.size() > 64) i.pending.pop_front();
  }
  const size_t bytes = static_cast<size_t>(i.options.width) * i.options.height * 3;
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, bytes, nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  cv::Mat target(i.options.height, i.options.width, CV_8UC3, map.data);
  if (bgr.cols == i.options.width && bgr.rows == i.options.height)
    bgr.copyTo(target);
  else
    cv::resize(bgr, target, target.size(), 0, 0, cv::INTER_AREA);
  gst_buffer_unmap(buffer, &map);
  GST_BUFFER_PTS(buffer) = static_cast<GstClockTime>(pts);
  GST_BUFFER_DURATION(buffer) = static_cast<GstClockTime>(i.frame_duration_ns);
  {
    std::lock_guard<std::mutex> lock(i.stats_mutex);
    ++i.stats.frames_in;
  }
  gst_app_src_push_buffer(GST_APP_SRC(i.appsrc.get()), buffer);  // takes the buffer
}

int VideoEncoder::subscribe(EncodedFrameCallback callback) {
  int id;
  {
    std::lock_guard<std::mutex> lock(impl_->subscribers_mutex);
    id = impl_->next_id++;
    impl_->subscribers[id] = {std::move(callback), true};
  }
  request_keyframe();
  return id;
}

void VideoEncoder::unsubscribe(int id) {
  std::lock_guard<std::mutex> lock(impl_->subscribers_mutex);
  impl_->subscribers.erase(id);
}

void VideoEncoder::request_keyframe() {
  if (impl_->stopped) return;
  // Upstream from the sink: the encoder turns the next frame into a key frame (with SPS/PPS).
  GstEvent* event = gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0);
  const publish::GstPadPtr pad(gst_element_get_static_pad(impl_->appsink.get(), "sink"));
  gst_pad_push_event(pad.get(), event);  // from a sink pad: goes upstream
}

const VideoEncoderOptions& VideoEncoder::options() const { return impl_->options; }

VideoEncoderStats VideoEncoder::stats() const {
  VideoEncoderStats s;
  {
    std::lock_guard<std::mutex> lock(impl_->stats_mutex);
    s = impl_->stats;
    std::vector<double> times(impl_->encode_times_ms.begin(), impl_->encode_times_ms.end());
    if (!times.empty()) {
      std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
      s.encode_ms = times[times.size() / 2];
    }
  }
  {
    // Pushed, but neither taken by the encoder nor waiting: dropped by appsrc's newest-only queue.
    std::lock_guard<std::mutex> lock(impl_->pending_mutex);
    s.frames_dropped = std::max<int64_t>(
        0, s.frames_in - impl_->frames_entered - static_cast<int64_t>(impl_->pending.size()));
  }
  s.subscribers = subscribers();
  return s;
}

int VideoEncoder::subscribers() const {
  std::lock_guard<std::mutex> lock(impl_->subscribers_mutex);
  return static_cast<int>(impl_->subscribers.size());
}

nlohmann::json VideoEncoder::status() const {
  const VideoEncoderStats s = stats();
  const double seconds = std::chrono::duration<double>(Clock::now() - impl_->started).count();
  nlohmann::json j = {{"codec", codec_name(impl_->options.codec)},
                      {"width", impl_->options.width},
                      {"height", impl_->options.height},
                      {"bitrate_kbps", impl_->options.bitrate_kbps},
                      {"keyframe_interval", impl_->options.keyframe_interval},
                      {"frames_in", s.frames_in},
                      {"frames_out", s.frames_out},
                      {"frames_dropped", s.frames_dropped},
                      {"keyframes", s.keyframes},
                      {"bytes_out", s.bytes_out},
                      {"measured_kbps", seconds > 0 ? s.bytes_out * 8 / 1000.0 / seconds : 0.0},
                      {"encode_ms", s.encode_ms},
                      {"subscribers", s.subscribers}};
  std::lock_guard<std::mutex> lock(impl_->stats_mutex);
  if (!impl_->last_error.empty()) j["error"] = impl_->last_error;
  return j;
}

void VideoEncoder::stop() {
  if (!impl_ || impl_->stopped.exchange(true)) return;
  gst_app_src_end_of_stream(GST_APP_SRC(impl_->appsrc.get()));
  gst_element_set_state(impl_->pipeline.get(), GST_STATE_NULL);
  std::lock_guard<std::mutex> lock(impl_->subscribers_mutex);
  impl_->subscribers.clear();
}

}  // namespace posecast
