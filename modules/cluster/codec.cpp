// Encoding and decoding the events nodes publish to each other.
#include "msgapp/cluster/codec.hpp"

#include <charconv>
#include <optional>

#include <fmt/format.h>

namespace msgapp::cluster {

namespace {

struct line_writer {
  std::string& out;
  void operator()(const direct_message& e) {
    fmt::format_to(std::back_inserter(out), "direct {} {} {} {}\n", e.from, e.to, e.sent_at,
                   e.text);
  }
  void operator()(const presence& e) {
    fmt::format_to(std::back_inserter(out), "present {} {} {} {} {}\n", e.user, e.node,
                   e.online ? 1 : 0, e.at, e.private_port);
  }
  void operator()(const broadcast& e) {
    fmt::format_to(std::back_inserter(out), "bc {} {} {} {}\n", e.from, e.node, e.sent_at, e.text);
  }
  void operator()(const block_change& e) {
    fmt::format_to(std::back_inserter(out), "blocking {} {} {}\n", e.user, e.other,
                   e.blocked ? 1 : 0);
  }
  void operator()(const private_port& e) {
    fmt::format_to(std::back_inserter(out), "port {} {}\n", e.user, e.port);
  }
  void operator()(const private_offer& e) {
    fmt::format_to(std::back_inserter(out), "offer {} {} {}\n", e.from, e.to, e.token);
  }
  void operator()(const queued& e) {
    fmt::format_to(std::back_inserter(out), "queued {}\n", e.user);
  }
  void operator()(const private_ready& e) {
    fmt::format_to(std::back_inserter(out), "ready {} {} {} {} {}\n", e.from, e.to, e.address,
                   e.port, e.token);
  }
};

// Takes words off the front of a line; the rest of the line is the free text.
struct line_reader {
  std::string_view rest;
  bool ok = true;
  std::string word() {
    const auto space = rest.find(' ');
    const auto w = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    if (w.empty()) ok = false;
    return std::string(w);
  }
  template <typename Int>
  Int number() {
    const auto w = word();
    Int value{};
    const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), value);
    if (ec != std::errc{} || end != w.data() + w.size()) ok = false;
    return value;
  }
  bool flag() { return number<int>() == 1; }
  std::string text() { return std::string(std::exchange(rest, {})); }
};

std::optional<event> parse_line(std::string_view line) {
  line_reader in{line};
  const auto kind = in.word();
  std::optional<event> e;
  if (kind == "direct") {
    direct_message m;
    m.from = in.word();
    m.to = in.word();
    m.sent_at = in.number<wall_ms>();
    m.text = in.text();
    e = std::move(m);
  } else if (kind == "present") {
    presence p;
    p.user = in.word();
    p.node = in.word();
    p.online = in.flag();
    p.at = in.number<wall_ms>();
    p.private_port = in.number<std::uint16_t>();
    e = std::move(p);
  } else if (kind == "bc") {
    broadcast b;
    b.from = in.word();
    b.node = in.word();
    b.sent_at = in.number<wall_ms>();
    b.text = in.text();
    e = std::move(b);
  } else if (kind == "blocking") {
    block_change b;
    b.user = in.word();
    b.other = in.word();
    b.blocked = in.flag();
    e = std::move(b);
  } else if (kind == "port") {
    private_port p;
    p.user = in.word();
    p.port = in.number<std::uint16_t>();
    e = std::move(p);
  } else if (kind == "offer") {
    private_offer o;
    o.from = in.word();
    o.to = in.word();
    o.token = in.word();
    e = std::move(o);
  } else if (kind == "queued") {
    e = queued{in.word()};
  } else if (kind == "ready") {
    private_ready r;
    r.from = in.word();
    r.to = in.word();
    r.address = in.word();
    r.port = in.number<std::uint16_t>();
    r.token = in.word();
    e = std::move(r);
  }
  if (!in.ok) return std::nullopt;
  return e;
}

}  // namespace

std::string encode(const std::vector<event>& events) {
  std::string out;
  line_writer write{out};
  for (const auto& e : events)
    std::visit(write, e);
  return out;
}

std::vector<event> decode(std::string_view payload) {
  std::vector<event> events;
  while (!payload.empty()) {
    const auto end = payload.find('\n');
    const auto line = payload.substr(0, end);
    payload = end == std::string_view::npos ? std::string_view{} : payload.substr(end + 1);
    if (auto e = parse_line(line)) events.push_back(std::move(*e));
  }
  return events;
}

}  // namespace msgapp::cluster
