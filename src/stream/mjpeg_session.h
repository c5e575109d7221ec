// MJPEG viewers (GET /stream.mjpg): one multipart part per frame, never more than one frame
// pending, so a slow viewer skips frames. Threading: a session's state is touched on its
// connection's strand only; deliveries and stop() post there.
#pragma once

#include <memory>

#include "server_state.h"

namespace posecast::stream {

// Takes over a connection whose request was GET /stream.mjpg: registers it and streams from the
// current frame on until the viewer goes away, stalls or the server stops.
template <class Stream>
void start_mjpeg_session(Stream stream, const std::shared_ptr<ServerState>& state);

}  // namespace posecast::stream
