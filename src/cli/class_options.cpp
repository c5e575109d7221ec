#include "class_options.h"

#include "config_setup.h"
#include "live_setup.h"
#include "telemetry_setup.h"

namespace posecast::cli {

void add_class_options(CLI::App& cmd, ClassArgs& args) {
  cmd.add_option("--mqtt", args.link.url,
                 "Broker: tcp://HOST:1883, ssl://, ws:// (required: here or in the config file)");
  add_mqtt_login_options(cmd, args.link.user, args.link.password);
  add_mqtt_tls_options(cmd, args.link.tls);
  cmd.add_option("--topic-prefix", args.prefix, "Topic prefix the devices use")
      ->capture_default_str();
  cmd.add_option("--http", args.http, "Serve the dashboard at HOST:PORT (port 0: any free port)")
      ->capture_default_str();
  cmd.add_option("--library", args.library, "Pose library JSON for the target menu");
  cmd.add_flag("--no-auth", args.no_auth, "Serve without an access token (loopback only)");
  cmd.add_option("--token-file", args.token_file,
                 "Access token file (default: ~/.config/posecast/access-token, made once)");
  add_server_tls_options(cmd, args.server);
  cmd.add_option("--stale-after", args.stale_after_s,
                 "Seconds without results before a tile shows 'no results'")
      ->capture_default_str();
  cmd.add_option("--seconds", args.seconds, "Stop after this many seconds (default: Ctrl-C)");
  cmd.add_option("--db", args.db,
                 "Where each student's holds and sets are kept: an SQLite file, or "
                 "postgresql://USER:PASSWORD@HOST:PORT/DB (default: "
                 "~/.local/share/posecast/class.sqlite)");
  add_config_option(cmd, args.config_file);
}

}  // namespace posecast::cli
