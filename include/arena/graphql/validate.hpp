#pragma once
// Validation of an executable document against a schema: every rule of GraphQL October 2021
// section 5 (graphql-js 16's specifiedRules), so that a document is valid here exactly when it is
// valid there. The executable-definitions rule is the parser's (it refuses anything else).
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
