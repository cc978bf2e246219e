// REST paths of core and group resources, namespaced and cluster-scoped (kube/resource.h),
// and the kinds table.
#include <gtest/gtest.h>

#include "kube/resource.h"

namespace piherd::kube {
namespace {

TEST(KubeResourceTest, Paths) {
  EXPECT_EQ(*resourcePath(resources::nodes(), "", "n1"), "/api/v1/nodes/n1");
  EXPECT_EQ(*resourcePath(resources::nodes(), ""), "/api/v1/nodes");
  EXPECT_EQ(*resourcePath(resources::configMaps(), "kube-system", "c"),
            "/api/v1/namespaces/kube-system/configmaps/c");
  EXPECT_EQ(*resourcePath(resources::configMaps(), ""), "/api/v1/configmaps");  // all namespaces
  EXPECT_EQ(*resourcePath(resources::leases(), "kube-node-lease", "n1"),
            "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1");
  EXPECT_EQ(*resourcePath(resources::piherd("machines"), "", "m1", "status"),
            "/apis/piherd.io/v1alpha1/machines/m1/status");
  Resource crb = *resourceFor("rbac.authorization.k8s.io/v1", "ClusterRoleBinding");
  EXPECT_EQ(*resourcePath(crb, "", "system:kube-proxy"),
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system:kube-proxy");
}

TEST(KubeResourceTest, RefusesUnsafeOrMisscopedSegments) {
  for (const char* name : {"../x", "a/b", "a b", "a%2F", "..", "a?b", "a\nb"}) {
    EXPECT_FALSE(resourcePath(resources::nodes(), "", name)) << name;
  }
  EXPECT_FALSE(resourcePath(resources::nodes(), "default", "n1"));  // cluster-scoped
  EXPECT_FALSE(resourcePath(resources::secrets(), "", "s"));        // needs a namespace
  EXPECT_FALSE(resourcePath(resources::nodes(), "", "", "status"));
}

TEST(KubeResourceTest, KindsTable) {
  Resource d = *resourceOf("apps/v1", "DaemonSet");
  EXPECT_EQ(d.group, "apps");
  EXPECT_EQ(d.plural, "daemonsets");
  EXPECT_TRUE(d.namespaced);
  EXPECT_FALSE(resourceOf("v1", "Namespace")->namespaced);
  EXPECT_EQ(resourceOf("v1", "Namespace")->apiVersion(), "v1");
  EXPECT_FALSE(resourceOf("crd.projectcalico.org/v1", "IPPool"));
  EXPECT_EQ(urlEncode("a in (b,c)/+"), "a%20in%20%28b%2Cc%29%2F%2B");
}

}  // namespace
}  // namespace piherd::kube
