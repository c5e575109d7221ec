// The PostgreSQL PracticeStore (libpqxx): the class dashboard of a studio, on a database server.
// One connection behind a mutex. A server that goes away is noticed on the next call (the
// connection is dropped and reachable() turns false); every later call tries to connect again,
// so the store comes back by itself when the server does. Tables are prefixed posecast_, so a
// studio's database may hold others.
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <type_traits>

#include "posecast/practice_store.h"

namespace posecast {

namespace {

// posecast_schema.version: bump it, with a migration, when the tables change.
constexpr int kPostgresSchemaVersion = 1;
// Serialises creating the tables between dashboards starting together ("PCHS").
constexpr int64_t kSchemaLockKey = 0x50434853;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS posecast_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS posecast_sessions (
  id       BIGSERIAL PRIMARY KEY,
  device   TEXT   NOT NULL,
  model    TEXT   NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms   BIGINT              -- NULL while the session is open
);
CREATE INDEX IF NOT EXISTS posecast_sessions_by_device ON posecast_sessions (device, start_ms);
CREATE TABLE IF NOT EXISTS posecast_holds (
  id              BIGSERIAL PRIMARY KEY,
  session_id      BIGINT NOT NULL REFERENCES posecast_sessions (id) ON DELETE CASCADE,
  pose            TEXT   NOT NULL,
  variant         TEXT   NOT NULL,
  start_ms        BIGINT NOT NULL,
  duration_s      DOUBLE PRECISION NOT NULL,
  best_score      DOUBLE PRECISION NOT NULL,
  mean_score      DOUBLE PRECISION NOT NULL,
  main_correction TEXT   NOT NULL
);
CREATE INDEX IF NOT EXISTS posecast_holds_by_session ON posecast_holds (session_id, start_ms);
CREATE TABLE IF NOT EXISTS posecast_sets (
  id           BIGSERIAL PRIMARY KEY,
  session_id   BIGINT NOT NULL REFERENCES posecast_sessions (id) ON DELETE CASCADE,
  exercise     TEXT   NOT NULL,
  set_number   INTEGER NOT NULL,
  reps         INTEGER NOT NULL,
  partial_reps INTEGER NOT NULL,
  start_ms     BIGINT NOT NULL,
  duration_s   DOUBLE PRECISION NOT NULL,
  mean_score   DOUBLE PRECISION NOT NULL,
  mean_range   DOUBLE PRECISION NOT NULL,
  main_cue     TEXT   NOT NULL
);
CREATE INDEX IF NOT EXISTS posecast_sets_by_session ON posecast_sets (session_id, start_ms);
)sql";

// The sessions a query selects ($1 limit, $2 device or '', $3 session id or 0), newest first.
constexpr const char* kSelectedSessions =
    "SELECT id FROM posecast_sessions WHERE ($2 = '' OR device = $2) AND ($3 = 0 OR id = $3)"
    " ORDER BY start_ms DESC, id DESC LIMIT $1";

// The URL without its password, for messages: "postgresql://user@host:5432/db".
std::string without_password(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  const size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + url.substr(at);
}

// libpq waits as long as the operating system does for a server that does not answer; a
// dashboard should rather queue and try again soon.
std::string with_connect_timeout(const std::string& url) {
  if (url.find("connect_timeout=") != std::string::npos) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=3";
}

class PostgresPracticeStore final : public PracticeStore {
 public:
  explicit PostgresPracticeStore(std::string url)
      : url_(with_connect_timeout(url)), where_(without_password(url)) {}

  // Connects and creates the tables; an Error names the URL.
  Status open() {
    return done(attempt("creating the tables", [](pqxx::connection& c) {
      pqxx::work w(c);
      w.exec_params("SELECT pg_advisory_xact_lock($1)", kSchemaLockKey);
      w.exec(kSchema);
      const pqxx::result v = w.exec("SELECT max(version) FROM posecast_schema");
      if (v[0][0].is_null()) {
        w.exec_params("INSERT INTO posecast_schema (version) VALUES ($1)", kPostgresSchemaVersion);
      } else if (v[0][0].as<int>() > kPostgresSchemaVersion) {
        throw std::runtime_error("written by a newer posecast (schema version " +
                                 v[0][0].as<std::string>() + ", this one knows " +
                                 std::to_string(kPostgresSchemaVersion) + ")");
      }
      w.commit();
      return true;
    }));
  }

