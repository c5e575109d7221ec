// posecast's own RTSP server (gst-rtsp-server): rtsp://HOST:PORT/live, one shared media fed with
// the H.264 encoder's frames while somebody plays. See include/posecast/stream_publisher.h.
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "encoded_buffer.h"
#include "gst_ptr.h"
#include "posecast/host_port.h"
#include "posecast/stream_publisher.h"

namespace posecast {

namespace {

constexpr const char* kMountPath = "/live";
// One media for every client: the frames are encoded once and payloaded once. SPS/PPS go with
// every IDR (config-interval=-1) so that a client joining a shared media starts at a key frame.
constexpr const char* kLaunch =
    "( appsrc name=src is-live=true do-timestamp=true format=time block=false ! h264parse ! "
    "rtph264pay name=pay0 pt=96 config-interval=-1 )";
constexpr guint64 kMaxQueuedFrames = 30;

std::string url_host(const std::string& host) {
  if (host == "0.0.0.0" || host.empty()) return "127.0.0.1";
  if (host == "::") return "[::1]";
  return bracket_ipv6(host);
}

}  // namespace

struct RtspServer::Impl {
  Impl(std::string h, VideoEncoder& e) : host(std::move(h)), encoder(e) {}

  // One prepared media's appsrc: fed while the media lives.
  struct Feed {
    publish::GObjectPtr<GstRTSPMedia> media;
    publish::GstElementPtr src;
    bool need_keyframe = true;
  };

  const std::string host;
  uint16_t port = 0;
  VideoEncoder& encoder;
  // Released in the reverse order: the listening source first, the main context last.
  publish::GPtr<GMainContext, g_main_context_unref> context;
  publish::GPtr<GMainLoop, g_main_loop_unref> loop;
  publish::GObjectPtr<GstRTSPServer> server;
  publish::GObjectPtr<GstRTSPMediaFactory> factory;  // the server's mount points hold another
  publish::GPtr<GSource, g_source_unref> source;
  std::thread thread;
  bool stopped = false;

  std::mutex subscription_mutex;  // subscription; never held while the encoder calls on_frame
  int subscription = -1;

  mutable std::mutex mutex;  // everything below
  std::vector<Feed> feeds;
  int clients = 0;
  int64_t clients_total = 0, frames = 0, bytes = 0;

  // The encoder's thread: every playing media gets the frame, or skips it when its queue is full
  // (then it waits for the next key frame); never waits.
  void on_frame(const EncodedFrame& frame) {
    std::vector<publish::GstElementPtr> targets;
    bool ask_keyframe = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      for (Feed& feed : feeds) {
        if (feed.need_keyframe && !frame.keyframe) continue;
        if (gst_app_src_get_current_level_buffers(GST_APP_SRC(feed.src.get())) >=
            kMaxQueuedFrames) {
          ask_keyframe |= !feed.need_keyframe;
          feed.need_keyframe = true;
          continue;
        }
        feed.need_keyframe = false;
        targets.emplace_back(GST_ELEMENT(gst_object_ref(feed.src.get())));
      }
      if (!targets.empty()) {
        ++frames;
        bytes += static_cast<int64_t>(frame.data->size());
      }
    }
    if (ask_keyframe) encoder.request_keyframe();
    for (const publish::GstElementPtr& src : targets)
      gst_app_src_push_buffer(GST_APP_SRC(src.get()), publish::wrap_encoded_frame(frame));
  }

  void subscribe_if_needed() {
    std::lock_guard<std::mutex> lock(subscription_mutex);
    if (subscription >= 0) {
      encoder.request_keyframe();  // a new media needs one to preroll
      return;
    }
    subscription = encoder.subscribe([this](const EncodedFrame& frame) { on_frame(frame); });
  }

  void unsubscribe() {
    std::lock_guard<std::mutex> lock(subscription_mutex);
    if (subscription < 0) return;
    encoder.unsubscribe(subscription);
    subscription = -1;
  }

