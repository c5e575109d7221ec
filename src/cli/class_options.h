// `posecast class`'s flags (the instructor's dashboard), shared by the command and by
// `posecast config show --class`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "posecast/class_roster.h"
#include "posecast/live_server.h"

namespace posecast::cli {

struct ClassArgs {
  ClassLinkOptions link;  // --mqtt (required, from a flag or the config file), --mqtt-user, ...
  std::string http = "127.0.0.1:8090", prefix = "posecast", library, token_file, config_file;
  std::string db;  // the class results: a file, or postgresql://...; empty: default_class_db()
  bool no_auth = false;
  double stale_after_s = 5, seconds = 0;
  LiveServerOptions server;  // --tls-cert/--tls-key; --http fills in the address
};

// Adds every flag of `class`, in the order --help lists them.
void add_class_options(CLI::App& cmd, ClassArgs& args);

}  // namespace posecast::cli
