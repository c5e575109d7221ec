#include "connection_registry.h"

namespace posecast::stream {

void ConnectionRegistry::add(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mutex_);
  // Dropping the expired entries whenever the list doubles keeps adding amortized O(1).
  if (connections_.size() >= 16 && connections_.size() == connections_.capacity())
    std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
  connections_.push_back(connection);
}

int ConnectionRegistry::live_count() const {
  std::lock_guard lock(mutex_);
  int live = 0;
  for (const auto& weak : connections_) live += !weak.expired();
  return live;
}

std::vector<std::shared_ptr<Connection>> ConnectionRegistry::live() const {
  std::vector<std::shared_ptr<Connection>> live;
  std::lock_guard lock(mutex_);
  live.reserve(connections_.size());
  for (const auto& weak : connections_)
    if (auto connection = weak.lock()) live.push_back(std::move(connection));
  return live;
}

}  // namespace posecast::stream