  // Signals, all on the server's main loop thread.
  static void on_media_configure(GstRTSPMediaFactory*, GstRTSPMedia* media, gpointer self) {
    auto* impl = static_cast<Impl*>(self);
    const publish::GstElementPtr element(gst_rtsp_media_get_element(media));
    publish::GstElementPtr src(gst_bin_get_by_name_recurse_up(GST_BIN(element.get()), "src"));
    if (!src) return;
    const publish::GstCapsPtr caps(
        gst_caps_from_string(std::string(encoded_caps(VideoCodec::kH264)).c_str()));
    gst_app_src_set_caps(GST_APP_SRC(src.get()), caps.get());
    g_signal_connect(media, "unprepared", G_CALLBACK(on_media_unprepared), impl);
    {
      std::lock_guard<std::mutex> lock(impl->mutex);
      impl->feeds.push_back({publish::GObjectPtr<GstRTSPMedia>(GST_RTSP_MEDIA(g_object_ref(media))),
                             std::move(src), true});
    }
    impl->subscribe_if_needed();
  }

  static void on_media_unprepared(GstRTSPMedia* media, gpointer self) {
    auto* impl = static_cast<Impl*>(self);
    g_signal_handlers_disconnect_by_data(media, impl);
    bool none_left = false;
    Feed gone;  // released outside the lock
    {
      std::lock_guard<std::mutex> lock(impl->mutex);
      auto it = std::find_if(impl->feeds.begin(), impl->feeds.end(),
                             [media](const Feed& f) { return f.media.get() == media; });
      if (it == impl->feeds.end()) return;
      gone = std::move(*it);
      impl->feeds.erase(it);
      none_left = impl->feeds.empty();
    }
    if (none_left) impl->unsubscribe();  // nobody plays: the encoder's frames stop coming here
  }

  static void on_client_connected(GstRTSPServer*, GstRTSPClient* client, gpointer self) {
    auto* impl = static_cast<Impl*>(self);
    {
      std::lock_guard<std::mutex> lock(impl->mutex);
      ++impl->clients;
      ++impl->clients_total;
    }
    g_signal_connect(client, "closed", G_CALLBACK(on_client_closed), impl);
    g_signal_connect(client, "play-request", G_CALLBACK(on_play_request), impl);
  }

  static void on_client_closed(GstRTSPClient* client, gpointer self) {
    auto* impl = static_cast<Impl*>(self);
    g_signal_handlers_disconnect_by_data(client, impl);
    std::lock_guard<std::mutex> lock(impl->mutex);
    --impl->clients;
  }

  // A client joining a shared media that already runs starts at the next key frame: ask now.
  static void on_play_request(GstRTSPClient*, GstRTSPContext*, gpointer self) {
    static_cast<Impl*>(self)->encoder.request_keyframe();
  }

  static GstRTSPFilterResult disconnect_client(GstRTSPServer*, GstRTSPClient* client,
                                               gpointer self) {
    g_signal_handlers_disconnect_by_data(client, self);
    return GST_RTSP_FILTER_REMOVE;
  }

  // On the main loop thread: drop every client, stop listening, end the loop.
  static gboolean shut_down(gpointer self) {
    auto* impl = static_cast<Impl*>(self);
    gst_rtsp_server_client_filter(impl->server.get(), disconnect_client, impl);
    g_source_destroy(impl->source.get());
    g_main_loop_quit(impl->loop.get());
    return G_SOURCE_REMOVE;
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    if (thread.joinable()) {
      const publish::GPtr<GSource, g_source_unref> idle(g_idle_source_new());
      g_source_set_callback(idle.get(), shut_down, this, nullptr);
      g_source_attach(idle.get(), context.get());
      thread.join();
    }
    g_signal_handlers_disconnect_by_data(server.get(), this);
    if (factory) g_signal_handlers_disconnect_by_data(factory.get(), this);
    std::vector<Feed> left;
    {
      std::lock_guard<std::mutex> lock(mutex);
      left.swap(feeds);
    }
    for (Feed& feed : left) g_signal_handlers_disconnect_by_data(feed.media.get(), this);
  }

