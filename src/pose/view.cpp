#include "posecast/view.h"

namespace posecast {

std::string_view view_need_name(ViewNeed need) {
  switch (need) {
    case ViewNeed::kFront:
      return "front";
    case ViewNeed::kSide:
      return "side";
    case ViewNeed::kAny:
      break;
  }
  return "any";
}

std::optional<ViewNeed> view_need_from_name(std::string_view name) {
  for (ViewNeed need : {ViewNeed::kAny, ViewNeed::kFront, ViewNeed::kSide})
    if (view_need_name(need) == name) return need;
  return std::nullopt;
}

std::string_view known_view_names() { return "any, front, side"; }

}  // namespace posecast
