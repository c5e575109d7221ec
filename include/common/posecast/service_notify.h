// systemd's service notification protocol (sd_notify(3)) without libsystemd: one datagram of
// "KEY=VALUE" lines to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or "@name" in the
// abstract namespace). Outside systemd (no $NOTIFY_SOCKET) every call does nothing.
//
// Threading: any thread; each call opens, sends and closes its own socket.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "posecast/status.h"

namespace posecast {

// Sends `state`, e.g. "READY=1", "WATCHDOG=1", "RELOADING=1", "STOPPING=1", "STATUS=text".
// Ok (and nothing sent) when $NOTIFY_SOCKET is unset; an error names the socket.
Status notify_service(std::string_view state);

// How often systemd wants WATCHDOG=1: half of $WATCHDOG_USEC (sd_watchdog_enabled's advice),
// when it is set and $WATCHDOG_PID, if set, is this process; else none.
std::optional<std::chrono::microseconds> watchdog_ping_interval();

}  // namespace posecast
