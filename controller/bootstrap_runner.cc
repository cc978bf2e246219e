#include "controller/bootstrap_runner.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "api/cluster.h"
#include "controller/file_store.h"
#include "controller/url_fetch.h"
#include "kube/http_kube_client.h"
#include "kube/kube_config.h"
#include "reconcilers/kubeadm_config.h"

namespace piherd {

using Clock = std::chrono::steady_clock;
using KJson = nlohmann::json;  // what the Kubernetes client speaks

namespace {

constexpr size_t kMaxCalicoManifestBytes = 8 * 1024 * 1024;
constexpr const char* kInitConfigPath = "/etc/kubernetes/piherd/kubeadm-init.yaml";
constexpr const char* kJoinConfigPath = "/etc/kubernetes/piherd/kubeadm-join.yaml";
constexpr auto kJoinTokenLifetime = std::chrono::minutes(15);

// calico-node's default pool (crd.projectcalico.org/v1 IPPool, cluster-scoped).
kube::Resource ipPools() { return {"crd.projectcalico.org", "v1", "ippools", false}; }
kube::Resource daemonSets() { return {"apps", "v1", "daemonsets", true}; }

Result<std::string> readCalicoManifest(const Cluster& cluster) {
  const std::string& ref = cluster.spec.cni.calico.manifest;
  const std::string where = "Cluster/" + cluster.metadata.name + ": spec.cni.calico.manifest";
  if (isHttpUrl(ref)) {
    auto body = fetchUrl(ref, {.maxBytes = kMaxCalicoManifestBytes});
    if (!body) return makeError(ErrorCode::kInvalidArgument, where + ": " + body.error().message);
    return body;
  }
  std::string path = resolveManifestPath(cluster.source, ref);
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::kInvalidArgument, where + ": cannot read " + path);
  std::string text(kMaxCalicoManifestBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxCalicoManifestBytes) {
    return makeError(ErrorCode::kInvalidArgument, where + ": " + path + " is larger than 8 MiB");
  }
  return text;
}

std::string seconds(Clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

bool nodeReady(const KJson& node) {
  const KJson* conds = nullptr;
  if (node.contains("status") && node["status"].contains("conditions")) {
    conds = &node["status"]["conditions"];
  }
  if (!conds || !conds->is_array()) return false;
  for (const KJson& c : *conds) {
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

// curl on a control plane to its local etcd, with the healthcheck-client certificate kubeadm
// issued there for etcd's own liveness probe (no etcd client needs to be installed). A body,
// when given, is read from stdin.
std::vector<std::string> etcdCurl(const std::string& path, bool post) {
  std::vector<std::string> argv = {
      "curl", "-sS", "--max-time", "10", "--cacert", "/etc/kubernetes/pki/etcd/ca.crt",
      "--cert", "/etc/kubernetes/pki/etcd/healthcheck-client.crt", "--key",
      "/etc/kubernetes/pki/etcd/healthcheck-client.key"};
  if (post) argv.insert(argv.end(), {"-X", "POST", "--data-binary", "@-"});
  argv.push_back("https://127.0.0.1:2379" + path);
  return argv;
}

}  // namespace

std::string redactKubeadmOutput(const std::string& output, size_t lines) {
  static const std::regex kToken("[a-z0-9]{6}\\.[a-z0-9]{16}");
  static const std::regex kHash("sha256:[0-9a-fA-F]{16,}");
  std::vector<std::string> all;
  std::istringstream in(output);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) all.push_back(l);
  }
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    std::string l = std::regex_replace(all[i], kToken, "<redacted>");
    out += std::regex_replace(l, kHash, "sha256:<redacted>") + "\n";
  }
  return out;
}

