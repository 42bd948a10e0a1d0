// Where msgclient's lines go, and in which form: text for people, or JSON for programs.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <msgapp/client/client.hpp>
#include <msgapp/client/p2p.hpp>
#include <msgapp/console/console.hpp>

#include "user_command.hpp"

namespace msgapp::apps {

// On a terminal every line goes to the console. In pipe mode (input not a terminal) errors go
// to stderr and everything else to stdout, so a script reads the conversation alone; with
// --json every line is one JSON object on stdout, errors included.
class output {
 public:
  output(ui::console& con, bool json) : con_(con), json_(json) {}

  // One of msgclient's own lines: a status line, or an error as error_line() makes it.
  void print(std::string_view line);

  // An event from the server, made ready to print (text or JSON); nothing for those the user
  // does not see. Kept apart from put() so the caller may note it as shown in between.
  std::optional<std::string> render(const client::event_line& event) const;
  void put(std::string_view rendered);

  void reply(const user_command& cmd, const protocol::server_line& reply);
  void login_refused(const protocol::server_line& reply);
  void private_event(const client::p2p_event& event);
  void welcome(std::string_view user);

  // Errors printed so far by print(), reply() and login_refused(): the failures of what the
  // user asked for (--exit-on-error), not those of private sessions set up in the background.
  std::size_t errors() const { return errors_; }

 private:
  void emit(std::string_view line, bool error);   // to where the line belongs
  void write(std::string_view line, bool error);  // the same, counting errors

  ui::console& con_;
  bool json_;
  std::size_t errors_ = 0;
};

}  // namespace msgapp::apps
