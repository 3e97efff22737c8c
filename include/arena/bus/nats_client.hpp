#pragma once
// What every Arena client of NATS shares (the bus, the events stream): for .cpp files that talk
// to nats.c themselves, which is why this header (unlike nats_bus.hpp) includes it.
#include <nats/nats.h>

#include <string>

namespace arena::bus {

// Throws std::runtime_error("nats: <what>: <status>") unless `s` is NATS_OK.
void check_nats(natsStatus s, const std::string& what);

// A connection to one or more comma-separated nats:// URLs, named `client_name`, reconnecting
// for ever (every 250 ms). `no_echo`: its subscriptions never get what it published;
// `global_delivery`: its async subscriptions share nats.c's delivery pool. Throws
// std::runtime_error when no server answers. Opens the nats.c library once per process.
natsConnection* connect_nats(const std::string& url, const std::string& client_name, bool no_echo = false,
                             bool global_delivery = false);

// Makes the JetStream stream `cfg` describes, or brings its settings up to date. Throws
// std::runtime_error naming the stream (and that JetStream may be off: nats-server -js).
void keep_stream(jsCtx* js, const jsStreamConfig& cfg);

}  // namespace arena::bus
