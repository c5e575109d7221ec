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
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

namespace posecast {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kPayloadType = 96;
// RTP packets small enough for any path (VPNs, PPPoE, TURN over TCP): no IP fragmentation.
constexpr int kRtpMtu = 1200;
// A peer asks the encoder for a key frame at most this often (the encoder is shared).
constexpr auto kKeyframeRequestInterval = std::chrono::milliseconds(500);

// ----- ICE server URLs ------------------------------------------------------------------------

struct IceServer {
  std::string scheme;  // stun, stuns, turn, turns
  std::string host;    // an IPv6 address keeps its brackets
  uint16_t port = 3478;
  std::string username, password;
  std::string transport;  // "", "udp" or "tcp"
  bool turn() const { return scheme.starts_with("turn"); }
};

std::string escape_userinfo(const std::string& text) {
  gchar* escaped = g_uri_escape_string(text.c_str(), nullptr, FALSE);
  std::string out = escaped ? escaped : text;
  g_free(escaped);
  return out;
}

// "stun:host:port", "stun://host:port", "turn://user:pass@host:port",
// "turn:host:port?transport=udp" (credentials from the options).
Result<IceServer> parse_ice_server(std::string_view url, const WebRtcOptions& options) {
  const auto bad = [&](std::string_view why) {
    return Error("bad ICE server '" + std::string(url) + "': " + std::string(why) +
                 " (expected stun:HOST:PORT or turn://USER:PASSWORD@HOST:PORT)");
  };
  IceServer server;
  const size_t colon = url.find(':');
  if (colon == std::string_view::npos) return bad("no scheme");
  server.scheme = std::string(url.substr(0, colon));
  if (server.scheme != "stun" && server.scheme != "stuns" && server.scheme != "turn" &&
      server.scheme != "turns")
    return bad("the scheme must be stun, stuns, turn or turns");
  if (server.scheme.ends_with('s')) server.port = 5349;
  std::string_view rest = url.substr(colon + 1);
  if (rest.starts_with("//")) rest.remove_prefix(2);
  if (const size_t query = rest.find('?'); query != std::string_view::npos) {
    const std::string_view parameters = rest.substr(query + 1);
    rest = rest.substr(0, query);
    if (parameters == "transport=udp" || parameters == "transport=tcp")
      server.transport = std::string(parameters.substr(10));
    else
      return bad("the only query parameter understood is transport=udp or transport=tcp");
  }
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t split = userinfo.find(':');
    if (split == std::string_view::npos) return bad("credentials must be USER:PASSWORD@");
    server.username = std::string(userinfo.substr(0, split));
    server.password = std::string(userinfo.substr(split + 1));
  }
  std::string_view port_text;
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("unclosed [ in an IPv6 address");
    server.host = std::string(rest.substr(0, close + 1));
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return bad("expected :PORT after the IPv6 address");
      port_text = rest.substr(close + 2);
    }
  } else if (const size_t port_colon = rest.rfind(':'); port_colon != std::string_view::npos) {
    server.host = std::string(rest.substr(0, port_colon));
    port_text = rest.substr(port_colon + 1);
  } else {
    server.host = std::string(rest);
  }
  if (server.host.empty() || server.host.find_first_of("/@: ") != std::string::npos)
    return bad("no host name");
  if (!port_text.empty() || rest.ends_with(':')) {
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
        port == 0 || port > 65535)
      return bad("the port must be a number 1-65535");
    server.port = static_cast<uint16_t>(port);
  }
  if (server.turn()) {
    if (server.username.empty()) {
      server.username = options.turn_username;
      server.password = options.turn_password;
    }
    if (server.username.empty())
      return bad("a TURN server needs a user name and password (turn://USER:PASSWORD@HOST:PORT)");
  } else if (!server.username.empty()) {
    return bad("a STUN server takes no credentials");
  }
  return server;
}

Result<std::vector<IceServer>> parse_ice_servers(const WebRtcOptions& options) {
  std::vector<IceServer> servers;
  for (const std::string& url : options.ice_servers) {
    auto server = parse_ice_server(url, options);
    if (!server) return server.error();
    servers.push_back(std::move(server).value());
  }
  return servers;
}

std::string host_port(const IceServer& server) {
  return server.host + ":" + std::to_string(server.port);
}

// GStreamer's forms: stun://host:port, turn(s)://user:pass@host:port[?transport=tcp].
std::string gstreamer_url(const IceServer& server) {
  if (!server.turn()) return "stun://" + host_port(server);
  return server.scheme + "://" + escape_userinfo(server.username) + ":" +
         escape_userinfo(server.password) + "@" + host_port(server) +
         (server.transport.empty() ? "" : "?transport=" + server.transport);
}

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

}  // namespace

