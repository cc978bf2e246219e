#include "controller/cli.h"

#include <gtest/gtest.h>

namespace piherd {
namespace {

TEST(CliTest, ParsesCommandAndFlags) {
  auto o = parseCli({"apply", "-f", "a.yaml", "--filename=b", "--resync", "2m",
                     "--insecure-accept-new-host-keys", "--log-format", "json"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->command, "apply");
  EXPECT_EQ(o->manifests, (std::vector<std::string>{"a.yaml", "b"}));
  EXPECT_EQ(o->resyncSeconds, 120);
  EXPECT_TRUE(o->insecureAcceptNewHostKeys);
  EXPECT_EQ(o->logFormat, "json");
}

TEST(CliTest, RejectsUnknownFlagsAndBadValues) {
  EXPECT_FALSE(parseCli({"plan", "--nope"}));
  EXPECT_FALSE(parseCli({"plan", "-f"}));
  EXPECT_FALSE(parseCli({"run", "--resync", "soon"}));
  EXPECT_FALSE(parseCli({"run", "--log-format", "xml"}));
  EXPECT_FALSE(parseCli({"plan", "extra", "words"}));
}

TEST(CliTest, NoArgumentsMeansHelp) {
  auto o = parseCli({});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->command, "help");
}

}  // namespace
}  // namespace piherd
