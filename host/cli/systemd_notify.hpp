// sd_notify without libsystemd: one datagram to $NOTIFY_SOCKET, as systemd's Type=notify units
// expect ("READY=1" once listening, "STOPPING=1" on the way out, "RELOADING=1" then "READY=1"
// around a reload). Nothing happens when the variable is unset (not started by systemd).
#pragma once

#include <string_view>

namespace mt5b::host {

// Sends `state` (newline-separated KEY=VALUE lines); false when there is no socket or the send
// failed (systemd then times the start out, which says more than a log line here could).
bool systemd_notify(std::string_view state);

}  // namespace mt5b::host