class BootstrapRunner::Impl {
 public:
  Impl(const ManifestSet& set, const std::vector<HostTarget>& hosts, std::string stateDir,
       HostConnector connector, BootstrapTimeouts timeouts)
      : set_(set), stateDir_(std::move(stateDir)), connector_(std::move(connector)),
        timeouts_(timeouts) {
    for (const HostTarget& h : hosts) {
      hosts_[h.desired.machine] = h.transport;
      for (const PkiFileDesired& f : h.desired.certificates.files) {
        if (f.name == "ca.crt") caCertPem_ = f.content;
      }
    }
  }

  Status load();
  BootstrapReport run(ReconcileMode mode, const std::set<std::string>& hostsReady,
                      const ProgressFn& progress, bool prune);

 private:
  Transport& transport(const std::string& machine) { return *hosts_.at(machine); }
  const Machine& machine(const std::string& name) { return *set_.findMachine(name); }
  void say(const std::string& machine, const std::string& message) {
    if (progress_) progress_(machine, "bootstrap", message);
  }

  std::map<std::string, NodeFacts> observeAll();
  NodeFacts observe(const std::string& machine);
  // A client through the VIP with the credentials of admin.conf, read from a control plane
  // that has one. Unavailable when none has.
  Status connect(const std::map<std::string, NodeFacts>& facts);
  void checkCalico(BootstrapInput& input);
  Status waitForApi();

  Status init(const BootstrapStep& step);
  Status applyCalico();
  Status join(const BootstrapStep& step);
  Status joinOnce(const BootstrapStep& step);
  Status waitJoined(const BootstrapStep& step);
  Status reset(const std::string& machine);
  std::vector<ClusterNode> listNodes(bool& known);
  bool etcdHealthy(const std::string& machine);
  ClusterView collectView(bool initialized);
  Status remove(const BootstrapStep& step, const std::map<std::string, NodeFacts>& facts);
  Status drain(const std::string& node);
  // Removes `node`'s etcd member, if it is still listed, through a control plane's etcd.
  Status removeEtcdMember(const std::string& node, const std::map<std::string, NodeFacts>& facts);
  Status waitNoKubeadm(const std::string& machine);
  // Runs kubeadm with the config file at `path`; its output only redacted.
  Status runKubeadm(const std::string& machine, const std::vector<std::string>& argv);

  std::string joinLockPath() const { return stateDir_ + "/bootstrap/join-lock"; }
  std::string joinLockHolder() const;
  Status holdJoinLock(const std::string& machine);
  void releaseJoinLock();

  const ManifestSet set_;  // a copy: the runner outlives the caller's objects being moved
  std::string stateDir_;
  HostConnector connector_;
  BootstrapTimeouts timeouts_;
  std::map<std::string, std::shared_ptr<Transport>> hosts_;
  ProgressFn progress_;
  const Cluster* cluster_ = nullptr;
  const VirtualIP* vip_ = nullptr;
  std::optional<CalicoDesired> calicoDesired_;
  std::vector<KJson> calicoObjects_;
  std::string caCertPem_;
  std::unique_ptr<kube::HttpKubeClient> client_;
};

Status BootstrapRunner::Impl::load() {
  cluster_ = set_.cluster();
  if (!cluster_) return makeError(ErrorCode::kInvalidArgument, "no Cluster");
  auto vip = apiserverVirtualIP(*cluster_, set_.vips);
  if (!vip) return tl::unexpected(vip.error());
  vip_ = *vip;
  if (!cluster_->spec.cni.calico.manifest.empty()) {
    auto desired = calicoDesired(*cluster_);
    if (!desired) return tl::unexpected(desired.error());
    auto text = readCalicoManifest(*cluster_);
    if (!text) return tl::unexpected(text.error());
    auto objects = calicoObjects(*text, *desired);
    if (!objects) {
      return makeError(ErrorCode::kInvalidArgument, "Cluster/" + cluster_->metadata.name +
                                                        ": spec.cni.calico.manifest: " +
                                                        objects.error().message);
    }
    calicoDesired_ = *desired;
    calicoObjects_ = std::move(*objects);
  }
  if (caCertPem_.empty() && !set_.controlPlanes().empty()) {
    return makeError(ErrorCode::kFailedPrecondition,
                     "bootstrap: the cluster CA is not loaded (certificates)");
  }
  return {};
}

