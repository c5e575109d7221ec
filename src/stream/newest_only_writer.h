// The write loop of a sender that only ever needs the newest item (MJPEG frames, WebSocket
// results): at most one item waits, a newer offer replaces it, and one write runs at a time, so a
// slow reader skips items instead of queueing them and memory stays bounded.
// Threading: not thread-safe; the session that owns it calls it on its strand only.
#pragma once

#include <boost/system/error_code.hpp>
#include <memory>
#include <utility>

namespace posecast::stream {

template <class Item>
class NewestOnlyWriter {
 public:
  using ItemPtr = std::shared_ptr<const Item>;

  // Keeps `item` as the next to write; true when it replaced one that was never written.
  bool offer(ItemPtr item) {
    const bool replaced = pending_ != nullptr;
    pending_ = std::move(item);
    return replaced;
  }
  bool has_pending() const { return pending_ != nullptr; }
  void drop_pending() { pending_.reset(); }

  // Another write on the same stream (MJPEG's response head) holds the loop as an item does:
  // items offered meanwhile wait for finish_other_write() and the next write_pending().
  void start_other_write() { writing_ = true; }
  void finish_other_write() { writing_ = false; }

  // Writes the pending item, then each one offered meanwhile, one at a time, until none is
  // pending or `written` says stop; does nothing while a write is in flight. `start(item, done)`
  // begins one asynchronous write of `item` and calls done(ec) when it completes, keeping the
  // owning session (and so this writer) alive until then; the writer keeps the item alive.
  // `written(ec)` hears of every finished write and returns whether to go on.
  template <class Start, class Written>
  void write_pending(Start start, Written written) {
    if (!pending_ || writing_) return;
    in_flight_ = std::move(pending_);
    pending_.reset();
    writing_ = true;
    start(*in_flight_, [this, start, written](boost::system::error_code ec) {
      writing_ = false;
      in_flight_.reset();
      if (written(ec)) write_pending(start, written);
    });
  }

 private:
  ItemPtr pending_;    // the newest item not yet written
  ItemPtr in_flight_;  // keeps the bytes alive while the write uses them
  bool writing_ = false;
};

}  // namespace posecast::stream
