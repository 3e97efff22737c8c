// The GraphQL lexer (spec 2.1, B.1) and a recursive-descent parser of executable documents
// (B.2, B.3) and of schemas written in SDL (section 3), bounded in bytes, tokens and nesting.
// Messages follow graphql-js's where one exists.
#include "arena/graphql/parser.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "arena/graphql/sdl.hpp"
#include "js_number.hpp"

namespace arena::graphql {
namespace {

enum class Tok : std::uint8_t {
  eof,
  bang,
  dollar,
  amp,
  paren_l,
  paren_r,
  spread,
  colon,
  equals,
  at,
  bracket_l,
  bracket_r,
  brace_l,
  pipe,
  brace_r,
  name,
  int_,
  float_,
  string,
  block_string,
};

struct Token {
  Tok kind = Tok::eof;
  std::string value;  // name, number text, string value
  Location loc;
};

std::string punct(Tok t) {
  switch (t) {
    case Tok::bang: return "!";
    case Tok::dollar: return "$";
    case Tok::amp: return "&";
    case Tok::paren_l: return "(";
    case Tok::paren_r: return ")";
    case Tok::spread: return "...";
    case Tok::colon: return ":";
    case Tok::equals: return "=";
    case Tok::at: return "@";
    case Tok::bracket_l: return "[";
    case Tok::bracket_r: return "]";
    case Tok::brace_l: return "{";
    case Tok::pipe: return "|";
    case Tok::brace_r: return "}";
    default: return "";
  }
}

// How graphql-js names a token in messages: "{", Name "foo", Int "1", <EOF>.
std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::eof: return "<EOF>";
    case Tok::name: return "Name \"" + t.value + "\"";
    case Tok::int_: return "Int \"" + t.value + "\"";
    case Tok::float_: return "Float \"" + t.value + "\"";
    case Tok::string: return "String \"" + t.value.substr(0, 40) + "\"";
    case Tok::block_string: return "BlockString \"" + t.value.substr(0, 40) + "\"";
    default: return "\"" + punct(t.kind) + "\"";
  }
}

std::string describe(Tok k) {
  switch (k) {
    case Tok::eof: return "<EOF>";
    case Tok::name: return "Name";
    case Tok::int_: return "Int";
    case Tok::float_: return "Float";
    case Tok::string: return "String";
    case Tok::block_string: return "BlockString";
    default: return "\"" + punct(k) + "\"";
  }
}

bool name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool name_continue(char c) {
  return name_start(c) || (c >= '0' && c <= '9');
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}

