// Where msgclient's lines go, and in which form: styled for a terminal, text, or JSON.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <msgapp/client/client.hpp>
#include <msgapp/client/p2p.hpp>
#include <msgapp/console/console.hpp>
#include <msgapp/console/styled_line.hpp>

#include "display.hpp"
#include "style.hpp"
#include "user_command.hpp"

namespace msgapp::apps {

// On a terminal every line goes to the console, styled as the look says (style.hpp). In pipe
// mode (input not a terminal) the same lines go as plain text, errors to stderr and everything
// else to stdout, so a script reads the conversation alone; with --json every line is one JSON
// object on stdout, errors included.
class output {
 public:
  output(ui::console& con, look seen, bool json) : con_(con), seen_(std::move(seen)), json_(json) {}

  const look& seen() const { return seen_; }
  // Where and when a line is drawn now (display.hpp).
  view now() const;
  // The prompt for `me`, with the private sessions open to `peers`, and whom plain lines go to.
  std::string prompt_for(std::string_view me, const std::vector<std::string>& peers) const;
  // `query <user>`: plain typed lines go to `user` (empty: they are commands again).
  void talk_to(std::string user) { talking_to_ = std::move(user); }

  // One of msgclient's own lines: a status line, or an error as error_line()/styled_error()
  // make it.
  void print(std::string_view line);
  void print(const ui::styled_line& line);

  // An event from the server, made ready to print (styled, or in JSON mode one plain span
  // holding the object); nothing for those the user does not see. Kept apart from put() so
  // the caller may note it as shown in between.
  std::optional<ui::styled_line> render(const client::event_line& event) const;
  void put(const ui::styled_line& rendered);

  void reply(const user_command& cmd, const protocol::server_line& reply);
  // Your own message once the server (or the private session) took it: people see it join the
  // conversation; JSON has its reply already.
  void sent(const user_command& cmd);
  void login_refused(const protocol::server_line& reply);
  // A private session's event: the bell for a message; when a session starts or ends, the
  // prompt being edited shows the `peers` left.
  void private_event(const client::p2p_event& event, std::string_view me,
                     const std::vector<std::string>& peers);
  void welcome(std::string_view user);

  // Errors printed so far by print(), reply() and login_refused(): the failures of what the
  // user asked for (--exit-on-error), not those of private sessions set up in the background.
  std::size_t errors() const { return errors_; }

 private:
  void emit(const ui::styled_line& line, bool error);   // to where the line belongs
  void write(const ui::styled_line& line, bool error);  // the same, counting errors

  ui::console& con_;
  look seen_;
  std::string talking_to_;
  bool json_;
  std::size_t errors_ = 0;
};

}  // namespace msgapp::apps
