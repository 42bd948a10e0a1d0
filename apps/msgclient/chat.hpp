// The chat loop: what the user types and what the server sends, handled at the same time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <msgapp/client/client.hpp>
#include <msgapp/client/p2p.hpp>
#include <msgapp/console/console.hpp>

#include "shown_once.hpp"
#include "style.hpp"

namespace msgapp::apps {

// Runs until the user leaves (logout, end of input, Ctrl-C), the server times the user out,
// or the server is gone and no private session is left. Returns the exit status. When the
// user leaves, private sessions are closed first; otherwise the caller closes them. `once` is
// set when the server sends offline messages as `stored` (it accepted `receipts`); `seen` is
// how lines are shown (style.hpp).
awaitable<int> chat(ui::console& con, client::client server, client::private_sessions& privates,
                    std::string me, std::optional<shown_once> once, look seen);

// Shows a private session's event as `seen` says, ringing the bell for a message; when a
// session starts or ends, the prompt being edited shows the `peers` left.
void show_private_event(ui::console& con, const look& seen, const client::p2p_event& event,
                        std::string_view me, const std::vector<std::string>& peers);

}  // namespace msgapp::apps
