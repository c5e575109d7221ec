// A WebRTC viewer: appsrc (the shared encoder's VP8 frames) ! rtpvp8pay ! webrtcbin, one
// pipeline per browser. Threading: webrtcbin calls back on its own threads (negotiation, ICE,
// promises, state), the encoder on its streaming thread. Every GStreamer callback enters through
// a Gate that the destructor closes (and waits for callbacks already inside) before anything is
// torn down, so a late callback finds no peer instead of a freed one.
#include "posecast/webrtc_peer.h"

#define GST_USE_UNSTABLE_API  // gst/webrtc is "unstable" API in 1.22; its use here is the stable
                              // core
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video-event.h>
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "encoded_buffer.h"
#include "gst_ptr.h"
#include "webrtc_ice_servers.h"

namespace posecast {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using publish::GErrorPtr;
using publish::GstElementPtr;
using SessionDescriptionPtr =
    publish::GPtr<GstWebRTCSessionDescription, gst_webrtc_session_description_free>;
using SdpMessagePtr = publish::GPtr<GstSDPMessage, gst_sdp_message_free>;
using PromisePtr = publish::GPtr<GstPromise, gst_promise_unref>;

constexpr int kPayloadType = 96;
// RTP packets small enough for any path (VPNs, PPPoE, TURN over TCP): no IP fragmentation.
constexpr int kRtpMtu = 1200;
// A peer asks the encoder for a key frame at most this often (the encoder is shared).
constexpr auto kKeyframeRequestInterval = std::chrono::milliseconds(500);

std::string_view state_name(GstWebRTCPeerConnectionState state) {
  switch (state) {
    case GST_WEBRTC_PEER_CONNECTION_STATE_NEW:
      return "new";
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTING:
      return "connecting";
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED:
      return "connected";
    case GST_WEBRTC_PEER_CONNECTION_STATE_DISCONNECTED:
      return "disconnected";
    case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED:
      return "failed";
    case GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED:
      return "closed";
  }
  return "new";
}

// Lets GStreamer callbacks reach the peer only while it is alive: close() returns once no
// callback is inside, and later ones find nullptr.
struct Gate {
  std::mutex mutex;
  std::condition_variable idle;
  WebRtcPeer::Impl* impl = nullptr;
  int inside = 0;

  void close() {
    std::unique_lock lock(mutex);
    impl = nullptr;
    idle.wait(lock, [&] { return inside == 0; });
  }
};
using GatePtr = std::shared_ptr<Gate>;

// Runs `body(impl)` if the peer is still alive; `data` is a GatePtr* from gate_data().
template <class Body>
void through_gate(gpointer data, Body body) {
  Gate& gate = **static_cast<GatePtr*>(data);
  WebRtcPeer::Impl* impl = nullptr;
  {
    std::lock_guard lock(gate.mutex);
    if (!gate.impl) return;
    impl = gate.impl;
    ++gate.inside;
  }
  body(*impl);
  std::lock_guard lock(gate.mutex);
  if (--gate.inside == 0) gate.idle.notify_all();
}

gpointer gate_data(const GatePtr& gate) { return new GatePtr(gate); }
void free_gate_data(gpointer data) { delete static_cast<GatePtr*>(data); }
void free_gate_closure_data(gpointer data, GClosure*) { free_gate_data(data); }

template <class Callback>
void connect_signal(GstElement* element, const char* signal, Callback callback,
                    const GatePtr& gate) {
  g_signal_connect_data(element, signal, G_CALLBACK(callback), gate_data(gate),
                        free_gate_closure_data, GConnectFlags(0));
}

}  // namespace

struct WebRtcPeer::Impl {
  VideoEncoder& encoder;
  WebRtcOptions options;
  std::function<void(std::string)> send;
  GatePtr gate = std::make_shared<Gate>();
  GstElementPtr pipeline;
  GstElementPtr webrtc;  // in the pipeline
  GstElementPtr appsrc;  // in the pipeline
  int subscription = -1;

