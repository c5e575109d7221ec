// The SQLite PracticeStore: the device's history file (and the class dashboard's default file).
// One connection behind a mutex; WAL, so `posecast history` reads while `posecast run` writes.
#include <sqlite3.h>

#include <iterator>
#include <mutex>
#include <utility>

#include "posecast/practice_store.h"

namespace posecast {

namespace fs = std::filesystem;

namespace {

// Identifies the file as a posecast history ("PCHS"), so that another program's SQLite database
// is refused rather than given our tables.
constexpr int kApplicationId = 0x50434853;
// PRAGMA user_version: bump it with a step in kMigrations when the schema changes.
constexpr int kSchemaVersion = 3;

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE sessions (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  device   TEXT    NOT NULL,
  model    TEXT    NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms   INTEGER               -- NULL while the session is open
);
CREATE INDEX sessions_by_start ON sessions (start_ms);
CREATE TABLE holds (
  id         INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  pose       TEXT    NOT NULL,
  variant    TEXT    NOT NULL,
  start_ms   INTEGER NOT NULL,
  duration_s REAL    NOT NULL,
  best_score REAL    NOT NULL,
  mean_score REAL    NOT NULL
);
CREATE INDEX holds_by_session ON holds (session_id, start_ms);
)sql";

// kMigrations[v - 1] takes a version v file to v + 1; a new file is kSchemaV1 and every step.
constexpr const char* kMigrations[] = {
    // 1 -> 2: sets of rep exercises (issue 18).
    R"sql(
CREATE TABLE sets (
  id           INTEGER PRIMARY KEY,
  session_id   INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  exercise     TEXT    NOT NULL,
  set_number   INTEGER NOT NULL,
  reps         INTEGER NOT NULL,
  partial_reps INTEGER NOT NULL,
  start_ms     INTEGER NOT NULL,
  duration_s   REAL    NOT NULL,
  mean_score   REAL    NOT NULL,
  mean_range   REAL    NOT NULL,
  main_cue     TEXT    NOT NULL
);
CREATE INDEX sets_by_session ON sets (session_id, start_ms);
)sql",
    // 2 -> 3: a hold's main correction (issue 22: the most frequent correction per pose).
    R"sql(
ALTER TABLE holds ADD COLUMN main_correction TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_by_device ON sessions (device, start_ms);
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion - 1, "one migration per version step");

// How long a writer waits for another process holding the file.
constexpr int kBusyTimeoutMs = 5000;

struct StatementFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

struct Database {
  fs::path path;
  sqlite3* db = nullptr;
  Statement insert_session, end_session, insert_hold, insert_set, select_sessions, select_holds,
      select_sets, select_devices;

  ~Database() {
    // Statements first: sqlite3_close refuses a connection with unfinalized statements.
    for (Statement* s : {&insert_session, &end_session, &insert_hold, &insert_set, &select_sessions,
                         &select_holds, &select_sets, &select_devices})
      s->reset();
    if (db) sqlite3_close(db);
  }

  Error error(const std::string& what) const {
    return Error(path.string() + ": " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
  }

  Status exec(const char* sql, const std::string& what) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK) return Status::Ok();
    std::string text = message ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    return Error(path.string() + ": " + what + ": " + text);
  }

  // The single integer a query returns.
  Result<int64_t> query_int(const char* sql, const std::string& what) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) return error(what);
    Statement s(raw);
    if (sqlite3_step(s.get()) != SQLITE_ROW) return error(what);
    return static_cast<int64_t>(sqlite3_column_int64(s.get(), 0));
  }

  Status prepare(Statement& s, const char* sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK)
      return error(std::string("preparing \"") + sql + "\"");
    s.reset(raw);
    return Status::Ok();
  }

  // Runs a statement that returns no rows and resets it for the next use.
  Status step_done(sqlite3_stmt* s, const std::string& what) {
    const int rc = sqlite3_step(s);
    Status status = rc == SQLITE_DONE ? Status::Ok() : Status(error(what));
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return status;
  }
};

