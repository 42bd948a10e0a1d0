// What every workload is handed: its options, the protocol adapter, the target and the executor.
#pragma once

#include "adapter.hpp"
#include "options.hpp"

#include <msgapp/tls/context.hpp>

#include <string>

namespace msgbench {

// A class with a constructor rather than an aggregate: g++ 12 corrupts braced aggregate
// temporaries inside co_await expressions (shared/notes/asio-1.22.md section 9).
class bench_context {
 public:
  bench_context(const bench_options& o, const protocol_adapter& a, msgapp::tcp::endpoint t,
                asio::any_io_executor e, msgapp::tls::context_ptr c = nullptr)
      : opts(o),
        adapter(a),
        target(t),
        receiver_target(o.receiver_port == 0 ? t
                                             : msgapp::tcp::endpoint(t.address(), o.receiver_port)),
        ex(std::move(e)),
        tls(std::move(c)) {}

  std::string user_name(std::size_t i) const {
    return opts.user_prefix + std::to_string(opts.first_user + i);
  }
  std::string server_label() const {
    return opts.server_label.empty() ? opts.proto : opts.server_label;
  }

  const bench_options& opts;
  const protocol_adapter& adapter;
  msgapp::tcp::endpoint target;
  msgapp::tcp::endpoint receiver_target;  // relay's receivers: target unless --receiver-port
  asio::any_io_executor ex;
  msgapp::tls::context_ptr tls;  // null: plain TCP
};

}  // namespace msgbench
