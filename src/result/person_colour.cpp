#include "posecast/person_colour.h"

#include <cstdio>

namespace posecast {

namespace {
constexpr Rgb kPalette[kPersonColours] = {
    {230, 159, 0},    // orange
    {86, 180, 233},   // sky blue
    {0, 158, 115},    // bluish green
    {240, 228, 66},   // yellow
    {204, 121, 167},  // reddish purple
    {213, 94, 0},     // vermilion
};
}  // namespace

Rgb person_colour(int id) {
  const int i = ((id - 1) % kPersonColours + kPersonColours) % kPersonColours;
  return kPalette[i];
}

std::string person_colour_hex(int id) {
  const Rgb c = person_colour(id);
  char text[8];
  std::snprintf(text, sizeof text, "#%02x%02x%02x", c.r, c.g, c.b);
  return text;
}

}  // namespace posecast
