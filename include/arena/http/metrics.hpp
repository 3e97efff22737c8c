#pragma once
// The HTTP edge's metrics, declared in one place.
#include "arena/metrics/registry.hpp"

namespace arena::http {

struct HttpMetrics {
  explicit HttpMetrics(metrics::Registry& r)
      : requests(r.counter("http_requests_total", "HTTP requests by route, method and status",
                           {"route", "method", "status"})),
        duration(r.histogram("http_request_duration_seconds", "HTTP request handling time by route", {"route"},
                             metrics::latency_buckets())),
        in_flight(r.gauge("http_requests_in_flight", "Requests being handled or answered").with({})),
        connections_open(r.gauge("http_connections_open", "Open HTTP connections").with({})),
        connections_total(r.counter("http_connections_total", "Accepted HTTP connections").with({})),
        rejected(r.counter("http_rejected_total", "Requests refused before routing, by reason", {"reason"})) {}

  metrics::Family<metrics::Counter>& requests;
  metrics::Family<metrics::Histogram>& duration;
  metrics::Gauge& in_flight;
  metrics::Gauge& connections_open;
  metrics::Counter& connections_total;
  metrics::Family<metrics::Counter>& rejected;
};

}  // namespace arena::http
