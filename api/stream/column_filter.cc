#include "api/stream/column_filter.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>

#include "api/stream/utf8.h"
#include "decoder/json_row.h"
#include "decoder/pg_time.h"
#include "decoder/value_format.h"

// The grammar of a filter, PostgREST's horizontal filtering:
//
//   filter  = table ":" column "=" [ "not." ] op "." value
//   op      = "eq" | "neq" | "lt" | "lte" | "gt" | "gte" | "in" | "is"
//   value   = any bytes                          (eq neq lt lte gt gte)
//           | "(" [ element *( "," element ) ] ")"          (in)
//           | "null" | "true" | "false"                     (is)
//   element = '"' *( any but '"' and '\' | '\' any ) '"'    (quoted: may hold , ( ) ")
//           | *( any but , ( ) " )                          (unquoted, possibly empty)
//
// table ends at the first ':' and column at the first '='; the value is everything after the
// operator's dot, dots included ("gt.99.50"). An element's value never has blanks trimmed.
namespace walcast::api {
namespace {

using decoder::Row;

constexpr size_t kMaxListValues = 100;

// Type OIDs (pg_type.dat) beyond those decoder/value_format.h names.
constexpr uint32_t kFloat4 = 700;
constexpr uint32_t kFloat8 = 701;
constexpr uint32_t kBpchar = 1042;
constexpr uint32_t kName = 19;
constexpr uint32_t kDate = 1082;
constexpr uint32_t kUuid = 2950;

int Sign(int value) { return (value > 0) - (value < 0); }

// Client input quoted in an error: bounded, and valid UTF-8 for a text frame or JSON.
std::string Echo(std::string_view text) { return ToValidUtf8(Utf8Prefix(text, 128)); }

// The content of a JSON string value, without its quotes; nullopt for any other JSON value.
std::optional<std::string_view> StringContent(std::string_view raw) {
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return std::nullopt;
  return raw.substr(1, raw.size() - 2);
}

std::string_view TrimTrailingBlanks(std::string_view text) {
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

std::optional<int64_t> ParseInteger(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || stop != end || text.empty()) return std::nullopt;
  return value;
}

// --- Exact decimals -----------------------------------------------------------------------------
//
// A finite decimal is sign x 0.d1d2d3... x 10^exponent with d1 != 0 (or zero), so two compare by
// sign, then exponent, then digits, with no arithmetic and no limit on their length. The digits
// are `head` then `tail` (a view of the text has a '.' between them); missing digits are zeros,
// so trailing zeros need no stripping. PostgreSQL orders -Infinity < numbers < Infinity < NaN.
struct Decimal {
  enum Rank : int8_t { kMinusInfinity, kFinite, kInfinity, kNaN };
  Rank rank = kFinite;
  int8_t sign = 0;  // 0 for zero
  int64_t exponent = 0;
  std::string_view head;
  std::string_view tail;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Decimal text: [+-] digits [. digits] [e [+-] digits], digits on at least one side of the dot;
// with `special`, also PostgreSQL's NaN, Infinity and -Infinity (numeric and float output).
// The views point into `text`.
std::optional<Decimal> ParseDecimal(std::string_view text, bool special) {
  Decimal d;
  size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) negative = text[pos++] == '-';
  if (special) {
    const std::string_view rest = text.substr(pos);
    if (rest == "Infinity") {
      d.rank = negative ? Decimal::kMinusInfinity : Decimal::kInfinity;
      return d;
    }
    if (rest == "NaN" && pos == 0) {
      d.rank = Decimal::kNaN;
      return d;
    }
  }
  const size_t int_begin = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  std::string_view integer = text.substr(int_begin, pos - int_begin);
  std::string_view fraction;
  if (pos < text.size() && text[pos] == '.') {
    const size_t fraction_begin = ++pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    fraction = text.substr(fraction_begin, pos - fraction_begin);
  }
  if (integer.empty() && fraction.empty()) return std::nullopt;
  int64_t exponent = 0;
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    bool exponent_negative = false;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      exponent_negative = text[pos++] == '-';
    }
    if (pos == text.size()) return std::nullopt;
    // Saturated far beyond any digit count a text can have, so the sum below cannot overflow.
    constexpr int64_t kExponentLimit = int64_t{1} << 48;
    for (; pos < text.size() && IsDigit(text[pos]); ++pos) {
      exponent = std::min(exponent * 10 + (text[pos] - '0'), kExponentLimit);
    }
    if (exponent_negative) exponent = -exponent;
  }
  if (pos != text.size()) return std::nullopt;
  while (!integer.empty() && integer.front() == '0') integer.remove_prefix(1);
  if (!integer.empty()) {
    d.exponent = exponent + static_cast<int64_t>(integer.size());
    d.head = integer;
    d.tail = fraction;
  } else {
    const size_t zeros = std::min(fraction.find_first_not_of('0'), fraction.size());
    fraction.remove_prefix(zeros);
    if (fraction.empty()) return d;  // zero, whatever its sign
    d.exponent = exponent - static_cast<int64_t>(zeros);
    d.head = fraction;
  }
  d.sign = negative ? -1 : 1;
  return d;
}