// A character as graphql-js's printCodePointAt shows it: "c" for printable ASCII ('"' for a
// quote), U+XXXX for anything else.
std::string code_point_text(std::uint32_t cp) {
  if (cp == '"') return "'\"'";
  if (cp >= 0x20 && cp <= 0x7E) return "\"" + std::string(1, static_cast<char>(cp)) + "\"";
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  Lexer(std::string_view src, std::size_t max_tokens) : src_(src), max_tokens_(max_tokens) {}

  Token next() {
    skip_ignored();
    Token t;
    t.loc = here();
    if (pos_ >= src_.size()) return t;  // eof
    if (++tokens_ > max_tokens_)
      fail("Document contains more than " + std::to_string(max_tokens_) + " tokens. Parsing aborted.", t.loc);
    const char c = src_[pos_];
    auto one = [&](Tok k) {
      ++pos_;
      t.kind = k;
      return t;
    };
    switch (c) {
      case '!': return one(Tok::bang);
      case '$': return one(Tok::dollar);
      case '&': return one(Tok::amp);
      case '(': return one(Tok::paren_l);
      case ')': return one(Tok::paren_r);
      case ':': return one(Tok::colon);
      case '=': return one(Tok::equals);
      case '@': return one(Tok::at);
      case '[': return one(Tok::bracket_l);
      case ']': return one(Tok::bracket_r);
      case '{': return one(Tok::brace_l);
      case '|': return one(Tok::pipe);
      case '}': return one(Tok::brace_r);
      case '.':
        if (src_.substr(pos_, 3) == "...") {
          pos_ += 3;
          t.kind = Tok::spread;
          return t;
        }
        fail("Unexpected character: \".\".", t.loc);
      case '"':
        if (src_.substr(pos_, 3) == "\"\"\"") return block_string(t);
        return string(t);
      default: break;
    }
    if (digit(c) || c == '-') return number(t);
    if (name_start(c)) {
      const auto start = pos_;
      while (pos_ < src_.size() && name_continue(src_[pos_])) ++pos_;
      t.kind = Tok::name;
      t.value = std::string(src_.substr(start, pos_ - start));
      return t;
    }
    if (c == '\'') fail("Unexpected single quote character ('), did you mean to use a double quote (\")?", t.loc);
    const auto cp = decode();
    if (!cp) fail("Invalid UTF-8 byte sequence.", t.loc);
    fail("Unexpected character: " + code_point_text(*cp) + ".", t.loc);
  }

  [[noreturn]] static void fail(const std::string& message, Location loc) {
    throw SyntaxError("Syntax Error: " + message, loc);
  }

 private:
  // The code point at pos_ (not consumed), or nullopt for bytes that are not UTF-8 (or a
  // surrogate, or an overlong form).
  std::optional<std::uint32_t> decode(std::size_t* length = nullptr) const {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(src_[pos_ + i]); };
    const std::size_t left = src_.size() - pos_;
    const unsigned char c = b(0);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      n = 1, cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      n = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4, cp = c & 0x07;
    } else {
      return std::nullopt;
    }
    if (n > left) return std::nullopt;
    for (std::size_t i = 1; i < n; ++i) {
      if ((b(i) & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b(i) & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    if (length != nullptr) *length = n;
    return cp;
  }

  // Past the character at pos_ (appended to `out` when given); bytes that are not UTF-8 fail.
  void take_character(std::string* out) {
    std::size_t n = 1;
    if (!decode(&n)) fail("Invalid UTF-8 byte sequence.", here());
    if (out != nullptr) out->append(src_.substr(pos_, n));
    pos_ += n;
  }

  // Line and column of pos_; columns counted in code points since the line began.
  Location here() {
    if (col_pos_ < line_start_) col_pos_ = line_start_, col_ = 0;
    for (; col_pos_ < pos_; ++col_pos_)
      if ((static_cast<unsigned char>(src_[col_pos_]) & 0xC0) != 0x80) ++col_;
    return {line_, col_ + 1};
  }

  void newline(std::size_t after) {
    ++line_;
    line_start_ = after;
    col_pos_ = after;
    col_ = 0;
  }

  void skip_ignored() {
    while (pos_ < src_.size()) {
      const char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == ',') {
        ++pos_;
      } else if (c == '\n') {
        newline(++pos_);
      } else if (c == '\r') {
        pos_ += src_.substr(pos_, 2) == "\r\n" ? 2 : 1;
        newline(pos_);
      } else if (src_.substr(pos_, 3) == "\xEF\xBB\xBF") {  // the byte order mark, U+FEFF
        pos_ += 3;
      } else if (c == '#') {
        while (pos_ < src_.size() && src_[pos_] != '\n' && src_[pos_] != '\r') take_character(nullptr);
      } else {
        return;
      }
    }
  }

  Token number(Token t) {
    const auto start = pos_;
    bool is_float = false;
    auto expect_digits = [&] {
      if (pos_ >= src_.size() || !digit(src_[pos_]))
        fail("Invalid number, expected digit but got: " + shown_here() + ".", here());
      while (pos_ < src_.size() && digit(src_[pos_])) ++pos_;
    };
    if (src_[pos_] == '-') ++pos_;
    if (pos_ < src_.size() && src_[pos_] == '0') {
      ++pos_;
      if (pos_ < src_.size() && digit(src_[pos_]))
        fail("Invalid number, unexpected digit after 0: " + shown_here() + ".", here());
    } else {
      expect_digits();
    }
    if (pos_ < src_.size() && src_[pos_] == '.') {
      is_float = true;
      ++pos_;
      expect_digits();
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      is_float = true;
      ++pos_;
      if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) ++pos_;
      expect_digits();
    }
    if (pos_ < src_.size() && (src_[pos_] == '.' || name_start(src_[pos_])))
      fail("Invalid number, expected digit but got: " + shown_here() + ".", here());
    t.kind = is_float ? Tok::float_ : Tok::int_;
    t.value = std::string(src_.substr(start, pos_ - start));
    return t;
  }

  // The character at pos_ as graphql-js quotes it in messages.
  std::string shown_here() const {
    if (pos_ >= src_.size()) return "<EOF>";
    const auto cp = decode();
    return cp ? code_point_text(*cp) : "an invalid byte";
  }

  // The character after the backslash at pos_, as written (graphql-js quotes the source).
  std::string escaped_character() {
    ++pos_;
    std::size_t n = 1;
    const bool ok = decode(&n).has_value();
    std::string out = ok ? std::string(src_.substr(pos_, n)) : std::string();
    --pos_;
    return out;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // \uXXXX at pos_ (the backslash): its value, or nullopt when not four hex digits.
  std::optional<std::uint32_t> fixed_escape(std::size_t at) const {
    if (at + 6 > src_.size() || src_[at] != '\\' || src_[at + 1] != 'u') return std::nullopt;
    std::uint32_t v = 0;
    for (std::size_t i = 2; i < 6; ++i) {
      const int h = hex(src_[at + i]);
      if (h < 0) return std::nullopt;
      v = v * 16 + static_cast<std::uint32_t>(h);
    }
    return v;
  }

  void unicode_escape(std::string& out, const Location& loc) {
    // pos_ is at the backslash of \u
    if (pos_ + 2 < src_.size() && src_[pos_ + 2] == '{') {
      std::size_t i = pos_ + 3;
      std::uint32_t v = 0;
      bool any = false;
      while (i < src_.size() && hex(src_[i]) >= 0 && v <= 0x10FFFF)
        v = v * 16 + static_cast<std::uint32_t>(hex(src_[i++])), any = true;
      if (!any || i >= src_.size() || src_[i] != '}' || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        fail("Invalid Unicode escape sequence: \"" +
                 std::string(src_.substr(pos_, std::min<std::size_t>(i + 1 - pos_, 12))) + "\".",
             loc);
      append_utf8(out, v);
      pos_ = i + 1;
      return;
    }
    const auto v = fixed_escape(pos_);
    if (!v) fail("Invalid Unicode escape sequence: \"" + std::string(src_.substr(pos_, 6)) + "\".", loc);
    if (*v >= 0xD800 && *v <= 0xDBFF) {  // a leading surrogate: a trailing one must follow
      const auto low = fixed_escape(pos_ + 6);
      if (low && *low >= 0xDC00 && *low <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((*v - 0xD800) << 10) + (*low - 0xDC00));
        pos_ += 12;
        return;
      }
    }
    if (*v >= 0xD800 && *v <= 0xDFFF)
      fail("Invalid Unicode escape sequence: \"" + std::string(src_.substr(pos_, 6)) + "\".", loc);
    append_utf8(out, *v);
    pos_ += 6;
  }

  Token string(Token t) {
    ++pos_;  // the opening quote
    std::string out;
    while (pos_ < src_.size()) {
      const char c = src_[pos_];
      if (c == '"') {
        ++pos_;
        t.kind = Tok::string;
        t.value = std::move(out);
        return t;
      }
      if (c == '\n' || c == '\r') break;
      if (c == '\\') {
        const Location at = here();
        if (pos_ + 1 >= src_.size()) break;
        const char e = src_[pos_ + 1];
        const char* simple = nullptr;
        switch (e) {
          case '"': simple = "\""; break;
          case '\\': simple = "\\"; break;
          case '/': simple = "/"; break;
          case 'b': simple = "\b"; break;
          case 'f': simple = "\f"; break;
          case 'n': simple = "\n"; break;
          case 'r': simple = "\r"; break;
          case 't': simple = "\t"; break;
          case 'u': unicode_escape(out, at); continue;
          default: fail("Invalid character escape sequence: \"\\" + escaped_character() + "\".", at);
        }
        out += simple;
        pos_ += 2;
        continue;
      }
      take_character(&out);
    }
    fail("Unterminated string.", here());
  }

  Token block_string(Token t) {
    pos_ += 3;
    std::string raw;
    while (pos_ < src_.size()) {
      if (src_.substr(pos_, 3) == "\"\"\"") {
        pos_ += 3;
        t.kind = Tok::block_string;
        t.value = block_string_value(raw);
        return t;
      }
      if (src_.substr(pos_, 4) == "\\\"\"\"") {
        raw += "\"\"\"";
        pos_ += 4;
        continue;
      }
      const char c = src_[pos_];
      if (c == '\n' || c == '\r') {
        const std::size_t n = src_.substr(pos_, 2) == "\r\n" ? 2 : 1;
        raw.append(src_.substr(pos_, n));
        pos_ += n;
        newline(pos_);
        continue;
      }
      take_character(&raw);
    }
    fail("Unterminated string.", here());
  }

  std::string_view src_;
  std::size_t max_tokens_;
  std::size_t tokens_ = 0;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::size_t line_start_ = 0;
  std::size_t col_pos_ = 0;  // where col_ was counted to
  int col_ = 0;
};

