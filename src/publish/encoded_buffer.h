// What the publishers (stream_publisher.cpp, rtsp_server.cpp) share: an encoded frame as a
// GstBuffer without copying it.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <vector>

#include "posecast/video_encoder.h"

namespace posecast::publish {

// The frame's bytes wrapped, not copied: the buffer holds a reference to the shared data. No
// timestamps: the publisher's appsrc stamps buffers on arrival (do-timestamp), so every new
// pipeline starts at its own running time zero.
inline GstBuffer* wrap_encoded_frame(const EncodedFrame& frame) {
  auto* owner = new std::shared_ptr<const std::vector<uint8_t>>(frame.data);
  GstBuffer* buffer = gst_buffer_new_wrapped_full(
      GST_MEMORY_FLAG_READONLY, const_cast<uint8_t*>(frame.data->data()), frame.data->size(), 0,
      frame.data->size(), owner, [](gpointer data) {
        delete static_cast<std::shared_ptr<const std::vector<uint8_t>>*>(data);
      });
  if (frame.duration_ns > 0) GST_BUFFER_DURATION(buffer) = frame.duration_ns;
  if (!frame.keyframe) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  return buffer;
}

}  // namespace posecast::publish