char DigitAt(const Decimal& d, size_t i) {
  if (i < d.head.size()) return d.head[i];
  i -= d.head.size();
  return i < d.tail.size() ? d.tail[i] : '0';
}

int CompareDecimals(const Decimal& a, const Decimal& b) {
  if (a.rank != b.rank) return a.rank < b.rank ? -1 : 1;
  if (a.rank != Decimal::kFinite) return 0;
  if (a.sign != b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign == 0) return 0;
  int magnitude = 0;
  if (a.exponent != b.exponent) {
    magnitude = a.exponent < b.exponent ? -1 : 1;
  } else {
    const size_t length = std::max(a.head.size() + a.tail.size(), b.head.size() + b.tail.size());
    for (size_t i = 0; i < length && magnitude == 0; ++i) {
      magnitude = Sign(DigitAt(a, i) - DigitAt(b, i));
    }
  }
  return a.sign * magnitude;
}

// --- JSON string content in byte order ----------------------------------------------------------

// Yields the bytes a JSON string's escaped content stands for, one at a time, so that a row value
// holding escapes compares with a plain value without being copied out first.
class UnescapedBytes {
 public:
  explicit UnescapedBytes(std::string_view escaped) : escaped_(escaped) {}

  // False at the end.
  bool Next(unsigned char* byte) {
    if (pending_next_ < pending_size_) {
      *byte = pending_[pending_next_++];
      return true;
    }
    if (pos_ == escaped_.size()) return false;
    const char c = escaped_[pos_++];
    if (c != '\\' || pos_ == escaped_.size()) {
      *byte = static_cast<unsigned char>(c);
      return true;
    }
    const char e = escaped_[pos_++];
    switch (e) {
      case 'n':
        *byte = '\n';
        return true;
      case 'r':
        *byte = '\r';
        return true;
      case 't':
        *byte = '\t';
        return true;
      case 'b':
        *byte = '\b';
        return true;
      case 'f':
        *byte = '\f';
        return true;
      case 'u':
        if (std::optional<uint32_t> code = ReadCodePoint()) {
          Encode(*code);
          return Next(byte);
        }
        *byte = 'u';
        return true;
      default:  // '"', '\\', '/'
        *byte = static_cast<unsigned char>(e);
        return true;
    }
  }

 private:
  std::optional<uint16_t> ReadHex4() {
    if (escaped_.size() - pos_ < 4) return std::nullopt;
    uint16_t value = 0;
    auto [end, ec] = std::from_chars(escaped_.data() + pos_, escaped_.data() + pos_ + 4, value, 16);
    if (ec != std::errc() || end != escaped_.data() + pos_ + 4) return std::nullopt;
    pos_ += 4;
    return value;
  }

  // After "\u": the code point, joining a surrogate pair.
  std::optional<uint32_t> ReadCodePoint() {
    std::optional<uint16_t> unit = ReadHex4();
    if (!unit) return std::nullopt;
    if (*unit >= 0xD800 && *unit < 0xDC00 && escaped_.substr(pos_, 2) == "\\u") {
      const size_t before = pos_;
      pos_ += 2;
      std::optional<uint16_t> low = ReadHex4();
      if (low && *low >= 0xDC00 && *low < 0xE000) {
        return 0x10000 + ((uint32_t{*unit} - 0xD800) << 10) + (*low - 0xDC00);
      }
      pos_ = before;
    }
    return *unit;
  }

