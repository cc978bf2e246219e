// The VIP facet's pure parts: the desired instances from the manifests (priorities, peers,
// password), keepalived's config (checked by the real `keepalived -t` when installed), the
// plan table (fresh, converged, drift, reload vs start), redaction, and the VIP status.
#include <gtest/gtest.h>
#include <net/if.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "controller/vip_desired.h"
#include "controller/vip_status.h"
#include "facts_builder.h"
#include "reconcilers/keepalived_config.h"
#include "reconcilers/vip_facet.h"

namespace piherd {
namespace {

using testing::FactsBuilder;

LoadResult seed() {
  LoadResult r = loadValidatedManifests({std::string(PIHERD_SOURCE_DIR) + "/examples/seed-8pi"});
  EXPECT_TRUE(r.ok());
  return r;
}

Result<std::string> noFile(const std::string& path) {
  return makeError(ErrorCode::kNotFound, path);
}
Result<std::string> passwordFile(const std::string&) { return std::string("s3cr3t!x\n"); }
Result<std::string> goodPassword(const std::string&) { return std::string("s3cr3tpw\n"); }

VipInstance instance(int priority = 200) {
  return {.name = "apiserver", .address = "192.168.3.10", .port = 6443, .interface = "eth0",
          .virtualRouterId = 51, .vrrpVersion = 2, .advertIntervalSeconds = 1,
          .sourceAddress = "192.168.3.11", .peers = {"192.168.3.12", "192.168.3.13"},
          .priority = priority};
}

HostDesired cp(std::vector<VipInstance> vips = {instance()}) {
  HostDesired d;
  d.machine = "master01";
  d.controlPlane = true;
  d.vips = std::move(vips);
  return d;
}

FactsBuilder converged(const HostDesired& d, const std::string& state = "BACKUP") {
  FactsBuilder b;
  b.package("keepalived", "1:2.2.7-1+b2").package("curl", "7.88.1-10")
      .file(kKeepalivedConfig, keepalivedConfig(d.vips), "600")
      .file(kKeepalivedNotifyScript, keepalivedNotifyScript(), "755")
      .unit("keepalived", "active", "enabled")
      .address("eth0", "192.168.3.11/24")
      .file(vrrpStateFile("apiserver"), state + "\n");
  return b;
}

std::vector<std::string> headlines(const FacetPlan& p) {
  std::vector<std::string> out;
  for (const auto& a : p.actions) {
    std::string d = describeAction(a);
    out.push_back(d.substr(0, d.find('\n')));
  }
  return out;
}

TEST(VipDesiredTest, InitControlPlaneFirstByNameHighestAndPeersAreTheOthers) {
  LoadResult r = seed();
  auto cps = controlPlanesByPriority(r.set);
  ASSERT_EQ(cps.size(), 3u);
  EXPECT_EQ(cps[0]->metadata.name, "master01");
  std::vector<int> priorities;
  for (const Machine* m : cps) {
    auto v = vipInstancesFor(r.set, *m, noFile);
    ASSERT_TRUE(v) << v.error().message;
    ASSERT_EQ(v->size(), 1u);
    priorities.push_back((*v)[0].priority);
    EXPECT_EQ((*v)[0].sourceAddress, m->spec.address);
    EXPECT_EQ((*v)[0].peers.size(), 2u);
    for (const auto& p : (*v)[0].peers) EXPECT_NE(p, m->spec.address);
  }
  EXPECT_EQ(priorities, (std::vector<int>{200, 199, 198}));
  // Every host with a dead apiserver sinks below every host with a live one.
  EXPECT_LT(priorities[0] - kVipTrackWeight, priorities[2]);
  // A worker gets no instance.
  auto worker = vipInstancesFor(r.set, *r.set.findMachine("node01"), noFile);
  ASSERT_TRUE(worker);
  EXPECT_TRUE(worker->empty());
}

TEST(VipDesiredTest, AddingAControlPlaneUpdatesEveryPeerList) {
  LoadResult r = seed();
  Machine extra = *r.set.findMachine("master03");
  extra.metadata.name = "master04";
  extra.spec.address = "192.168.3.14";
  r.set.machines.push_back(extra);
  for (const Machine* m : r.set.controlPlanes()) {
    auto v = vipInstancesFor(r.set, *m, noFile);
    ASSERT_TRUE(v);
    EXPECT_EQ((*v)[0].peers.size(), 3u) << m->metadata.name;
  }
}

TEST(VipDesiredTest, PasswordIsReadAndCheckedWithoutBeingQuoted) {
  LoadResult r = seed();
  r.set.vips[0].spec.authPasswordFile = "vrrp.pass";
  const Machine& m = *r.set.findMachine("master01");
  auto bad = vipInstancesFor(r.set, m, passwordFile);  // '!' starts a comment in keepalived.conf
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.find("s3cr3t"), std::string::npos) << bad.error().message;
  auto missing = vipInstancesFor(r.set, m, noFile);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("VirtualIP/apiserver: spec.authPasswordFile"),
            std::string::npos);
  auto good = vipInstancesFor(r.set, m, goodPassword);
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ((*good)[0].authPassword, "s3cr3tpw");
  EXPECT_FALSE(checkVrrpPassword("123456789"));
  EXPECT_FALSE(checkVrrpPassword("a b"));
  EXPECT_FALSE(checkVrrpPassword("ab\nvrrp"));
  EXPECT_TRUE(checkVrrpPassword("Ab1-_.@"));
}