class Parser {
 public:
  Parser(std::string_view src, const ParseLimits& limits)
      : lexer_(src, limits.max_tokens), max_depth_(limits.max_depth) {
    tok_ = lexer_.next();
  }

  Document document() {
    Document doc;
    if (tok_.kind == Tok::eof) unexpected();
    while (tok_.kind != Tok::eof) definition(doc);
    return doc;
  }

  SchemaDocument schema_document() {
    SchemaDocument doc;
    if (tok_.kind == Tok::eof) unexpected();
    while (tok_.kind != Tok::eof) type_system_definition(doc);
    return doc;
  }

 private:
  // Depth of nesting: selection sets, list and object values, list types.
  struct Nest {
    Nest(Parser& p, const Location& loc) : p_(p) {
      if (++p_.depth_ > p_.max_depth_)
        Lexer::fail("Document nests deeper than " + std::to_string(p_.max_depth_) + " levels.", loc);
    }
    ~Nest() { --p_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    Parser& p_;
  };

  [[noreturn]] void unexpected() { Lexer::fail("Unexpected " + describe(tok_) + ".", tok_.loc); }

  Token take() {
    Token t = std::move(tok_);
    tok_ = lexer_.next();
    return t;
  }

  bool peek(Tok k) const { return tok_.kind == k; }
  bool peek_keyword(std::string_view word) const { return tok_.kind == Tok::name && tok_.value == word; }

