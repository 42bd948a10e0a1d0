// A small pool of threads that check Argon2id hashes off the io thread, behind a bounded queue.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <msgapp/net.hpp>

#include "msgapp/server/credentials.hpp"

namespace msgapp::server {

class password_check {
 public:
  // `threads` workers (each holds up to max_hash_memory while it checks) and at most
  // `queue` checks waiting for one.
  password_check(std::size_t threads, std::size_t queue);
  ~password_check();  // finishes the checks already taken, then joins
  password_check(const password_check&) = delete;
  password_check& operator=(const password_check&) = delete;

  // Checks `password` against `hash` on a worker; the caller resumes on its own executor,
  // which is kept busy meanwhile. `refused` at once, checking nothing, when the queue is full.
  awaitable<hash_check> verify(std::string hash, std::string password);

 private:
  struct job {
    std::string hash;
    std::string password;                  // wiped once checked
    std::function<void(hash_check)> done;  // posts the verdict to the waiting coroutine
  };
  bool reserve();  // takes a place in the queue, if one is left
  void push(job j);
  void work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> waiting_;
  std::size_t taken_ = 0;  // checks waiting or being done; at most threads + queue
  std::size_t capacity_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;  // last: started once everything above exists
};

}  // namespace msgapp::server
