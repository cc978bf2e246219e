// The string formats of the field tables (api/string_formats.h): every spec string that can
// reach a host declares one, each format accepts what hosts and Kubernetes take and refuses
// shell metacharacters, and docs/api.md lists every format.
#include "api/string_formats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "api/crd_schema.h"
#include "api/field_schema.h"

namespace piherd {
namespace {

// Every string-valued place under `fields` (strings, string array items, string map keys and
// values) that has neither a format nor an enumeration.
void collectUnchecked(const std::vector<FieldSchema>& fields, const std::string& prefix,
                      std::vector<std::string>& out) {
  for (const auto& f : fields) {
    std::string path = prefix.empty() ? f.name : prefix + "." + f.name;
    bool unchecked = f.format == StringFormat::kNone && f.enumValues.empty();
    if (f.type == FieldType::kString && unchecked) out.push_back(path);
    if (f.type == FieldType::kArray && f.itemType == FieldType::kString && unchecked) {
      out.push_back(path + "[]");
    }
    if (f.type == FieldType::kStringMap) {
      if (f.keyFormat == StringFormat::kNone) out.push_back(path + " (keys)");
      if (unchecked) out.push_back(path + " (values)");
    }
    collectUnchecked(f.fields, f.type == FieldType::kArray ? path + "[]" : path, out);
  }
}

class EveryStringHasAFormat : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryStringHasAFormat, SpecAndMetadataName) {
  std::vector<std::string> unchecked;
  for (const auto& top : kindFields(GetParam())) {
    if (top.name == "spec") collectUnchecked(top.fields, "spec", unchecked);
    if (top.name == "metadata") {
      const FieldSchema* name = findField(top.fields, "name");
      ASSERT_NE(name, nullptr);
      EXPECT_EQ(name->format, StringFormat::kObjectName);
    }
  }
  EXPECT_THAT(unchecked, ::testing::IsEmpty())
      << "give these fields a .format (api/string_formats.h) in their field table";
}

INSTANTIATE_TEST_SUITE_P(Kinds, EveryStringHasAFormat,
                         ::testing::Values("Cluster", "Machine", "VirtualIP"));

TEST(StringFormatsTest, DocsListEveryFormat) {
  std::ifstream in(std::string(PIHERD_SOURCE_DIR) + "/docs/api.md");
  std::stringstream s;
  s << in.rdbuf();
  for (StringFormat f : allStringFormats()) {
    EXPECT_NE(s.str().find("| " + std::string(stringFormatName(f)) + " |"), std::string::npos)
        << "docs/api.md has no row for the format \"" << stringFormatName(f) << "\"";
  }
}

void expectAccepted(StringFormat f, std::initializer_list<std::string_view> values) {
  for (auto v : values) {
    EXPECT_EQ(checkStringFormat(f, v), std::nullopt) << stringFormatName(f) << ": " << v;
  }
}

void expectRefused(StringFormat f, std::initializer_list<std::string_view> values) {
  for (auto v : values) {
    EXPECT_NE(checkStringFormat(f, v), std::nullopt) << stringFormatName(f) << ": " << v;
  }
}

TEST(StringFormatsTest, SysctlValuesAreIntegersOrPlainWords) {
  expectAccepted(StringFormat::kSysctlValue,
                 {"1", "-1", "0", "4096 87380 6291456", "bbr", "reno cubic", "core.%e.%p",
                  "/var/crash/core", "1:2"});
  expectRefused(StringFormat::kSysctlValue,
                {"1`reboot`", "$(reboot)", "1;reboot", "1 | sh", "1\n2", "1\t2", " 1", "1 ",
                 "4096  87380", "1 # x", "a=b", "'1'", "\"1\"", "\xc3\xa9", std::string_view("1\0", 2),
                 "|/bin/sh", "*", "1&"});
}

TEST(StringFormatsTest, InterfaceNamesFollowLinux) {
  expectAccepted(StringFormat::kInterfaceName, {"eth0", "enp0s31f6", "br-lan", "wlan0.100",
                                                "a23456789012345"});
  expectRefused(StringFormat::kInterfaceName, {"a234567890123456", "eth0/1", "eth0:1", "eth 0",
                                               ".", "..", "eth0\n", "eth0;x", "\xc3\xa9th0"});
}

TEST(StringFormatsTest, LabelsAndTaintsFollowKubernetes) {
  expectAccepted(StringFormat::kLabelKey, {"zone", "topology.kubernetes.io/zone", "a_b.c-d",
                                           "node-role.kubernetes.io/control-plane"});
  expectRefused(StringFormat::kLabelKey, {"/zone", "a/", "-zone", "zone-", "UPPER.io/x",
                                          "a/b/c", std::string(64, 'a'), "a b", "a;b"});
  expectAccepted(StringFormat::kLabelValue, {"shelf-1", "A.b_c", std::string(63, 'x')});
  expectRefused(StringFormat::kLabelValue, {"-a", "a-", "a b", std::string(64, 'x'), "a/b"});
}

TEST(StringFormatsTest, PathsAndUrls) {
  expectAccepted(StringFormat::kFilePath, {"~/.ssh/id_ed25519", "/etc/piherd/keys/pi",
                                           "keys/pi", "~", "vrrp.pass", "a+b@c,d:e%f=g"});
  expectRefused(StringFormat::kFilePath, {"~root/x", "a/~/b", "my keys", "a;b", "$HOME/x",
                                          "`x`", "a\nb", "a|b", "a'b", "a*", "a?", "a[1]",
                                          "a#b", "a\\b"});
  expectAccepted(StringFormat::kHttpUrl, {"https://pkgs.k8s.io/core:/stable:/v1.34/deb/",
                                          "http://10.83.0.1:8086/repo", "https://h/a?b=c&d=e"});
  expectRefused(StringFormat::kHttpUrl, {"file:///srv/repo", "ftp://h/x", "https://", "https:///x",
                                         "https://h/a b", "https://h/$(x)", "https://h/`x`",
                                         "https://h/a;b", "https://h/'x'", "HTTPS://h/x",
                                         "javascript://x", "h/x"});
  expectAccepted(StringFormat::kPathOrUrl, {"file:///etc/k.asc", "https://h/k.asc", "keys/k.asc"});
  expectRefused(StringFormat::kPathOrUrl, {"file://", "file://relative", "gopher://h/x",
                                           "https://h/k.asc\n"});
}

TEST(StringFormatsTest, SansUsersAndKeys) {
  expectAccepted(StringFormat::kSubjectAltName, {"api.home.arpa", "*.home.arpa", "10.0.0.1"});
  expectRefused(StringFormat::kSubjectAltName, {"a b", "API", "*.", "10.0.0.1;x", "a..b"});
  expectAccepted(StringFormat::kUserName, {"ubuntu", "pi", "_svc", "a-b_c1"});
  expectRefused(StringFormat::kUserName, {"Ubuntu", "1pi", "-pi", "pi x", "pi;x",
                                          std::string(33, 'a')});
  expectAccepted(StringFormat::kSshPublicKey,
                 {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
                  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl "
                  "root@master01"});
  expectRefused(StringFormat::kSshPublicKey,
                {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl "
                 "x;reboot",
                 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl "
                 "$(x)"});
}

TEST(StringFormatsTest, ParsedFormatsRefuseTrailingText) {
  expectRefused(StringFormat::kIPv4Address, {"192.168.3.11 ", "192.168.3.11;x", "127.0.0.1"});
  expectRefused(StringFormat::kIPv4Network, {"10.0.0.0/8 ", "10.0.0.0/8,0.0.0.0/0"});
  expectRefused(StringFormat::kVipAddress, {"192.168.3.10/24 dev lo"});
  expectRefused(StringFormat::kEndpoint, {"192.168.3.10:6443/x", "192.168.3.10:6443;x"});
  expectRefused(StringFormat::kKubernetesVersion, {"1.34.2 && reboot", "1.34.2-rc.1"});
}

TEST(StringFormatsTest, MessagesQuoteTheValueOnOneLine) {
  auto m = checkStringFormat(StringFormat::kSysctlValue, "1\n`reboot`");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->find('\n'), std::string::npos) << *m;
  EXPECT_THAT(*m, ::testing::StartsWith("\"1\\n`reboot`\" is not a sysctl value"));
}

}  // namespace
}  // namespace piherd
