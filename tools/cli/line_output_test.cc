#include "tools/cli/line_output.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <string>

namespace walcast::cli {
namespace {

std::string Drain(int fd) {
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) out.append(buffer, n);
  return out;
}

TEST(LineOutput, BuffersUntilFlushThenWritesEveryLineInOrder) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  {
    LineOutput out(fds[1], /*flush_each_line=*/false);
    EXPECT_TRUE(out.WriteLine("one"));
    EXPECT_TRUE(out.WriteLine("two"));
    EXPECT_EQ(Drain(fds[0]), "") << "nothing written before a flush";
    EXPECT_TRUE(out.HasPending());
    EXPECT_TRUE(out.Flush());
    EXPECT_EQ(Drain(fds[0]), "one\ntwo\n");
    EXPECT_TRUE(out.WriteLine("three"));
  }
  EXPECT_EQ(Drain(fds[0]), "three\n") << "the destructor flushes";
  close(fds[0]);
  close(fds[1]);
}

TEST(LineOutput, FlushEachLineForATerminal) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  LineOutput out(fds[1], /*flush_each_line=*/true);
  out.WriteLine("now");
  EXPECT_EQ(Drain(fds[0]), "now\n");
  close(fds[0]);
  close(fds[1]);
}

TEST(LineOutput, AClosedReaderIsAFailureNotACrash) {
  signal(SIGPIPE, SIG_IGN);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);
  LineOutput out(fds[1], false);
  out.WriteLine("lost");
  EXPECT_FALSE(out.Flush());
  EXPECT_TRUE(out.Failed());
  EXPECT_FALSE(out.WriteLine("more"));
  close(fds[1]);
}

}  // namespace
}  // namespace walcast::cli