  ~Impl() { stop(); }
};

Result<std::unique_ptr<RtspServer>> RtspServer::start(std::string host, uint16_t port,
                                                      VideoEncoder& h264_encoder) {
  const std::string where = host + ":" + std::to_string(port);
  if (h264_encoder.options().codec != VideoCodec::kH264)
    return Error("RTSP at " + where + ": needs the H.264 encoder, not " +
                 std::string(codec_name(h264_encoder.options().codec)));
  if (Status s = init_gstreamer(); !s.ok()) return s.error();
  for (const char* element : {"appsrc", "h264parse", "rtph264pay"}) {
    const char* package = std::string_view(element) == "h264parse" ? "gstreamer1.0-plugins-bad"
                          : std::string_view(element) == "appsrc"  ? "gstreamer1.0-plugins-base"
                                                                   : "gstreamer1.0-plugins-good";
    if (Status s = require_gst_element(element, package); !s.ok())
      return Error("RTSP at " + where + ": " + s.error().message());
  }

  auto impl = std::make_unique<Impl>(host, h264_encoder);
  impl->context.reset(g_main_context_new());
  impl->loop.reset(g_main_loop_new(impl->context.get(), FALSE));
  impl->server.reset(gst_rtsp_server_new());
  GstRTSPServer* server = impl->server.get();
  gst_rtsp_server_set_address(server, host.c_str());
  gst_rtsp_server_set_service(server, std::to_string(port).c_str());

  impl->factory.reset(gst_rtsp_media_factory_new());
  GstRTSPMediaFactory* factory = impl->factory.get();
  gst_rtsp_media_factory_set_launch(factory, kLaunch);
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  g_signal_connect(factory, "media-configure", G_CALLBACK(Impl::on_media_configure), impl.get());
  g_signal_connect(server, "client-connected", G_CALLBACK(Impl::on_client_connected), impl.get());
  const publish::GObjectPtr<GstRTSPMountPoints> mounts(gst_rtsp_server_get_mount_points(server));
  gst_rtsp_mount_points_add_factory(mounts.get(), kMountPath,
                                    GST_RTSP_MEDIA_FACTORY(g_object_ref(factory)));  // takes it

  // Binding here (not in the loop) turns "address in use" into an Error for the caller.
  GError* error = nullptr;
  impl->source.reset(gst_rtsp_server_create_source(server, nullptr, &error));
  if (!impl->source)
    return Error("cannot serve RTSP at " + where + ": " +
                 publish::take_error_text(error, "cannot listen"));
  impl->port = static_cast<uint16_t>(gst_rtsp_server_get_bound_port(server));
  g_source_attach(impl->source.get(), impl->context.get());
  Impl* p = impl.get();
  p->thread = std::thread([p] {
    // Client connections attach to the thread-default context of the thread accepting them.
    g_main_context_push_thread_default(p->context.get());
    g_main_loop_run(p->loop.get());
    g_main_context_pop_thread_default(p->context.get());
  });
  return std::unique_ptr<RtspServer>(new RtspServer(std::move(impl)));
}

RtspServer::RtspServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RtspServer::~RtspServer() { stop(); }

std::string RtspServer::url() const {
  return "rtsp://" + url_host(impl_->host) + ":" + std::to_string(impl_->port) + kMountPath;
}
uint16_t RtspServer::port() const { return impl_->port; }

nlohmann::json RtspServer::status() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return {{"url", url()},
          {"clients", impl_->clients},
          {"clients_total", impl_->clients_total},
          {"playing", impl_->feeds.size()},
          {"frames", impl_->frames},
          {"bytes", impl_->bytes}};
}

void RtspServer::stop() { impl_->stop(); }

}  // namespace posecast
