// When msgclient colours, and the colours of names and prompts; see style.hpp.
#include "style.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include <msgapp/console/console.hpp>
#include <msgapp/console/safe_text.hpp>

namespace msgapp::apps {

bool colour_wanted(colour_choice choice, const char* no_color, bool ansi_output) {
  if (choice == colour_choice::always) return true;
  if (choice == colour_choice::never) return false;
  if (no_color != nullptr && *no_color != '\0') return false;
  return ansi_output;
}

look choose_look(ui::console& con, colour_choice colour, bool bell, std::string where) {
  look out;
  out.terminal = con.terminal_output();
  out.colour = colour_wanted(colour, std::getenv("NO_COLOR"), con.ansi_output());
  out.bell = bell && out.terminal;
  out.where = std::move(where);
  con.use_colour(out.colour);
  return out;
}

ui::style looks::name(std::string_view name) {
  // FNV-1a: the same colour for a name in every run and on every machine.
  std::uint32_t hash = 2166136261u;
  for (const char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  constexpr std::array palette = {ui::colour::yellow, ui::colour::blue, ui::colour::magenta,
                                  ui::colour::cyan};
  return ui::style{.fg = palette[hash % palette.size()], .bold = true};
}

std::string prompt(std::string_view me, std::string_view where,
                   const std::vector<std::string>& privates, bool colour,
                   std::string_view talking_to) {
  // Appended piece by piece: g++ 12 warns falsely (stringop-overflow) about `"..." + string`.
  std::string out;
  if (colour) out.append("\1\x1b[1;32m\2");
  out.append(ui::safe_text(me));
  if (colour) out.append("\1\x1b[0m\2");
  out.append("@").append(ui::safe_text(where));
  for (std::size_t i = 0; i < privates.size(); ++i) {
    out.append(i == 0 ? " [private: " : ", ").append(ui::safe_text(privates[i]));
  }
  if (!privates.empty()) out.append("]");
  if (!talking_to.empty()) out.append(" [to ").append(ui::safe_text(talking_to)).append("]");
  return out.append("> ");
}

}  // namespace msgapp::apps
