#include "reconcilers/host_reconciler.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "platform/base64.h"

namespace piherd {
namespace {

// A host whose whole state is a map of files; observation answers file queries from it,
// writes change it, and any other command fails when listed in failing_.
class MapHost : public Transport {
 public:
  std::map<std::string, std::string> files_;
  std::set<std::string> failing_;  // paths whose write fails
  ErrorCode failCode_ = ErrorCode::kInternal;
  int observations_ = 0;
  std::vector<std::string> writes_;

  const std::string& hostName() const override { return name_; }
  Result<CommandResult> run(const std::vector<std::string>& argv, const ExecOptions& o) override {
    if (argv.size() > 3 && argv[3] == "piherd-observe") {
      ++observations_;
      std::string out;
      std::istringstream in(o.stdinData);
      for (std::string kind, arg; in >> kind >> arg;) {
        auto it = files_.find(arg);
        if (it == files_.end()) {
          out += "file\t" + arg + "\tmissing\t1\n";
        } else {
          out += "file\t" + arg + "\tstat\t644 root root\n";
          out += "file\t" + arg + "\tcontent\t" + base64Encode(it->second) + "\n";
        }
      }
      return CommandResult{.exitStatus = 0, .out = out + "end\t-\t-\t-\n"};
    }
    return CommandResult{.exitStatus = 0};  // mkdir -p
  }
  Status writeFile(const FileSpec& f) override {
    if (failing_.contains(f.path)) {
      return makeError(failCode_, failCode_ == ErrorCode::kInternal ? "disk full" : "lock held");
    }
    writes_.push_back(f.path);
    files_[f.path] = f.content;
    return okStatus();
  }
  Result<std::string> readFile(const std::string&) override {
    return makeError(ErrorCode::kNotFound, "");
  }

 private:
  std::string name_ = "fake";
};

// Wants `path` to hold `content`; `stubborn` facets re-plan forever (their write never sticks).
class FileFacet : public Facet {
 public:
  FileFacet(std::string name, std::string path, std::string content,
            std::vector<std::string_view> deps = {}, bool stubborn = false)
      : name_(std::move(name)), path_(std::move(path)), content_(std::move(content)),
        deps_(std::move(deps)), stubborn_(stubborn) {}
  std::string_view name() const override { return name_; }
  std::vector<std::string_view> dependsOn() const override { return deps_; }
  void addQueries(const HostDesired&, QuerySet& q) const override {
    q.add(QueryKind::kFile, path_);
  }
  FacetPlan plan(const HostDesired&, const HostFacts& facts) const override {
    FacetPlan p;
    FileFact f = facts.file(path_);
    if (stubborn_ || !f.exists || f.content != content_) {
      p.actions.push_back(WriteFileAction{.file = {.path = path_, .content = content_}});
    }
    return p;
  }