  bool skip(Tok k) {
    if (!peek(k)) return false;
    take();
    return true;
  }

  Token expect(Tok k) {
    if (!peek(k)) Lexer::fail("Expected " + describe(k) + ", found " + describe(tok_) + ".", tok_.loc);
    return take();
  }

  void expect_keyword(std::string_view word) {
    if (!peek_keyword(word))
      Lexer::fail("Expected \"" + std::string(word) + "\", found " + describe(tok_) + ".", tok_.loc);
    take();
  }

  std::string name() { return expect(Tok::name).value; }

  void definition(Document& doc) {
    if (peek(Tok::brace_l)) {
      Operation op;
      op.loc = tok_.loc;
      op.selection_set = selection_set();
      doc.operations.push_back(std::move(op));
      return;
    }
    if (peek(Tok::name)) {
      const auto& w = tok_.value;
      if (w == "query" || w == "mutation" || w == "subscription") return doc.operations.push_back(operation());
      if (w == "fragment") return doc.fragments.push_back(fragment());
      static constexpr std::string_view kTypeSystem[] = {"schema", "scalar", "type",      "interface", "union",
                                                         "enum",   "input",  "directive", "extend"};
      if (std::find(std::begin(kTypeSystem), std::end(kTypeSystem), w) != std::end(kTypeSystem))
        Lexer::fail("Unexpected Name \"" + w + "\": type system definitions cannot be executed.", tok_.loc);
    }
    unexpected();
  }

  // ---------------------------------------------------------------- type system (section 3)

  std::string description() {
    if (peek(Tok::string) || peek(Tok::block_string)) return take().value;
    return {};
  }

