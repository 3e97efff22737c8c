#include "arena/core/error.hpp"
#include "arena/http/message.hpp"

namespace arena::http {

// No default: a new code does not compile (-Wswitch) until it has a status here.
int status_of(Code code) {
  switch (code) {
    case Code::bad_request:
    case Code::bad_transfer_encoding:
    case Code::chunk_extension_too_large:
    case Code::chunk_line_too_large:
    case Code::malformed_json:
    case Code::invalid_body:
    case Code::invalid_envelope:
    case Code::missing_field:
    case Code::invalid_field:
    case Code::invalid_request:
    case Code::unsupported_frame:
    case Code::unknown_op:
    case Code::unknown_mode:
    case Code::no_region:
    case Code::party_too_big:
    case Code::not_in_channel:
    case Code::too_many_channels:
    case Code::graphql_syntax:
    case Code::graphql_invalid:
    case Code::graphql_too_complex: return 400;
    case Code::unauthorized:
    case Code::token_malformed:
    case Code::token_bad_algorithm:
    case Code::token_unknown_kid:
    case Code::token_bad_signature:
    case Code::token_expired:
    case Code::token_not_yet_valid:
    case Code::token_bad_time:
    case Code::token_wrong_issuer:
    case Code::token_wrong_audience:
    case Code::token_revoked:
    case Code::invalid_credentials:
    case Code::refresh_token_invalid:
    case Code::refresh_token_expired:
    case Code::refresh_token_reused:
    case Code::refresh_token_revoked: return 401;
    case Code::account_disabled:
    case Code::token_mismatch:
    case Code::not_party_leader:
    case Code::not_party_member:
    case Code::not_invited:
    case Code::server_writes_off:
    case Code::admin_off:
    case Code::admin_only: return 403;
    case Code::not_found:
    case Code::account_not_found:
    case Code::no_such_user:
    case Code::no_such_party:
    case Code::no_such_match:
    case Code::no_such_board:
    case Code::no_such_season:
    case Code::not_member:
    case Code::user_offline: return 404;
    case Code::method_not_allowed: return 405;
    case Code::email_taken:
    case Code::session_closed:
    case Code::already_queued:
    case Code::already_in_match:
    case Code::not_queued:
    case Code::already_in_party:
    case Code::not_in_party:
    case Code::already_member:
    case Code::party_full:
    case Code::channel_full:
    case Code::not_in_match: return 409;
    case Code::body_too_large: return 413;
    case Code::unsupported_media_type: return 415;
    case Code::not_acceptable: return 406;
    case Code::upgrade_required: return 426;
    case Code::rate_limited:
    case Code::too_many_watchers:
    case Code::too_many_connections:
    case Code::too_many_upgrades:
    case Code::too_many_sessions:
    case Code::too_many_invites: return 429;
    case Code::headers_too_large: return 431;
    case Code::internal: return 500;
    case Code::unsupported_transfer_coding: return 501;
    case Code::overloaded:
    case Code::unavailable:
    case Code::storage_unavailable:
    case Code::not_ready:
    case Code::shutting_down: return 503;
  }
  return 500;
}

}  // namespace arena::http
