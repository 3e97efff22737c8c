#pragma once
// The type system part of GraphQL (October 2021, section 3): what a schema is written in (SDL).
// Arena's schema is written this way (api/schema.graphql) and built from it; parse_schema()
// reads such a document. Type and schema extensions are not part of it.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arena/graphql/ast.hpp"
#include "arena/graphql/parser.hpp"

namespace arena::graphql {

struct InputValueDefinition {
  std::string description;
  std::string name;
  TypeRef type;
  std::optional<Value> default_value;
  std::vector<Directive> directives;
  Location loc;
};

struct FieldDefinition {
  std::string description;
  std::string name;
  std::vector<InputValueDefinition> arguments;
  TypeRef type;
  std::vector<Directive> directives;
  Location loc;
};

struct EnumValueDefinition {
  std::string description;
  std::string name;
  std::vector<Directive> directives;
  Location loc;
};

struct TypeDefinition {
  enum class Kind : std::uint8_t { scalar, object, interface_, union_, enum_, input_object };
  Kind kind = Kind::scalar;
  std::string description;
  std::string name;
  std::vector<std::string> interfaces;  // object, interface
  std::vector<Directive> directives;
  std::vector<FieldDefinition> fields;             // object, interface
  std::vector<std::string> members;                // union
  std::vector<EnumValueDefinition> values;         // enum
  std::vector<InputValueDefinition> input_fields;  // input object
  Location loc;
};

struct DirectiveDefinition {
  std::string description;
  std::string name;
  std::vector<InputValueDefinition> arguments;
  bool repeatable = false;
  std::vector<std::string> locations;
  Location loc;
};

struct SchemaDefinition {
  std::string description;
  std::vector<Directive> directives;
  std::vector<std::pair<Operation::Kind, std::string>> roots;
  Location loc;
};

struct SchemaDocument {
  std::optional<SchemaDefinition> schema;
  std::vector<TypeDefinition> types;
  std::vector<DirectiveDefinition> directives;
};

// Throws SyntaxError (also for executable definitions and extensions, which are not SDL here).
SchemaDocument parse_schema(std::string_view source, const ParseLimits& limits = {});

}  // namespace arena::graphql