  std::atomic<bool> connected{false};
  std::atomic<bool> waiting_for_keyframe{true};
  std::atomic<int64_t> frames_sent{0}, bytes_sent{0}, frames_dropped{0}, keyframes_requested{0};
  std::atomic<int64_t> last_keyframe_request_ns{0};
  mutable std::mutex state_mutex;
  std::string state = "new";

  Impl(VideoEncoder& encoder_in, WebRtcOptions options_in, std::function<void(std::string)> send_in)
      : encoder(encoder_in), options(std::move(options_in)), send(std::move(send_in)) {}

  ~Impl() {
    gate->close();  // no GStreamer callback is inside from here on, and none will get in
    if (subscription >= 0) encoder.unsubscribe(subscription);
    if (pipeline) {
      gst_element_set_state(pipeline.get(), GST_STATE_NULL);
      if (const publish::GstBusPtr bus{gst_element_get_bus(pipeline.get())})
        gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
    }
  }

  void set_state(std::string name) {
    std::lock_guard lock(state_mutex);
    state = std::move(name);
  }

  void send_json(const json& message) {
    try {
      send(message.dump());
    } catch (...) {  // the signalling side's problem; the media keeps flowing
    }
  }

  void request_keyframe(bool from_browser) {
    const int64_t now = Clock::now().time_since_epoch().count();
    int64_t last = last_keyframe_request_ns.load();
    if (now - last < std::chrono::nanoseconds(kKeyframeRequestInterval).count() ||
        !last_keyframe_request_ns.compare_exchange_strong(last, now))
      return;
    if (from_browser) ++keyframes_requested;
    encoder.request_keyframe();
  }

  // On the encoder's streaming thread: hand the frame to our appsrc, never block.
  void on_frame(const EncodedFrame& frame) {
    if (!connected || !frame.data) {
      ++frames_dropped;
      return;
    }
    if (gst_app_src_get_current_level_buffers(GST_APP_SRC(appsrc.get())) >=
        static_cast<guint64>(options.max_queued_frames)) {
      // The network is not taking frames as fast as they come: skip to the next key frame.
      ++frames_dropped;
      waiting_for_keyframe = true;
      request_keyframe(false);
      return;
    }
    if (waiting_for_keyframe) {
      if (!frame.keyframe) {
        ++frames_dropped;
        request_keyframe(false);
        return;
      }
      waiting_for_keyframe = false;
    }
    // The buffer shares the encoder's bytes: no copy per peer. push_buffer takes it.
    const size_t size = frame.data->size();
    if (gst_app_src_push_buffer(GST_APP_SRC(appsrc.get()), publish::wrap_encoded_frame(frame)) ==
        GST_FLOW_OK) {
      ++frames_sent;
      bytes_sent += static_cast<int64_t>(size);
    } else {
      ++frames_dropped;
    }
  }

  void update_connection_state() {
    GstWebRTCPeerConnectionState state_value = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
    g_object_get(webrtc.get(), "connection-state", &state_value, nullptr);
    set_state(std::string(state_name(state_value)));
    const bool now_connected = state_value == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;
    if (now_connected && !connected.exchange(true)) {
      // Start the browser on a fresh key frame rather than waiting up to a GOP.
      waiting_for_keyframe = true;
      last_keyframe_request_ns = 0;
      request_keyframe(false);
    } else if (!now_connected) {
      connected = false;
    }
  }