 private:
  std::string name_, path_, content_;
  std::vector<std::string_view> deps_;
  bool stubborn_;
};

HostDesired host() { return HostDesired{.machine = "m1"}; }

TEST(HostReconcilerTest, ApplyConvergesThenSecondRunChangesNothing) {
  HostReconciler r({std::make_shared<FileFacet>("a", "/a", "1"),
                    std::make_shared<FileFacet>("b", "/b", "2", std::vector<std::string_view>{"a"})});
  MapHost h;
  auto first = r.reconcile(h, host(), ReconcileMode::kApply);
  EXPECT_TRUE(first.converged());
  EXPECT_EQ(first.facets[0].state, FacetState::kChanged);
  EXPECT_EQ(h.files_["/b"], "2");
  h.writes_.clear();
  auto second = r.reconcile(h, host(), ReconcileMode::kApply);
  EXPECT_TRUE(second.converged());
  EXPECT_EQ(second.facets[0].state, FacetState::kConverged);
  EXPECT_TRUE(h.writes_.empty());
}

TEST(HostReconcilerTest, PlanChangesNothingAndObservesOnce) {
  HostReconciler r({std::make_shared<FileFacet>("a", "/a", "1"),
                    std::make_shared<FileFacet>("b", "/b", "2")});
  MapHost h;
  h.files_["/b"] = "2";
  auto out = r.reconcile(h, host(), ReconcileMode::kPlan);
  EXPECT_TRUE(out.changesPending());
  EXPECT_EQ(out.facets[0].state, FacetState::kPending);
  EXPECT_EQ(out.facets[1].state, FacetState::kConverged);
  EXPECT_EQ(h.observations_, 1);
  EXPECT_TRUE(h.writes_.empty());
  EXPECT_FALSE(h.files_.contains("/a"));
}

TEST(HostReconcilerTest, FailedFacetBlocksItsDependentsOnly) {
  HostReconciler r({std::make_shared<FileFacet>("a", "/a", "1"),
                    std::make_shared<FileFacet>("b", "/b", "2", std::vector<std::string_view>{"a"}),
                    std::make_shared<FileFacet>("c", "/c", "3")});
  MapHost h;
  h.failing_ = {"/a"};
  auto out = r.reconcile(h, host(), ReconcileMode::kApply);
  EXPECT_FALSE(out.converged());
  EXPECT_EQ(out.facets[0].state, FacetState::kFailed);
  EXPECT_NE(out.facets[0].error.find("disk full"), std::string::npos);
  EXPECT_EQ(out.facets[1].state, FacetState::kBlocked);
  EXPECT_EQ(out.facets[2].state, FacetState::kChanged);
  EXPECT_EQ(h.files_["/c"], "3");
}

// An action failing with a retryable code (the dpkg lock still held after its timeout) makes
// the facet's and the host's outcome retryable, so the controller backs off; any other
// failure does not.
TEST(HostReconcilerTest, ARetryableFailureIsMarkedSo) {
  HostReconciler r({std::make_shared<FileFacet>("a", "/a", "1"),
                    std::make_shared<FileFacet>("b", "/b", "2")});
  MapHost h;
  h.failing_ = {"/a"};
  h.failCode_ = ErrorCode::kUnavailable;
  auto out = r.reconcile(h, host(), ReconcileMode::kApply);
  EXPECT_FALSE(out.converged());
  EXPECT_EQ(out.facets[0].state, FacetState::kFailed);
  EXPECT_EQ(out.facets[0].errorCode, ErrorCode::kUnavailable);
  EXPECT_TRUE(out.facets[0].retryable());
  EXPECT_FALSE(out.facets[1].retryable());
  EXPECT_TRUE(out.retryable());

  MapHost broken;
  broken.failing_ = {"/a", "/b"};
  broken.failCode_ = ErrorCode::kUnavailable;
  auto both = r.reconcile(broken, host(), ReconcileMode::kApply);
  EXPECT_TRUE(both.retryable());
  MapHost full;
  full.failing_ = {"/a"};
  auto hard = r.reconcile(full, host(), ReconcileMode::kApply);
  EXPECT_FALSE(hard.facets[0].retryable());
  EXPECT_FALSE(hard.retryable());
  MapHost fine;
  EXPECT_FALSE(r.reconcile(fine, host(), ReconcileMode::kApply).retryable());
}

TEST(HostReconcilerTest, NonConvergingPlanIsReportedNotLoopedOn) {
  HostReconciler r({std::make_shared<FileFacet>("a", "/a", "1", std::vector<std::string_view>{},
                                                /*stubborn=*/true)},
                   /*maxRounds=*/3);
  MapHost h;
  auto out = r.reconcile(h, host(), ReconcileMode::kApply);
  EXPECT_EQ(out.facets[0].state, FacetState::kFailed);
  EXPECT_NE(out.facets[0].error.find("did not converge after 3 rounds"), std::string::npos);
  EXPECT_EQ(h.writes_.size(), 3u);
  EXPECT_EQ(h.observations_, 4);  // one before, one after each round
}

}  // namespace
}  // namespace piherd
