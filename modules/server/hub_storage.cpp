// hub_state: the store as the hub's memory. Changes go out as one batch per entry into the
// hub; replies that depend on them wait, in order, until the batch commits; offline messages
// come back a page at a time, when the client's outbox has room for the next one.
#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "msgapp/protocol/server_line.hpp"
#include "msgapp/server/hub_state.hpp"

namespace msgapp::server {

using protocol::errc;

namespace {

std::chrono::system_clock::time_point from_wall(store::wall_ms ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

}  // namespace

store::wall_ms hub_state::wall(moment now) const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(now.wall.time_since_epoch()).count();
}

// What the store held at start: block lists, login blocks in force, who was seen when, and
// how much waits in each offline queue. Names no longer in the credentials file are skipped.
void hub_state::load(const store::snapshot& loaded, moment now) {
  database_id_ = loaded.database_id;
  for (const auto& [user, other] : loaded.blocks) {
    if (account* acc = find_account(user)) acc->blocked.insert(other);
  }
  for (const auto& b : loaded.login_blocks) {
    account* acc = find_account(b.user);
    if (acc == nullptr || b.until <= wall(now)) continue;
    acc->blocked_until = now.mono + std::chrono::milliseconds(b.until - wall(now));
  }
  for (const auto& [user, at] : loaded.last_seen) {
    if (account* acc = find_account(user)) acc->last_seen = from_wall(at);
  }
  for (const auto& q : loaded.queues) {
    if (account* acc = find_account(q.recipient)) acc->queued = q.messages;
    total_queued_bytes_ += q.bytes;
  }
  for (const auto& s : loaded.senders) {
    if (account* acc = find_account(s.sender)) acc->sent_queued = s.messages;
  }
}

// ---- building and handing over batches ----

void hub_state::write(store::operation op, op_effect effect) {
  building_ops_.push_back(std::move(op));
  building_.effects.push_back(std::move(effect));
}

bool hub_state::store_busy() const {
  return ops_in_flight_ + building_ops_.size() >= cfg_.store_backlog;
}

void hub_state::flush_batch() {
  if (building_ops_.empty()) return;  // (a held line always comes with an operation)
  store::batch b{building_.ticket, std::exchange(building_ops_, {})};
  ops_in_flight_ += b.ops.size();
  const std::uint64_t next = building_.ticket + 1;
  in_flight_.push_back(std::exchange(building_, in_flight{next, {}, {}}));
  submit_(std::move(b));
}

// ---- holding replies until their batch commits ----

void hub_state::reply_when_committed(conn_state& c, shared_line ok, shared_line failed) {
  c.held_bytes += ok->size();
  c.held.push_back(held_line{building_.ticket, std::move(ok), std::move(failed)});
  if (building_.waiting.empty() || building_.waiting.back() != c.id)
    building_.waiting.push_back(c.id);
  if (c.held_bytes > cfg_.outbox_bytes) too_slow_.push_back(c.id);
}

void hub_state::reply_when_committed(conn_state& c, const protocol::ok_reply& reply) {
  const protocol::error not_saved{errc::not_saved,
                                  "the server could not save this; nothing was changed"};
  reply_when_committed(c, make_line(protocol::format(reply)),
                       make_line(protocol::format_error(not_saved)));
}

// Sends the held lines whose batch has been answered, oldest first, up to the first that still
// waits. The lines of a failed batch were already swapped for their `failed` form.
void hub_state::release_held(conn_state& c) {
  // Batches are answered in ticket order: every ticket below the oldest unanswered one is
  // answered. Lines with ticket 0 wait only for the lines before them.
  const std::uint64_t unanswered =
      in_flight_.empty() ? building_.ticket : in_flight_.front().ticket;
  std::size_t n = 0;
  for (; n < c.held.size() && c.held[n].ticket < unanswered; ++n) {
    c.held_bytes -= c.held[n].committed->size();
    if (c.held[n].committed->empty()) continue;  // a barrier (see on_remote(queued)): no line
    if (!c.out->deliver(std::move(c.held[n].committed))) {
      too_slow_.push_back(c.id);  // cut off at the end of the turn, held lines and all
      ++n;
      break;
    }
  }
  c.held.erase(c.held.begin(), c.held.begin() + static_cast<std::ptrdiff_t>(n));
  if (!c.held.empty()) return;
  c.held_bytes = 0;
  if (c.close_when_released) c.out->close_after_flush();
}

// ---- outcomes ----

void hub_state::committed(std::vector<store::outcome> outcomes, moment now) {
  for (auto& outcome : outcomes)
    apply_outcome(outcome, now);
  finish_turn(now);
}

void hub_state::apply_outcome(store::outcome& outcome, moment now) {
  if (in_flight_.empty() || in_flight_.front().ticket != outcome.ticket) {
    spdlog::error("store answered batch {} out of order; ignored", outcome.ticket);
    return;
  }
  in_flight batch = std::move(in_flight_.front());
  in_flight_.pop_front();
  ops_in_flight_ -= batch.effects.size();
  const bool ok = outcome.results.has_value();
  if (!ok) {
    spdlog::error("the store could not save batch {} ({} changes): {}", batch.ticket,
                  batch.effects.size(), outcome.results.error());
  }

  for (std::size_t i = 0; i < batch.effects.size(); ++i) {
    auto& effect = batch.effects[i];
    if (auto* e = std::get_if<uncount_enqueue>(&effect)) {
      account* to = find_account(e->to);
      if (to != nullptr && to->storing > 0 && --to->storing == 0 && cluster_) {
        // The user may have logged in (here or on another node) since: that login reads them.
        // Told in order with what follows: through the channel later messages take.
        if (to->online) {
          on_remote(cluster::queued{e->to}, now);
        } else if (!to->remote_node.empty()) {
          cluster_->to_node(to->remote_node, cluster::queued{e->to});
        } else {
          ++to->poking;
          cluster_->poke(e->to, [this, user = e->to] {
            if (account* acc = find_account(user); acc != nullptr && acc->poking > 0) --acc->poking;
          });
        }
      }
      if (!ok) {
        if (to != nullptr) --to->queued;
        if (account* from = find_account(e->from)) --from->sent_queued;
        total_queued_bytes_ -= e->bytes;
      }
    } else if (auto* b = std::get_if<undo_block>(&effect); b && !ok) {
      if (account* acc = find_account(b->user)) {
        if (b->blocked) {
          acc->blocked.erase(b->other);
        } else {
          acc->blocked.insert(b->other);
        }
      }
    } else if (auto* d = std::get_if<uncount_deleted>(&effect); d && ok) {
      if (const auto* gone = std::get_if<store::deleted>(&(*outcome.results)[i]))
        forget_queued(d->recipient, *gone);
    } else if (auto* u = std::get_if<undo_login>(&effect); u && !ok) {
      // Cluster mode: the database did not record the login, so it did not happen. The held
      // welcome goes out in its failed form (why), then the connection closes.
      if (conn_state* c = find_connection(u->id); c != nullptr && !c->user.empty()) {
        end_session(*c, "the database could not be reached", now);  // not protocol: the log's
        close_gracefully(*c);
      }
    } else if (auto* p = std::get_if<page_for>(&effect)) {
      conn_state* c = find_connection(p->id);
      const auto* pg = ok ? std::get_if<store::page>(&(*outcome.results)[i]) : nullptr;
      if (c != nullptr && pg != nullptr) {  // (if not, the messages stay for the next login)
        // The page goes right after the lines held for this batch (the welcome), ahead of
        // the live lines that came meanwhile and wait behind them.
        deliver_page(p->id, *pg, batch.ticket);
        release_held(*c);
      }
    }
  }

  // Held lines of a failed batch go out in their failed form.
  for (const conn_id id : batch.waiting) {
    conn_state* c = find_connection(id);
    if (c == nullptr) continue;
    if (!ok) {
      for (auto& h : c->held) {
        if (h.ticket != batch.ticket) continue;
        c->held_bytes = c->held_bytes - h.committed->size() + h.failed->size();
        h.committed = h.failed;
      }
    }
    release_held(*c);
    if (c->detached && c->held.empty()) connections_.erase(id);  // its last replies are out
  }
}

void hub_state::forget_queued(std::string_view recipient, const store::deleted& gone) {
  account* to = find_account(recipient);
  for (const auto& s : gone.by_sender) {
    if (to != nullptr) to->queued -= std::min(to->queued, s.messages);
    if (account* from = find_account(s.sender))
      from->sent_queued -= std::min(from->sent_queued, s.messages);
    total_queued_bytes_ -= std::min(total_queued_bytes_, s.bytes);
  }
}

// ---- offline messages, a page at a time ----

void hub_state::request_page(conn_state& c) {
  write(store::read_messages{c.user, c.delivered_up_to, cfg_.page_messages, cfg_.page_bytes},
        page_for{c.id});
}

void hub_state::deliver_page(conn_id id, const store::page& page, std::uint64_t ticket) {
  conn_state* c = find_connection(id);
  if (c == nullptr || c->closing || c->user.empty()) return;
  // Lines still held (live ones that arrived while the page was read) go after the page.
  auto at = c->held.begin();
  while (at != c->held.end() && at->ticket == ticket)
    ++at;
  for (const auto& m : page.messages) {
    if (m.id <= c->delivered_up_to) continue;  // sent already: two reads overlapped
    const auto time = protocol::format_time(from_wall(m.sent_at));
    auto line = make_line(c->receipts ? protocol::format_stored(time, m.from, m.id, m.text)
                                      : protocol::format_offline(time, m.from, m.text));
    if (c->held.empty()) {
      if (!send(*c, std::move(line))) return;  // cut off: the rest stays stored
    } else {
      c->held_bytes += line->size();
      at = c->held.insert(at, held_line{0, line, line}) + 1;
      if (c->held_bytes > cfg_.outbox_bytes) {
        too_slow_.push_back(c->id);
        return;
      }
    }
    c->delivered_up_to = m.id;
  }
  // Without receipts, a message handed to the connection counts as delivered (protocol 1).
  if (!c->receipts && !page.messages.empty())
    write(store::delete_messages{c->user, c->delivered_up_to}, uncount_deleted{c->user});
  if (!page.more) return;
  // The next page when this one has been written: a slow reader slows only its own queue.
  c->out->when_written([this, id] {
    conn_state* c = find_connection(id);
    if (c == nullptr || c->closing || c->user.empty()) return;
    request_page(*c);
    flush_batch();
  });
}

}  // namespace msgapp::server