  void type_system_definition(SchemaDocument& doc) {
    const Location at = tok_.loc;
    std::string desc = description();
    if (!peek(Tok::name)) unexpected();
    const std::string w = tok_.value;
    using K = TypeDefinition::Kind;
    if (w == "schema") {
      if (doc.schema) Lexer::fail("Must provide only one schema definition.", tok_.loc);
      take();
      SchemaDefinition d;
      d.description = std::move(desc);
      d.loc = at;
      d.directives = directives(true);
      expect(Tok::brace_l);
      do {
        const Location op_at = tok_.loc;
        const auto op = name();
        if (op != "query" && op != "mutation" && op != "subscription")
          Lexer::fail("Unexpected Name \"" + op + "\".", op_at);
        expect(Tok::colon);
        d.roots.emplace_back(op == "query"      ? Operation::Kind::query
                             : op == "mutation" ? Operation::Kind::mutation
                                                : Operation::Kind::subscription,
                             name());
      } while (!skip(Tok::brace_r));
      doc.schema = std::move(d);
      return;
    }
    if (w == "directive") return doc.directives.push_back(directive_definition(std::move(desc), at));
    TypeDefinition t;
    t.description = std::move(desc);
    t.loc = at;
    if (w == "scalar") {
      t.kind = K::scalar;
    } else if (w == "type") {
      t.kind = K::object;
    } else if (w == "interface") {
      t.kind = K::interface_;
    } else if (w == "union") {
      t.kind = K::union_;
    } else if (w == "enum") {
      t.kind = K::enum_;
    } else if (w == "input") {
      t.kind = K::input_object;
    } else if (w == "extend" || w == "query" || w == "mutation" || w == "subscription" || w == "fragment") {
      Lexer::fail("Unexpected Name \"" + w + "\": a schema holds type system definitions only (no extensions).",
                  tok_.loc);
    } else {
      unexpected();
    }
    take();
    t.name = name();
    if ((t.kind == K::object || t.kind == K::interface_) && peek_keyword("implements")) {
      take();
      skip(Tok::amp);
      do t.interfaces.push_back(name());
      while (skip(Tok::amp));
    }
    t.directives = directives(true);
    switch (t.kind) {
      case K::object:
      case K::interface_:
        if (skip(Tok::brace_l)) {
          do t.fields.push_back(field_definition());
          while (!skip(Tok::brace_r));
        }
        break;
      case K::union_:
        if (skip(Tok::equals)) {
          skip(Tok::pipe);
          do t.members.push_back(name());
          while (skip(Tok::pipe));
        }
        break;
      case K::enum_:
        if (skip(Tok::brace_l)) {
          do {
            EnumValueDefinition v;
            v.loc = tok_.loc;
            v.description = description();
            v.loc = tok_.loc;
            if (peek_keyword("true") || peek_keyword("false") || peek_keyword("null"))
              Lexer::fail(describe(tok_) + " is reserved and cannot be used for an enum value.", tok_.loc);
            v.name = name();
            v.directives = directives(true);
            t.values.push_back(std::move(v));
          } while (!skip(Tok::brace_r));
        }
        break;
      case K::input_object:
        if (skip(Tok::brace_l)) {
          do t.input_fields.push_back(input_value_definition());
          while (!skip(Tok::brace_r));
        }
        break;
      case K::scalar: break;
    }
    doc.types.push_back(std::move(t));
  }

  FieldDefinition field_definition() {
    FieldDefinition f;
    f.loc = tok_.loc;
    f.description = description();
    f.name = name();
    f.arguments = arguments_definition();
    expect(Tok::colon);
    f.type = type_ref();
    f.directives = directives(true);
    return f;
  }

  std::vector<InputValueDefinition> arguments_definition() {
    std::vector<InputValueDefinition> out;
    if (!skip(Tok::paren_l)) return out;
    do out.push_back(input_value_definition());
    while (!skip(Tok::paren_r));
    return out;
  }

  InputValueDefinition input_value_definition() {
    InputValueDefinition v;
    v.loc = tok_.loc;
    v.description = description();
    v.name = name();
    expect(Tok::colon);
    v.type = type_ref();
    if (skip(Tok::equals)) v.default_value = value(true);
    v.directives = directives(true);
    return v;
  }

  DirectiveDefinition directive_definition(std::string desc, Location at) {
    static constexpr std::string_view kLocations[] = {"QUERY",
                                                      "MUTATION",
                                                      "SUBSCRIPTION",
                                                      "FIELD",
                                                      "FRAGMENT_DEFINITION",
                                                      "FRAGMENT_SPREAD",
                                                      "INLINE_FRAGMENT",
                                                      "VARIABLE_DEFINITION",
                                                      "SCHEMA",
                                                      "SCALAR",
                                                      "OBJECT",
                                                      "FIELD_DEFINITION",
                                                      "ARGUMENT_DEFINITION",
                                                      "INTERFACE",
                                                      "UNION",
                                                      "ENUM",
                                                      "ENUM_VALUE",
                                                      "INPUT_OBJECT",
                                                      "INPUT_FIELD_DEFINITION",
                                                      "DIRECTIVE_DEFINITION"};
    DirectiveDefinition d;
    d.description = std::move(desc);
    d.loc = at;
    take();  // "directive"
    expect(Tok::at);
    d.name = name();
    d.arguments = arguments_definition();
    if (peek_keyword("repeatable")) {
      take();
      d.repeatable = true;
    }
    expect_keyword("on");
    skip(Tok::pipe);
    do {
      const Location where = tok_.loc;
      auto location = name();
      if (std::find(std::begin(kLocations), std::end(kLocations), location) == std::end(kLocations))
        Lexer::fail("Unexpected Name \"" + location + "\".", where);
      d.locations.push_back(std::move(location));
    } while (skip(Tok::pipe));
    return d;
  }