  Result<int64_t> start_session(const std::string& device, const std::string& model,
                                int64_t start_unix_ms) override {
    return attempt<int64_t>("starting a session", [&](pqxx::connection& c) {
      pqxx::work w(c);
      const pqxx::result r = w.exec_params(
          "INSERT INTO posecast_sessions (device, model, start_ms) VALUES ($1, $2, $3)"
          " RETURNING id",
          device, model, start_unix_ms);
      w.commit();
      return r[0][0].as<int64_t>();
    });
  }

  Status end_session(int64_t session, int64_t end_unix_ms) override {
    return done(attempt<bool>("ending session " + std::to_string(session), [&](auto& c) {
      pqxx::work w(c);
      w.exec_params("UPDATE posecast_sessions SET end_ms = GREATEST($2, start_ms) WHERE id = $1",
                    session, end_unix_ms);
      w.commit();
      return true;
    }));
  }

  Result<std::vector<PracticeSession>> sessions(const SessionQuery& query) const override;

  Result<std::vector<std::string>> devices() const override {
    return attempt<std::vector<std::string>>("listing the devices", [](pqxx::connection& c) {
      pqxx::read_transaction t(c);
      std::vector<std::string> list;
      for (const auto& row :
           t.exec("SELECT DISTINCT device FROM posecast_sessions ORDER BY device"))
        list.push_back(row[0].as<std::string>());
      return list;
    });
  }

  bool reachable() const override {
    std::lock_guard lock(mutex_);
    return reachable_;
  }
  std::string where() const override { return where_; }

 protected:
  Status write_hold(int64_t session, const HoldRecord& h) override {
    return done(attempt<bool>("recording a hold of \"" + h.pose + "\"", [&](auto& c) {
      pqxx::work w(c);
      w.exec_params(
          "INSERT INTO posecast_holds (session_id, pose, variant, start_ms, duration_s,"
          " best_score, mean_score, main_correction) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          session, h.pose, h.variant, h.start_unix_ms, h.duration_s, double{h.best_score},
          double{h.mean_score}, h.main_correction);
      w.commit();
      return true;
    }));
  }

  Status write_set(int64_t session, const SetRecord& s) override {
    return done(attempt<bool>(
        "recording set " + std::to_string(s.set) + " of \"" + s.exercise + "\"", [&](auto& c) {
          pqxx::work w(c);
          w.exec_params(
              "INSERT INTO posecast_sets (session_id, exercise, set_number, reps, partial_reps,"
              " start_ms, duration_s, mean_score, mean_range, main_cue)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
              session, s.exercise, s.set, s.reps, s.partial_reps, s.start_unix_ms, s.duration_s,
              double{s.mean_score}, double{s.mean_range}, s.main_cue);
          w.commit();
          return true;
        }));
  }

 private:
  static Status done(const Result<bool>& r) { return r ? Status::Ok() : Status(r.error()); }

