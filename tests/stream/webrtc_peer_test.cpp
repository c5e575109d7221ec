// WebRtcPeer against a second webrtcbin in the same process standing in for the browser (the
// answerer: webrtcbin ! rtpvp8depay ! vp8dec ! appsink): the real VP8 encoder's frames must
// arrive decoded, at the encoder's size, over ICE/DTLS/SRTP on loopback without STUN.
#define GST_USE_UNSTABLE_API
#include "posecast/webrtc_peer.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>

#include "publish/media_servers.h"

namespace posecast {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::FrameFeeder;

// A thread-safe mailbox of signalling messages.
class Mailbox {
 public:
  void post(json message) {
    std::lock_guard lock(mutex_);
    messages_.push_back(std::move(message));
  }
  std::optional<json> take() {
    std::lock_guard lock(mutex_);
    if (messages_.empty()) return std::nullopt;
    json message = std::move(messages_.front());
    messages_.pop_front();
    return message;
  }

 private:
  std::mutex mutex_;
  std::deque<json> messages_;
};

// The browser's part: answers the offer, trickles candidates into `to_device`, and decodes what
// arrives. Its callbacks only touch this object, which outlives its pipeline.
class Answerer {
 public:
  explicit Answerer(Mailbox& to_device) : to_device_(to_device) {
    pipeline_ = gst_pipeline_new("answerer");
    webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
    g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency", 0u,
                 nullptr);
    gst_object_ref(webrtc_);
    gst_bin_add(GST_BIN(pipeline_), webrtc_);
    g_signal_connect(webrtc_, "on-ice-candidate",
                     G_CALLBACK(+[](GstElement*, guint mline, gchar* candidate, gpointer self) {
                       static_cast<Answerer*>(self)->to_device_.post(
                           {{"type", "ice"}, {"candidate", candidate}, {"sdpMLineIndex", mline}});
                     }),
                     this);
    g_signal_connect(webrtc_, "pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer self) {
                       static_cast<Answerer*>(self)->on_pad(pad);
                     }),
                     this);
    gst_element_set_state(pipeline_, GST_STATE_PLAYING);
  }
  ~Answerer() {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(webrtc_);
    gst_object_unref(pipeline_);
  }

  void on_offer(const std::string& text) {
    GstSDPMessage* sdp = nullptr;
    ASSERT_EQ(gst_sdp_message_new_from_text(text.c_str(), &sdp), GST_SDP_OK);
    GstWebRTCSessionDescription* offer =
        gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
    g_signal_emit_by_name(webrtc_, "set-remote-description", offer, nullptr);
    gst_webrtc_session_description_free(offer);
    GstPromise* promise = gst_promise_new_with_change_func(
        [](GstPromise* p, gpointer self) {
          auto* answerer = static_cast<Answerer*>(self);
          GstWebRTCSessionDescription* answer = nullptr;
          gst_structure_get(gst_promise_get_reply(p), "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                            &answer, nullptr);
          gst_promise_unref(p);
          if (!answer) return;
          g_signal_emit_by_name(answerer->webrtc_, "set-local-description", answer, nullptr);
          gchar* sdp_text = gst_sdp_message_as_text(answer->sdp);
          answerer->to_device_.post({{"type", "answer"}, {"sdp", sdp_text}});
          g_free(sdp_text);
          gst_webrtc_session_description_free(answer);
        },
        this, nullptr);
    g_signal_emit_by_name(webrtc_, "create-answer", nullptr, promise);
  }
  void on_ice(const json& message) {
    g_signal_emit_by_name(webrtc_, "add-ice-candidate", message["sdpMLineIndex"].get<guint>(),
                          message["candidate"].get<std::string>().c_str());
  }

  int frames() const { return frames_; }
  int width() const { return width_; }
  int height() const { return height_; }
  int64_t newest_frame_number() const { return newest_number_; }

 private:
  void on_pad(GstPad* pad) {
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
    GstElement* decode = gst_parse_bin_from_description(
        "rtpvp8depay ! vp8dec ! videoconvert ! video/x-raw,format=BGR ! appsink name=sink "
        "sync=false",
        TRUE, nullptr);
    gst_bin_add(GST_BIN(pipeline_), decode);
    gst_element_sync_state_with_parent(decode);
    GstPad* sink_pad = gst_element_get_static_pad(decode, "sink");
    gst_pad_link(pad, sink_pad);
    gst_object_unref(sink_pad);
    GstElement* sink = gst_bin_get_by_name(GST_BIN(decode), "sink");
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = [](GstAppSink* appsink, gpointer self) {
      GstSample* sample = gst_app_sink_pull_sample(appsink);
      if (!sample) return GST_FLOW_EOS;
      static_cast<Answerer*>(self)->on_sample(sample);
      gst_sample_unref(sample);
      return GST_FLOW_OK;
    };
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, this, nullptr);
    gst_object_unref(sink);
  }

  void on_sample(GstSample* sample) {
    const GstStructure* caps = gst_caps_get_structure(gst_sample_get_caps(sample), 0);
    int width = 0, height = 0;
    gst_structure_get_int(caps, "width", &width);
    gst_structure_get_int(caps, "height", &height);
    GstMapInfo map;
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    if (width > 0 && height > 0 && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      // BGR rows may be padded to 4 bytes; 640*3 is not, but stay safe with the stride.
      const size_t stride = map.size / static_cast<size_t>(height);
      const cv::Mat frame(height, width, CV_8UC3, map.data, stride);
      newest_number_ = testing::frame_number_of(frame);
      gst_buffer_unmap(buffer, &map);
    }
    width_ = width;
    height_ = height;
    ++frames_;
  }

  Mailbox& to_device_;
  GstElement* pipeline_ = nullptr;
  GstElement* webrtc_ = nullptr;
  std::atomic<int> frames_{0}, width_{0}, height_{0};
  std::atomic<int64_t> newest_number_{-1};
};