  // ---------------------------------------------------------------- executable (section 2)

  Operation operation() {
    Operation op;
    op.loc = tok_.loc;
    const auto kind = take().value;
    op.kind = kind == "query"      ? Operation::Kind::query
              : kind == "mutation" ? Operation::Kind::mutation
                                   : Operation::Kind::subscription;
    if (peek(Tok::name)) op.name = take().value;
    if (skip(Tok::paren_l)) {
      do op.variables.push_back(variable_definition());
      while (!skip(Tok::paren_r));
    }
    op.directives = directives(false);
    op.selection_set = selection_set();
    return op;
  }

  VariableDefinition variable_definition() {
    VariableDefinition v;
    v.loc = tok_.loc;
    expect(Tok::dollar);
    v.name = name();
    expect(Tok::colon);
    v.type = type_ref();
    if (skip(Tok::equals)) v.default_value = value(true);
    v.directives = directives(true);
    return v;
  }

  TypeRef type_ref() {
    TypeRef t;
    t.loc = tok_.loc;
    if (skip(Tok::bracket_l)) {
      Nest nest(*this, t.loc);
      t.kind = TypeRef::Kind::list;
      t.of = std::make_unique<TypeRef>(type_ref());
      expect(Tok::bracket_r);
    } else {
      t.name = name();
    }
    if (skip(Tok::bang)) {
      TypeRef outer;
      outer.loc = t.loc;
      outer.kind = TypeRef::Kind::non_null;
      outer.of = std::make_unique<TypeRef>(std::move(t));
      return outer;
    }
    return t;
  }

  Fragment fragment() {
    Fragment f;
    f.loc = tok_.loc;
    take();  // "fragment"
    if (peek_keyword("on")) unexpected();
    f.name = name();
    expect_keyword("on");
    f.type_condition = name();
    f.directives = directives(false);
    f.selection_set = selection_set();
    return f;
  }

  SelectionSet selection_set() {
    SelectionSet s;
    s.loc = tok_.loc;
    Nest nest(*this, s.loc);
    expect(Tok::brace_l);
    do s.selections.push_back(selection());
    while (!skip(Tok::brace_r));
    return s;
  }

  Selection selection() {
    Selection s;
    s.loc = tok_.loc;
    if (skip(Tok::spread)) {
      if (peek(Tok::name) && tok_.value != "on") {
        s.kind = Selection::Kind::fragment_spread;
        s.name = take().value;
        s.directives = directives(false);
        return s;
      }
      s.kind = Selection::Kind::inline_fragment;
      if (peek_keyword("on")) {
        take();
        s.type_condition = name();
      }
      s.directives = directives(false);
      s.selection_set = selection_set();
      s.has_selection_set = true;
      return s;
    }
    s.name = name();
    if (skip(Tok::colon)) {
      s.alias = std::move(s.name);
      s.name = name();
    }
    s.arguments = arguments(false);
    s.directives = directives(false);
    if (peek(Tok::brace_l)) {
      s.selection_set = selection_set();
      s.has_selection_set = true;
    }
    return s;
  }

  std::vector<Argument> arguments(bool constant) {
    std::vector<Argument> out;
    if (!skip(Tok::paren_l)) return out;
    do {
      Argument a;
      a.loc = tok_.loc;
      a.name = name();
      expect(Tok::colon);
      a.value = value(constant);
      out.push_back(std::move(a));
    } while (!skip(Tok::paren_r));
    return out;
  }

  std::vector<Directive> directives(bool constant) {
    std::vector<Directive> out;
    while (peek(Tok::at)) {
      Directive d;
      d.loc = tok_.loc;
      take();
      d.name = name();
      d.arguments = arguments(constant);
      out.push_back(std::move(d));
    }
    return out;
  }

