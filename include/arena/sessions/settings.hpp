#pragma once
// The sessions role's settings: the `channels.*` section of the settings table
// (src/config/fields.cpp) parses straight into this struct.
#include <cstddef>

namespace arena::sessions {

struct ChannelSettings {
  std::size_t max_members = 10'000;
};

}  // namespace arena::sessions
