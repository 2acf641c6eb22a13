#include "tests/harness/pg_cluster.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "tests/harness/pg_session.h"

namespace walcast::testing {
namespace {

std::string RequireEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(
        std::string(name) +
        " is not set: run this test through ctest (tests/harness/with_cluster)");
  }
  return value;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

std::string SourceDir() { return RequireEnv("WALCAST_SOURCE_DIR"); }
std::string BinaryDir() { return RequireEnv("WALCAST_BINARY_DIR"); }
std::string SharedConnInfo() { return RequireEnv("WALCAST_TEST_PGURL"); }

std::string WithDatabase(const std::string& conninfo, const std::string& dbname) {
  auto pos = conninfo.find("dbname=");
  std::string base = pos == std::string::npos ? conninfo + " " : conninfo.substr(0, pos);
  return base + "dbname=" + dbname;
}

std::string CreateTestDatabase(const std::string& name) {
  PgSession admin(SharedConnInfo());
  admin.Exec("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
  admin.Exec("CREATE DATABASE \"" + name + "\"");
  return WithDatabase(SharedConnInfo(), name);
}

std::string RunClusterScript(const std::vector<std::string>& args) {
  std::string command = ShellQuote(SourceDir() + "/tests/harness/pg_cluster");
  for (const auto& arg : args) command += " " + ShellQuote(arg);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  std::string output;
  std::array<char, 512> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  int status = pclose(pipe);
  if (status != 0) {
    throw std::runtime_error("pg_cluster failed (" + std::to_string(WEXITSTATUS(status)) +
                             "): " + command);
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return output;
}

PgCluster::PgCluster(std::vector<std::string> settings) {
  static std::atomic<int> counter{0};
  dir_ = RequireEnv("WALCAST_TEST_TMPDIR") + "/cluster-" + std::to_string(counter++);
  std::vector<std::string> args{"init", dir_};
  for (auto& setting : settings) {
    args.push_back("-c");
    args.push_back(std::move(setting));
  }
  RunClusterScript(args);
  std::string url = RunClusterScript({"url", dir_});
  auto pos = url.find("port=");
  port_ = std::stoi(url.substr(pos + 5));
}

PgCluster::~PgCluster() {
  try {
    RunClusterScript({"destroy", dir_});
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
}

void PgCluster::Start() {
  std::string url = RunClusterScript({"start", dir_});
  port_ = std::stoi(url.substr(url.find("port=") + 5));
}

void PgCluster::Stop() { RunClusterScript({"stop", dir_}); }
void PgCluster::Kill() { RunClusterScript({"kill", dir_}); }
void PgCluster::CreateDatabase(const std::string& name) {
  RunClusterScript({"createdb", dir_, name});
}

std::string PgCluster::ConnInfo(const std::string& dbname) const {
  return RunClusterScript({"url", dir_, dbname});
}

}  // namespace walcast::testing
