// libFuzzer target: hub_state driven by a script of connections, lines, time and store
// outcomes (the actions are listed in hub_script.hpp), one action per input line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub_script.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  msgapp::fuzz::hub_script script;
  while (!input.empty()) {
    const auto nl = input.find('\n');
    script.step(input.substr(0, nl));
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
  }
  script.finish();
  return 0;
}
