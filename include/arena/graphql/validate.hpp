#pragma once
// Validation of an executable document against a schema: every rule of GraphQL October 2021
// section 5 (graphql-js 16's specifiedRules), so that a document is valid here exactly when it is
// valid there. The executable-definitions rule is the parser's (it refuses anything else).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "arena/graphql/ast.hpp"
#include "arena/graphql/schema.hpp"

namespace arena::graphql {

// An error in the shape the spec gives responses: a message and where in the document.
struct GraphqlError {
  std::string message;
  std::vector<Location> locations;
};

struct ValidationLimits {
  // Fields compared while checking that same-named fields can merge; a document that needs
  // more is refused as too complex (fragments can make the comparison grow exponentially).
  std::size_t max_merge_comparisons = 100'000;
};

std::vector<GraphqlError> validate(const Schema& schema, const Document& doc, const ValidationLimits& limits = {});

}  // namespace arena::graphql

namespace arena::graphql {

// What one request may ask of the server, beyond what the spec says (checked after validate()).
struct RequestLimits {
  int max_depth = 15;    // fields nested in fields, through fragments (graphql-js's introspection query: 15)
  int max_aliases = 30;  // aliased fields, counted through fragments
  std::int64_t max_complexity = 5'000;  // fields to resolve, a list field's by its `first`/`limit`
};

// The operation's cost against the limits: an error per limit exceeded, empty when within.
// `first` and `limit` arguments (literals or variables) multiply the cost of what they select
// (at most by 100); a list field with neither counts 20 times, unless it is a list of a page
// (the edges or nodes of a field sized by first/limit); every other field costs one.
// Introspection's fields (under __schema, __type) cost nothing: validation bounds them
// (MaxIntrospectionDepth); their depth and aliases count.
std::vector<GraphqlError> check_limits(const Schema& schema, const Document& doc, const Operation& op,
                                       const RequestLimits& limits,
                                       const std::map<std::string, std::int64_t>& int_variables = {});

}  // namespace arena::graphql
