// Every option of `run` and `class` and its key in the config file (docs/config.md). A new
// option is one line here; `posecast config show` (and its test) fails while one has none.
#include "config_setup.h"

namespace posecast::cli {

namespace {

constexpr ConfigKey kConfigKeys[] = {
    // What is analysed.
    {"run", "--source", "source.input"},
    {"run", "--size", "source.size"},
    {"run", "--fps", "source.fps"},
    {"run", "--max-pixels", "source.max_pixels"},
    // The models.
    {"run", "--model", "model.classifier"},
    {"", "--library", "model.library"},
    {"run", "--pose-model", "model.pose_model"},
    {"run", "--frames-in-flight", "model.frames_in_flight"},
    {"", "--models", "model.models_dir"},  // run and setup,
    {"run", "--threshold", "model.threshold"},
    {"run", "--threads", "model.threads"},
    {"run", "--background", "model.background"},
    {"run", "--people", "model.people"},
    // The coach.
    {"run", "--exercise", "coach.exercise"},
    {"run", "--reps", "coach.reps"},
    {"run", "--guide-box", "coach.guide_box"},
    // The viewer.
    {"run", "--http", "http.listen"},
    {"run", "--public-url", "http.public_url"},
    {"run", "--jpeg-quality", "http.jpeg_quality"},
    // Who may watch.
    {"", "--no-auth", "access.no_auth"},
    {"", "--token-file", "access.token_file"},
    {"", "--tls-cert", "access.tls_cert"},
    {"", "--tls-key", "access.tls_key"},
    // Compressed video, recording, the local window.
    {"run", "--webrtc", "video.webrtc"},
    {"run", "--ice-server", "video.ice_servers"},
    {"run", "--turn-user", "video.turn_user"},
    {"run", "--turn-password", "video.turn_password"},
    {"run", "--webrtc-ports", "video.webrtc_ports"},
    {"run", "--publish", "video.publish"},
    {"run", "--rtsp", "video.rtsp"},
    {"run", "--video-bitrate", "video.bitrate"},
    {"run", "--record", "video.record"},
    {"run", "--display", "video.display"},
    {"run", "--time-code", "video.time_code"},
    // MQTT (the devices and the class dashboard share the broker settings).
    {"", "--mqtt", "mqtt.url"},
    {"", "--mqtt-user", "mqtt.user"},
    {"", "--mqtt-password", "mqtt.password"},
    {"", "--mqtt-ca", "mqtt.ca"},
    {"", "--mqtt-cert", "mqtt.cert"},
    {"", "--mqtt-key", "mqtt.key"},
    {"", "--topic-prefix", "mqtt.topic_prefix"},
    {"run", "--device", "mqtt.device"},
    {"run", "--mqtt-rate", "mqtt.rate"},
    {"run", "--mqtt-qos", "mqtt.qos"},
    {"run", "--mqtt-queue", "mqtt.queue"},
    {"run", "--mqtt-keepalive", "mqtt.keepalive"},
    // The practice history.
    {"run", "--history", "history.database"},
    {"run", "--no-history", "history.disabled"},
    // Spoken cues on the device.
    {"run", "--speak", "speech.enabled"},
    {"run", "--speak-voice", "speech.voice"},
    {"run", "--speak-wpm", "speech.wpm"},
    {"run", "--seconds", "run.seconds"},
    // The instructor's dashboard.
    {"class", "--http", "class.listen"},
    {"class", "--stale-after", "class.stale_after"},
    {"class", "--seconds", "class.seconds"},
    {"class", "--db", "class.database"},
};

}  // namespace

std::span<const ConfigKey> config_keys() { return kConfigKeys; }

}  // namespace posecast::cli