  Value value(bool constant) {
    Value v;
    v.loc = tok_.loc;
    switch (tok_.kind) {
      case Tok::bracket_l: {
        Nest nest(*this, v.loc);
        take();
        v.kind = Value::Kind::list;
        while (!skip(Tok::bracket_r)) v.list.push_back(value(constant));
        return v;
      }
      case Tok::brace_l: {
        Nest nest(*this, v.loc);
        take();
        v.kind = Value::Kind::object;
        while (!skip(Tok::brace_r)) {
          ObjectField f;
          f.loc = tok_.loc;
          f.name = name();
          expect(Tok::colon);
          f.value = value(constant);
          v.fields.push_back(std::move(f));
        }
        return v;
      }
      case Tok::int_: v.kind = Value::Kind::int_; break;
      case Tok::float_: v.kind = Value::Kind::float_; break;
      case Tok::string: v.kind = Value::Kind::string; break;
      case Tok::block_string:
        v.kind = Value::Kind::string;
        v.block = true;
        break;
      case Tok::name:
        if (tok_.value == "true" || tok_.value == "false") {
          v.kind = Value::Kind::boolean;
          v.boolean = tok_.value == "true";
        } else if (tok_.value == "null") {
          v.kind = Value::Kind::null;
        } else {
          v.kind = Value::Kind::enum_;
        }
        break;
      case Tok::dollar:
        take();
        v.kind = Value::Kind::variable;
        v.text = name();
        if (constant) Lexer::fail("Unexpected variable \"$" + v.text + "\" in constant value.", v.loc);
        return v;
      default: unexpected();
    }
    v.text = take().value;
    return v;
  }

  Lexer lexer_;
  Token tok_;
  int max_depth_;
  int depth_ = 0;
};

}  // namespace

std::string print(const Value& v, bool normalized) {
  switch (v.kind) {
    case Value::Kind::variable: return "$" + v.text;
    case Value::Kind::int_: return v.text;
    case Value::Kind::float_: return normalized ? js_number(std::strtod(v.text.c_str(), nullptr)) : v.text;
    case Value::Kind::enum_: return v.text;
    case Value::Kind::string: {
      std::string out = "\"";
      for (const char c : v.text) {
        if (c == '"' || c == '\\') {
          out += '\\';
          out += c;
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
      }
      return out + "\"";
    }
    case Value::Kind::boolean: return v.boolean ? "true" : "false";
    case Value::Kind::null: return "null";
    case Value::Kind::list: {
      std::string out = "[";
      for (const auto& x : v.list) out += (out.size() > 1 ? ", " : "") + print(x, normalized);
      return out + "]";
    }
    case Value::Kind::object: {
      std::string out = "{";
      for (const auto& f : v.fields) out += (out.size() > 1 ? ", " : "") + f.name + ": " + print(f.value, normalized);
      return out + "}";
    }
  }
  return {};
}

std::string TypeRef::text() const {
  switch (kind) {
    case Kind::named: return name;
    case Kind::list: return "[" + of->text() + "]";
    case Kind::non_null: return of->text() + "!";
  }
  return name;
}

std::string block_string_value(std::string_view raw) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\n' && raw[i] != '\r') continue;
    lines.push_back(raw.substr(start, i - start));
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    start = i + 1;
  }
  lines.push_back(raw.substr(start));
  auto indent_of = [](std::string_view l) {
    std::size_t n = 0;
    while (n < l.size() && (l[n] == ' ' || l[n] == '\t')) ++n;
    return n;
  };
  std::size_t common = std::string_view::npos;
  std::optional<std::size_t> first;
  std::size_t last = 0;
  bool any = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto indent = indent_of(lines[i]);
    if (indent == lines[i].size()) continue;  // blank
    if (!first) first = i;
    last = i;
    any = true;
    if (i != 0 && indent < common) common = indent;
  }
  if (!any) return "";
  std::string out;
  for (std::size_t i = *first; i <= last; ++i) {
    if (i != *first) out += '\n';
    auto line = lines[i];
    if (i != 0) line.remove_prefix(std::min(common == std::string_view::npos ? 0 : common, line.size()));
    out.append(line);
  }
  return out;
}

SchemaDocument parse_schema(std::string_view source, const ParseLimits& limits) {
  if (source.size() > limits.max_bytes)
    throw SyntaxError("Document is larger than " + std::to_string(limits.max_bytes) + " bytes.", {1, 1});
  return Parser(source, limits).schema_document();
}

Document parse(std::string_view source, const ParseLimits& limits) {
  if (source.size() > limits.max_bytes)
    throw SyntaxError("Document is larger than " + std::to_string(limits.max_bytes) + " bytes.", {1, 1});
  return Parser(source, limits).document();
}

}  // namespace arena::graphql
