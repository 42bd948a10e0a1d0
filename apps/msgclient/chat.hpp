// The chat loop: what the user types and what the server sends, handled at the same time.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <msgapp/client/client.hpp>
#include <msgapp/client/p2p.hpp>
#include <msgapp/console/console.hpp>

#include "output.hpp"
#include "shown_once.hpp"

namespace msgapp::apps {

// After the connection to the server was lost: a new one, logged in as the same user, with
// `once` made to fit its database; nothing when it gave up (said why) or was cancelled.
using reconnector =
    std::function<awaitable<std::optional<client::client>>(std::optional<shown_once>& once)>;

// Runs until the user leaves (logout, end of input, Ctrl-C), the server times the user out,
// or the server is gone (and not reconnected) and no private session is left. Returns the
// exit status. When the user leaves, private sessions are closed first; otherwise the caller
// closes them. `once` is set when the server sends offline messages as `stored` (it accepted
// `receipts`). Lines go through `out`; with `exit_on_error`, the first command that fails ends
// the chat (logged out as usual) with status 1. `again` (when set) is called whenever the
// connection is lost, but not after a time-out; the user goes on typing meanwhile.
awaitable<int> chat(ui::console& con, output& out, client::client server,
                    client::private_sessions& privates, std::string me,
                    std::optional<shown_once> once, bool exit_on_error, reconnector again);

}  // namespace msgapp::apps
