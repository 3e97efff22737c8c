#pragma once
// The login service's REST routes (/v1/auth/*, /v1/account). Handlers only translate between
// HTTP and AuthService.
#include "arena/auth/service.hpp"
#include "arena/core/json_input.hpp"
#include "arena/http/router.hpp"

namespace arena::auth {

void add_routes(http::Router& router, AuthService& service, core::JsonLimits limits);

}  // namespace arena::auth
