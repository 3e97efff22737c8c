#pragma once
// The GraphQL lexer and parser (October 2021 edition, Appendix B grammar) for executable
// documents, bounded: a document over max_bytes, with more than max_tokens tokens or nesting
// deeper than max_depth (selection sets, lists and input objects, list types) is refused before
// any work grows with it. Errors carry the location graphql-js would report and a message in
// its words ("Syntax Error: Expected Name, found <EOF>.").
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "arena/graphql/ast.hpp"

namespace arena::graphql {

struct ParseLimits {
  std::size_t max_bytes = std::size_t{64} * 1024;
  std::size_t max_tokens = 10'000;
  int max_depth = 32;
};

class SyntaxError : public std::runtime_error {
 public:
  SyntaxError(const std::string& message, Location loc) : std::runtime_error(message), loc_(loc) {}
  Location location() const { return loc_; }

 private:
  Location loc_;
};

// Throws SyntaxError. The document must be UTF-8 (a byte sequence that is not is an error).
Document parse(std::string_view source, const ParseLimits& limits = {});

// The value of a block string's raw text (between the triple quotes, \""" already unescaped):
// common indentation removed, leading and trailing blank lines dropped (spec 2.9.4).
std::string block_string_value(std::string_view raw);

}  // namespace arena::graphql
