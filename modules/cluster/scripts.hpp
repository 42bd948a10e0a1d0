// The Lua scripts that make each cluster step one atomic step in Redis. Keys:
//   online:<user>       the node a user is online on (the "already online" rule, cluster-wide)
//   failed:<user>       wrong passwords in a row;  login-block:<user>  set for the block time
//   node:<id>           a node's lease (a random token, expiring);  nodes  every joined node
//   node-users:<id>     hash user -> private port of the users a node has online
//   janitor             the lease of the node that cleans up after dead ones
#pragma once

namespace msgapp::cluster::scripts {

// KEYS online:u failed:u login-block:u node-users:node
// ARGV node password_ok(1/0) attempts block_ms user private_port
// -> {outcome, number}: claimed | online | wrong (attempts left) | blocked-now | blocked (ms left)
inline constexpr const char* login = R"lua(
local left = redis.call('PTTL', KEYS[3])
if left > 0 then return {'blocked', left} end
if ARGV[2] ~= '1' then
  local n = redis.call('INCR', KEYS[2])
  if n >= tonumber(ARGV[3]) then
    redis.call('DEL', KEYS[2])
    redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
    return {'blocked-now', 0}
  end
  return {'wrong', tonumber(ARGV[3]) - n}
end
redis.call('DEL', KEYS[2])
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('HSET', KEYS[4], ARGV[5], ARGV[6])
  return {'claimed', 0}
end
return {'online', 0}
)lua";

// KEYS online:u node-users:node  ARGV node user: frees the name if this node holds it.
inline constexpr const char* release = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('HDEL', KEYS[2], ARGV[2])
return 1
)lua";

// KEYS online:u node-users:node  ARGV node user port: a private port, if the user is ours.
inline constexpr const char* set_port = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end
return 1
)lua";

// KEYS node:id node-users:id nodes  ARGV id token lease_ms
// Takes the lease (nil if a live node holds it), first freeing the users a previous life of
// this node left online -> their names.
inline constexpr const char* join = R"lua(
if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[3]) then return false end
local freed = {}
for _, u in ipairs(redis.call('HKEYS', KEYS[2])) do
  if redis.call('GET', 'online:' .. u) == ARGV[1] then
    redis.call('DEL', 'online:' .. u)
    table.insert(freed, u)
  end
end
redis.call('DEL', KEYS[2])
redis.call('SADD', KEYS[3], ARGV[1])
return freed
)lua";

// KEYS node:id  ARGV token lease_ms -> 1 renewed, 0 lost (expired, or taken by another life)
inline constexpr const char* renew = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
)lua";

// KEYS janitor nodes  ARGV id lease_ms
// Holds (or takes) the janitor's lease; if held, frees every dead node's users and forgets the
// node -> {{dead node, user, ...}, ...} (empty when another node is the janitor).
inline constexpr const char* janitor = R"lua(
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
elseif holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  return {}
end
local dead = {}
for _, n in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', 'node:' .. n) == 0 then
    local gone = {n}
    for _, u in ipairs(redis.call('HKEYS', 'node-users:' .. n)) do
      if redis.call('GET', 'online:' .. u) == n then
        redis.call('DEL', 'online:' .. u)
        table.insert(gone, u)
      end
    end
    redis.call('DEL', 'node-users:' .. n)
    redis.call('SREM', KEYS[2], n)
    table.insert(dead, gone)
  end
end
return dead
)lua";

// KEYS nodes -> {{node, user, port, user, port, ...}, ...}: who is online where.
inline constexpr const char* view = R"lua(
local out = {}
for _, n in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local entry = {n}
  for _, v in ipairs(redis.call('HGETALL', 'node-users:' .. n)) do table.insert(entry, v) end
  table.insert(out, entry)
end
return out
)lua";

}  // namespace msgapp::cluster::scripts
