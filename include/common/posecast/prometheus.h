// Prometheus text exposition format (version 0.0.4) for every /metrics: `# HELP` and `# TYPE` once
// per metric family, label values escaped, numbers written one way everywhere.
//
//   PrometheusText m;
//   m.family("posecast_frames_total", PrometheusText::kCounter, "Frames by stage.");
//   m.sample("posecast_frames_total", {{"stage", "captured"}}, 120);
//   m.gauge("posecast_fps", "Frames per second rendered.", 29.97);
//   std::string text = m.str();
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace posecast {

class PrometheusText {
 public:
  enum Type { kCounter, kGauge };
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  // A number as a sample value: integers exactly; floating point with 6 significant digits (as a
  // default std::ostream writes it: 29.9701, 1e+06), and NaN, +Inf, -Inf as Prometheus spells them.
  struct Number {
    template <std::integral T>
    Number(T value) : text(std::to_string(value)) {}  // NOLINT: implicit on purpose
    template <std::floating_point T>
    Number(T value) : text(format(static_cast<double>(value))) {}  // NOLINT
    static std::string format(double value);
    std::string text;
  };

  // "# HELP name help" and "# TYPE name type" the first time `name` is named; later calls with the
  // same name write nothing, so a family's samples may come from several places.
  void family(std::string_view name, Type type, std::string_view help);

  // name{label="value",...} number
  void sample(std::string_view name, Labels labels, const Number& value);
  void sample(std::string_view name, const Number& value) { sample(name, {}, value); }

  // A family of one sample without labels.
  void counter(std::string_view name, std::string_view help, const Number& value);
  void gauge(std::string_view name, std::string_view help, const Number& value);

  const std::string& str() const { return text_; }

 private:
  std::string text_;
  std::set<std::string, std::less<>> families_;
};

// A label value as the text format wants it inside double quotes: \ -> \\, " -> \", newline -> \n.
std::string prometheus_label_value(std::string_view value);

}  // namespace posecast
