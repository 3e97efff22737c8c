#pragma once
// The live-traffic record the OpenAPI check reads (tools/js/check-traffic.mjs): with
// OPENAPI_TRAFFIC_DIR=<dir> set (ctest sets it for the integration tiers), every response a test
// client reads is appended as one JSON line to <dir>/<pid>.jsonl.
#include <string>

namespace arena::testing {

// One exchange: the request's method and target, the response's status, content type and body
// (bodies that are not JSON are recorded by size only).
void capture_exchange(const std::string& method, const std::string& target, int status, const std::string& content_type,
                      const std::string& body);

// From now on, this process records nothing: for tests of the HTTP library with routes of their
// own, which are not Arena's API.
void stop_capturing();

}  // namespace arena::testing
