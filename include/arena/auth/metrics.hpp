#pragma once
#include "arena/metrics/registry.hpp"

namespace arena::auth {

struct AuthMetrics {
  explicit AuthMetrics(metrics::Registry& r)
      : logins(r.counter("auth_logins_total", "Logins by method (guest, device, register, password) and result",
                         {"method", "result"})),
        refreshes(r.counter("auth_refresh_total", "Refresh-token exchanges by result", {"result"})),
        token_failures(r.counter("auth_token_rejected_total", "Access tokens refused, by error code", {"code"})),
        rate_limited(r.counter("auth_rate_limited_total", "Login/register attempts refused by rate limit, by scope",
                               {"scope"})) {}

  metrics::Family<metrics::Counter>& logins;
  metrics::Family<metrics::Counter>& refreshes;
  metrics::Family<metrics::Counter>& token_failures;
  metrics::Family<metrics::Counter>& rate_limited;
};

}  // namespace arena::auth