  void Encode(uint32_t code) {
    pending_next_ = 0;
    if (code < 0x80) {
      pending_[0] = static_cast<unsigned char>(code);
      pending_size_ = 1;
    } else if (code < 0x800) {
      pending_[0] = static_cast<unsigned char>(0xC0 | (code >> 6));
      pending_[1] = static_cast<unsigned char>(0x80 | (code & 0x3F));
      pending_size_ = 2;
    } else if (code < 0x10000) {
      pending_[0] = static_cast<unsigned char>(0xE0 | (code >> 12));
      pending_[1] = static_cast<unsigned char>(0x80 | ((code >> 6) & 0x3F));
      pending_[2] = static_cast<unsigned char>(0x80 | (code & 0x3F));
      pending_size_ = 3;
    } else {
      pending_[0] = static_cast<unsigned char>(0xF0 | (code >> 18));
      pending_[1] = static_cast<unsigned char>(0x80 | ((code >> 12) & 0x3F));
      pending_[2] = static_cast<unsigned char>(0x80 | ((code >> 6) & 0x3F));
      pending_[3] = static_cast<unsigned char>(0x80 | (code & 0x3F));
      pending_size_ = 4;
    }
  }

  std::string_view escaped_;
  size_t pos_ = 0;
  unsigned char pending_[4] = {};
  uint8_t pending_size_ = 0;
  uint8_t pending_next_ = 0;
};

// The string `escaped` (JSON string content) stands for, against `plain`, in byte order.
int CompareEscaped(std::string_view escaped, std::string_view plain) {
  if (escaped.find('\\') == std::string_view::npos) return Sign(escaped.compare(plain));
  UnescapedBytes bytes(escaped);
  for (const char c : plain) {
    unsigned char byte = 0;
    if (!bytes.Next(&byte)) return -1;
    const auto p = static_cast<unsigned char>(c);
    if (byte != p) return byte < p ? -1 : 1;
  }
  unsigned char byte = 0;
  return bytes.Next(&byte) ? 1 : 0;
}

}  // namespace

// --- Parsing ------------------------------------------------------------------------------------

// Builds a ColumnPredicate from its text; the one writer of its fields.
class ColumnPredicateParser {
 public:
  using Operator = ColumnPredicate::Operator;
  using TypeClass = ColumnPredicate::TypeClass;
  using IsValue = ColumnPredicate::IsValue;
  using Operand = ColumnPredicate::Operand;

  static std::variant<ColumnPredicate, ColumnFilterError> Parse(
      std::string_view text, const decoder::CatalogTables& tables);

 private:
  explicit ColumnPredicateParser(std::string_view text) : text_(text) {}

  static std::optional<Operator> OperatorNamed(std::string_view name);
  static TypeClass ClassOf(uint32_t type_oid);
  static bool Applies(TypeClass type, Operator op, IsValue is);

  ColumnFilterError Syntax(std::string_view why) const {
    return {"filter '" + Echo(text_) + "': " + std::string(why)};
  }
  // The values of an in-list, or an error.
  std::optional<ColumnFilterError> SplitList(std::string_view list,
                                             std::vector<std::string>* values) const;

  std::string_view text_;
};