// A transaction rolled back unless committed (an error half way leaves the file as it was).
class Transaction {
 public:
  explicit Transaction(Database& db, const char* begin = "BEGIN IMMEDIATE") : db_(db) {
    status_ = db_.exec(begin, "starting a transaction");
  }
  ~Transaction() {
    if (status_.ok() && !done_) sqlite3_exec(db_.db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  const Status& begun() const { return status_; }
  Status commit() {
    done_ = true;
    return db_.exec("COMMIT", "committing");
  }

 private:
  Database& db_;
  Status status_;
  bool done_ = false;
};

Status create_or_check_schema(Database& db) {
  const std::string not_ours = "not a posecast practice history";
  // The first read of the file: a corrupt one fails here ("file is not a database").
  Result<int64_t> app = db.query_int("PRAGMA application_id", "cannot read it");
  if (!app) return Error(app.error().message() + " (" + not_ours + ")");
  Result<int64_t> version = db.query_int("PRAGMA user_version", "cannot read its version");
  if (!version) return version.error();
  if (*app == kApplicationId && *version == kSchemaVersion) return Status::Ok();
  if (*app == kApplicationId && *version > kSchemaVersion)
    return Error(db.path.string() + ": written by a newer posecast (schema version " +
                 std::to_string(*version) + ", this one knows " + std::to_string(kSchemaVersion) +
                 ")");
  if (*app != 0 && *app != kApplicationId)
    return Error(db.path.string() + ": " + not_ours + " (SQLite application_id " +
                 std::to_string(*app) + ")");

  // Create or migrate the schema, checking again inside the write lock: another process may
  // have just done it.
  Transaction tx(db);
  if (!tx.begun().ok()) return tx.begun();
  app = db.query_int("PRAGMA application_id", "cannot read it");
  if (!app) return app.error();
  version = db.query_int("PRAGMA user_version", "cannot read its version");
  if (!version) return version.error();
  if (*app == kApplicationId && *version == kSchemaVersion) return Status::Ok();
  int64_t from = *version;
  if (*app == 0) {
    Result<int64_t> tables =
        db.query_int("SELECT count(*) FROM sqlite_schema", "cannot list its tables");
    if (!tables) return tables.error();
    if (*tables > 0)
      return Error(db.path.string() + ": " + not_ours + " (an SQLite database of another program)");
    if (Status s = db.exec(kSchemaV1, "creating the schema"); !s.ok()) return s;
    from = 1;
  } else if (from < 1) {
    return Error(db.path.string() + ": " + not_ours + " (schema version " + std::to_string(from) +
                 ")");
  }
  for (int64_t v = from; v < kSchemaVersion; ++v)
    if (Status s =
            db.exec(kMigrations[v - 1], "migrating the schema from version " + std::to_string(v) +
                                            " to " + std::to_string(v + 1));
        !s.ok())
      return s;
  const std::string stamp = "PRAGMA application_id = " + std::to_string(kApplicationId) +
                            "; PRAGMA user_version = " + std::to_string(kSchemaVersion);
  if (Status s = db.exec(stamp.c_str(), "setting the schema version"); !s.ok()) return s;
  return tx.commit();
}

std::string column_text(sqlite3_stmt* s, int column) {
  const unsigned char* text = sqlite3_column_text(s, column);
  return text ? reinterpret_cast<const char*>(text) : "";
}

// Steps `query` (its one parameter: the session's id) and hands every row to `read_row`.
template <class ReadRow>
Status read_rows(Database& db, sqlite3_stmt* query, const PracticeSession& session,
                 const char* what, ReadRow read_row) {
  sqlite3_bind_int64(query, 1, session.id);
  int rc;
  while ((rc = sqlite3_step(query)) == SQLITE_ROW) read_row(query);
  sqlite3_reset(query);
  if (rc != SQLITE_DONE)
    return db.error(std::string("reading the ") + what + " of session " +
                    std::to_string(session.id));
  return Status::Ok();
}

Status read_holds(Database& db, PracticeSession& session) {
  return read_rows(db, db.select_holds.get(), session, "holds", [&](sqlite3_stmt* h) {
    HoldRecord hold;
    hold.pose = column_text(h, 0);
    hold.variant = column_text(h, 1);
    hold.start_unix_ms = sqlite3_column_int64(h, 2);
    hold.duration_s = sqlite3_column_double(h, 3);
    hold.best_score = static_cast<float>(sqlite3_column_double(h, 4));
    hold.mean_score = static_cast<float>(sqlite3_column_double(h, 5));
    hold.main_correction = column_text(h, 6);
    session.holds.push_back(std::move(hold));
  });
}

Status read_sets(Database& db, PracticeSession& session) {
  return read_rows(db, db.select_sets.get(), session, "sets", [&](sqlite3_stmt* q) {
    SetRecord set;
    set.exercise = column_text(q, 0);
    set.set = sqlite3_column_int(q, 1);
    set.reps = sqlite3_column_int(q, 2);
    set.partial_reps = sqlite3_column_int(q, 3);
    set.start_unix_ms = sqlite3_column_int64(q, 4);
    set.duration_s = sqlite3_column_double(q, 5);
    set.mean_score = static_cast<float>(sqlite3_column_double(q, 6));
    set.mean_range = static_cast<float>(sqlite3_column_double(q, 7));
    set.main_cue = column_text(q, 8);
    session.sets.push_back(std::move(set));
  });
}

constexpr std::pair<Statement Database::*, const char*> kStatements[] = {
    {&Database::insert_session,
     "INSERT INTO sessions (device, model, start_ms) VALUES (?1, ?2, ?3)"},
    {&Database::end_session, "UPDATE sessions SET end_ms = max(?2, start_ms) WHERE id = ?1"},
    {&Database::insert_hold,
     "INSERT INTO holds (session_id, pose, variant, start_ms, duration_s, best_score,"
     " mean_score, main_correction) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
    {&Database::select_sessions,
     "SELECT id, device, model, start_ms, end_ms FROM sessions"
     " WHERE (?2 = '' OR device = ?2) AND (?3 = 0 OR id = ?3)"
     " ORDER BY start_ms DESC, id DESC LIMIT ?1"},
    {&Database::select_holds,
     "SELECT pose, variant, start_ms, duration_s, best_score, mean_score, main_correction"
     " FROM holds WHERE session_id = ?1 ORDER BY start_ms, id"},
    {&Database::insert_set,
     "INSERT INTO sets (session_id, exercise, set_number, reps, partial_reps, start_ms,"
     " duration_s, mean_score, mean_range, main_cue)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
    {&Database::select_sets,
     "SELECT exercise, set_number, reps, partial_reps, start_ms, duration_s, mean_score,"
     " mean_range, main_cue FROM sets WHERE session_id = ?1 ORDER BY start_ms, id"},
    {&Database::select_devices, "SELECT DISTINCT device FROM sessions ORDER BY device"},
};

class SqlitePracticeStore final : public PracticeStore {
 public:
  explicit SqlitePracticeStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  Result<int64_t> start_session(const std::string& device, const std::string& model,
                                int64_t start_unix_ms) override {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = db_->insert_session.get();
    sqlite3_bind_text(s, 1, device.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, model.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, start_unix_ms);
    if (Status st = db_->step_done(s, "starting a session"); !st.ok()) return st.error();
    return static_cast<int64_t>(sqlite3_last_insert_rowid(db_->db));
  }

  Status end_session(int64_t session, int64_t end_unix_ms) override {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = db_->end_session.get();
    sqlite3_bind_int64(s, 1, session);
    sqlite3_bind_int64(s, 2, end_unix_ms);
    return db_->step_done(s, "ending session " + std::to_string(session));
  }

  Result<std::vector<PracticeSession>> sessions(const SessionQuery& query) const override;
  Result<std::vector<std::string>> devices() const override;
  std::string where() const override { return db_->path.string(); }

 protected:
  Status write_hold(int64_t session, const HoldRecord& hold) override {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = db_->insert_hold.get();
    sqlite3_bind_int64(s, 1, session);
    sqlite3_bind_text(s, 2, hold.pose.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, hold.variant.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, hold.start_unix_ms);
    sqlite3_bind_double(s, 5, hold.duration_s);
    sqlite3_bind_double(s, 6, hold.best_score);
    sqlite3_bind_double(s, 7, hold.mean_score);
    sqlite3_bind_text(s, 8, hold.main_correction.c_str(), -1, SQLITE_TRANSIENT);
    return db_->step_done(s, "recording a hold of \"" + hold.pose + "\"");
  }

  Status write_set(int64_t session, const SetRecord& set) override {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* s = db_->insert_set.get();
    sqlite3_bind_int64(s, 1, session);
    sqlite3_bind_text(s, 2, set.exercise.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 3, set.set);
    sqlite3_bind_int(s, 4, set.reps);
    sqlite3_bind_int(s, 5, set.partial_reps);
    sqlite3_bind_int64(s, 6, set.start_unix_ms);
    sqlite3_bind_double(s, 7, set.duration_s);
    sqlite3_bind_double(s, 8, set.mean_score);
    sqlite3_bind_double(s, 9, set.mean_range);
    sqlite3_bind_text(s, 10, set.main_cue.c_str(), -1, SQLITE_TRANSIENT);
    return db_->step_done(
        s, "recording set " + std::to_string(set.set) + " of \"" + set.exercise + "\"");
  }

 private:
  mutable std::mutex mutex_;
  std::unique_ptr<Database> db_;
};

Result<std::vector<PracticeSession>> SqlitePracticeStore::sessions(
    const SessionQuery& query) const {
  std::lock_guard lock(mutex_);
  // One read transaction: the sessions, their holds and sets from the same snapshot.
  Transaction tx(*db_, "BEGIN");
  if (!tx.begun().ok()) return tx.begun().error();
  std::vector<PracticeSession> result;
  sqlite3_stmt* s = db_->select_sessions.get();
  sqlite3_bind_int64(s, 1, query.limit > 0 ? query.limit : -1);  // LIMIT -1: no limit
  sqlite3_bind_text(s, 2, query.device.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 3, query.session);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    PracticeSession session;
    session.id = sqlite3_column_int64(s, 0);
    session.device = column_text(s, 1);
    session.model = column_text(s, 2);
    session.start_unix_ms = sqlite3_column_int64(s, 3);
    session.end_unix_ms = sqlite3_column_int64(s, 4);  // NULL reads as 0: open
    result.push_back(std::move(session));
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  if (rc != SQLITE_DONE) return db_->error("reading the sessions");

  for (PracticeSession& session : result) {
    if (Status st = read_holds(*db_, session); !st.ok()) return st.error();
    if (Status st = read_sets(*db_, session); !st.ok()) return st.error();
  }
  if (Status st = tx.commit(); !st.ok()) return st.error();
  return result;
}

Result<std::vector<std::string>> SqlitePracticeStore::devices() const {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* s = db_->select_devices.get();
  std::vector<std::string> list;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) list.push_back(column_text(s, 0));
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) return db_->error("listing the devices");
  return list;
}

}  // namespace

Result<std::unique_ptr<PracticeStore>> open_sqlite_store(const fs::path& path) {
  std::error_code ec;
  if (const fs::path dir = path.parent_path(); !dir.empty() && !fs::is_directory(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return Error(path.string() + ": cannot create its directory: " + ec.message());
  }
  auto db = std::make_unique<Database>();
  db->path = path;
  // Our own mutex serialises the connection, so SQLite's is not needed.
  const int rc =
      sqlite3_open_v2(path.c_str(), &db->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return db->error("cannot open");
  sqlite3_extended_result_codes(db->db, 1);
  sqlite3_busy_timeout(db->db, kBusyTimeoutMs);

  if (Status s = create_or_check_schema(*db); !s.ok()) return s.error();
  // WAL: `posecast history` reads while `posecast run` writes; NORMAL sync is durable at every
  // checkpoint and costs no fsync per hold.
  if (Status s = db->exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                          " PRAGMA foreign_keys = ON",
                          "setting up the connection");
      !s.ok())
    return s.error();
  for (const auto& [statement, sql] : kStatements)
    if (Status s = db->prepare((*db).*statement, sql); !s.ok()) return s.error();
  return std::unique_ptr<PracticeStore>(std::make_unique<SqlitePracticeStore>(std::move(db)));
}

}  // namespace posecast
