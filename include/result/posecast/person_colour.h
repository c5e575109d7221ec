// The colour of each person when several are followed: the overlay draws their skeleton and tag
// in it, and the results carry it ("colour" in "people") so that the viewer's list matches the
// video without a copy of the palette.
#pragma once

#include <cstdint>
#include <string>

namespace posecast {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

// Six colours told apart with colour blindness too (Okabe-Ito's, without its black), bright
// enough on a video frame; ids 1, 2, ... take them in turn (id 7 has id 1's).
inline constexpr int kPersonColours = 6;
Rgb person_colour(int id);
// "#e69f00": person_colour(id) for HTML and the JSON.
std::string person_colour_hex(int id);

}  // namespace posecast