NodeFacts BootstrapRunner::Impl::observe(const std::string& machine) {
  auto r = transport(machine).run(nodeFactsCommand(), {.timeout = std::chrono::seconds(30)});
  if (!r) {
    NodeFacts f;
    f.error = r.error().message;
    return f;
  }
  return parseNodeFacts(*r);
}

std::map<std::string, NodeFacts> BootstrapRunner::Impl::observeAll() {
  std::map<std::string, NodeFacts> facts;
  std::vector<std::pair<std::string, std::thread>> workers;
  std::mutex mu;
  for (const auto& [name, transport] : hosts_) {
    workers.emplace_back(name, std::thread([&, name = name] {
                           NodeFacts f = observe(name);
                           std::lock_guard<std::mutex> lock(mu);
                           facts[name] = std::move(f);
                         }));
  }
  for (auto& [name, t] : workers) t.join();
  return facts;
}

Status BootstrapRunner::Impl::connect(const std::map<std::string, NodeFacts>& facts) {
  if (client_) return {};
  std::string last = "no control plane holds " + std::string(kAdminKubeconfig);
  for (const Machine* m : set_.controlPlanes()) {
    auto it = facts.find(m->metadata.name);
    if (it == facts.end() || !it->second.adminConf) continue;
    auto text = transport(m->metadata.name).readFile(kAdminKubeconfig);
    if (!text) {
      last = text.error().message;
      continue;
    }
    auto config = kube::parseKubeconfig(*text, {});
    if (!config) {
      last = m->metadata.name + ": " + kAdminKubeconfig + ": " + config.error().message;
      continue;
    }
    config->source = m->metadata.name + ":" + kAdminKubeconfig;
    kube::Timeouts t;
    t.request = std::chrono::seconds(20);
    auto client = kube::HttpKubeClient::create(*config, t);
    if (!client) {
      last = client.error().message;
      continue;
    }
    client_ = std::move(*client);
    return {};
  }
  return makeError(ErrorCode::kUnavailable, last);
}

void BootstrapRunner::Impl::checkCalico(BootstrapInput& input) {
  input.calicoConfigured = calicoDesired_.has_value();
  if (!input.calicoConfigured || !client_) return;
  auto ds = client_->get(daemonSets(), kCalicoNamespace, kCalicoNodeName);
  if (!ds && ds.error().code != ErrorCode::kNotFound) return;
  std::optional<KJson> pool;
  if (auto p = client_->get(ipPools(), "", kCalicoDefaultPoolName)) pool = *p;
  input.calicoKnown = true;
  std::optional<KJson> live;
  if (ds) live = *ds;
  for (const std::string& line : piherd::checkCalico(live, pool, *calicoDesired_)) {
    // The pool is calico-node's to create; it is reported, never a reason to re-apply.
    (line.rfind("IPPool", 0) == 0 ? input.calicoNotes : input.calicoMismatches).push_back(line);
  }
}

