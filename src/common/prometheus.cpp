#include "posecast/prometheus.h"

#include <charconv>
#include <cmath>

namespace posecast {

namespace {

// The text format's escapes: backslash and newline everywhere, the double quote in label values.
std::string escaped(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string PrometheusText::Number::format(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  // general with precision 6 is printf's %g, std::ostream's default; to_chars ignores the locale.
  char* end =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 6).ptr;
  return std::string(buffer, end);
}

void PrometheusText::family(std::string_view name, Type type, std::string_view help) {
  if (!families_.emplace(name).second) return;
  text_.append("# HELP ").append(name).append(" ").append(escaped(help, false)).append("\n");
  text_.append("# TYPE ").append(name).append(type == kCounter ? " counter\n" : " gauge\n");
}

void PrometheusText::sample(std::string_view name, Labels labels, const Number& value) {
  text_.append(name);
  if (labels.size() > 0) {
    char separator = '{';
    for (const auto& [label, label_value] : labels) {
      text_.append(1, separator).append(label).append("=\"");
      text_.append(prometheus_label_value(label_value)).append("\"");
      separator = ',';
    }
    text_.append("}");
  }
  text_.append(" ").append(value.text).append("\n");
}

void PrometheusText::counter(std::string_view name, std::string_view help, const Number& value) {
  family(name, kCounter, help);
  sample(name, value);
}

void PrometheusText::gauge(std::string_view name, std::string_view help, const Number& value) {
  family(name, kGauge, help);
  sample(name, value);
}

std::string prometheus_label_value(std::string_view value) { return escaped(value, true); }

}  // namespace posecast
