// The live server's open connections, so that a publish can offer them the newest frame or result
// and stop() can close them all. Threading: add, live_count and for_each are safe from any thread
// (one mutex guards the list); the registry holds weak references, so each connection's lifetime
// stays its own, and visits run outside the lock.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http_routes.h"

namespace posecast::stream {

using ResultPtr = std::shared_ptr<const std::string>;

enum class StreamKind { kHttp, kMjpeg, kWebSocket };

// A live connection in the registry: close_soon() closes it, deliveries offer it frames or results.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual StreamKind kind() const = 0;
  virtual void close_soon() = 0;  // posts close() to the connection's strand
  virtual void offer_frame(const FramePtr&) {}
  virtual void offer_result(const ResultPtr&) {}
};

class ConnectionRegistry {
 public:
  void add(const std::shared_ptr<Connection>& connection);
  int live_count() const;

  // Calls visit(Connection&) for every connection still open.
  template <class Visit>
  void for_each(Visit visit) const {
    for (const auto& connection : live()) visit(*connection);
  }

 private:
  std::vector<std::shared_ptr<Connection>> live() const;

  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<Connection>> connections_;
};

}  // namespace posecast::stream
