#pragma once
// mm.enqueue's arguments (untrusted: they come from a client through the gateway) as a
// TicketRequest without players; throws arena::Error missing_field / invalid_field.
#include <boost/json/object.hpp>

#include "arena/matchmaking/matcher.hpp"

namespace arena::matchmaking {

TicketRequest ticket_args(const boost::json::object& d);

}  // namespace arena::matchmaking