Status check_webrtc_options(const WebRtcOptions& options) {
  auto servers = parse_ice_servers(options);
  if (!servers) return servers.error();
  if ((options.udp_port_min == 0) != (options.udp_port_max == 0) ||
      options.udp_port_min > options.udp_port_max)
    return Error("bad WebRTC UDP port range " + std::to_string(options.udp_port_min) + "-" +
                 std::to_string(options.udp_port_max) + ": give MIN <= MAX, or neither");
  if (options.max_peers < 1) return Error("WebRTC max_peers must be >= 1");
  if (options.max_queued_frames < 1) return Error("WebRTC max_queued_frames must be >= 1");
  return Status::Ok();
}

json browser_ice_servers(const WebRtcOptions& options) {
  json list = json::array();
  auto servers = parse_ice_servers(options);
  if (!servers) return list;
  for (const IceServer& server : servers.value()) {
    json entry = {{"urls", server.scheme + ":" + host_port(server) +
                               (server.transport.empty() ? "" : "?transport=" + server.transport)}};
    if (server.turn()) {
      entry["username"] = server.username;
      entry["credential"] = server.password;
    }
    list.push_back(std::move(entry));
  }
  return list;
}

// ----- The peer -------------------------------------------------------------------------------

namespace {

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
  GstElement* pipeline = nullptr;
  GstElement* webrtc = nullptr;
  GstElement* appsrc = nullptr;
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
      gst_element_set_state(pipeline, GST_STATE_NULL);
      if (GstBus* bus = gst_element_get_bus(pipeline)) {
        gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
        gst_object_unref(bus);
      }
    }
    if (appsrc) gst_object_unref(appsrc);
    if (webrtc) gst_object_unref(webrtc);
    if (pipeline) gst_object_unref(pipeline);
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
    if (gst_app_src_get_current_level_buffers(GST_APP_SRC(appsrc)) >=
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
    // The buffer shares the encoder's bytes: no copy per peer.
    auto* owner = new std::shared_ptr<const std::vector<uint8_t>>(frame.data);
    GstBuffer* buffer = gst_buffer_new_wrapped_full(
        GST_MEMORY_FLAG_READONLY, const_cast<uint8_t*>(frame.data->data()), frame.data->size(), 0,
        frame.data->size(), owner, [](gpointer data) {
          delete static_cast<std::shared_ptr<const std::vector<uint8_t>>*>(data);
        });
    if (!frame.keyframe) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    if (frame.duration_ns > 0)
      GST_BUFFER_DURATION(buffer) = static_cast<GstClockTime>(frame.duration_ns);
    const size_t size = frame.data->size();
    if (gst_app_src_push_buffer(GST_APP_SRC(appsrc), buffer) == GST_FLOW_OK) {
      ++frames_sent;
      bytes_sent += static_cast<int64_t>(size);
    } else {
      ++frames_dropped;
    }
  }

  void update_connection_state() {
    GstWebRTCPeerConnectionState state_value = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
    g_object_get(webrtc, "connection-state", &state_value, nullptr);
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
    GstWebRTCSessionDescription* offer = nullptr;
    if (reply)
      gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, nullptr);
    if (!offer) {
      GError* error = nullptr;
      if (reply) gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr);
      set_state("failed");
      send_json({{"type", "error"},
                 {"message", std::string("the device could not make an offer: ") +
                                 (error ? error->message : "no reason given")}});
      if (error) g_error_free(error);
      return;
    }
    g_signal_emit_by_name(webrtc, "set-local-description", offer, nullptr);
    gchar* sdp = gst_sdp_message_as_text(offer->sdp);
    send_json({{"type", "offer"}, {"sdp", sdp}});
    g_free(sdp);
    gst_webrtc_session_description_free(offer);
  }

  void on_negotiation_needed() {
    GstPromise* promise = gst_promise_new_with_change_func(
        [](GstPromise* p, gpointer data) {
          through_gate(data, [p](Impl& impl) { impl.on_offer_created(p); });
          gst_promise_unref(p);
        },
        gate_data(gate), free_gate_data);
    g_signal_emit_by_name(webrtc, "create-offer", nullptr, promise);
  }

  Status set_answer(const std::string& text) {
    GstSDPMessage* sdp = nullptr;
    if (gst_sdp_message_new_from_text(text.c_str(), &sdp) != GST_SDP_OK || !sdp)
      return Error("field 'sdp' of the answer is not SDP");
    if (gst_sdp_message_medias_len(sdp) == 0) {
      gst_sdp_message_free(sdp);
      return Error("field 'sdp' of the answer has no media section");
    }
    GstWebRTCSessionDescription* answer =
        gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, sdp);  // takes sdp
    // webrtcbin checks the answer against the offer later: its verdict goes to the browser.
    GstPromise* promise = gst_promise_new_with_change_func(
        [](GstPromise* p, gpointer data) {
          through_gate(data, [p](Impl& impl) {
            const GstStructure* reply = gst_promise_get_reply(p);
            GError* error = nullptr;
            if (reply && gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr) &&
                error) {
              impl.send_json(
                  {{"type", "error"},
                   {"message", std::string("the device refused the answer: ") + error->message}});
              g_error_free(error);
            }
          });
          gst_promise_unref(p);
        },
        gate_data(gate), free_gate_data);
    g_signal_emit_by_name(webrtc, "set-remote-description", answer, promise);
    gst_webrtc_session_description_free(answer);
    return Status::Ok();
  }

  Status build() {
    const VideoEncoderOptions& encoded = encoder.options();
    if (encoded.codec != VideoCodec::kVp8)
      return Error("WebRTC needs the VP8 encoder, not " + std::string(codec_name(encoded.codec)));
    if (Status s = init_gstreamer(); !s) return s;
    for (const auto& [element, package] : {std::pair{"webrtcbin", "gstreamer1.0-plugins-bad"},
                                           {"rtpvp8pay", "gstreamer1.0-plugins-good"},
                                           {"nicesrc", "gstreamer1.0-nice"},
                                           {"dtlssrtpenc", "gstreamer1.0-plugins-bad"}})
      if (Status s = require_gst_element(element, package); !s) return s;
    auto servers = parse_ice_servers(options);
    if (!servers) return servers.error();

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
    pipeline = gst_parse_launch(description.c_str(), &error);
    if (!pipeline || error) {
      const std::string why = error ? error->message : "unknown error";
      if (error) g_error_free(error);
      return Error("cannot build the WebRTC pipeline: " + why);
    }
    webrtc = gst_bin_get_by_name(GST_BIN(pipeline), "webrtc");
    appsrc = gst_bin_get_by_name(GST_BIN(pipeline), "src");

    for (const IceServer& server : servers.value()) {
      const std::string url = gstreamer_url(server);
      if (server.turn()) {
        gboolean added = FALSE;
        g_signal_emit_by_name(webrtc, "add-turn-server", url.c_str(), &added);
        if (!added) return Error("webrtcbin refused the TURN server " + host_port(server));
      } else {
        // webrtcbin takes one STUN server: the first one given.
        gchar* current = nullptr;
        g_object_get(webrtc, "stun-server", &current, nullptr);
        if (!current) g_object_set(webrtc, "stun-server", url.c_str(), nullptr);
        g_free(current);
      }
    }
    if (options.udp_port_min > 0) {
      GObject* ice = nullptr;
      g_object_get(webrtc, "ice-agent", &ice, nullptr);
      if (ice) {
        g_object_set(ice, "min-rtp-port", guint(options.udp_port_min), "max-rtp-port",
                     guint(options.udp_port_max), nullptr);
        g_object_unref(ice);
      }
    }

    // Send only, VP8 only, with retransmissions for lost packets (the browser NACKs them).
    GstWebRTCRTPTransceiver* transceiver = nullptr;
    g_signal_emit_by_name(webrtc, "get-transceiver", 0, &transceiver);
    if (!transceiver) return Error("webrtcbin made no transceiver for the video");
    GstCaps* codec = gst_caps_from_string(
        ("application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=" +
         std::to_string(kPayloadType))
            .c_str());
    g_object_set(transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                 "codec-preferences", codec, "do-nack", TRUE, nullptr);
    gst_caps_unref(codec);
    gst_object_unref(transceiver);

    connect_signal(
        webrtc, "on-negotiation-needed",
        +[](GstElement*, gpointer data) {
          through_gate(data, [](Impl& impl) { impl.on_negotiation_needed(); });
        },
        gate);
    connect_signal(
        webrtc, "on-ice-candidate",
        +[](GstElement*, guint mline, gchar* candidate, gpointer data) {
          through_gate(data, [&](Impl& impl) {
            impl.send_json({{"type", "ice"}, {"candidate", candidate}, {"sdpMLineIndex", mline}});
          });
        },
        gate);
    connect_signal(
        webrtc, "notify::connection-state",
        +[](GstElement*, GParamSpec*, gpointer data) {
          through_gate(data, [](Impl& impl) { impl.update_connection_state(); });
        },
        gate);
    // The browser's picture loss reports (PLI/FIR) arrive as force-key-unit events going
    // upstream: the shared encoder makes the key frame.
    GstPad* src_pad = gst_element_get_static_pad(appsrc, "src");
    gst_pad_add_probe(
        src_pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
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
    gst_object_unref(src_pad);
    GstBus* bus = gst_element_get_bus(pipeline);
    gst_bus_set_sync_handler(
        bus,
        [](GstBus*, GstMessage* message, gpointer data) {
          if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
            through_gate(data, [message](Impl& impl) {
              GError* error = nullptr;
              gst_message_parse_error(message, &error, nullptr);
              impl.set_state("failed");
              impl.connected = false;
              impl.send_json({{"type", "error"},
                              {"message", std::string("WebRTC on the device failed: ") +
                                              (error ? error->message : "unknown error")}});
              if (error) g_error_free(error);
            });
          }
          return GST_BUS_DROP;
        },
        gate_data(gate), free_gate_data);
    gst_object_unref(bus);

    {
      std::lock_guard lock(gate->mutex);
      gate->impl = this;
    }
    if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
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
    g_signal_emit_by_name(impl_->webrtc, "add-ice-candidate", guint(mline->get<uint64_t>()),
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
