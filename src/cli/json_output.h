// JSON lines on stdout, the output format of every subcommand that reports data. Keys keep the
// order they are written in (ordered_json), so lines read the same as the documentation.
#pragma once

#include <nlohmann/json.hpp>

#include "posecast/keypoints.h"

namespace posecast::cli {

// `value` rounded to `decimals` places, so the JSON says 123.46 rather than 123.45600128173828.
double rounded(double value, int decimals);

// [{"name":"nose","x":..,"y":..,"score":..}, ...] in COCO order; pixels to 0.01, scores to 0.001.
nlohmann::ordered_json keypoints_json(const Pose& pose);

// One compact line on stdout, flushed so that a reading process sees it at once.
void print_json_line(const nlohmann::ordered_json& line);

}  // namespace posecast::cli