std::string BootstrapRunner::Impl::joinLockHolder() const {
  auto text = readWhole(joinLockPath());
  if (!text) return "";
  std::string s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

Status BootstrapRunner::Impl::holdJoinLock(const std::string& machine) {
  std::string holder = joinLockHolder();
  if (!holder.empty() && holder != machine) {
    return makeError(ErrorCode::kAborted, "the join lock is held by " + holder);
  }
  return writeFileAtomically(joinLockPath(), machine + "\n");
}

void BootstrapRunner::Impl::releaseJoinLock() {
  std::error_code ec;
  std::filesystem::remove(joinLockPath(), ec);
}

Status BootstrapRunner::Impl::runKubeadm(const std::string& machine,
                                         const std::vector<std::string>& argv) {
  auto r = transport(machine).run(argv, {.timeout = timeouts_.kubeadm});
  if (!r) return makeError(r.error().code, machine + ": " + argv[0] + " " + argv[1] + ": " +
                                               r.error().message);
  if (!r->ok()) {
    return makeError(ErrorCode::kFailedPrecondition,
                     machine + ": " + argv[0] + " " + argv[1] + " failed (exit " +
                         std::to_string(r->exitStatus) + "):\n" +
                         redactKubeadmOutput(r->out + "\n" + r->err));
  }
  return {};
}

Status BootstrapRunner::Impl::reset(const std::string& machine) {
  say(machine, "kubeadm reset -f");
  return runKubeadm(machine, {"kubeadm", "reset", "-f"});
}

Status BootstrapRunner::Impl::waitNoKubeadm(const std::string& machine) {
  auto deadline = Clock::now() + timeouts_.leftoverKubeadm;
  bool told = false;
  while (true) {
    NodeFacts f = observe(machine);
    if (f.observed && !f.kubeadmRunning) return {};
    if (Clock::now() > deadline) {
      return makeError(ErrorCode::kUnavailable,
                       machine + ": a kubeadm left by an interrupted run is still running");
    }
    if (!told && f.kubeadmRunning) {
      say(machine, "waiting for the kubeadm an interrupted run left to end");
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
}

Status BootstrapRunner::Impl::waitForApi() {
  auto start = Clock::now();
  std::string last;
  while (Clock::now() - start < timeouts_.apiReady) {
    auto ns = client_->get(kube::resources::namespaces(), "", "kube-system");
    if (ns) return {};
    last = ns.error().message;
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  return makeError(ErrorCode::kUnavailable, "the API through " + cluster_->spec.controlPlaneEndpoint +
                                                " did not answer within " +
                                                seconds(timeouts_.apiReady) + ": " + last);
}

Status BootstrapRunner::Impl::init(const BootstrapStep& step) {
  auto config = kubeadmInitConfig(*cluster_, *vip_, machine(step.machine));
  if (!config) return tl::unexpected(config.error());
  Transport& t = transport(step.machine);
  if (auto s = t.writeFile({.path = kInitConfigPath, .content = *config, .mode = 0600}); !s) {
    return s;
  }
  say(step.machine, "kubeadm init (controlPlaneEndpoint " + cluster_->spec.controlPlaneEndpoint +
                        ")");
  auto start = Clock::now();
  if (auto s = runKubeadm(step.machine, {"kubeadm", "init", "--config", kInitConfigPath}); !s) {
    // Undo the half-made control plane, so the next run can init again.
    (void)reset(step.machine);
    return s;
  }
  say(step.machine, "kubeadm init done in " + seconds(Clock::now() - start));
  NodeFacts f = observe(step.machine);
  std::map<std::string, NodeFacts> facts{{step.machine, f}};
  if (auto s = connect(facts); !s) return s;
  return waitForApi();
}

Status BootstrapRunner::Impl::applyCalico() {
  size_t applied = 0;
  for (const KJson& object : calicoObjects_) {
    auto r = kube::resourceOf(object.value("apiVersion", ""), object.value("kind", ""));
    std::string name = object["metadata"].value("name", "");
    std::string what = object.value("kind", "") + " " + name;
    if (!r) return makeError(ErrorCode::kInvalidArgument, "Calico: " + what + ": " + r.error().message);
    std::string ns = r->namespaced ? object["metadata"].value("namespace", "default") : "";
    if (auto a = client_->apply(*r, ns, object); !a) {
      return makeError(a.error().code, "Calico: apply " + what + ": " + a.error().message);
    }
    ++applied;
  }
  say(cluster_->metadata.name, "Calico: " + std::to_string(applied) + " objects applied (server-side, field manager piherd)");
  return {};
}

Status BootstrapRunner::Impl::waitJoined(const BootstrapStep& step) {
  auto start = Clock::now();
  std::string last = "not registered";
  while (true) {
    auto node = client_->get(kube::resources::nodes(), "", step.machine);
    if (node && nodeReady(*node)) break;
    if (!node) last = node.error().message;
    else last = "registered, not Ready";
    if (Clock::now() - start > timeouts_.nodeReady) {
      return makeError(ErrorCode::kDeadlineExceeded, step.machine + ": Node not Ready within " +
                                                         seconds(timeouts_.nodeReady) + " (" +
                                                         last + ")");
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  say(step.machine, "Node Ready after " + seconds(Clock::now() - start));
  if (!step.controlPlane) return {};
  start = Clock::now();
  while (!etcdHealthy(step.machine)) {
    if (Clock::now() - start > timeouts_.etcdHealthy) {
      return makeError(ErrorCode::kDeadlineExceeded,
                       step.machine + ": etcd member not healthy within " +
                           seconds(timeouts_.etcdHealthy));
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  say(step.machine, "etcd member healthy");
  return {};
}

Status BootstrapRunner::Impl::joinOnce(const BootstrapStep& step) {
  auto token = BootstrapToken::generate();
  if (!token) return tl::unexpected(token.error());
  auto hash = caCertHash(caCertPem_);
  if (!hash) return tl::unexpected(hash.error());
  auto config = kubeadmJoinConfig(*cluster_, *vip_, machine(step.machine), *token, *hash);
  if (!config) return tl::unexpected(config.error());
  auto secret = bootstrapTokenSecret(*token, std::chrono::system_clock::now() + kJoinTokenLifetime,
                                     "piherd: join of " + step.machine);
  if (auto c = client_->create(kube::resources::secrets(), "kube-system", secret); !c) {
    return makeError(c.error().code, "creating the " + token->describe() + ": " + c.error().message);
  }
  Transport& t = transport(step.machine);
  Status s = t.writeFile(
      {.path = kJoinConfigPath, .content = config->secretFileContent(), .mode = 0600});
  if (s) {
    say(step.machine, "kubeadm join (" + config->describe() + ")");
    s = runKubeadm(step.machine, {"kubeadm", "join", "--config", kJoinConfigPath});
  }
  // The token has done its work either way: its file and its Secret go.
  (void)t.run({"rm", "-f", kJoinConfigPath});
  (void)client_->remove(kube::resources::secrets(), "kube-system",
                        "bootstrap-token-" + token->id());
  return s;
}

Status BootstrapRunner::Impl::join(const BootstrapStep& step) {
  if (auto s = holdJoinLock(step.machine); !s) return s;
  if (step.waitOnly) {
    // An interrupted run's join that kubeadm finished: wait for the node, never reset it.
    say(step.machine, "its join was interrupted after kubeadm wrote kubelet.conf: waiting for it");
    if (auto s = waitJoined(step); !s) return s;
    releaseJoinLock();
    return {};
  }
  if (step.reset) {
    if (auto s = waitNoKubeadm(step.machine); !s) return s;
    if (observe(step.machine).kubeletConf) {
      if (auto s = waitJoined(step); !s) return s;
      releaseJoinLock();
      return {};
    }
    if (auto s = reset(step.machine); !s) return s;
  }
  auto backoff = timeouts_.retryBackoff;
  Status last;
  for (int attempt = 1; attempt <= timeouts_.joinAttempts; ++attempt) {
    last = joinOnce(step);
    if (last) {
      // kubeadm says the host joined: from here on it is waited for, never reset. A node
      // that does not turn Ready keeps the lock, so no other join starts past it.
      if (auto s = waitJoined(step); !s) return s;
      releaseJoinLock();
      return {};
    }
    say(step.machine, "join attempt " + std::to_string(attempt) + " of " +
                          std::to_string(timeouts_.joinAttempts) + " failed: " +
                          last.error().message);
    // A failed `kubeadm join` leaves no healthy node, whatever files it wrote (kubelet.conf
    // comes before the etcd member is promoted): kubeadm's own advice is a reset.
    (void)reset(step.machine);
    if (attempt < timeouts_.joinAttempts) {
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }
  // The lock stays: the next run finishes this host first.
  return last;
}

bool BootstrapRunner::Impl::etcdHealthy(const std::string& machine) {
  // The local etcd member, through the health endpoint kubeadm's own liveness probe uses.
  const std::vector<std::string> health = etcdCurl("/health", false);
  auto r = transport(machine).run(health, {.timeout = std::chrono::seconds(15)});
  return r && r->ok() && r->out.find("\"health\":\"true\"") != std::string::npos;
}

ClusterView BootstrapRunner::Impl::collectView(bool initialized) {
  ClusterView view;
  view.initialized = initialized;
  if (!client_) return view;
  for (ClusterNode& n : listNodes(view.nodesKnown)) view.nodes[n.name] = std::move(n);
  std::vector<std::thread> workers;
  std::mutex mu;
  for (const Machine* m : set_.controlPlanes()) {
    if (!view.nodes.count(m->metadata.name)) continue;
    workers.emplace_back([&, name = m->metadata.name] {
      bool ok = etcdHealthy(name);
      std::lock_guard<std::mutex> lock(mu);
      view.etcdHealthy[name] = ok;
    });
  }
  for (auto& t : workers) t.join();
  return view;
}

std::vector<ClusterNode> BootstrapRunner::Impl::listNodes(bool& known) {
  std::vector<ClusterNode> out;
  auto list = kube::listAll(*client_, kube::resources::nodes(), "", {});
  known = static_cast<bool>(list);
  if (!list) return out;
  for (const KJson& n : list->items) {
    ClusterNode c;
    c.name = n["metadata"].value("name", "");
    const KJson labels = n["metadata"].value("labels", KJson::object());
    c.controlPlane = labels.contains(std::string(kControlPlaneTaintKey));
    c.ready = nodeReady(n);
    if (n.contains("status")) {
      for (const KJson& a : n["status"].value("addresses", KJson::array())) {
        if (a.value("type", "") == "InternalIP") c.address = a.value("address", "");
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

Status BootstrapRunner::Impl::drain(const std::string& node) {
  // Cordon: no new pods. Then every pod bound to the node goes, except its static pods'
  // mirrors (the kubelet owns them) and DaemonSet pods (their controller would put them
  // back), as `kubectl drain --ignore-daemonsets` does.
  auto n = client_->get(kube::resources::nodes(), "", node);
  if (!n) return n.error().code == ErrorCode::kNotFound ? Status{} : tl::unexpected(n.error());
  (*n)["spec"]["unschedulable"] = true;
  if (auto u = client_->update(kube::resources::nodes(), "", *n); !u) {
    return makeError(u.error().code, "cordoning " + node + ": " + u.error().message);
  }
  auto pods = kube::resourceOf("v1", "Pod");
  if (!pods) return tl::unexpected(pods.error());
  kube::ListOptions options;
  options.fieldSelector = "spec.nodeName=" + node;
  auto list = kube::listAll(*client_, *pods, "", options);
  if (!list) return makeError(list.error().code, "pods on " + node + ": " + list.error().message);
  size_t evicted = 0;
  for (const KJson& p : list->items) {
    const KJson& meta = p["metadata"];
    if (meta.value("annotations", KJson::object()).contains("kubernetes.io/config.mirror")) continue;
    bool daemon = false;
    for (const KJson& o : meta.value("ownerReferences", KJson::array())) {
      daemon |= o.value("kind", "") == "DaemonSet";
    }
    if (daemon) continue;
    auto r = client_->remove(*pods, meta.value("namespace", "default"), meta.value("name", ""));
    if (!r && r.error().code != ErrorCode::kNotFound) {
      return makeError(r.error().code, "draining " + node + ": " + r.error().message);
    }
    ++evicted;
  }
  say(node, "cordoned and drained (" + std::to_string(evicted) + " pods deleted)");
  return {};
}

Status BootstrapRunner::Impl::removeEtcdMember(const std::string& node,
                                               const std::map<std::string, NodeFacts>& facts) {
  // etcd's v3 JSON gateway on a remaining control plane.
  auto call = [&](const std::string& host, const std::string& path, const std::string& body) {
    return transport(host).run(etcdCurl(path, true),
                               {.stdinData = body, .timeout = std::chrono::seconds(20)});
  };
  std::string last = "no joined control plane answered";
  for (const Machine* m : set_.controlPlanes()) {
    const std::string& host = m->metadata.name;
    auto f = facts.find(host);
    if (host == node || f == facts.end() || !f->second.kubeletConf) continue;
    auto r = call(host, "/v3/cluster/member/list", "{}");
    if (!r || !r->ok()) {
      last = host + ": etcd member list failed";
      continue;
    }
    KJson list = KJson::parse(r->out, nullptr, false);
    if (list.is_discarded()) {
      last = host + ": etcd member list: not JSON";
      continue;
    }
    for (const KJson& member : list.value("members", KJson::array())) {
      if (member.value("name", "") != node) continue;
      KJson body = {{"ID", member.contains("ID") ? member["ID"] : KJson()}};
      auto rm = call(host, "/v3/cluster/member/remove", body.dump());
      if (!rm || !rm->ok() || rm->out.find("\"error\"") != std::string::npos) {
        return makeError(ErrorCode::kUnavailable, "removing the etcd member of " + node +
                                                      " through " + host + " failed");
      }
      say(node, "etcd member removed (through " + host + ")");
    }
    return {};
  }
  return makeError(ErrorCode::kUnavailable, "the etcd member of " + node + ": " + last);
}

Status BootstrapRunner::Impl::remove(const BootstrapStep& step,
                                     const std::map<std::string, NodeFacts>& facts) {
  if (auto s = drain(step.machine); !s) return s;
  // The host itself: kubeadm reset -f (on a control plane it also leaves etcd). A host that
  // cannot be reached is usually why it is removed: the node goes anyway.
  bool wasReset = false;
  if (connector_ && !step.address.empty()) {
    auto t = connector_(step.machine, step.address);
    if (t) {
      auto r = (*t)->run({"kubeadm", "reset", "-f"}, {.timeout = timeouts_.kubeadm});
      wasReset = r && r->ok();
      say(step.machine, wasReset ? "kubeadm reset -f on " + step.address
                                 : "kubeadm reset -f on " + step.address + " failed: " +
                                       (r ? redactKubeadmOutput(r->out + r->err, 2)
                                          : r.error().message));
    } else {
      say(step.machine, "its host is not reached (" + t.error().message + "): not reset");
    }
  }
  if (step.controlPlane) {
    if (auto s = removeEtcdMember(step.machine, facts); !s) return s;
  }
  auto d = client_->remove(kube::resources::nodes(), "", step.machine);
  if (!d && d.error().code != ErrorCode::kNotFound) {
    return makeError(d.error().code, "deleting node " + step.machine + ": " + d.error().message);
  }
  say(step.machine, "node deleted");
  return {};
}

BootstrapReport BootstrapRunner::Impl::run(ReconcileMode mode, const std::set<std::string>& ready,
                                           const ProgressFn& progress, bool prune) {
  progress_ = progress;
  BootstrapReport report;
  BootstrapInput input;
  for (const Machine& m : set_.machines) input.machines.push_back(&m);
  input.facts = observeAll();
  input.hostsReady = ready;
  input.joinLockHolder = joinLockHolder();
  Status connected = connect(input.facts);
  checkCalico(input);
  if (client_) input.nodes = listNodes(input.nodesKnown);
  input.prune = prune;
  auto plan = planBootstrap(input);
  if (!plan) {
    report.error = plan.error().message;
    return report;
  }
  report.plan = *plan;
  for (const auto& [name, f] : input.facts) {
    if (!f.observed) report.plan.notes.push_back(name + ": " + f.error);
  }
  if (plan->initialized && !connected && !plan->empty()) {
    report.plan.notes.push_back("the cluster's API is not reachable: " + connected.error().message);
  }
  if (mode == ReconcileMode::kPlan || plan->empty()) {
    report.view = collectView(plan->initialized);
    return report;
  }

  // One piherd changes the cluster at a time: the state directory's lock (which `piherd run`
  // holds too) is taken for the steps, so two applies never join two hosts at once.
  auto lock = StateDirLock::acquire(stateDir_);
  if (!lock) {
    report.error = "the bootstrap needs the state directory to itself: " + lock.error().message;
    report.view.initialized = plan->initialized;
    return report;
  }
  if (plan->initialized && !client_) {
    report.error = "the cluster is initialized but its API is not reachable: " +
                   connected.error().message;
    report.view.initialized = true;
    return report;
  }
  bool initialized = plan->initialized;
  for (const BootstrapStep& step : plan->steps) {
    Status s;
    switch (step.kind) {
      case BootstrapStepKind::kInit: s = init(step); break;
      case BootstrapStepKind::kCalico: s = applyCalico(); break;
      case BootstrapStepKind::kJoin: s = join(step); break;
      case BootstrapStepKind::kRemove: s = remove(step, input.facts); break;
    }
    if (!s) {
      report.error = describeStep(step) + ": " + s.error().message;
      break;
    }
    report.done.push_back(describeStep(step));
    initialized |= step.kind == BootstrapStepKind::kInit;
  }
  report.view = collectView(initialized);
  return report;
}

BootstrapRunner::BootstrapRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BootstrapRunner::~BootstrapRunner() = default;

Result<std::unique_ptr<BootstrapRunner>> BootstrapRunner::prepare(
    const ManifestSet& set, const std::vector<HostTarget>& hosts, std::string stateDir,
    HostConnector connector, BootstrapTimeouts timeouts) {
  auto impl = std::make_unique<Impl>(set, hosts, std::move(stateDir), std::move(connector),
                                     timeouts);
  if (auto s = impl->load(); !s) return tl::unexpected(s.error());
  return std::unique_ptr<BootstrapRunner>(new BootstrapRunner(std::move(impl)));
}

BootstrapReport BootstrapRunner::run(ReconcileMode mode, const std::set<std::string>& hostsReady,
                                     const ProgressFn& progress, bool prune) {
  return impl_->run(mode, hostsReady, progress, prune);
}

std::string renderBootstrap(const BootstrapReport& report, ReconcileMode mode) {
  std::ostringstream out;
  if (mode == ReconcileMode::kPlan) {
    out << "Cluster bootstrap (" << (report.plan.initialized ? "initialized" : "not initialized")
        << "; init control plane " << report.plan.initMachine << "):\n";
    for (const BootstrapStep& s : report.plan.steps) out << "  + " << describeStep(s) << "\n";
    if (report.plan.steps.empty() && report.error.empty()) out << "  nothing to do\n";
  } else {
    out << "Cluster bootstrap (init control plane " << report.plan.initMachine << "):\n";
    for (const std::string& d : report.done) out << "  done: " << d << "\n";
    if (report.plan.steps.empty() && report.error.empty()) out << "  nothing to do\n";
  }
  for (const std::string& n : report.plan.notes) out << "  note: " << n << "\n";
  if (!report.error.empty()) out << "  error: " << report.error << "\n";
  return out.str();
}

}  // namespace piherd
