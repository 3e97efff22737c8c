#pragma once
// Bus subjects of the auth role. Payloads are JSON.
// Events:
//   auth.revoked          <login id> (plain text): a logout or detected refresh-token theft;
//                         every process refuses that login's tokens and closes its sockets
// Requests (queue group "auth"):
//   auth.accounts.exist   {"user_ids":[up to 100 ids]} -> {"exists":{"<id>":true|false}}
#include <string_view>

namespace arena::auth {

inline constexpr std::string_view kRevoked = "auth.revoked";
inline constexpr std::string_view kAccountsExist = "auth.accounts.exist";
inline constexpr std::string_view kQueueGroup = "auth";

}  // namespace arena::auth
