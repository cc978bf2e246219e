// Nothing reaches a host from hostile manifests: `piherd plan` and `piherd apply` on a set
// whose machines point at a listening socket of this test (at a local, non-loopback address
// of this machine, with the Cluster's SSH port set to the socket's) make no connection to
// it when one value in the set is hostile. The same set made valid does connect (the
// socket closes each connection, so the run fails fast): the count would see a leak.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

namespace piherd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Accepts and closes connections on 0.0.0.0:<ephemeral port>, counting them.
class CountingListener {
 public:
  CountingListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t len = sizeof a;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      close(fd_);
      fd_ = -1;
      return;
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 50) > 0) {
          int c = accept(fd_, nullptr, nullptr);
          if (c >= 0) {
            ++count_;
            close(c);
          }
        }
      }
    });
  }
  ~CountingListener() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
  }
  int port() const { return port_; }
  int count() const { return count_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> count_{0};
  std::thread thread_;
};

// A non-loopback IPv4 address of this machine outside the networks the manifest uses.
std::optional<uint32_t> localAddress() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return std::nullopt;
  std::optional<uint32_t> found;
  for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    uint32_t a = ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr);
    uint32_t last = a & 0xff;
    bool loopback = (a >> 24) == 127, ours = (a >> 16) == ((172u << 8) | 30) ||
                                             (a >> 16) == ((172u << 8) | 31);
    if (!loopback && !ours && last != 0 && last < 250) found = a;
  }
  freeifaddrs(list);
  return found;
}

std::string dotted(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." +
         std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
}

class HostileCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "piherd-hostile-cli-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    auto address = localAddress();
    ASSERT_TRUE(address) << "this machine has no non-loopback IPv4 address to listen on";
    ASSERT_GT(listener_.port(), 0);
    machine_ = dotted(*address);
    vip_ = dotted((*address & ~0xffu) | 250);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The set: one control plane at this machine's address, SSH on the listener's port.
  void writeSet(const std::string& sysctlValue, const std::string& interface) {
    std::ofstream(dir_ + "/set.yaml")
        << "apiVersion: piherd.io/v1alpha1\nkind: Cluster\nmetadata: {name: home}\nspec:\n"
        << "  kubernetesVersion: \"1.34.2\"\n  controlPlaneEndpoint: \"" << vip_ << ":6443\"\n"
        << "  networking: {podSubnet: 172.30.0.0/16, serviceSubnet: 172.31.0.0/16}\n"
        << "  kernel:\n    sysctls:\n      vm.swappiness: '" << sysctlValue << "'\n"
        << "  ssh: {user: root, port: " << listener_.port() << ", privateKeyFile: " << dir_
        << "/id, knownHostsFile: " << dir_ << "/known_hosts}\n---\n"
        << "apiVersion: piherd.io/v1alpha1\nkind: VirtualIP\nmetadata: {name: api}\nspec:\n"
        << "  {cluster: home, address: " << vip_ << "/24, interface: '" << interface
        << "', virtualRouterID: 51}\n---\n"
        << "apiVersion: piherd.io/v1alpha1\nkind: Machine\nmetadata: {name: m1}\nspec:\n"
        << "  {cluster: home, role: control-plane, address: " << machine_ << "}\n";
  }

  int piherd(const std::string& command, std::string* err = nullptr) {
    std::string errFile = dir_ + "/.err";
    int status = std::system((std::string(PIHERD_BINARY) + " " + command + " -f " + dir_ +
                              "/set.yaml >/dev/null 2>" + errFile)
                                 .c_str());
    if (err) {
      std::ifstream in(errFile);
      std::stringstream s;
      s << in.rdbuf();
      *err = s.str();
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string dir_, machine_, vip_;
  CountingListener listener_;
};

TEST_F(HostileCliTest, HostileValuesReachNoHostButTheValidSetDoes) {
  struct Case {
    std::string sysctl, interface, field;
  };
  for (const Case& c : {Case{"1`reboot`", "eth0", "Cluster/home: spec.kernel.sysctls[vm.swappiness]"},
                        Case{"1", "eth0;reboot", "VirtualIP/api: spec.interface"},
                        Case{"$(touch /tmp/x)", "e$(x)", "spec.kernel.sysctls[vm.swappiness]"}}) {
    writeSet(c.sysctl, c.interface);
    for (const char* command : {"plan", "apply"}) {
      SCOPED_TRACE(std::string(command) + " with " + c.field);
      std::string err;
      EXPECT_EQ(piherd(command, &err), 1);
      EXPECT_THAT(err, HasSubstr(c.field));
      EXPECT_THAT(err, HasSubstr("no host was touched"));
      EXPECT_EQ(listener_.count(), 0) << "a hostile manifest reached the host";
    }
  }
  // The control: the same set, valid, is planned, and its host is connected to.
  writeSet("10", "eth0");
  std::string err;
  EXPECT_EQ(piherd("validate", &err), 0) << err;
  EXPECT_EQ(piherd("plan", &err), 1) << err;  // the listener hangs up: the host is unreachable
  for (int i = 0; i < 40 && listener_.count() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(listener_.count(), 1) << "the valid set never connected: the count proves nothing";
}

}  // namespace
}  // namespace piherd
