// The history of typed lines between runs: where its file lives, and reading and writing it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace msgapp::ui {

// Lines kept, in the file and in the editor: the newest, the oldest dropped first.
inline constexpr std::size_t max_history_lines = 1000;

// $XDG_STATE_HOME/msgapp/history, else ~/.local/state/msgapp/history (the XDG base directory
// rules); empty when neither variable is set to an absolute path.
std::string default_history_file();

// The file's last `max` lines, oldest first; nothing when it is missing or unreadable.
std::vector<std::string> load_history(const std::string& file, std::size_t max);

// Replaces the file with `lines` (their last `max`), readable by its owner alone (0600),
// making its directory (0700) when needed. Written to a temporary file that is then renamed,
// so a crash leaves the old history or the new one. False when it could not be written.
bool save_history(const std::string& file, const std::vector<std::string>& lines, std::size_t max);

}  // namespace msgapp::ui
