// The hostile-manifest corpus (tests/corpus/manifests/, written by tests/corpus/generate.py):
// `piherd validate` rejects every case with exit 1 and a diagnostic naming the object and
// field (each case's "# expect:" lines), and every diagnostic is one line of plain text. The
// set each case breaks (tests/corpus/valid.yaml) is valid, so each case fails for its own
// reason. Huge and endless inputs are made here rather than checked in. Each case's
// expectations are its leading "# expect: TEXT" lines (JSON: in FILE.expect beside it).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace piherd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kCorpus = std::string(PIHERD_SOURCE_DIR) + "/tests/corpus";

struct CliRun {
  int exitCode = -1;
  std::string out, err;
  double seconds = 0;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Paths here are source and temp paths without spaces or quotes.
CliRun validate(const std::string& path) {
  std::string pattern = (fs::temp_directory_path() / "piherd-corpus-XXXXXX").string();
  std::string dir = mkdtemp(pattern.data());
  auto start = std::chrono::steady_clock::now();
  int status = std::system((std::string(PIHERD_BINARY) + " validate -f " + path + " >" + dir +
                            "/out 2>" + dir + "/err")
                               .c_str());
  CliRun r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir + "/out"), slurp(dir + "/err")};
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fs::remove_all(dir);
  return r;
}

std::vector<std::string> corpusFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kCorpus + "/manifests", ec)) {
    if (e.path().extension() != ".expect") files.push_back(e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> expectations(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line) && line.rfind("#", 0) == 0;) {
    if (line.rfind("# expect: ", 0) == 0) out.push_back(line.substr(10));
  }
  return out;
}

// Plain text: printable ASCII or UTF-8 continuation, and newlines ending diagnostics.
bool isPlainOutput(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return c == '\n' || (u >= 0x20 && u != 0x7f);
  });
}

TEST(HostileCorpusTest, TheCorpusIsThereAndItsBaseIsValid) {
  EXPECT_GE(corpusFiles().size(), 90u) << "tests/corpus/manifests is missing cases";
  CliRun r = validate(kCorpus + "/valid.yaml");
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

class HostileCorpusCase : public ::testing::TestWithParam<std::string> {};

TEST_P(HostileCorpusCase, IsRejectedNamingTheField) {
  const std::string path = kCorpus + "/manifests/" + GetParam();
  // A JSON case cannot hold comments: its expectations are in a sidecar FILE.expect.
  auto expected = expectations(slurp(fs::exists(path + ".expect") ? path + ".expect" : path));
  ASSERT_FALSE(expected.empty()) << path << " has no \"# expect:\" line";
  CliRun r = validate(path);
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  for (const auto& e : expected) EXPECT_THAT(r.err, HasSubstr(e));
  EXPECT_TRUE(isPlainOutput(r.err)) << "a diagnostic carries control bytes: " << r.err;
  EXPECT_LT(r.seconds, 60.0);  // bounded, even for the alias bomb on a loaded machine
}

INSTANTIATE_TEST_SUITE_P(Corpus, HostileCorpusCase, ::testing::ValuesIn(corpusFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(HostileCorpusTest, AHugeFileIsRefusedUnparsed) {
  std::string pattern = (fs::temp_directory_path() / "piherd-huge-XXXXXX").string();
  std::string dir = mkdtemp(pattern.data());
  {
    std::ofstream out(dir + "/huge.yaml");
    out << slurp(kCorpus + "/valid.yaml");
    std::string padding = "# " + std::string(1022, 'x') + "\n";
    for (int i = 0; i < 5 * 1024; ++i) out << padding;  // 5 MiB: over the 4 MiB cap
  }
  CliRun r = validate(dir + "/huge.yaml");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr(dir + "/huge.yaml: larger than 4 MiB; refused unread"));
  fs::remove_all(dir);
}

TEST(HostileCorpusTest, AnEndlessFileIsCutAtTheCap) {
  CliRun r = validate("/dev/zero");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr("/dev/zero: larger than 4 MiB"));
  EXPECT_LT(r.seconds, 10.0);
}

}  // namespace
}  // namespace piherd
