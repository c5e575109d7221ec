// Runs the real posecast binary (POSECAST_BINARY) and captures what a user would see.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_paths.h"

namespace posecast::testing {

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  std::vector<std::string> out_lines() const {
    std::vector<std::string> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) lines.push_back(line);
    return lines;
  }
};

inline std::string shell_quote(const std::string& arg) {
  std::string quoted(1, '\'');
  for (char c : arg) {
    if (c == '\'') {
      quoted.append("'\\''");  // close the quote, an escaped quote, reopen
    } else {
      quoted.push_back(c);
    }
  }
  quoted.push_back('\'');
  return quoted;
}

// `posecast args...`; the environment is inherited (POSECAST_MODELS included).
inline CliRun run_posecast(const std::vector<std::string>& args) {
  const std::filesystem::path err_file = std::filesystem::temp_directory_path() /
                                         ("posecast-e2e-" + std::to_string(::getpid()) + ".err");
  // append() rather than " " + string: GCC 12 warns falsely (-Wrestrict) on the latter.
  std::string command = shell_quote(POSECAST_BINARY);
  for (const std::string& arg : args) command.append(" ").append(shell_quote(arg));
  command.append(" 2>").append(shell_quote(err_file.string()));

  CliRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return run;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.out.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  run.err.assign(std::istreambuf_iterator<char>(err), {});
  std::filesystem::remove(err_file);
  return run;
}

}  // namespace posecast::testing
