#include "arena/core/error.hpp"

#include <array>

namespace arena {
namespace {

#define ARENA_ERROR_ENTRY(n) Code::n,
constexpr Code kAll[] = {ARENA_ERROR_CODES(ARENA_ERROR_ENTRY)};
#undef ARENA_ERROR_ENTRY

#define ARENA_ERROR_NAME(n) std::string_view(#n),
constexpr std::string_view kNames[] = {ARENA_ERROR_CODES(ARENA_ERROR_NAME)};
#undef ARENA_ERROR_NAME

static_assert(std::size(kAll) == std::size(kNames));

}  // namespace

std::string_view name(Code c) {
  const auto i = static_cast<std::size_t>(c);
  return i < std::size(kNames) ? kNames[i] : std::string_view("internal");
}

std::optional<Code> code_named(std::string_view n) {
  for (std::size_t i = 0; i < std::size(kNames); ++i) {
    if (kNames[i] == n) return kAll[i];
  }
  return std::nullopt;
}

std::span<const Code> all_codes() {
  return kAll;
}

}  // namespace arena