  void on_offer_created(GstPromise* promise) {
    const GstStructure* reply = gst_promise_get_reply(promise);
    GstWebRTCSessionDescription* offer_out = nullptr;
    if (reply)
      gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer_out, nullptr);
    const SessionDescriptionPtr offer(offer_out);
    if (!offer) {
      GError* error = nullptr;
      if (reply) gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr);
      set_state("failed");
      send_json({{"type", "error"},
                 {"message", "the device could not make an offer: " +
                                 publish::take_error_text(error, "no reason given")}});
      return;
    }
    g_signal_emit_by_name(webrtc.get(), "set-local-description", offer.get(), nullptr);
    const publish::GCharPtr sdp(gst_sdp_message_as_text(offer->sdp));
    send_json({{"type", "offer"}, {"sdp", sdp.get()}});
  }

  // A promise that hands its reply to `on_reply(impl, promise)` while the peer lives; the change
  // function owns the promise.
  template <void (*on_reply)(Impl&, GstPromise*)>
  GstPromise* gated_promise() {
    return gst_promise_new_with_change_func(
        [](GstPromise* p, gpointer data) {
          const PromisePtr owned(p);
          through_gate(data, [p](Impl& impl) { on_reply(impl, p); });
        },
        gate_data(gate), free_gate_data);
  }

  static void offer_created(Impl& impl, GstPromise* promise) { impl.on_offer_created(promise); }

  // webrtcbin checks the answer against the offer: its verdict goes to the browser.
  static void answer_checked(Impl& impl, GstPromise* promise) {
    const GstStructure* reply = gst_promise_get_reply(promise);
    GError* error = nullptr;
    if (reply && gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr) && error)
      impl.send_json(
          {{"type", "error"},
           {"message", "the device refused the answer: " + publish::take_error_text(error)}});
  }

  void on_negotiation_needed() {
    g_signal_emit_by_name(webrtc.get(), "create-offer", nullptr, gated_promise<offer_created>());
  }

  Status set_answer(const std::string& text) {
    GstSDPMessage* parsed = nullptr;
    const bool ok = gst_sdp_message_new_from_text(text.c_str(), &parsed) == GST_SDP_OK;
    SdpMessagePtr sdp(parsed);
    if (!ok || !sdp) return Error("field 'sdp' of the answer is not SDP");
    if (gst_sdp_message_medias_len(sdp.get()) == 0)
      return Error("field 'sdp' of the answer has no media section");
    const SessionDescriptionPtr answer(
        gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, sdp.release()));
    g_signal_emit_by_name(webrtc.get(), "set-remote-description", answer.get(),
                          gated_promise<answer_checked>());
    return Status::Ok();
  }

  // ----- Building the pipeline, step by step ----------------------------------------------------

  Status check_can_build() const {
    const VideoEncoderOptions& encoded = encoder.options();
    if (encoded.codec != VideoCodec::kVp8)
      return Error("WebRTC needs the VP8 encoder, not " + std::string(codec_name(encoded.codec)));
    if (Status s = init_gstreamer(); !s) return s;
    for (const auto& [element, package] : {std::pair{"webrtcbin", "gstreamer1.0-plugins-bad"},
                                           {"rtpvp8pay", "gstreamer1.0-plugins-good"},
                                           {"nicesrc", "gstreamer1.0-nice"},
                                           {"dtlssrtpenc", "gstreamer1.0-plugins-bad"}})
      if (Status s = require_gst_element(element, package); !s) return s;
    return Status::Ok();
  }

  Status make_pipeline() {
    const VideoEncoderOptions& encoded = encoder.options();
    const int fps_num = static_cast<int>(encoded.fps * 1000 + 0.5);
    // appsrc: live, timestamped on arrival (the pipeline's own clock), never blocking the encoder
    // (on_frame checks the level itself). rtpvp8pay: 15-bit picture ids, as browsers expect for
    // loss recovery. webrtcbin: one transport for everything, no jitter buffer of its own.
    const std::string description =
        "appsrc name=src is-live=true format=time do-timestamp=true block=false caps=" +
        std::string(encoded_caps(VideoCodec::kVp8)) + ",width=" + std::to_string(encoded.width) +
        ",height=" + std::to_string(encoded.height) + ",framerate=" + std::to_string(fps_num) +
        "/1000 ! rtpvp8pay pt=" + std::to_string(kPayloadType) + " mtu=" + std::to_string(kRtpMtu) +
        " picture-id-mode=15-bit ! application/x-rtp,media=video,encoding-name=VP8,payload=" +
        std::to_string(kPayloadType) +
        ",clock-rate=90000 ! webrtcbin name=webrtc bundle-policy=max-bundle latency=0";
    GError* error = nullptr;
    pipeline = publish::adopt_floating(gst_parse_launch(description.c_str(), &error));
    if (!pipeline || error)
      return Error("cannot build the WebRTC pipeline: " + publish::take_error_text(error));
    webrtc = publish::bin_child(pipeline.get(), "webrtc");
    appsrc = publish::bin_child(pipeline.get(), "src");
    return Status::Ok();
  }

  Status add_ice_servers(const std::vector<publish::IceServer>& servers) {
    for (const publish::IceServer& server : servers) {
      const std::string url = publish::gstreamer_url(server);
      if (server.turn()) {
        gboolean added = FALSE;
        g_signal_emit_by_name(webrtc.get(), "add-turn-server", url.c_str(), &added);
        if (!added)
          return Error("webrtcbin refused the TURN server " + publish::ice_host_port(server));
      } else {
        // webrtcbin takes one STUN server: the first one given.
        gchar* current_out = nullptr;
        g_object_get(webrtc.get(), "stun-server", &current_out, nullptr);
        const publish::GCharPtr current(current_out);
        if (!current) g_object_set(webrtc.get(), "stun-server", url.c_str(), nullptr);
      }
    }
    return Status::Ok();
  }

  void limit_udp_ports() {
    if (options.udp_port_min == 0) return;
    GObject* ice_out = nullptr;
    g_object_get(webrtc.get(), "ice-agent", &ice_out, nullptr);
    const publish::GObjectPtr<GObject> ice(ice_out);
    if (ice)
      g_object_set(ice.get(), "min-rtp-port", guint(options.udp_port_min), "max-rtp-port",
                   guint(options.udp_port_max), nullptr);
  }

  // Send only, VP8 only, with retransmissions for lost packets (the browser NACKs them).
  Status send_vp8_only() {
    GstWebRTCRTPTransceiver* transceiver_out = nullptr;
    g_signal_emit_by_name(webrtc.get(), "get-transceiver", 0, &transceiver_out);
    const publish::GstObjectPtr<GstWebRTCRTPTransceiver> transceiver(transceiver_out);
    if (!transceiver) return Error("webrtcbin made no transceiver for the video");
    const publish::GstCapsPtr codec(gst_caps_from_string(
        ("application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=" +
         std::to_string(kPayloadType))
            .c_str()));
    g_object_set(transceiver.get(), "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                 "codec-preferences", codec.get(), "do-nack", TRUE, nullptr);
    return Status::Ok();
  }

  void connect_webrtc_signals() {
    connect_signal(
        webrtc.get(), "on-negotiation-needed",
        +[](GstElement*, gpointer data) {
          through_gate(data, [](Impl& impl) { impl.on_negotiation_needed(); });
        },
        gate);
    connect_signal(
        webrtc.get(), "on-ice-candidate",
        +[](GstElement*, guint mline, gchar* candidate, gpointer data) {
          through_gate(data, [&](Impl& impl) {
            impl.send_json({{"type", "ice"}, {"candidate", candidate}, {"sdpMLineIndex", mline}});
          });
        },
        gate);
    connect_signal(
        webrtc.get(), "notify::connection-state",
        +[](GstElement*, GParamSpec*, gpointer data) {
          through_gate(data, [](Impl& impl) { impl.update_connection_state(); });
        },
        gate);
  }

  // The browser's picture loss reports (PLI/FIR) arrive as force-key-unit events going
  // upstream: the shared encoder makes the key frame.
  void forward_keyframe_requests() {
    const publish::GstPadPtr src_pad(gst_element_get_static_pad(appsrc.get(), "src"));
    gst_pad_add_probe(
        src_pad.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
        [](GstPad*, GstPadProbeInfo* info, gpointer data) {
          GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
          if (event && gst_video_event_is_force_key_unit(event)) {
            through_gate(data, [](Impl& impl) {
              impl.waiting_for_keyframe = false;  // keep sending; the key frame follows
              impl.request_keyframe(true);
            });
          }
          return GST_PAD_PROBE_OK;
        },
        gate_data(gate), free_gate_data);
  }

  void report_pipeline_errors() {
    const publish::GstBusPtr bus(gst_element_get_bus(pipeline.get()));
    gst_bus_set_sync_handler(
        bus.get(),
        [](GstBus*, GstMessage* message, gpointer data) {
          if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
            through_gate(data, [message](Impl& impl) {
              impl.set_state("failed");
              impl.connected = false;
              impl.send_json({{"type", "error"},
                              {"message", "WebRTC on the device failed: " +
                                              publish::message_error_text(message)}});
            });
          }
          return GST_BUS_DROP;
        },
        gate_data(gate), free_gate_data);
  }

  Status build() {
    if (Status s = check_can_build(); !s) return s;
    auto servers = publish::parse_ice_servers(options);
    if (!servers) return servers.error();
    if (Status s = make_pipeline(); !s) return s;
    if (Status s = add_ice_servers(servers.value()); !s) return s;
    limit_udp_ports();
    if (Status s = send_vp8_only(); !s) return s;
    connect_webrtc_signals();
    forward_keyframe_requests();
    report_pipeline_errors();
    {
      std::lock_guard lock(gate->mutex);
      gate->impl = this;
    }
    if (gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      return Error("cannot start the WebRTC pipeline (webrtcbin refused PLAYING)");
    subscription = encoder.subscribe([this](const EncodedFrame& frame) { on_frame(frame); });
    return Status::Ok();
  }
};

