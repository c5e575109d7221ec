// Where practice sessions are kept: one interface with two implementations, an SQLite file (the
// device's history, and the class dashboard's by default) and a PostgreSQL database (the class
// dashboard of a studio that keeps many classes over years: `class --db postgresql://...`).
//
// A store only reads and writes rows. What a session, a hold and a set are, and what is valid,
// is decided once above it: PracticeStore's own checks, PracticeHistory (one device) and
// ClassResults (every student of a class). Schema: docs/history.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "posecast/practice_history.h"
#include "posecast/status.h"

namespace posecast {

struct SessionQuery {
  std::string device;   // "" = every device
  int64_t session = 0;  // > 0: this session alone
  int limit = 50;       // the newest `limit` sessions; <= 0: all
};

// Thread-safe: every implementation serialises its one connection.
class PracticeStore {
 public:
  virtual ~PracticeStore() = default;

  // A new open session; returns its id.
  virtual Result<int64_t> start_session(const std::string& device, const std::string& model,
                                        int64_t start_unix_ms) = 0;
  // Sets the end of `session` (not before its start).
  virtual Status end_session(int64_t session, int64_t end_unix_ms) = 0;
  // Check the record (a hold without a pose, negative or non-finite values: an Error, nothing
  // written), then add it to `session`.
  Status add_hold(int64_t session, const HoldRecord& hold);
  Status add_set(int64_t session, const SetRecord& set);
  // Newest first, each with its holds and sets in time order, read in one snapshot.
  virtual Result<std::vector<PracticeSession>> sessions(const SessionQuery& query) const = 0;
  // Every device with a session, by id.
  virtual Result<std::vector<std::string>> devices() const = 0;

  // False while the store cannot be reached (a database server away); the next call tries again.
  // A file is always reachable: its errors are not worth retrying.
  virtual bool reachable() const { return true; }
  // For messages: the file, or the database URL without its password.
  virtual std::string where() const = 0;

 protected:
  virtual Status write_hold(int64_t session, const HoldRecord& hold) = 0;
  virtual Status write_set(int64_t session, const SetRecord& set) = 0;
};

// Why `hold` or `set` cannot be stored (no pose or exercise, negative or non-finite values), or Ok.
Status check_hold(const HoldRecord& hold);
Status check_set(const SetRecord& set);

// The SQLite file `db` (practice_history.h's schema and rules: created when missing, migrated
// when older, refused when foreign or newer).
Result<std::unique_ptr<PracticeStore>> open_sqlite_store(const std::filesystem::path& db);
// "postgresql://user:password@host:port/dbname" (libpq's URI; "postgres://" too). Creates the
// tables when missing. A server that cannot be reached is an Error naming the URL.
Result<std::unique_ptr<PracticeStore>> open_postgres_store(const std::string& url);
// A postgresql:// or postgres:// URL, else a file path.
Result<std::unique_ptr<PracticeStore>> open_practice_store(const std::string& location);
bool is_postgres_url(const std::string& location);

}  // namespace posecast
