// PgCluster: a throwaway PostgreSQL 15 cluster owned by one test, driven through the
// tests/harness/pg_cluster script (the same script the demo uses).
//
// Tests run under tests/harness/with_cluster, which provides one shared cluster
// (SharedConnInfo) and removes every cluster under WALCAST_TEST_TMPDIR when the test binary ends,
// even after a crash. A test that needs its own cluster (to stop, restart or configure it) makes a
// PgCluster; the destructor destroys it. Not thread-safe; use from the test's thread.
#pragma once

#include <string>
#include <vector>

namespace walcast::testing {

// Conninfo of the shared cluster of this test binary (`postgres` database); fails the test if the
// binary was not started by with_cluster.
std::string SharedConnInfo();

// Same server, another database.
std::string WithDatabase(const std::string& conninfo, const std::string& dbname);

// Creates a fresh empty database on the shared cluster and returns its conninfo. Each test that
// writes gets its own database, so tests in one binary do not see each other's rows.
std::string CreateTestDatabase(const std::string& name);

class PgCluster {
 public:
  // initdb a new cluster under WALCAST_TEST_TMPDIR and pick its port; nothing runs yet.
  // `settings` are postgresql.conf lines such as "wal_level = replica".
  explicit PgCluster(std::vector<std::string> settings = {});
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  void Start();  // waits until it accepts connections
  void Stop();   // fast shutdown
  void Kill();   // immediate shutdown, as after a crash
  void CreateDatabase(const std::string& name);

  int Port() const { return port_; }
  std::string ConnInfo(const std::string& dbname = "postgres") const;
  const std::string& Dir() const { return dir_; }

 private:
  std::string dir_;
  int port_ = 0;
};

// Runs tests/harness/pg_cluster with the given arguments; returns its stdout (trimmed) and fails
// the test on a non-zero exit.
std::string RunClusterScript(const std::vector<std::string>& args);

// The source and build directories (CTest sets WALCAST_SOURCE_DIR / WALCAST_BINARY_DIR).
std::string SourceDir();
std::string BinaryDir();

}  // namespace walcast::testing
