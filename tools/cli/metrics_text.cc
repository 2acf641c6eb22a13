#include "tools/cli/metrics_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace walcast::cli {
namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// A cursor over one line; every read says what it expected when it fails.
class LineReader {
 public:
  explicit LineReader(std::string_view line) : line_(line) {}

  bool AtEnd() const { return pos_ == line_.size(); }
  char Peek() const { return AtEnd() ? '\0' : line_[pos_]; }
  void SkipBlanks() {
    while (!AtEnd() && IsBlank(line_[pos_])) ++pos_;
  }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  // [a-zA-Z_:][a-zA-Z0-9_:]*; "" when the next character cannot start a name.
  std::string_view Name() {
    std::size_t start = pos_;
    if (AtEnd() || !IsNameStart(line_[pos_])) return {};
    while (!AtEnd() && IsNameChar(line_[pos_])) ++pos_;
    return line_.substr(start, pos_ - start);
  }
  // The text of a quoted label value, the opening quote already consumed; nullopt when the line
  // ends before the closing quote or an escape is unknown.
  std::optional<std::string> QuotedRest() {
    std::string out;
    while (!AtEnd()) {
      char c = line_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (AtEnd()) return std::nullopt;
      char escaped = line_[pos_++];
      if (escaped == 'n') {
        out += '\n';
      } else if (escaped == '\\' || escaped == '"') {
        out += escaped;
      } else {
        return std::nullopt;
      }
    }
    return std::nullopt;
  }
  // The next run of non-blank characters.
  std::string_view Token() {
    std::size_t start = pos_;
    while (!AtEnd() && !IsBlank(line_[pos_])) ++pos_;
    return line_.substr(start, pos_ - start);
  }

 private:
  std::string_view line_;
  std::size_t pos_ = 0;
};

// A sample value: a decimal or exponent float, or ±Inf / NaN in any case.
std::optional<double> ParseValue(std::string_view token) {
  if (token.empty()) return std::nullopt;
  bool negative = false;
  if (token.front() == '+' || token.front() == '-') {
    negative = token.front() == '-';
    token.remove_prefix(1);
  }
  double value = 0;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return negative ? -value : value;
}

// "# HELP name …" / "# TYPE name …" → name; "" for any other comment.
std::string_view DeclaredFamily(std::string_view line) {
  LineReader reader(line);
  reader.Consume('#');
  reader.SkipBlanks();
  auto keyword = reader.Token();
  if (keyword != "HELP" && keyword != "TYPE") return {};
  reader.SkipBlanks();
  return reader.Name();
}

// One sample line; on failure `error` says what was expected.
std::optional<MetricSample> ParseSample(std::string_view line, std::string& error) {
  LineReader reader(line);
  MetricSample sample;
  sample.name = std::string(reader.Name());
  if (sample.name.empty()) {
    error = "expected a metric name";
    return std::nullopt;
  }
  if (reader.Consume('{')) {
    for (;;) {
      reader.SkipBlanks();
      if (reader.Consume('}')) break;
      auto key = reader.Name();
      if (key.empty()) {
        error = "expected a label name or '}'";
        return std::nullopt;
      }
      reader.SkipBlanks();
      if (!reader.Consume('=')) {
        error = "expected '=' after label " + std::string(key);
        return std::nullopt;
      }
      reader.SkipBlanks();
      if (!reader.Consume('"')) {
        error = "expected '\"' to open the value of label " + std::string(key);
        return std::nullopt;
      }
      auto value = reader.QuotedRest();
      if (!value) {
        error = "unterminated value or unknown escape in label " + std::string(key);
        return std::nullopt;
      }
      sample.labels.emplace_back(std::string(key), std::move(*value));
      reader.SkipBlanks();
      if (reader.Consume(',')) continue;
      if (reader.Consume('}')) break;
      error = "expected ',' or '}' after label " + std::string(key);
      return std::nullopt;
    }
  }
  if (!IsBlank(reader.Peek())) {
    error = "expected a blank and a value after " + sample.name;
    return std::nullopt;
  }
  reader.SkipBlanks();
  auto value = ParseValue(reader.Token());
  if (!value) {
    error = "expected a number as the value of " + sample.name;
    return std::nullopt;
  }
  sample.value = *value;
  reader.SkipBlanks();
  if (!reader.AtEnd()) {
    int64_t timestamp = 0;
    auto token = reader.Token();
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), timestamp);
    reader.SkipBlanks();
    if (ec != std::errc() || end != token.data() + token.size() || !reader.AtEnd()) {
      error = "expected an integer timestamp or the end of the line after the value";
      return std::nullopt;
    }
  }
  return sample;
}

}  // namespace