Result<std::unique_ptr<WebRtcPeer>> WebRtcPeer::start(VideoEncoder& vp8_encoder,
                                                      WebRtcOptions options,
                                                      std::function<void(std::string)> send) {
  if (!send) return Error("WebRtcPeer needs a send function for signalling");
  auto impl = std::make_shared<Impl>(vp8_encoder, std::move(options), std::move(send));
  if (Status s = impl->build(); !s) return s.error();
  return std::unique_ptr<WebRtcPeer>(new WebRtcPeer(std::move(impl)));
}

WebRtcPeer::WebRtcPeer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebRtcPeer::~WebRtcPeer() = default;

Status WebRtcPeer::handle_message(const json& message) {
  if (!message.is_object()) return Error("a signalling message must be a JSON object");
  const auto type = message.find("type");
  if (type == message.end() || !type->is_string())
    return Error("field 'type' is missing or not a string");
  if (*type == "answer") {
    const auto sdp = message.find("sdp");
    if (sdp == message.end() || !sdp->is_string() || sdp->get_ref<const std::string&>().empty())
      return Error("field 'sdp' of the answer is missing or not a string");
    return impl_->set_answer(sdp->get<std::string>());
  }
  if (*type == "ice") {
    const auto candidate = message.find("candidate");
    if (candidate == message.end() || !(candidate->is_string() || candidate->is_null()))
      return Error("field 'candidate' of an ice message is missing or not a string");
    // The browser's end-of-candidates (an empty candidate): nothing to add.
    if (candidate->is_null() || candidate->get_ref<const std::string&>().empty())
      return Status::Ok();
    const auto mline = message.find("sdpMLineIndex");
    if (mline == message.end() || !mline->is_number_unsigned() || mline->get<uint64_t>() > 64)
      return Error("field 'sdpMLineIndex' of an ice message is missing or not a small number");
    std::string text = candidate->get<std::string>();
    if (!text.starts_with("candidate:"))
      return Error("field 'candidate' must start with 'candidate:'");
    g_signal_emit_by_name(impl_->webrtc.get(), "add-ice-candidate", guint(mline->get<uint64_t>()),
                          text.c_str());
    return Status::Ok();
  }
  return Error("unknown message type '" + type->get<std::string>() + "' (expected answer or ice)");
}

WebRtcPeerStats WebRtcPeer::stats() const {
  WebRtcPeerStats s;
  {
    std::lock_guard lock(impl_->state_mutex);
    s.state = impl_->state;
  }
  s.frames_sent = impl_->frames_sent;
  s.bytes_sent = impl_->bytes_sent;
  s.frames_dropped = impl_->frames_dropped;
  s.keyframes_requested = impl_->keyframes_requested;
  return s;
}

}  // namespace posecast
