// How msgclient's lines look on a terminal: when to colour, a colour per name, the prompt.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <msgapp/console/styled_line.hpp>

namespace msgapp::ui {
class console;
}

namespace msgapp::apps {

enum class colour_choice { automatic, always, never };  // --color auto|always|never

// `always` forces colour (into a pipe too); `never`, or a non-empty NO_COLOR (no-color.org),
// turns it off; otherwise only a terminal that understands ANSI sequences gets it.
bool colour_wanted(colour_choice choice, const char* no_color, bool ansi_output);

// How this run shows the chat, decided once at the start.
struct look {
  bool terminal = false;  // output is a terminal: its view of the lines (display.hpp), the bell
  bool colour = false;
  bool bell = false;
  std::string where;  // host:port, for the prompt
};

// Reads NO_COLOR. Also switches the console's colour on or off to match.
look choose_look(ui::console& con, colour_choice colour, bool bell, std::string where);

// What the lines of one kind look like. Others' names get a colour of their own, the same for
// a name every time (a hash into a palette without red, which is for errors, and green, which
// is yours).
namespace looks {
inline constexpr ui::style you{.fg = ui::colour::green, .bold = true};
inline constexpr ui::style error{.fg = ui::colour::red};
inline constexpr ui::style quiet{.dim = true};    // replies, status, presence, times
inline constexpr ui::style direct{.bold = true};  // a message to you alone
inline constexpr ui::style privately{.fg = ui::colour::magenta, .bold = true};
ui::style name(std::string_view name);
}  // namespace looks

// `alice@localhost:4000> `, or `alice@localhost:4000 [private: bob, carol]> ` while private
// sessions are open, and `alice@localhost:4000 [to bob]> ` while plain lines go to bob
// (`query bob`). With colour, your name is green; its codes are wrapped in \1 and \2 so
// the line editor knows they take no room.
std::string prompt(std::string_view me, std::string_view where,
                   const std::vector<std::string>& privates, bool colour,
                   std::string_view talking_to = {});

}  // namespace msgapp::apps
