#include "controller/store.h"

namespace piherd {
namespace {

template <class T>
void diffKind(const std::vector<T>& before, const std::vector<T>& after, const std::string& kind,
              const std::string& rv, std::vector<StoreEvent>& out) {
  auto find = [](const std::vector<T>& v, const std::string& name) -> const T* {
    for (const auto& o : v) {
      if (o.metadata.name == name) return &o;
    }
    return nullptr;
  };
  for (const auto& o : after) {
    const T* old = find(before, o.metadata.name);
    if (old == nullptr) {
      out.push_back({StoreEvent::Type::kAdded, kind, o.metadata.name, rv});
    } else if (!(*old == o)) {
      out.push_back({StoreEvent::Type::kModified, kind, o.metadata.name, rv});
    }
  }
  for (const auto& o : before) {
    if (find(after, o.metadata.name) == nullptr) {
      out.push_back({StoreEvent::Type::kDeleted, kind, o.metadata.name, rv});
    }
  }
}

}  // namespace

const char* storeEventTypeName(StoreEvent::Type type) {
  switch (type) {
    case StoreEvent::Type::kAdded: return "added";
    case StoreEvent::Type::kModified: return "modified";
    case StoreEvent::Type::kDeleted: return "deleted";
  }
  return "?";
}

std::vector<StoreEvent> diffSnapshots(const ManifestSet& before, const ManifestSet& after,
                                      const std::string& resourceVersion) {
  std::vector<StoreEvent> out;
  diffKind(before.clusters, after.clusters, std::string(kKindCluster), resourceVersion, out);
  diffKind(before.vips, after.vips, std::string(kKindVirtualIP), resourceVersion, out);
  diffKind(before.machines, after.machines, std::string(kKindMachine), resourceVersion, out);
  return out;
}

}  // namespace piherd
