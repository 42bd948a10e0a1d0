// Protocol-level refusals: a stable one-word code for programs plus a sentence for people.
#pragma once

#include <string>
#include <string_view>

namespace msgapp::protocol {

enum class errc {
  empty_line,
  line_too_long,
  bad_encoding,
  control_char,
  bad_command,
  usage,
  not_logged_in,
  already_logged_in,
  unknown_user,
  wrong_password,
  login_blocked,
  already_online,
  self,
  blocked,
  already_blocked,
  not_blocked,
  text_too_long,
  queue_full,
  unavailable,
  server_full,
  offline,
  no_offer,
  quota,                 // the sender's share of the offline store, or the whole store, is used up
  not_saved,             // the server could not save a change; nothing was changed
  login_busy,            // too many hashed passwords are being checked; the login was not tried
  flooding,              // held back by the command rate for flood_cutoff without a break: cut off
  too_many_connections,  // the client's address has as many connections open as it may
  cluster_unavailable,   // cluster mode: Redis (or PostgreSQL) cannot be reached; nothing was done
};
inline constexpr errc last_errc = errc::cluster_unavailable;  // keep it the last code above

// The word that follows `error ` on the wire, e.g. "unknown-user".
std::string_view code_word(errc code);

struct error {
  errc code;
  std::string text;  // for people; never contains a newline
  bool operator==(const error&) const = default;
};

}  // namespace msgapp::protocol
