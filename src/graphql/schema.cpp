#include "arena/graphql/schema.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>

namespace arena::graphql {
namespace {

// What every schema has (GraphQL October 2021 sections 3.5, 3.13, 4.5), in SDL, as graphql-js
// 16.15 has it: with includeDeprecated on args and inputFields, @oneOf, __Type.isOneOf,
// deprecated directives and the DIRECTIVE_DEFINITION location, which later spec drafts add.
constexpr std::string_view kBuiltins = R"(
"The `Int` scalar type represents non-fractional signed whole numeric values. Int can represent values between -(2^31) and 2^31 - 1."
scalar Int
"The `Float` scalar type represents signed double-precision fractional values as specified by [IEEE 754](https://en.wikipedia.org/wiki/IEEE_floating_point)."
scalar Float
"The `String` scalar type represents textual data, represented as UTF-8 character sequences. The String type is most often used by GraphQL to represent free-form human-readable text."
scalar String
"The `Boolean` scalar type represents `true` or `false`."
scalar Boolean
"The `ID` scalar type represents a unique identifier, often used to refetch an object or as key for a cache. The ID type appears in a JSON response as a String; however, it is not intended to be human-readable. When expected as an input type, any string (such as `\"4\"`) or integer (such as `4`) input value will be accepted as an ID."
scalar ID

"Directs the executor to include this field or fragment only when the `if` argument is true."
directive @include("Included when true." if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
"Directs the executor to skip this field or fragment when the `if` argument is true."
directive @skip("Skipped when true." if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
"Marks an element of a GraphQL schema as no longer supported."
directive @deprecated(
  "Explains why this element was deprecated, usually also including a suggestion for how to access supported similar data. Formatted using the Markdown syntax, as specified by [CommonMark](https://commonmark.org/)."
  reason: String = "No longer supported"
) on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE | DIRECTIVE_DEFINITION
"Exposes a URL that specifies the behavior of this scalar."
directive @specifiedBy("The URL that specifies the behavior of this scalar." url: String!) on SCALAR
"Indicates exactly one field must be supplied and this field must not be `null`."
directive @oneOf on INPUT_OBJECT

"A GraphQL Schema defines the capabilities of a GraphQL server. It exposes all available types and directives on the server, as well as the entry points for query, mutation, and subscription operations."
type __Schema {
  description: String
  "A list of all types supported by this server."
  types: [__Type!]!
  "The type that query operations will be rooted at."
  queryType: __Type!
  "If this server supports mutation, the type that mutation operations will be rooted at."
  mutationType: __Type
  "If this server support subscription, the type that subscription operations will be rooted at."
  subscriptionType: __Type
  "A list of all directives supported by this server."
  directives: [__Directive!]!
}
"The fundamental unit of any GraphQL Schema is the type. There are many kinds of types in GraphQL as represented by the `__TypeKind` enum."
type __Type {
  kind: __TypeKind!
  name: String
  description: String
  specifiedByURL: String
  fields(includeDeprecated: Boolean = false): [__Field!]
  interfaces: [__Type!]
  possibleTypes: [__Type!]
  enumValues(includeDeprecated: Boolean = false): [__EnumValue!]
  inputFields(includeDeprecated: Boolean = false): [__InputValue!]
  ofType: __Type
  isOneOf: Boolean
}
"An enum describing what kind of type a given `__Type` is."
enum __TypeKind {
  "Indicates this type is a scalar." SCALAR
  "Indicates this type is an object. `fields` and `interfaces` are valid fields." OBJECT
  "Indicates this type is an interface. `fields`, `interfaces`, and `possibleTypes` are valid fields." INTERFACE
  "Indicates this type is a union. `possibleTypes` is a valid field." UNION
  "Indicates this type is an enum. `enumValues` is a valid field." ENUM
  "Indicates this type is an input object. `inputFields` is a valid field." INPUT_OBJECT
  "Indicates this type is a list. `ofType` is a valid field." LIST
  "Indicates this type is a non-null. `ofType` is a valid field." NON_NULL
}
"Object and Interface types are described by a list of Fields, each of which has a name, potentially a list of arguments, and a return type."
type __Field {
  name: String!
  description: String
  args(includeDeprecated: Boolean = false): [__InputValue!]!
  type: __Type!
  isDeprecated: Boolean!
  deprecationReason: String
}
"Arguments provided to Fields or Directives and the input fields of an InputObject are represented as Input Values which describe their type and optionally a default value."
type __InputValue {
  name: String!
  description: String
  type: __Type!
  "A GraphQL-formatted string representing the default value for this input value."
  defaultValue: String
  isDeprecated: Boolean!
  deprecationReason: String
}
"One possible value for a given Enum. Enum values are unique values, not a placeholder for a string or numeric value. However an Enum value is returned in a JSON response as a string."
type __EnumValue {
  name: String!
  description: String
  isDeprecated: Boolean!
  deprecationReason: String
}
"A Directive provides a way to describe alternate runtime execution and type validation behavior in a GraphQL document."
type __Directive {
  name: String!
  description: String
  isRepeatable: Boolean!
  locations: [__DirectiveLocation!]!
  args(includeDeprecated: Boolean = false): [__InputValue!]!
  isDeprecated: Boolean!
  deprecationReason: String
}
"A Directive can be adjacent to many parts of the GraphQL language, a __DirectiveLocation describes one such possible adjacencies."
enum __DirectiveLocation {
  QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION FRAGMENT_SPREAD INLINE_FRAGMENT VARIABLE_DEFINITION
  SCHEMA SCALAR OBJECT FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE UNION ENUM ENUM_VALUE INPUT_OBJECT
  INPUT_FIELD_DEFINITION DIRECTIVE_DEFINITION
}
)";

TypeRef named_ref(std::string name, bool non_null) {
  TypeRef t;
  t.name = std::move(name);
  if (!non_null) return t;
  TypeRef outer;
  outer.kind = TypeRef::Kind::non_null;
  outer.of = std::make_unique<TypeRef>(std::move(t));
  return outer;
}

}  // namespace

std::shared_ptr<const Schema> Schema::from_sdl(std::string_view sdl) {
  std::shared_ptr<Schema> s(new Schema());
  s->own_ = parse_schema(sdl, {.max_bytes = 4 << 20, .max_tokens = 1'000'000, .max_depth = 32});
  s->builtins_ = parse_schema(kBuiltins, {.max_bytes = 1 << 20, .max_tokens = 100'000, .max_depth = 32});
  s->index();
  return s;
}

// graphql-js 16's GraphQLSchema constructor: the set starts as the SDL's types in order; each in
// turn is taken out and put back at the end followed by what it references that is not in the
// set (fields' types, then their arguments', interfaces, union members, input fields), depth
// first; then the query type, the directives' arguments, and __Schema.
void Schema::collect_introspected() {
  std::vector<const TypeDefinition*> list;
  std::set<const TypeDefinition*> in;
  for (const auto& t : own_.types) list.push_back(&t), in.insert(&t);
  std::function<void(const TypeDefinition*)> collect = [&](const TypeDefinition* t) {
    if (t == nullptr || !in.insert(t).second) return;
    list.push_back(t);
    for (const auto& m : t->members) collect(type(m));
    for (const auto& i : t->interfaces) collect(type(i));
    for (const auto& f : t->fields) {
      collect(named(f.type));
      for (const auto& a : f.arguments) collect(named(a.type));
    }
    for (const auto& f : t->input_fields) collect(named(f.type));
  };
  for (const auto& t : own_.types) {
    std::erase(list, &t);
    in.erase(&t);
    collect(&t);
  }
  collect(query_);
  for (const auto* d : directive_order_)
    for (const auto& a : d->arguments) collect(named(a.type));
  collect(type("__Schema"));
  introspected_ = std::move(list);
}

void Schema::index() {
  for (auto* doc : {&own_, &builtins_}) {
    for (const auto& t : doc->types) {
      if (!types_.emplace(t.name, &t).second)
        throw std::invalid_argument("schema: type '" + t.name + "' is defined twice (or redefines a built-in)");
      order_.push_back(&t);
    }
    for (const auto& d : doc->directives) {
      if (!directives_.emplace(d.name, &d).second)
        throw std::invalid_argument("schema: directive '@" + d.name + "' is defined twice");
      directive_order_.push_back(&d);
    }
  }
  auto root_named = [&](const std::string& name, bool required) -> const TypeDefinition* {
    const auto* t = type(name);
    if (t == nullptr && required) throw std::invalid_argument("schema: no root type '" + name + "'");
    if (t != nullptr && t->kind != TypeDefinition::Kind::object)
      throw std::invalid_argument("schema: root type '" + name + "' is not an object type");
    return t;
  };
  if (own_.schema) {
    description_ = own_.schema->description;
    for (const auto& [kind, name] : own_.schema->roots) {
      const auto* t = root_named(name, true);
      (kind == Operation::Kind::query ? query_ : kind == Operation::Kind::mutation ? mutation_ : subscription_) = t;
    }
    if (query_ == nullptr) throw std::invalid_argument("schema: the schema definition names no query type");
  } else {
    query_ = root_named("Query", true);
    mutation_ = root_named("Mutation", false);
    subscription_ = root_named("Subscription", false);
  }
  // Every reference resolves, to the right kind of type.
  auto check_input = [&](const InputValueDefinition& v, const std::string& where) {
    if (named(v.type) == nullptr)
      throw std::invalid_argument("schema: " + where + " has unknown type " + v.type.text());
    if (!is_input(v.type)) throw std::invalid_argument("schema: " + where + " must have an input type");
  };
  for (const auto* t : order_) {
    for (const auto& f : t->fields) {
      const auto where = t->name + "." + f.name;
      if (named(f.type) == nullptr)
        throw std::invalid_argument("schema: " + where + " has unknown type " + f.type.text());
      if (!is_output(f.type)) throw std::invalid_argument("schema: " + where + " must have an output type");
      for (const auto& a : f.arguments) check_input(a, where + "(" + a.name + ":)");
    }
    for (const auto& f : t->input_fields) check_input(f, t->name + "." + f.name);
    for (const auto& d : t->directives)
      if (d.name == "oneOf")  // its input rules are not implemented: refuse rather than half-check
        throw std::invalid_argument("schema: " + t->name + " is a @oneOf input object, which Arena does not support");
    for (const auto& i : t->interfaces) {
      const auto* it = type(i);
      if (it == nullptr || it->kind != TypeDefinition::Kind::interface_)
        throw std::invalid_argument("schema: " + t->name + " implements '" + i + "', which is no interface");
    }
    for (const auto& m : t->members) {
      const auto* mt = type(m);
      if (mt == nullptr || mt->kind != TypeDefinition::Kind::object)
        throw std::invalid_argument("schema: union " + t->name + " has member '" + m + "', which is no object type");
    }
  }
  for (const auto* d : directive_order_)
    for (const auto& a : d->arguments) check_input(a, "@" + d->name + "(" + a.name + ":)");

  collect_introspected();
  typename_field_.name = "__typename";
  typename_field_.description = "The name of the current Object type at runtime.";
  typename_field_.type = named_ref("String", true);
  schema_field_.name = "__schema";
  schema_field_.description = "Access the current type schema of this server.";
  schema_field_.type = named_ref("__Schema", true);
  type_field_.name = "__type";
  type_field_.description = "Request the type information of a single type.";
  type_field_.type = named_ref("__Type", false);
  InputValueDefinition name_arg;
  name_arg.name = "name";
  name_arg.type = named_ref("String", true);
  type_field_.arguments.push_back(std::move(name_arg));
}

const TypeDefinition* Schema::type(std::string_view name) const {
  const auto it = types_.find(name);
  return it == types_.end() ? nullptr : it->second;
}

const DirectiveDefinition* Schema::directive(std::string_view name) const {
  const auto it = directives_.find(name);
  return it == directives_.end() ? nullptr : it->second;
}

const TypeDefinition* Schema::root(Operation::Kind kind) const {
  switch (kind) {
    case Operation::Kind::query: return query_;
    case Operation::Kind::mutation: return mutation_;
    case Operation::Kind::subscription: return subscription_;
  }
  return nullptr;
}

const FieldDefinition* Schema::field(const TypeDefinition& parent, std::string_view name) const {
  if (name == "__typename" && is_composite(parent)) return &typename_field_;
  if (&parent == query_ && name == "__schema") return &schema_field_;
  if (&parent == query_ && name == "__type") return &type_field_;
  for (const auto& f : parent.fields)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<const TypeDefinition*> Schema::possible_types(const TypeDefinition& t) const {
  std::vector<const TypeDefinition*> out;
  switch (t.kind) {
    case TypeDefinition::Kind::object: out.push_back(&t); break;
    case TypeDefinition::Kind::union_:
      for (const auto& m : t.members) out.push_back(type(m));
      break;
    case TypeDefinition::Kind::interface_:
      for (const auto* o : order_)
        if (o->kind == TypeDefinition::Kind::object &&
            std::find(o->interfaces.begin(), o->interfaces.end(), t.name) != o->interfaces.end())
          out.push_back(o);
      break;
    default: break;
  }
  return out;
}

bool Schema::overlap(const TypeDefinition& a, const TypeDefinition& b) const {
  if (&a == &b) return true;
  const auto pa = possible_types(a);
  const auto pb = possible_types(b);
  return std::any_of(pa.begin(), pa.end(),
                     [&](const TypeDefinition* x) { return std::find(pb.begin(), pb.end(), x) != pb.end(); });
}

bool Schema::is_subtype(const TypeDefinition& sub, const TypeDefinition& super) const {
  if (&sub == &super) return true;
  if (super.kind == TypeDefinition::Kind::union_)
    return std::find(super.members.begin(), super.members.end(), sub.name) != super.members.end();
  if (super.kind == TypeDefinition::Kind::interface_)
    return std::find(sub.interfaces.begin(), sub.interfaces.end(), super.name) != sub.interfaces.end();
  return false;
}

const TypeDefinition* Schema::named(const TypeRef& ref) const {
  const TypeRef* r = &ref;
  while (r->kind != TypeRef::Kind::named) r = r->of.get();
  return type(r->name);
}

bool Schema::is_input(const TypeRef& ref) const {
  const auto* t = named(ref);
  return t != nullptr && (t->kind == TypeDefinition::Kind::scalar || t->kind == TypeDefinition::Kind::enum_ ||
                          t->kind == TypeDefinition::Kind::input_object);
}

bool Schema::is_output(const TypeRef& ref) const {
  const auto* t = named(ref);
  return t != nullptr && t->kind != TypeDefinition::Kind::input_object;
}

bool Schema::is_leaf(const TypeDefinition& t) {
  return t.kind == TypeDefinition::Kind::scalar || t.kind == TypeDefinition::Kind::enum_;
}

bool Schema::is_composite(const TypeDefinition& t) {
  return t.kind == TypeDefinition::Kind::object || t.kind == TypeDefinition::Kind::interface_ ||
         t.kind == TypeDefinition::Kind::union_;
}

bool Schema::is_abstract(const TypeDefinition& t) {
  return t.kind == TypeDefinition::Kind::interface_ || t.kind == TypeDefinition::Kind::union_;
}

bool Schema::compatible(const TypeRef& var, const TypeRef& loc) {
  if (loc.kind == TypeRef::Kind::non_null) {
    if (var.kind != TypeRef::Kind::non_null) return false;
    return compatible(*var.of, *loc.of);
  }
  if (var.kind == TypeRef::Kind::non_null) return compatible(*var.of, loc);
  if (loc.kind == TypeRef::Kind::list) return var.kind == TypeRef::Kind::list && compatible(*var.of, *loc.of);
  if (var.kind == TypeRef::Kind::list) return false;
  return var.name == loc.name;
}

}  // namespace arena::graphql