  // Runs `f` on the connection, connecting first when there is none. An error names the URL and
  // `what`; one that leaves the connection closed marks the server unreachable.
  template <class T>
  Result<T> attempt(const std::string& what, const std::function<T(pqxx::connection&)>& f) const {
    std::lock_guard lock(mutex_);
    std::string problem;
    bool lost = false;
    try {
      if (!connection_ || !connection_->is_open())
        connection_ = std::make_unique<pqxx::connection>(url_);
      T value = f(*connection_);
      reachable_ = true;
      return value;
    } catch (const pqxx::broken_connection& e) {
      problem = e.what();
      lost = true;
    } catch (const pqxx::in_doubt_error& e) {
      problem = e.what();
      lost = true;
    } catch (const pqxx::sql_error& e) {
      problem = e.what();
      // 08xxx: connection exceptions; 57P0x: the server shutting down or restarting.
      lost = e.sqlstate().starts_with("08") || e.sqlstate().starts_with("57P");
    } catch (const std::exception& e) {
      problem = e.what();
    }
    // libpq's messages run over several lines ("...failed: Connection refused\n\tIs the server
    // running..."): one line, for the one-line errors of the command line.
    std::string one_line;
    for (char c : problem) {
      const bool space = c == '\n' || c == '\t' || c == ' ';
      if (!space)
        one_line += c;
      else if (!one_line.empty() && one_line.back() != ' ')
        one_line += ' ';
    }
    while (!one_line.empty() && one_line.back() == ' ') one_line.pop_back();
    problem = std::move(one_line);
    lost = lost || !connection_ || !connection_->is_open();
    if (lost) connection_.reset();
    reachable_ = !lost;
    last_error_ = where_ + ": " + what + ": " + (lost ? "cannot reach the server: " : "") + problem;
    return Error(last_error_);
  }
  template <class F, class T = std::invoke_result_t<F, pqxx::connection&>>
  Result<T> attempt(const std::string& what, F f) const {
    return attempt<T>(what, std::function<T(pqxx::connection&)>(std::move(f)));
  }

  std::string url_, where_;
  mutable std::mutex mutex_;  // guards the connection and what follows
  mutable std::unique_ptr<pqxx::connection> connection_;
  mutable bool reachable_ = true;
  mutable std::string last_error_;
};

Result<std::vector<PracticeSession>> PostgresPracticeStore::sessions(
    const SessionQuery& query) const {
  const int64_t limit = query.limit > 0 ? query.limit : std::numeric_limits<int64_t>::max();
  using Sessions = std::vector<PracticeSession>;
  return attempt<Sessions>("reading the sessions", [&](pqxx::connection& c) {
    pqxx::work t(c);
    // One snapshot for the sessions, their holds and sets.
    t.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    Sessions list;
    std::map<int64_t, size_t> index;
    for (const auto& row : t.exec_params(
             "SELECT id, device, model, start_ms, end_ms FROM posecast_sessions WHERE id IN (" +
                 std::string(kSelectedSessions) + ") ORDER BY start_ms DESC, id DESC",
             limit, query.device, query.session)) {
      PracticeSession& s = list.emplace_back();
      s.id = row[0].as<int64_t>();
      s.device = row[1].as<std::string>();
      s.model = row[2].as<std::string>();
      s.start_unix_ms = row[3].as<int64_t>();
      s.end_unix_ms = row[4].is_null() ? 0 : row[4].as<int64_t>();
      index[s.id] = list.size() - 1;
    }
    const std::string of_selected =
        " WHERE session_id IN (" + std::string(kSelectedSessions) + ") ORDER BY start_ms, id";
    for (const auto& row : t.exec_params(
             "SELECT session_id, pose, variant, start_ms, duration_s, best_score, mean_score,"
             " main_correction FROM posecast_holds" +
                 of_selected,
             limit, query.device, query.session)) {
      HoldRecord h{row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<int64_t>(),
                   row[4].as<double>(),      row[5].as<float>(),       row[6].as<float>(),
                   row[7].as<std::string>()};
      list[index.at(row[0].as<int64_t>())].holds.push_back(std::move(h));
    }
    for (const auto& row : t.exec_params(
             "SELECT session_id, exercise, set_number, reps, partial_reps, start_ms, duration_s,"
             " mean_score, mean_range, main_cue FROM posecast_sets" +
                 of_selected,
             limit, query.device, query.session)) {
      SetRecord s{row[1].as<std::string>(), row[2].as<int>(),     row[3].as<int>(),
                  row[4].as<int>(),         row[5].as<int64_t>(), row[6].as<double>(),
                  row[7].as<float>(),       row[8].as<float>(),   row[9].as<std::string>()};
      list[index.at(row[0].as<int64_t>())].sets.push_back(std::move(s));
    }
    t.commit();
    return list;
  });
}

}  // namespace

Result<std::unique_ptr<PracticeStore>> open_postgres_store(const std::string& url) {
  auto store = std::make_unique<PostgresPracticeStore>(url);
  if (Status s = store->open(); !s.ok()) return s.error();
  return std::unique_ptr<PracticeStore>(std::move(store));
}

}  // namespace posecast
