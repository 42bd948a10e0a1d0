// `msgserver hash-password [USER]`: reads a password and prints its line for credentials.txt.
#pragma once

namespace msgapp::apps {

inline constexpr const char* hash_password_command = "hash-password";

// argv[1] is "hash-password". Returns the exit status.
int hash_password(int argc, char** argv);

}  // namespace msgapp::apps