TEST(KeepalivedConfigTest, OneInstanceWithUnicastPeersTrackScriptAndVip) {
  std::string c = keepalivedConfig({instance()});
  for (const char* want :
       {"vrrp_instance piherd_apiserver {\n", "    interface eth0\n", "    virtual_router_id 51\n",
        "    version 2\n", "    priority 200\n", "    advert_int 1\n",
        "    unicast_src_ip 192.168.3.11\n",
        "    unicast_peer {\n        192.168.3.12\n        192.168.3.13\n    }\n",
        "        192.168.3.10/32 dev eth0\n", "    weight -100\n",
        "https://127.0.0.1:6443/readyz", "    state BACKUP\n"}) {
    EXPECT_NE(c.find(want), std::string::npos) << want << "\n" << c;
  }
  EXPECT_EQ(c.find("authentication"), std::string::npos);
  EXPECT_EQ(c.find("preempt_delay"), std::string::npos);
  EXPECT_EQ(c.find("down_timer_adverts"), std::string::npos);
  EXPECT_EQ(keepalivedConfig({instance()}), c);  // deterministic
}

TEST(KeepalivedConfigTest, FastProfileHasPreemptDelayAndHysteresis) {
  VipInstance v = instance();
  v.vrrpVersion = 3;
  v.advertIntervalSeconds = 0.2;
  std::string c = keepalivedConfig({v});
  EXPECT_NE(c.find("    version 3\n"), std::string::npos);
  EXPECT_NE(c.find("    advert_int 0.2\n"), std::string::npos);
  EXPECT_NE(c.find("    preempt_delay 5\n    down_timer_adverts 4\n"), std::string::npos);
  EXPECT_NE(c.find("    fall 3\n    rise 5\n"), std::string::npos);
}