std::string_view MetricSample::Label(std::string_view key) const {
  for (const auto& [name, value] : labels) {
    if (name == key) return value;
  }
  return {};
}

MetricsText MetricsText::Parse(std::string_view text) {
  MetricsText out;
  std::size_t line_number = 0;
  while (!text.empty()) {
    auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && IsBlank(line.front())) line.remove_prefix(1);
    if (line.empty()) continue;
    if (line.front() == '#') {
      auto family = DeclaredFamily(line);
      if (!family.empty()) out.families_.emplace(family);
      continue;
    }
    std::string error;
    auto sample = ParseSample(line, error);
    if (!sample) {
      if (out.malformed_lines_++ == 0) {
        out.first_error_ = "line " + std::to_string(line_number) + ": " + error;
      }
      continue;
    }
    out.families_.insert(sample->name);
    out.samples_.push_back(std::move(*sample));
  }
  return out;
}

std::vector<const MetricSample*> MetricsText::Series(std::string_view name) const {
  std::vector<const MetricSample*> out;
  for (const auto& sample : samples_) {
    if (sample.name == name) out.push_back(&sample);
  }
  return out;
}

std::optional<double> MetricsText::Value(std::string_view name) const {
  for (const auto& sample : samples_) {
    if (sample.name == name && sample.labels.empty()) return sample.value;
  }
  return std::nullopt;
}

std::optional<double> MetricsText::Sum(std::string_view name) const {
  if (!Has(name)) return std::nullopt;
  double sum = 0;
  for (const auto* sample : Series(name)) sum += sample->value;
  return sum;
}

bool MetricsText::Has(std::string_view name) const { return families_.contains(name); }

std::vector<HistogramBucket> MetricsText::Buckets(std::string_view name) const {
  std::vector<HistogramBucket> out;
  for (const auto* sample : Series(std::string(name) + "_bucket")) {
    auto bound = ParseValue(sample->Label("le"));
    if (bound) out.push_back({*bound, sample->value});
  }
  std::sort(out.begin(), out.end(), [](const HistogramBucket& a, const HistogramBucket& b) {
    return a.upper_bound < b.upper_bound;
  });
  return out;
}

std::optional<QuantileEstimate> HistogramQuantile(double q, std::vector<HistogramBucket> buckets) {
  if (std::isnan(q) || q < 0 || q > 1) return std::nullopt;
  std::sort(buckets.begin(), buckets.end(), [](const HistogramBucket& a, const HistogramBucket& b) {
    return a.upper_bound < b.upper_bound;
  });
  if (buckets.size() < 2 || !std::isinf(buckets.back().upper_bound) ||
      buckets.back().upper_bound < 0) {
    return std::nullopt;
  }
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    buckets[i].cumulative_count =
        std::max(buckets[i].cumulative_count, buckets[i - 1].cumulative_count);
  }
  const double observations = buckets.back().cumulative_count;
  if (!(observations > 0)) return std::nullopt;
  double rank = q * observations;
  // The first bucket whose cumulative count reaches the rank, the +Inf one when none before it.
  std::size_t b = 0;
  while (b + 1 < buckets.size() && buckets[b].cumulative_count < rank) ++b;
  if (b == buckets.size() - 1) return QuantileEstimate{buckets[b - 1].upper_bound, true};
  if (b == 0 && buckets[0].upper_bound <= 0) return QuantileEstimate{buckets[0].upper_bound, false};
  double start = 0;
  double end = buckets[b].upper_bound;
  double count = buckets[b].cumulative_count;
  if (b > 0) {
    start = buckets[b - 1].upper_bound;
    count -= buckets[b - 1].cumulative_count;
    rank -= buckets[b - 1].cumulative_count;
  }
  // count is 0 only for q = 0 with an empty first bucket.
  return QuantileEstimate{count > 0 ? start + (end - start) * (rank / count) : start, false};
}

}  // namespace walcast::cli
