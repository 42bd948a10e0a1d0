// Private: turns a hiredis reply (valid only inside its callback) into an owned reply.
#pragma once

#include <hiredis/hiredis.h>

#include "msgapp/redis/reply.hpp"

namespace msgapp::redis::detail {

reply copy_reply(const redisReply& r);

}  // namespace msgapp::redis::detail