// The real keepalived judges the config, when it is installed on this machine.
TEST(KeepalivedConfigTest, RealKeepalivedAcceptsTheConfig) {
  if (std::system("command -v keepalived >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "keepalived is not installed here (scripts/install-deps.sh installs it)";
  }
  // keepalived -t wants an interface that exists here, is not loopback, and can multicast
  // (the instance without peers uses multicast): not an ifb device of the fleet's loss tests.
  std::string iface;
  for (const auto& e : std::filesystem::directory_iterator("/sys/class/net")) {
    unsigned long flags = 0;
    std::ifstream(e.path() / "flags") >> std::hex >> flags;
    std::string name = e.path().filename().string();
    if (!(flags & IFF_LOOPBACK) && (flags & IFF_MULTICAST) && (iface.empty() || name < iface)) {
      iface = name;
    }
  }
  ASSERT_FALSE(iface.empty()) << "no multicast interface other than loopback in /sys/class/net";
  VipInstance pass = instance();
  pass.interface = iface;
  pass.authPassword = "s3cr3tpw";
  VipInstance fast = instance();
  fast.name = "fast";
  fast.virtualRouterId = 52;
  fast.vrrpVersion = 3;
  fast.advertIntervalSeconds = 0.2;
  fast.address = "192.168.3.20";
  fast.authPassword.clear();
  // A cluster with one control plane: no peer, so no unicast keyword at all.
  VipInstance alone = instance();
  alone.name = "alone";
  alone.interface = iface;
  alone.virtualRouterId = 53;
  alone.address = "192.168.3.30";
  alone.peers.clear();
  EXPECT_EQ(keepalivedConfig({alone}).find("unicast"), std::string::npos);
  auto dir = std::filesystem::temp_directory_path() / ("piherd-ka-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "k.conf") << keepalivedConfig({pass, fast, alone});
  std::string cmd = "keepalived -t -f " + (dir / "k.conf").string() + " >" +
                    (dir / "out").string() + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream out(dir / "out");
  std::string text((std::istreambuf_iterator<char>(out)), {});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(rc, 0) << text;
}

TEST(VipFacetTest, FreshHostInstallsWritesChecksEnablesAndStarts) {
  HostDesired d = cp();
  FacetPlan p = VipFacet().plan(d, FactsBuilder().unit("keepalived", "inactive", "").build());
  auto h = headlines(p);
  ASSERT_EQ(h.size(), 5u);
  EXPECT_EQ(h[0], "install keepalived, curl");
  EXPECT_EQ(h[1], "create /etc/keepalived/piherd-notify.sh");
  EXPECT_EQ(h[2], "create /etc/keepalived/keepalived.conf (checked with keepalived -t first)  [disruptive]");
  EXPECT_EQ(h[3], "systemctl enable keepalived");
  EXPECT_EQ(h[4], "systemctl start keepalived  [disruptive]");
  EXPECT_TRUE(isDisruptive(p.actions[2]));
  EXPECT_TRUE(isDisruptive(p.actions[4]));
  EXPECT_FALSE(isDisruptive(p.actions[3]));
}

TEST(VipFacetTest, ConvergedHostPlansNothingAndWorkersAreLeftOut) {
  HostDesired d = cp();
  EXPECT_TRUE(VipFacet().plan(d, converged(d).build()).empty());
  HostDesired worker;
  EXPECT_FALSE(VipFacet().appliesTo(worker));
  EXPECT_TRUE(VipFacet().appliesTo(d));
}

TEST(VipFacetTest, EditedConfigIsRewrittenAndReloadedNotRestarted) {
  HostDesired d = cp();
  std::string edited = keepalivedConfig(d.vips);
  edited.replace(edited.find("priority 200"), 12, "priority 250");
  auto facts = converged(d).file(kKeepalivedConfig, edited, "600").build();
  auto h = headlines(VipFacet().plan(d, facts));
  EXPECT_EQ(h, (std::vector<std::string>{
                   "update /etc/keepalived/keepalived.conf (checked with keepalived -t first)  [disruptive]",
                   "systemctl reload keepalived  [disruptive]"}));
}

TEST(VipFacetTest, StoppedKeepalivedIsStartedOnly) {
  HostDesired d = cp();
  auto h = headlines(VipFacet().plan(d, converged(d).unit("keepalived", "inactive", "enabled").build()));
  EXPECT_EQ(h, (std::vector<std::string>{"systemctl start keepalived  [disruptive]"}));
}

TEST(VipFacetTest, AMasterWithoutItsAddressGetsItBack) {
  HostDesired d = cp();
  auto h = headlines(VipFacet().plan(d, converged(d, "MASTER").build()));
  EXPECT_EQ(h, (std::vector<std::string>{
                   "ip addr add 192.168.3.10/32 dev eth0 (the VRRP master lost its VIP)"}));
  auto holding = converged(d, "MASTER").address("eth0", "192.168.3.10/32").build();
  EXPECT_TRUE(VipFacet().plan(d, holding).empty());
  EXPECT_TRUE(VipFacet().plan(d, converged(d, "BACKUP").build()).empty());
}

TEST(VipFacetTest, ThePasswordNeverAppearsInThePlan) {
  HostDesired d = cp();
  d.vips[0].authPassword = "s3cr3tpw";
  FacetPlan p = VipFacet().plan(d, FactsBuilder().unit("keepalived", "active", "enabled").build());
  std::string all;
  for (const auto& a : p.actions) all += describeAction(a);
  EXPECT_EQ(all.find("s3cr3tpw"), std::string::npos) << all;
  EXPECT_NE(all.find("VRRP password set, not shown"), std::string::npos) << all;
  EXPECT_NE(all.find("auth_pass (secret, not shown)"), std::string::npos) << all;
  // The host does get it, in the config content sent on stdin.
  auto* write = std::get_if<KeepalivedConfigAction>(&p.actions[2]);
  ASSERT_NE(write, nullptr);
  EXPECT_NE(write->content.find("auth_pass s3cr3tpw\n"), std::string::npos);
}

// ---- status ----

VirtualIP vip() {
  VirtualIP v;
  v.metadata.name = "apiserver";
  v.spec.address = "192.168.3.10/24";
  v.spec.port = 6443;
  return v;
}

VipProbeResult ok() { return {.tcp = true, .tls = true, .verified = true}; }
VipProbeResult refused() { return {.detail = "TCP: Connection refused"}; }

std::vector<VipHostView> held(std::vector<std::string> holders) {
  std::vector<VipHostView> out;
  for (std::string m : {"master01", "master02", "master03"}) {
    bool h = std::find(holders.begin(), holders.end(), m) != holders.end();
    out.push_back({.machine = m, .observed = true, .holds = h});
  }
  return out;
}

const Condition& cond(const VirtualIPStatus& s, std::string_view type) {
  for (const auto& c : s.conditions) {
    if (c.type == type) return c;
  }
  static Condition none;
  return none;
}

TEST(VipStatusTest, NotReachableYetBeforeAnyApiserverThenAvailable) {
  auto s1 = nextVipStatus(vip(), {}, held({"master01"}), refused(), "t1");
  EXPECT_EQ(s1.holders, (std::vector<std::string>{"master01"}));
  EXPECT_EQ(cond(s1, kConditionAvailable).reason, "NotReachableYet");
  EXPECT_EQ(cond(s1, kConditionSplitBrain).status, "False");
  auto s2 = nextVipStatus(vip(), s1, held({"master01"}), ok(), "t2");
  EXPECT_EQ(cond(s2, kConditionAvailable).status, "True");
  EXPECT_EQ(cond(s2, kConditionAvailable).lastTransitionTime, "t2");
  EXPECT_TRUE(*s2.reachable);
  // Once it was reachable, not answering is an alarm.
  auto s3 = nextVipStatus(vip(), s2, held({"master01"}), refused(), "t3");
  EXPECT_EQ(cond(s3, kConditionAvailable).reason, "Unreachable");
  EXPECT_EQ(s3.failovers, 0);
}

TEST(VipStatusTest, FailoversAreCountedAcrossGapsAndSplitBrainIsReported) {
  auto s1 = nextVipStatus(vip(), {}, held({"master01"}), ok(), "t1");
  auto gap = nextVipStatus(vip(), s1, held({}), ok(), "t2");
  EXPECT_EQ(cond(gap, kConditionAvailable).reason, "NoHolder");
  auto s2 = nextVipStatus(vip(), gap, held({"master02"}), ok(), "t3");
  EXPECT_EQ(s2.failovers, 1);
  EXPECT_EQ(s2.lastFailoverTime, "t3");
  auto split = nextVipStatus(vip(), s2, held({"master01", "master02"}), ok(), "t4");
  EXPECT_EQ(cond(split, kConditionSplitBrain).status, "True");
  EXPECT_EQ(cond(split, kConditionAvailable).status, "False");
  EXPECT_EQ(split.holders.size(), 2u);
  auto back = nextVipStatus(vip(), split, held({"master02"}), ok(), "t5");
  EXPECT_EQ(back.failovers, 1);  // the same holder as before the split
  EXPECT_EQ(cond(back, kConditionSplitBrain).status, "False");
  VirtualIP v = vip();
  v.status = back;
  VipMetrics m = vipMetrics(v);
  EXPECT_EQ(m.holders, 1);
  EXPECT_EQ(m.reachable, 1);
  EXPECT_EQ(m.failoversTotal, 1);
}

}  // namespace
}  // namespace piherd
