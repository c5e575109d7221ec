// The pages' files (src/stream/viewer_assets/*, src/stream/class_assets/*), embedded into the
// binary at build time by cmake/embed_assets.cmake so that posecast serves every byte itself: no
// CDN, nothing to install.
#pragma once

#include <span>
#include <string_view>

namespace posecast::stream {

struct EmbeddedAsset {
  std::string_view name;  // the file name: "index.html", "viewer.js"
  std::string_view data;
};

std::span<const EmbeddedAsset> viewer_assets();  // the student's live viewer
std::span<const EmbeddedAsset> class_assets();   // the instructor's class dashboard

}  // namespace posecast::stream
