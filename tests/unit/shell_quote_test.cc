// shellQuote/shellJoin against adversarial words. The strongest check runs the joined line
// through a real /bin/sh (locally, no network) and compares what the command received,
// byte for byte, with the argv we meant to pass.
#include "platform/shell_quote.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace piherd {
namespace {

// Runs `/bin/sh -c "printf '%s\0' " + line` and splits its output at NULs.
std::vector<std::string> shellRoundTrip(const std::string& line) {
  int out[2];
  EXPECT_EQ(::pipe(out), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    std::string script = "printf '%s\\0' " + line;
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string bytes;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) bytes.append(buf, static_cast<size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "sh failed on: " << line;
  std::vector<std::string> words;
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\0') {
      words.push_back(bytes.substr(start, i - start));
      start = i + 1;
    }
  }
  EXPECT_EQ(start, bytes.size()) << "output not NUL-terminated";
  return words;
}

const std::vector<std::string>& adversarialWords() {
  static const std::vector<std::string> kWords = {
      "",
      "plain",
      "two words",
      "'",
      "''",
      "it's",
      "'\\''",
      "\"double\"",
      "$(touch /tmp/piherd-pwned)",
      "`touch /tmp/piherd-pwned`",
      "$HOME",
      "${HOME}",
      "$((1+1))",
      "a;b",
      "a&&b",
      "a|b",
      "a>b",
      "<in",
      "line1\nline2",
      "\n",
      "trailing\n",
      "tab\there",
      "\r\n",
      "*",
      "/etc/*",
      "?",
      "[ab]",
      "{a,b}",
      "~",
      "~root",
      "-n",
      "--",
      "-e",
      "--help",
      "!",
      "!!",
      "#comment",
      "a#b",
      "\\",
      "back\\slash\\",
      "FOO=bar",
      "if",
      "%1",
      "h\xc3\xa9llo w\xc3\xb6rld",
      "\xe2\x82\xac \xf0\x9f\x90\x91",
      "\xff\xfe raw bytes",
      "\x01\x02\x1b[31m",
      std::string(10000, 'x') + "'" + std::string(10000, '"'),
  };
  return kWords;
}

TEST(ShellQuoteTest, EmptyStringIsAnEmptyWord) {
  EXPECT_EQ(shellQuote("").value(), "''");
}

TEST(ShellQuoteTest, SafeWordsStayBare) {
  EXPECT_EQ(shellQuote("sysctl").value(), "sysctl");
  EXPECT_EQ(shellQuote("/etc/sysctl.d/99-k8s.conf").value(), "/etc/sysctl.d/99-k8s.conf");
  EXPECT_EQ(shellQuote("-n").value(), "-n");
  EXPECT_EQ(shellQuote("net.ipv4.ip_forward").value(), "net.ipv4.ip_forward");
}

TEST(ShellQuoteTest, SpecialWordsAreQuoted) {
  EXPECT_EQ(shellQuote("it's").value(), "'it'\\''s'");
  EXPECT_EQ(shellQuote("$(id)").value(), "'$(id)'");
  EXPECT_EQ(shellQuote("a b").value(), "'a b'");
  EXPECT_EQ(shellQuote("FOO=bar").value(), "'FOO=bar'");  // not an assignment
  EXPECT_EQ(shellQuote("if").value(), "'if'");            // not a reserved word
  EXPECT_EQ(shellQuote("*").value(), "'*'");
}

TEST(ShellQuoteTest, NulIsRejected) {
  auto quoted = shellQuote(std::string("a\0b", 3));
  ASSERT_FALSE(quoted);
  EXPECT_EQ(quoted.error().code, ErrorCode::kInvalidArgument);
  auto joined = shellJoin({"echo", std::string("\0", 1)});
  ASSERT_FALSE(joined);
  EXPECT_EQ(joined.error().code, ErrorCode::kInvalidArgument);
}

TEST(ShellQuoteTest, EmptyArgvIsRejected) {
  auto joined = shellJoin({});
  ASSERT_FALSE(joined);
  EXPECT_EQ(joined.error().code, ErrorCode::kInvalidArgument);
}

TEST(ShellQuoteTest, EachAdversarialWordRoundTripsThroughSh) {
  ::unlink("/tmp/piherd-pwned");
  for (const std::string& word : adversarialWords()) {
    auto line = shellJoin({word});
    ASSERT_TRUE(line) << line.error().message;
    EXPECT_EQ(shellRoundTrip(*line), std::vector<std::string>{word}) << "word: " << word;
  }
  EXPECT_NE(::access("/tmp/piherd-pwned", F_OK), 0) << "a quoted word was executed";
}

TEST(ShellQuoteTest, WholeArgvRoundTripsThroughSh) {
  auto line = shellJoin(adversarialWords());
  ASSERT_TRUE(line);
  EXPECT_EQ(shellRoundTrip(*line), adversarialWords());
}

TEST(ShellQuoteTest, EveryByteValueRoundTrips) {
  std::string all;
  for (int c = 1; c < 256; ++c) all += static_cast<char>(c);
  auto line = shellJoin({all, "x" + all, all + "'"});
  ASSERT_TRUE(line);
  EXPECT_EQ(shellRoundTrip(*line), (std::vector<std::string>{all, "x" + all, all + "'"}));
}

TEST(ShellQuoteTest, JoinedWordsStaySeparate) {
  auto line = shellJoin({"a b", "", "c"});
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "'a b' '' c");
  EXPECT_EQ(shellRoundTrip(*line), (std::vector<std::string>{"a b", "", "c"}));
}

}  // namespace
}  // namespace piherd
