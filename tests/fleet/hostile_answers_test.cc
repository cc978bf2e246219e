// Hosts that answer badly, on real hosts over real SSH: an endless answer is cut at the
// output cap, a slow one by the command timeout (never a hang), and a host whose tools lie
// (a dpkg-query that prints shell) fails its own observation, closed and with a clear error,
// while another host is observed as usual. The connection survives all of it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "platform/ssh_transport.h"
#include "reconcilers/observation.h"
#include "tests/fleet/transport_fixture.h"

namespace piherd::fleet {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST_F(TransportFleetTest, EndlessOutputIsCutAtTheCapAndTheConnectionKept) {
  SshTransport t(target(3));
  ExecOptions options;
  options.maxOutputBytes = 1024 * 1024;
  options.timeout = 60s;
  auto start = std::chrono::steady_clock::now();
  auto r = t.run({"yes"}, options);
  ASSERT_FALSE(r) << "an endless answer came back whole";
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition) << r.error().message;
  EXPECT_THAT(r.error().message, HasSubstr("more than 1048576 bytes of output"));
  EXPECT_LT(secondsSince(start), 15.0);
  auto again = t.run({"cat", "/etc/hostname"});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->out, host(3).name + "\n");
  EXPECT_EQ(t.connectCount(), 1);
}

TEST_F(TransportFleetTest, ASlowAnswerIsCutByTheTimeout) {
  SshTransport t(target(3));
  ExecOptions options;
  options.timeout = 2s;
  auto start = std::chrono::steady_clock::now();
  auto r = t.run({"sh", "-c", "printf partial; sleep 60"}, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded) << r.error().message;
  EXPECT_LT(secondsSince(start), 8.0);  // the timeout, plus at most the 3 s liveness probe
  auto again = t.run({"true"});
  ASSERT_TRUE(again) << again.error().message;
}

TEST_F(TransportFleetTest, ALyingHostFailsItsOwnObservationOnly) {
  SshTransport liar(target(4)), honest(target(3));
  const std::string fake = "/usr/local/bin/dpkg-query";  // ahead of /usr/bin in root's PATH
  ASSERT_TRUE(liar.writeFile({.path = fake,
                              .content = "#!/bin/sh\nprintf 'installed 1.34.2;reboot'\n",
                              .mode = 0755}));
  struct Remove {
    SshTransport& t;
    std::string path;
    ~Remove() { EXPECT_TRUE(t.run({"rm", "-f", path})); }
  } remove{liar, fake};

  QuerySet q;
  q.add(QueryKind::kPackage, "dpkg");
  q.add(QueryKind::kFile, "/etc/hostname");
  auto lie = observeHost(liar, q);
  ASSERT_FALSE(lie) << "a version with shell in it was accepted";
  EXPECT_EQ(lie.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(lie.error().message, HasSubstr(host(4).name + ": observation answer refused: "
                                             "package dpkg: status \"installed 1.34.2;reboot\""));

  auto truth = observeHost(honest, q);
  ASSERT_TRUE(truth) << truth.error().message;
  EXPECT_TRUE(truth->package("dpkg").installed);
  EXPECT_EQ(truth->file("/etc/hostname").content, host(3).name + "\n");
}

}  // namespace
}  // namespace piherd::fleet