namespace {

// A date alone is its midnight; RFC 3339 also allows a lower-case 't' and 'z'.
std::optional<int64_t> ParseInstant(std::string_view value) {
  std::string text(value);
  if (text.size() == 10) text += "T00:00:00Z";
  for (char& c : text) {
    if (c == 't' || c == 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return decoder::ParsePgTimestamp(text);
}

}  // namespace

std::optional<ColumnPredicate::Operator> ColumnPredicateParser::OperatorNamed(
    std::string_view name) {
  constexpr std::pair<std::string_view, Operator> kOperators[] = {
      {"eq", Operator::kEq},   {"neq", Operator::kNeq}, {"lt", Operator::kLt},
      {"lte", Operator::kLte}, {"gt", Operator::kGt},   {"gte", Operator::kGte},
      {"in", Operator::kIn},   {"is", Operator::kIs},
  };
  for (const auto& [spelling, op] : kOperators) {
    if (spelling == name) return op;
  }
  return std::nullopt;
}

ColumnPredicate::TypeClass ColumnPredicateParser::ClassOf(uint32_t type_oid) {
  switch (decoder::ValueKindOf(type_oid)) {
    case decoder::ValueKind::kNumber:
      return TypeClass::kInteger;
    case decoder::ValueKind::kBool:
      return TypeClass::kBool;
    case decoder::ValueKind::kJson:
      return TypeClass::kJson;
    case decoder::ValueKind::kTimestamp:
      return TypeClass::kTimestamp;
    case decoder::ValueKind::kText:
      break;
  }
  switch (type_oid) {
    case decoder::pg_type::kNumeric:
    case kFloat4:
    case kFloat8:
      return TypeClass::kDecimal;
    case decoder::pg_type::kText:
    case decoder::pg_type::kVarchar:
    case kBpchar:
    case kName:
    case kDate:
    case kUuid:
      return TypeClass::kText;
    default:
      return TypeClass::kOther;
  }
}

bool ColumnPredicateParser::Applies(TypeClass type, Operator op, IsValue is) {
  if (op == Operator::kIs) return is == IsValue::kNull || type == TypeClass::kBool;
  const bool ordering =
      op == Operator::kLt || op == Operator::kLte || op == Operator::kGt || op == Operator::kGte;
  switch (type) {
    case TypeClass::kJson:
      return false;
    case TypeClass::kBool:
      return op == Operator::kEq || op == Operator::kNeq;
    case TypeClass::kOther:
      return !ordering;
    default:
      return true;
  }
}

std::optional<ColumnFilterError> ColumnPredicateParser::SplitList(
    std::string_view list, std::vector<std::string>* values) const {
  if (list.size() < 2 || list.front() != '(' || list.back() != ')') {
    return Syntax("in takes a list in parentheses, in.(a,b)");
  }
  const std::string_view inner = list.substr(1, list.size() - 2);
  if (inner.empty()) return std::nullopt;  // in.(): no value matches
  size_t pos = 0;
  while (true) {
    std::string value;
    if (pos < inner.size() && inner[pos] == '"') {
      ++pos;
      while (pos < inner.size() && inner[pos] != '"') {
        if (inner[pos] == '\\' && pos + 1 < inner.size()) ++pos;
        value += inner[pos++];
      }
      if (pos == inner.size()) return Syntax("a quoted value in the list has no closing quote");
      ++pos;
      if (pos < inner.size() && inner[pos] != ',') {
        return Syntax("a quoted value in the list must be followed by ',' or ')'");
      }
    } else {
      const size_t end = std::min(inner.find(',', pos), inner.size());
      value = inner.substr(pos, end - pos);
      if (value.find_first_of("\"()") != std::string::npos) {
        return Syntax("quote list values that hold commas, parentheses or quotes: in.(a,\"b,c\")");
      }
      pos = end;
    }
    if (values->size() == kMaxListValues) {
      return Syntax("a list holds at most " + std::to_string(kMaxListValues) + " values");
    }
    values->push_back(std::move(value));
    if (pos == inner.size()) return std::nullopt;
    ++pos;  // the ','
  }
}

std::variant<ColumnPredicate, ColumnFilterError> ColumnPredicateParser::Parse(
    std::string_view text, const decoder::CatalogTables& tables) {
  const ColumnPredicateParser parser(text);
  constexpr std::string_view kShape = "expected <table>:<column>=<op>.<value>";
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return parser.Syntax(kShape);
  const std::string_view table_name = text.substr(0, colon);
  const std::string_view rest = text.substr(colon + 1);
  const size_t equals = rest.find('=');
  if (equals == std::string_view::npos || equals == 0) return parser.Syntax(kShape);
  const std::string_view column_name = rest.substr(0, equals);
  std::string_view condition = rest.substr(equals + 1);

  ColumnPredicate p;
  if (condition.starts_with("not.")) {
    p.negated_ = true;
    condition.remove_prefix(4);
  }
  const size_t dot = condition.find('.');
  if (dot == std::string_view::npos) return parser.Syntax(kShape);
  const std::string_view op_name = condition.substr(0, dot);
  const std::string_view value = condition.substr(dot + 1);
  const std::optional<Operator> op = OperatorNamed(op_name);
  if (!op) {
    return parser.Syntax("unknown operator '" + Echo(op_name) +
                         "' (eq, neq, lt, lte, gt, gte, in, is)");
  }
  p.op_ = *op;
  std::vector<std::string> values;
  if (p.op_ == Operator::kIs) {
    if (value == "null") {
      p.is_ = IsValue::kNull;
    } else if (value == "true") {
      p.is_ = IsValue::kTrue;
    } else if (value == "false") {
      p.is_ = IsValue::kFalse;
    } else {
      return parser.Syntax("is takes null, true or false");
    }
  } else if (p.op_ == Operator::kIn) {
    if (auto error = parser.SplitList(value, &values)) return *std::move(error);
  } else {
    values.emplace_back(value);
  }

  const decoder::CatalogTable* table = decoder::FindTable(tables, table_name);
  if (table == nullptr) {
    return ColumnFilterError{"table '" + Echo(table_name) + "' is not streamed"};
  }
  p.table_ = table->QualifiedName();
  const decoder::CatalogColumn* column = table->FindColumn(column_name);
  if (column == nullptr) {
    return ColumnFilterError{"table " + p.table_ + " has no column '" + Echo(column_name) + "'"};
  }
  p.column_ = column->name;
  p.type_ = ClassOf(column->type_oid);
  p.blank_padded_ = column->type_oid == kBpchar;
  p.absent_holds_ = table->replica_identity != decoder::ReplicaIdentity::kFull && !column->key;
  if (!Applies(p.type_, p.op_, p.is_)) {
    const std::string shown =
        p.op_ == Operator::kIs ? "is." + std::string(value) : std::string(op_name);
    return ColumnFilterError{"operator " + shown + " does not apply to column " + column->name +
                             " (" + column->type + ")"};
  }
  for (std::string& v : values) {
    auto mismatch = [&] {
      return ColumnFilterError{"column " + column->name + " is " + column->type + ", got '" +
                               Echo(v) + "'"};
    };
    Operand operand;
    switch (p.type_) {
      case TypeClass::kInteger: {
        std::optional<int64_t> integer = ParseInteger(v);
        if (!integer) return mismatch();
        operand.integer = *integer;
        break;
      }
      case TypeClass::kDecimal: {
        std::optional<Decimal> decimal = ParseDecimal(v, /*special=*/false);
        if (!decimal) return mismatch();
        std::string digits = std::string(decimal->head) + std::string(decimal->tail);
        digits.erase(digits.find_last_not_of('0') + 1);
        operand.json = std::move(digits);
        operand.integer = decimal->exponent;
        operand.sign = decimal->sign;
        break;
      }
      case TypeClass::kBool:
        if (v != "true" && v != "false") return mismatch();
        operand.boolean = v == "true";
        break;
      case TypeClass::kTimestamp: {
        std::optional<int64_t> micros = ParseInstant(v);
        char rfc3339[decoder::kRfc3339Size];
        if (!micros || !decoder::WriteRfc3339(*micros, rfc3339)) return mismatch();
        operand.json.assign(rfc3339, sizeof(rfc3339));
        break;
      }
      case TypeClass::kText:
      case TypeClass::kOther: {
        // PostgreSQL reads a uuid in any case and writes it in lower case.
        if (column->type_oid == kUuid) {
          for (char& c : v) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
        operand.text = p.blank_padded_ ? std::string(TrimTrailingBlanks(v)) : v;
        decoder::AppendJsonString(operand.text, &operand.json);
        operand.json = operand.json.substr(1, operand.json.size() - 2);
        break;
      }
      case TypeClass::kJson:
        break;  // only is.null applies
    }
    p.operands_.push_back(std::move(operand));
  }

  std::string json_column;
  decoder::AppendJsonString(column->name, &json_column);
  p.json_column_ = json_column.substr(1, json_column.size() - 2);
  p.text_ = p.table_ + ":" + std::string(rest);
  return p;
}

std::variant<ColumnPredicate, ColumnFilterError> ParseColumnPredicate(
    std::string_view text, const decoder::CatalogTables& tables) {
  return ColumnPredicateParser::Parse(text, tables);
}

// --- Testing a row ------------------------------------------------------------------------------

std::optional<int> ColumnPredicate::Compare(std::string_view raw, const Operand& operand) const {
  switch (type_) {
    case TypeClass::kInteger: {
      std::optional<int64_t> value = ParseInteger(raw);
      if (!value) return std::nullopt;
      return (*value > operand.integer) - (*value < operand.integer);
    }
    case TypeClass::kDecimal: {
      // numeric and float values are JSON strings; a bare number is taken too.
      std::optional<Decimal> value = ParseDecimal(StringContent(raw).value_or(raw), true);
      if (!value) return std::nullopt;
      Decimal wanted;
      wanted.sign = operand.sign;
      wanted.exponent = operand.integer;
      wanted.head = operand.json;
      return CompareDecimals(*value, wanted);
    }
    case TypeClass::kTimestamp: {
      // Both in the fixed-width UTC form, so byte order is time order.
      std::optional<std::string_view> content = StringContent(raw);
      if (!content) return std::nullopt;
      // The decoder's form, "YYYY-MM-DDTHH:MM:SS.ffffffZ"; a value it could not convert (a year
      // past 9999, BC) stays PostgreSQL's text and is no instant to compare, even at that size.
      if (content->size() == decoder::kRfc3339Size && (*content)[10] == 'T' &&
          (*content)[decoder::kRfc3339Size - 1] == 'Z') {
        return Sign(std::memcmp(content->data(), operand.json.data(), decoder::kRfc3339Size));
      }
      if (*content == "infinity") return 1;
      if (*content == "-infinity") return -1;
      return std::nullopt;
    }
    case TypeClass::kText: {
      std::optional<std::string_view> content = StringContent(raw);
      if (!content) return std::nullopt;
      return CompareEscaped(blank_padded_ ? TrimTrailingBlanks(*content) : *content, operand.text);
    }
    case TypeClass::kBool:
    case TypeClass::kJson:
    case TypeClass::kOther:
      break;  // refused by the parser
  }
  return std::nullopt;
}

std::optional<bool> ColumnPredicate::Equal(std::string_view raw, const Operand& operand) const {
  switch (type_) {
    case TypeClass::kBool:
      if (raw == "true") return operand.boolean;
      if (raw == "false") return !operand.boolean;
      return std::nullopt;
    case TypeClass::kText:
    case TypeClass::kOther: {
      // The same string has the same escaped form (one writer, decoder/value_format.h).
      std::optional<std::string_view> content = StringContent(raw);
      if (!content) return std::nullopt;
      return (blank_padded_ ? TrimTrailingBlanks(*content) : *content) == operand.json;
    }
    default: {
      std::optional<int> order = Compare(raw, operand);
      if (!order) return std::nullopt;
      return *order == 0;
    }
  }
}

std::optional<bool> ColumnPredicate::InList(std::string_view raw) const {
  if (operands_.empty()) return false;  // whatever the value: `not.in.()` holds on every row
  // The row's value is read once for the whole list: an integer or a decimal parsed, a string's
  // content found; then each value compares to it.
  switch (type_) {
    case TypeClass::kInteger: {
      std::optional<int64_t> value = ParseInteger(raw);
      if (!value) return std::nullopt;
      for (const Operand& operand : operands_) {
        if (operand.integer == *value) return true;
      }
      return false;
    }
    case TypeClass::kDecimal: {
      std::optional<Decimal> value = ParseDecimal(StringContent(raw).value_or(raw), true);
      if (!value) return std::nullopt;
      for (const Operand& operand : operands_) {
        Decimal wanted;
        wanted.sign = operand.sign;
        wanted.exponent = operand.integer;
        wanted.head = operand.json;
        if (CompareDecimals(*value, wanted) == 0) return true;
      }
      return false;
    }
    case TypeClass::kText:
    case TypeClass::kOther: {
      std::optional<std::string_view> content = StringContent(raw);
      if (!content) return std::nullopt;
      const std::string_view value = blank_padded_ ? TrimTrailingBlanks(*content) : *content;
      for (const Operand& operand : operands_) {
        if (value == operand.json) return true;
      }
      return false;
    }
    default:
      for (const Operand& operand : operands_) {
        std::optional<bool> equal = Equal(raw, operand);
        if (!equal || *equal) return equal;
      }
      return false;
  }
}

bool ColumnPredicate::Holds(const Row& row) const {
  std::optional<std::string_view> raw;
  const uint32_t hint = position_.index.load(std::memory_order_relaxed);
  if (hint < row.size() && row.name(hint) == json_column_) {
    raw = row.value(hint);
  } else {
    for (size_t i = 0; i < row.size(); ++i) {
      if (row.name(i) == json_column_) {
        raw = row.value(i);
        position_.index.store(static_cast<uint32_t>(i), std::memory_order_relaxed);
        break;
      }
    }
  }
  if (!raw && absent_holds_) return true;
  const bool null = !raw || *raw == "null";
  if (op_ == Operator::kIs) {
    bool is = false;
    switch (is_) {
      case IsValue::kNull:
        is = null;
        break;
      case IsValue::kTrue:
        is = !null && *raw == "true";
        break;
      case IsValue::kFalse:
        is = !null && *raw == "false";
        break;
    }
    return is != negated_;
  }
  if (null) return false;
  std::optional<bool> result;
  switch (op_) {
    case Operator::kEq:
      result = Equal(*raw, operands_.front());
      break;
    case Operator::kNeq:
      result = Equal(*raw, operands_.front());
      if (result) result = !*result;
      break;
    case Operator::kIn:
      result = InList(*raw);
      break;
    default: {
      const std::optional<int> order = Compare(*raw, operands_.front());
      if (!order) return false;
      switch (op_) {
        case Operator::kLt:
          result = *order < 0;
          break;
        case Operator::kLte:
          result = *order <= 0;
          break;
        case Operator::kGt:
          result = *order > 0;
          break;
        default:
          result = *order >= 0;
          break;
      }
    }
  }
  return result.has_value() && *result != negated_;
}

// --- One connection's predicates ----------------------------------------------------------------

std::string NormalizeColumnFilterText(std::string_view text) {
  const size_t colon = text.find(':');
  // FindTable reads "public.x" as "x", and QualifiedName writes it so.
  if (colon != std::string_view::npos && text.substr(0, colon).starts_with("public.")) {
    text.remove_prefix(std::string_view("public.").size());
  }
  return std::string(text);
}

std::optional<std::string> ColumnFilter::Add(ColumnPredicate predicate) {
  for (const ColumnPredicate& existing : predicates_) {
    if (existing.text() == predicate.text()) return std::nullopt;
  }
  if (predicates_.size() == kMaxPredicates) {
    return "at most " + std::to_string(kMaxPredicates) + " filters per connection";
  }
  // After the table's last predicate, so that Matches finds a table's predicates in one run.
  auto same_table = [&](const ColumnPredicate& p) { return p.table() == predicate.table(); };
  auto last = std::find_if(predicates_.rbegin(), predicates_.rend(), same_table);
  predicates_.insert(last == predicates_.rend() ? predicates_.end() : last.base(),
                     std::move(predicate));
  IndexRuns();
  return std::nullopt;
}

void ColumnFilter::IndexRuns() {
  runs_.clear();
  for (uint32_t i = 0; i < predicates_.size(); ++i) {
    if (runs_.empty() || runs_.back().table != predicates_[i].table()) {
      runs_.push_back({predicates_[i].table(), i, i});
    }
    runs_.back().end = i + 1;
  }
}

void ColumnFilter::Remove(std::string_view text) {
  const std::string normalized = NormalizeColumnFilterText(text);
  auto found = std::find_if(predicates_.begin(), predicates_.end(),
                            [&](const ColumnPredicate& p) { return p.text() == normalized; });
  if (found != predicates_.end()) predicates_.erase(found);
  IndexRuns();
}

bool ColumnFilter::Matches(std::string_view table, const Row* row, const Row* old_row) const {
  if (row == nullptr && old_row == nullptr) return true;
  // One name comparison per table with predicates (usually one), not one per predicate.
  auto run =
      std::find_if(runs_.begin(), runs_.end(), [&](const TableRun& r) { return r.table == table; });
  if (run == runs_.end()) return true;
  auto first = predicates_.begin() + run->begin;
  auto end = predicates_.begin() + run->end;
  auto all_hold = [&](const Row* candidate) {
    return candidate != nullptr &&
           std::all_of(first, end, [&](const ColumnPredicate& p) { return p.Holds(*candidate); });
  };
  return all_hold(row) || all_hold(old_row);
}

std::vector<std::string> ColumnFilter::Tables() const {
  std::vector<std::string> tables;
  for (const TableRun& run : runs_) tables.push_back(run.table);
  return tables;
}

std::vector<std::string> ColumnFilter::Texts() const {
  std::vector<std::string> texts;
  for (const ColumnPredicate& predicate : predicates_) texts.push_back(predicate.text());
  return texts;
}

}  // namespace walcast::api
