// Owning holders for GLib and GStreamer objects: each releases its object with the one call
// that frees it, so no path (early returns included) leaks or releases twice.
//
// Ownership, as GStreamer's "transfer" annotations say:
//   - transfer full (gst_bin_get_by_name, gst_element_get_bus, gst_element_get_static_pad,
//     gst_app_sink_pull_sample, gst_bus_pop, gst_caps_from_string, ...): hold the result.
//   - transfer floating (gst_parse_launch, gst_element_factory_make): adopt_floating() sinks the
//     floating reference into an ordinary one first. An element added to a bin is sunk (owned)
//     by the bin: add it with release(), keep no holder.
//   - a call that takes the object (gst_app_src_push_buffer, gst_webrtc_session_description_new
//     taking the SDP message): pass holder.release().
#pragma once

#include <glib-object.h>
#include <gst/gst.h>

#include <memory>
#include <string>

namespace posecast::publish {

// The deleter of a holder: `Free(p)` for a non-null p.
template <auto Free>
struct FreeWith {
  template <class T>
  void operator()(T* object) const {
    Free(object);
  }
};

template <class T, auto Free>
using GPtr = std::unique_ptr<T, FreeWith<Free>>;

// A GstObject (elements, bins, pads, buses, factories): gst_object_unref.
template <class T>
using GstObjectPtr = GPtr<T, gst_object_unref>;
using GstElementPtr = GstObjectPtr<GstElement>;
using GstBusPtr = GstObjectPtr<GstBus>;
using GstPadPtr = GstObjectPtr<GstPad>;

// A plain GObject (not a GstObject): g_object_unref.
template <class T>
using GObjectPtr = GPtr<T, g_object_unref>;

// Mini objects and plain GLib memory.
using GstCapsPtr = GPtr<GstCaps, gst_caps_unref>;
using GstBufferPtr = GPtr<GstBuffer, gst_buffer_unref>;
using GstSamplePtr = GPtr<GstSample, gst_sample_unref>;
using GstMessagePtr = GPtr<GstMessage, gst_message_unref>;
using GstStructurePtr = GPtr<GstStructure, gst_structure_free>;
using GErrorPtr = GPtr<GError, g_error_free>;
using GCharPtr = GPtr<gchar, g_free>;

// An object returned floating (gst_parse_launch, gst_element_factory_make) held as an ordinary
// reference; one already sunk is held as it is.
template <class T>
GstObjectPtr<T> adopt_floating(T* object) {
  if (object && g_object_is_floating(object)) gst_object_ref_sink(object);
  return GstObjectPtr<T>(object);
}

// A new reference to a child of a bin by name; null when there is none.
inline GstElementPtr bin_child(GstElement* bin, const char* name) {
  return GstElementPtr(gst_bin_get_by_name(GST_BIN(bin), name));
}

// The message of a GError ("unknown error" or `fallback` without one); the error is freed.
inline std::string take_error_text(GError* error, const char* fallback = "unknown error") {
  const GErrorPtr owned(error);
  return owned && owned->message ? owned->message : fallback;
}

// The error of a GST_MESSAGE_ERROR message, as text.
inline std::string message_error_text(GstMessage* message) {
  GError* error = nullptr;
  gst_message_parse_error(message, &error, nullptr);
  return take_error_text(error);
}

}  // namespace posecast::publish
