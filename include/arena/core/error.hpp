#pragma once
// The one error type that crosses the edge to a client: a stable machine code and a message
// meant for the client. Text meant for logs never goes in here.
//
// `Code` knows nothing of transports. The HTTP edge maps a code to its status
// (src/http/status.cpp, a switch the compiler checks for completeness); the WebSocket edge and
// the bus send the code's name. Every name is documented in docs/protocol.md, and a test holds
// the two together. A game mode's own input codes (`too_fast`, `column_full`, ...) are not
// engine codes: they travel as match::InputError with the game's string.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace arena {

// X(name): the enumerator and its wire name are the same word.
#define ARENA_ERROR_CODES(X)                                                                                       \
  /* malformed input */                                                                                            \
  X(bad_request)                                                                                                   \
  X(bad_transfer_encoding)                                                                                         \
  X(chunk_extension_too_large)                                                                                     \
  X(chunk_line_too_large)                                                                                          \
  X(headers_too_large)                                                                                             \
  X(body_too_large)                                                                                                \
  X(unsupported_media_type) X(unsupported_transfer_coding) X(malformed_json) X(invalid_body) X(invalid_envelope)   \
      X(missing_field) X(invalid_field) X(invalid_request) X(unsupported_frame) X(unknown_op) X(not_found)         \
          X(method_not_allowed) X(upgrade_required) /* who you are */                                              \
      X(unauthorized) X(token_malformed) X(token_bad_algorithm) X(token_unknown_kid) X(token_bad_signature)        \
          X(token_expired) X(token_not_yet_valid) X(token_bad_time) X(token_wrong_issuer) X(token_wrong_audience)  \
              X(token_revoked) X(token_mismatch) X(invalid_credentials) X(refresh_token_invalid)                   \
                  X(refresh_token_expired) X(refresh_token_reused) X(refresh_token_revoked) X(account_disabled)    \
                      X(account_not_found) X(email_taken) /* limits */                                             \
      X(rate_limited) X(too_many_connections) X(too_many_upgrades) X(too_many_sessions) X(too_many_channels)       \
          X(too_many_invites) X(too_many_watchers) X(channel_full) X(party_full)                                   \
              X(party_too_big)                                            /* sessions and channels */              \
      X(session_closed) X(not_in_channel) X(user_offline) X(no_such_user) /* matchmaking and parties */            \
      X(unknown_mode) X(no_region) X(already_queued) X(already_in_match) X(not_queued) X(already_in_party)         \
          X(not_in_party) X(not_party_leader) X(not_party_member) X(already_member) X(not_member) X(no_such_party) \
              X(not_invited) /* matches */                                                                         \
      X(no_such_match) X(not_in_match) /* leaderboards */ X(no_such_board) X(no_such_season)                       \
          X(server_writes_off) /* operators */ X(admin_off) X(admin_only) /* GraphQL */ X(graphql_syntax)          \
              X(not_acceptable) X(graphql_invalid) X(graphql_too_complex) /* the server itself */                  \
      X(overloaded) X(unavailable) X(storage_unavailable) X(not_ready) X(shutting_down) X(internal)

enum class Code : std::uint8_t {
#define ARENA_ERROR_ENUM(name) name,
  ARENA_ERROR_CODES(ARENA_ERROR_ENUM)
#undef ARENA_ERROR_ENUM
};

#define ARENA_ERROR_ONE(name) +1  // NOLINT(bugprone-macro-parentheses): a term of a sum
inline constexpr std::size_t kCodeCount = 0 ARENA_ERROR_CODES(ARENA_ERROR_ONE);
#undef ARENA_ERROR_ONE

// The wire name of a code (what clients match on).
std::string_view name(Code c);
// The code with this wire name, if it is one.
std::optional<Code> code_named(std::string_view name);
// Every code, in declaration order.
std::span<const Code> all_codes();

class Error : public std::runtime_error {
 public:
  Error(Code code, const std::string& message) : std::runtime_error(message), code_(code) {}

  Code code() const { return code_; }
  std::string_view code_name() const { return name(code_); }
  std::string_view message() const { return what(); }
  // Seconds the client should wait before trying again (rate limits, overload); 0 when not
  // applicable. HTTP sends it as Retry-After.
  int retry_after() const { return retry_after_; }
  Error& with_retry_after(int seconds) {
    retry_after_ = seconds;
    return *this;
  }

 private:
  Code code_;
  int retry_after_ = 0;
};

}  // namespace arena
