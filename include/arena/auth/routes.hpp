#pragma once
// The login service's REST routes (/v1/auth/*, /v1/account). Handlers only translate between
// HTTP and AuthService.
#include <boost/json/object.hpp>

#include "arena/auth/service.hpp"
#include "arena/core/json_input.hpp"
#include "arena/http/router.hpp"

namespace arena::auth {

void add_routes(http::Router& router, AuthService& service, core::JsonLimits limits);

// An account as GET /v1/account gives it (GraphQL's Account reads the same object).
boost::json::object account_json(const Account& a);

}  // namespace arena::auth
