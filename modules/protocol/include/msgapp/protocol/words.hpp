// Every keyword of the wire protocols, spelled once (.ci/check-protocol-words reads this file).
#pragma once

#include <string_view>

namespace msgapp::protocol::words {

// Commands, client to server.
inline constexpr std::string_view login = "login";
inline constexpr std::string_view message = "message";
inline constexpr std::string_view broadcast = "broadcast";  // also the event
inline constexpr std::string_view whoelse = "whoelse";
inline constexpr std::string_view whoelsesince = "whoelsesince";
inline constexpr std::string_view block = "block";
inline constexpr std::string_view unblock = "unblock";
inline constexpr std::string_view blocks = "blocks";  // whom the asker has blocked
inline constexpr std::string_view logout = "logout";
inline constexpr std::string_view privateport = "privateport";
inline constexpr std::string_view startprivate = "startprivate";
inline constexpr std::string_view privateaccept = "privateaccept";
inline constexpr std::string_view active = "active";      // also the reply
inline constexpr std::string_view receipts = "receipts";  // also the reply
inline constexpr std::string_view confirm = "confirm";

// The first word of a server line that is not an event.
inline constexpr std::string_view hello = "hello";
inline constexpr std::string_view ok = "ok";
inline constexpr std::string_view error = "error";

// Events, server to client.
inline constexpr std::string_view msg = "msg";
inline constexpr std::string_view offline = "offline";
inline constexpr std::string_view stored = "stored";  // an offline message with its id
inline constexpr std::string_view presence = "presence";
inline constexpr std::string_view private_offer = "private-offer";
inline constexpr std::string_view private_ready = "private-ready";
inline constexpr std::string_view timeout = "timeout";
inline constexpr std::string_view shutdown = "shutdown";
inline constexpr std::string_view idle_warning = "idle-warning";  // the time-out is near
inline constexpr std::string_view logged_in = "logged in";
inline constexpr std::string_view logged_out = "logged out";

// What follows `ok ` in a reply.
inline constexpr std::string_view welcome = "welcome";
inline constexpr std::string_view delivered_to = "delivered to";
inline constexpr std::string_view queued_for = "queued for";
inline constexpr std::string_view broadcast_to = "broadcast to";
inline constexpr std::string_view users = "users";
inline constexpr std::string_view blocked = "blocked";
inline constexpr std::string_view unblocked = "unblocked";
inline constexpr std::string_view goodbye = "goodbye";
inline constexpr std::string_view private_port = "private sessions on port";
inline constexpr std::string_view confirmed = "confirmed";

// Private sessions, client to client (p2p_wire.hpp).
inline constexpr std::string_view private_hello = "private-hello";
inline constexpr std::string_view bye = "bye";

// Pieces of lines that are no keywords on their own (the check looks only at the words above).
namespace part {
inline constexpr std::string_view greeting_name = "msgapp";  // hello msgapp <version>
inline constexpr std::string_view queued_suffix = "(offline)";
inline constexpr std::string_view some_skipped = "; some recipients did not get it";
inline constexpr std::string_view private_session_with = "private session with";
inline constexpr std::string_view requested = "requested";
inline constexpr std::string_view accepted = "accepted";
inline constexpr std::string_view refused = "refused";  // error refused (private sessions)
}  // namespace part

}  // namespace msgapp::protocol::words
