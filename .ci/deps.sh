# Sourced by .ci/run and .ci/serve: installs the Debian 12 packages that are missing.
msgapp_packages=(
  g++ cmake ninja-build          # toolchain
  clang-14 libclang-rt-14-dev    # the libFuzzer targets (preset fuzz) and their sanitizers
  libasio-dev libexpected-dev    # Asio 1.22 (standalone), tl::expected
  libfmt-dev libspdlog-dev       # formatting, logging
  libcli11-dev libedit-dev       # argument parsing, line editing (msgclient)
  libsqlite3-dev                 # the server's durable state (its C API: errors as values)
  libssl-dev openssl             # TLS through asio::ssl; the openssl tool makes test certificates
  libsodium-dev                  # Argon2id password hashes
  libjemalloc-dev                # msgserver's allocator (returns freed memory to the system)
  postgresql libpq-dev           # cluster mode's durable state (PostgreSQL 15, its C client)
  redis-server redis-tools libhiredis-dev  # cluster mode's bus, leases and counters (Redis 7)
  catch2 clang-format            # tests, formatting check
  python3                        # .ci/check-protocol-words, .ci/check-doc-links
)

install_missing_packages() {
  local missing=() p
  for p in "${msgapp_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "installing: ${missing[*]}"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
}
