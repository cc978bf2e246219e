// The writeFile/readFile scripts, run against the local /bin/sh in a temp directory: the
// same argv the SSH transport sends, with the content on stdin.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "platform/remote_file_commands.h"

namespace piherd {
namespace {

std::string readFd(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

// Runs argv locally with `input` on stdin, like a transport would on the host.
CommandResult runLocal(const std::vector<std::string>& argv, const std::string& input) {
  int in[2], out[2], err[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0 || ::pipe(err) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) ::close(fd);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  std::thread writer([&] {
    size_t done = 0;
    while (done < input.size()) {
      ssize_t n = ::write(in[1], input.data() + done, input.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(in[1]);
  });
  std::string errText;
  std::thread errReader([&] { errText = readFd(err[0]); });
  CommandResult result;
  result.out = readFd(out[0]);
  writer.join();
  errReader.join();
  result.err = errText;
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class RemoteFileCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/piherd-rfc-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    user_ = ::getpwuid(::getuid())->pw_name;
    group_ = ::getgrgid(::getgid())->gr_name;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  FileSpec spec(const std::string& name, std::string content, mode_t mode = 0640) {
    return FileSpec{dir_ + "/" + name, std::move(content), mode, user_, group_};
  }
  Status write(const FileSpec& file) {
    auto argv = writeFileCommand(file);
    if (!argv) return tl::unexpected(argv.error());
    return writeFileOutcome(runLocal(*argv, file.content), "local", file.path);
  }
  std::vector<std::string> listing() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      names.push_back(e.path().filename());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string dir_, user_, group_;
};

TEST_F(RemoteFileCommandsTest, WritesContentModeAndOwnerAndLeavesNoTempFile) {
  std::string content("binary\0bytes\n\xff$(not run) `nor this`\n", 36);
  FileSpec file = spec("a.conf", content, 0640);
  ASSERT_TRUE(write(file));
  EXPECT_EQ(slurp(file.path), content);
  struct stat st {};
  ASSERT_EQ(::stat(file.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_uid, ::getuid());
  EXPECT_EQ(st.st_gid, ::getgid());
  EXPECT_EQ(listing(), std::vector<std::string>{"a.conf"});
}

TEST_F(RemoteFileCommandsTest, ReplacesByRenameSoOpenReadersKeepTheOldFile) {
  FileSpec file = spec("b", std::string(1 << 20, 'o'));
  ASSERT_TRUE(write(file));
  int reader = ::open(file.path.c_str(), O_RDONLY);
  ASSERT_GE(reader, 0);
  file.content = std::string(1 << 20, 'n');
  file.mode = 0600;
  ASSERT_TRUE(write(file));
  EXPECT_EQ(readFd(reader), std::string(1 << 20, 'o'));  // whole old file, never a mix
  ::close(reader);
  EXPECT_EQ(slurp(file.path), file.content);
  EXPECT_EQ(listing(), std::vector<std::string>{"b"});
}

TEST_F(RemoteFileCommandsTest, TruncatedInputIsNotInstalled) {
  FileSpec file = spec("c", "old");
  ASSERT_TRUE(write(file));
  file.content = "the full new content";
  auto argv = writeFileCommand(file).value();
  // The connection "dropped": only part of stdin arrived.
  auto st = writeFileOutcome(runLocal(argv, "the full"), "local", file.path);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("received 8 of 20 bytes"), std::string::npos)
      << st.error().message;
  EXPECT_EQ(slurp(file.path), "old");
  EXPECT_EQ(listing(), std::vector<std::string>{"c"});
}

TEST_F(RemoteFileCommandsTest, ADirectoryIsNotADestination) {
  std::filesystem::create_directory(dir_ + "/d");
  auto st = write(spec("d", "x"));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/d"));
  EXPECT_EQ(listing(), std::vector<std::string>{"d"});
}

TEST_F(RemoteFileCommandsTest, MissingParentDirectoriesAreCreated) {
  ASSERT_TRUE(write(spec("new/sub/e", "x")));
  EXPECT_EQ(slurp(dir_ + "/new/sub/e"), "x");
}

TEST_F(RemoteFileCommandsTest, AFailedWriteKeepsTheContentOutOfTheMessage) {
  ASSERT_TRUE(write(spec("plain", "")));  // a file where the parent directory should be
  auto st = write(spec("plain/e", "secret-token-123"));
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("cannot write " + dir_ + "/plain/e"), std::string::npos);
  EXPECT_EQ(st.error().message.find("secret-token-123"), std::string::npos);
}

TEST_F(RemoteFileCommandsTest, EmptyContentAndOddNames) {
  ASSERT_TRUE(write(spec("-dash 'quote' $x", "")));
  EXPECT_EQ(slurp(dir_ + "/-dash 'quote' $x"), "");
  EXPECT_EQ(listing(), std::vector<std::string>{"-dash 'quote' $x"});
}

TEST_F(RemoteFileCommandsTest, ReadsFilesAndReportsMissingOnesAsNotFound) {
  ASSERT_TRUE(write(spec("f", std::string("a\0b", 3))));
  auto read =
      readFileOutcome(runLocal(readFileCommand(dir_ + "/f").value(), ""), "local", dir_ + "/f");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, std::string("a\0b", 3));
  auto missing = readFileOutcome(runLocal(readFileCommand(dir_ + "/nope").value(), ""), "local",
                                 dir_ + "/nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos);
}

TEST_F(RemoteFileCommandsTest, RejectsBadSpecsBeforeRunningAnything) {
  EXPECT_EQ(writeFileCommand({"relative/path", "", 0644, "root", "root"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(writeFileCommand({"/etc/dir/", "", 0644, "root", "root"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(writeFileCommand({"/etc/x", "", 0644, "root:wheel", "root"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(writeFileCommand({"/etc/x", "", 0644, "-r", "root"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(writeFileCommand({"/etc/x", "", 010000, "root", "root"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(readFileCommand("etc/x").error().code, ErrorCode::kInvalidArgument);
}

TEST_F(RemoteFileCommandsTest, ContentNeverAppearsInTheCommand) {
  auto argv = writeFileCommand({"/etc/x", "hunter2-secret", 0600, "root", "root"}).value();
  for (const auto& word : argv) EXPECT_EQ(word.find("hunter2"), std::string::npos);
  EXPECT_EQ(argv.back(), "14");  // the size, so a truncated transfer is caught
}

}  // namespace
}  // namespace piherd