VideoEncoderOptions vp8_options() {
  VideoEncoderOptions options;
  options.codec = VideoCodec::kVp8;
  options.width = 640;
  options.height = 480;
  options.fps = 30;
  options.bitrate_kbps = 800;
  return options;
}

TEST(WebRtcPeer, VideoReachesAWebRtcAnswererDecodedAtTheEncodersSize) {
  FrameFeeder feeder(vp8_options());
  ASSERT_TRUE(feeder.encoder()) << feeder.error();
  Mailbox to_browser, to_device;
  auto peer = WebRtcPeer::start(*feeder.encoder(), {},
                                [&](std::string text) { to_browser.post(json::parse(text)); });
  ASSERT_TRUE(peer.ok()) << peer.error().message();
  EXPECT_EQ(feeder.encoder()->stats().subscribers, 1);

  // Bad messages are refused naming the field; the peer carries on.
  const auto refusal = [&](const json& message) {
    const Status s = (*peer)->handle_message(message);
    return s.ok() ? std::string("accepted") : s.error().message();
  };
  EXPECT_NE(refusal({{"type", "answer"}}).find("'sdp'"), std::string::npos);
  EXPECT_NE(refusal({{"type", "answer"}, {"sdp", "not sdp at all"}}).find("'sdp'"),
            std::string::npos);
  EXPECT_NE(refusal({{"type", "ice"}, {"candidate", 5}}).find("'candidate'"), std::string::npos);
  EXPECT_NE(refusal({{"type", "ice"}, {"candidate", "candidate:1 1 udp 1 127.0.0.1 9 typ host"}})
                .find("'sdpMLineIndex'"),
            std::string::npos);
  EXPECT_NE(refusal({{"type", "hello"}}).find("'hello'"), std::string::npos);
  EXPECT_NE(refusal(json::array()).find("object"), std::string::npos);
  EXPECT_EQ(refusal({{"type", "ice"}, {"candidate", ""}}), "accepted");  // end of candidates

  Answerer answerer(to_device);
  const auto started = std::chrono::steady_clock::now();
  double first_frame_ms = -1;
  bool offered = false;
  while (std::chrono::steady_clock::now() - started < 20s && answerer.frames() < 60) {
    while (auto message = to_browser.take()) {
      if ((*message)["type"] == "offer") {
        offered = true;
        answerer.on_offer((*message)["sdp"]);
      } else if ((*message)["type"] == "ice") {
        answerer.on_ice(*message);
      } else {
        ADD_FAILURE() << "unexpected message from the peer: " << message->dump();
      }
    }
    while (auto message = to_device.take()) {
      const Status s = (*peer)->handle_message(*message);
      EXPECT_TRUE(s.ok()) << s.error().message() << " for " << message->dump();
    }
    if (first_frame_ms < 0 && answerer.frames() > 0)
      first_frame_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
              .count();
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(offered) << "the peer sent no offer";
  ASSERT_GE(answerer.frames(), 60)
      << "decoded frames after 20 s; peer state " << (*peer)->stats().state;
  EXPECT_EQ(answerer.width(), 640);
  EXPECT_EQ(answerer.height(), 480);
  // The pictures are the encoder's own, recent ones (the frame numbers survive VP8).
  const int64_t newest = answerer.newest_frame_number();
  EXPECT_GT(newest, 0);
  EXPECT_LE(newest, feeder.frames_pushed());
  // Live, not stuck on an old picture (how far behind is a figure for scripts/bench-stream.sh).
  EXPECT_GE(newest, feeder.frames_pushed() - 90) << "the answerer is more than 3 s behind";

  const WebRtcPeerStats stats = (*peer)->stats();
  EXPECT_EQ(stats.state, "connected");
  EXPECT_GE(stats.frames_sent, 55);
  EXPECT_GT(stats.bytes_sent,
            stats.frames_sent * 50);  // a simple picture: a few hundred bytes a frame
  std::cerr << "[ webrtc ] first decoded frame " << first_frame_ms
            << " ms after the answerer started; " << stats.frames_sent << " frames, "
            << stats.bytes_sent << " bytes sent, " << stats.frames_dropped
            << " dropped before connecting\n";

  peer->reset();  // unsubscribes
  EXPECT_EQ(feeder.encoder()->stats().subscribers, 0);
}

TEST(WebRtcPeer, RefusesAnEncoderThatIsNotVp8) {
  VideoEncoderOptions options = vp8_options();
  options.codec = VideoCodec::kH264;
  auto encoder = VideoEncoder::start(options);
  ASSERT_TRUE(encoder.ok()) << encoder.error().message();
  auto peer = WebRtcPeer::start(**encoder, {}, [](std::string) {});
  ASSERT_FALSE(peer.ok());
  EXPECT_NE(peer.error().message().find("VP8"), std::string::npos) << peer.error().message();
  EXPECT_EQ((*encoder)->stats().subscribers, 0);
}

TEST(WebRtcOptions, IceServerUrlsInGStreamersAndTheBrowsersForms) {
  WebRtcOptions options;
  options.ice_servers = {"stun:stun.example.org:19302", "turn://alice:s3cret@turn.example.org:3478",
                         "turn:10.0.0.2:3479?transport=udp"};
  options.turn_username = "bob";
  options.turn_password = "pw";
  ASSERT_TRUE(check_webrtc_options(options).ok())
      << check_webrtc_options(options).error().message();
  EXPECT_EQ(browser_ice_servers(options), json::parse(R"([{"urls": "stun:stun.example.org:19302"},
                            {"urls": "turn:turn.example.org:3478", "username": "alice", "credential": "s3cret"},
                            {"urls": "turn:10.0.0.2:3479?transport=udp", "username": "bob", "credential": "pw"}])"));

  const auto error_of = [](std::vector<std::string> servers) {
    WebRtcOptions bad;
    bad.ice_servers = std::move(servers);
    const Status s = check_webrtc_options(bad);
    return s.ok() ? std::string("accepted") : s.error().message();
  };
  EXPECT_NE(error_of({"http://x:1"}).find("'http://x:1'"), std::string::npos);
  EXPECT_NE(error_of({"stun:host:99999"}).find("port"), std::string::npos);
  EXPECT_NE(error_of({"turn:host:3478"}).find("user name and password"), std::string::npos);
  EXPECT_NE(error_of({"stun:host:3478?transport=sctp"}).find("transport"), std::string::npos);
  EXPECT_EQ(error_of({"stun://host"}), "accepted");  // the default port

  WebRtcOptions ports;
  ports.udp_port_min = 50000;
  EXPECT_FALSE(check_webrtc_options(ports).ok());
  ports.udp_port_max = 50100;
  EXPECT_TRUE(check_webrtc_options(ports).ok());
}

}  // namespace
}  // namespace posecast
