#pragma once
// Loopback helpers for tests that start servers: a free 127.0.0.1 port, and whether one accepts.
#include <cstdint>

namespace arena::testing {

std::uint16_t free_port();
bool can_connect(std::uint16_t port);

}  // namespace arena::testing
