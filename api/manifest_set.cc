#include "api/manifest_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <tl/expected.hpp>

#include "api/defaults.h"
#include "api/document_text.h"
#include "api/field_decoder.h"
#include "api/validation.h"

namespace piherd {
namespace fs = std::filesystem;
namespace {

bool isManifestName(const fs::path& p) {
  std::string ext = p.extension().string();
  std::string name = p.filename().string();
  return !name.empty() && name[0] != '.' && (ext == ".yaml" || ext == ".yml" || ext == ".json");
}

void addSetError(LoadResult& into, const std::string& file, std::string message) {
  into.diagnostics.push_back(Diagnostic{file, "", "", 0, "", std::move(message)});
}

// The files a PATH names, or a diagnostic saying why it names none.
std::vector<std::string> expandPath(const std::string& path, LoadResult& into) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    addSetError(into, path, "no such file or directory");
    return {};
  }
  if (!fs::is_directory(status)) return {path};
  std::vector<std::string> files;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code typeError;
    if (it->is_regular_file(typeError) && isManifestName(it->path())) {
      files.push_back((fs::path(path) / it->path().filename()).string());
    }
  }
  if (ec) {
    addSetError(into, path, "cannot list directory: " + ec.message());
    return {};
  }
  std::sort(files.begin(), files.end());
  if (files.empty())
    addSetError(into, path, "no manifest files (*.yaml, *.yml, *.json) in directory");
  return files;
}

template <class T>
void decodeInto(const Json& document, const SourceRef& source, DiagnosticReporter& reporter,
                std::vector<T>& into) {
  T object;
  object.source = source;
  decodeObject(document, object, "", reporter);
  into.push_back(std::move(object));
}

std::string stringAt(const Json& object, std::string_view key) {
  auto it = object.find(std::string(key));
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// Gives text issues the kind and name of the document they are in.
void addTextIssues(const ParsedDocuments& parsed, const std::string& file, LoadResult& into) {
  for (const auto& issue : parsed.issues) {
    Diagnostic d{file, "", "", issue.document, issue.path, issue.message};
    size_t index = static_cast<size_t>(issue.document) - 1;
    if (issue.document > 0 && index < parsed.documents.size() &&
        parsed.documents[index].is_object()) {
      const Json& doc = parsed.documents[index];
      d.kind = stringAt(doc, "kind");
      if (auto meta = doc.find("metadata"); meta != doc.end() && meta->is_object()) {
        d.name = stringAt(*meta, "name");
      }
    }
    into.diagnostics.push_back(std::move(d));
  }
}

bool isUnder(const std::string& path, const std::string& parent) {
  if (path == parent) return true;
  if (path.size() <= parent.size() || path.compare(0, parent.size(), parent) != 0) return false;
  return path[parent.size()] == '.' || path[parent.size()] == '[';
}

bool shadowedByParseError(const Diagnostic& d, const std::vector<Diagnostic>& parseErrors) {
  return std::any_of(parseErrors.begin(), parseErrors.end(), [&](const Diagnostic& p) {
    return p.severity == Severity::kError && p.file == d.file && p.document == d.document &&
           !p.fieldPath.empty() && isUnder(d.fieldPath, p.fieldPath);
  });
}

// At most kMaxManifestBytes of a file (reading past them would let a huge or endless file,
// such as /dev/zero, take the controller's memory); a larger file is refused unparsed.
tl::expected<std::string, std::string> readManifestFile(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return tl::unexpected(std::string("cannot read file"));
  std::string text(kMaxManifestBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return tl::unexpected(std::string("cannot read file"));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxManifestBytes) {
    return tl::unexpected("larger than " + std::to_string(kMaxManifestBytes / (1024 * 1024)) +
                          " MiB; refused unread (manifests are a few KiB)");
  }
  return text;
}

}  // namespace

void addDocument(const Json& document, const SourceRef& source, LoadResult& into) {
  if (document.is_null()) return;  // an empty document, e.g. after a trailing ---
  if (document.is_array()) {
    for (size_t i = 0; i < document.size(); ++i) {
      addDocument(document[i], SourceRef{source.file, static_cast<int>(i + 1)}, into);
    }
    return;
  }
  if (!document.is_object()) {
    DiagnosticReporter r(into.diagnostics, source, "", "");
    r.error("", typeMismatch("an object with apiVersion, kind, metadata and spec", document));
    return;
  }
  std::string kind = stringAt(document, "kind");
  if (kind == "List") {
    auto items = document.find("items");
    if (items != document.end() && items->is_array()) {
      for (const auto& item : *items) addDocument(item, source, into);
      return;
    }
  }
  std::string name;
  if (auto meta = document.find("metadata"); meta != document.end() && meta->is_object()) {
    name = stringAt(*meta, "name");
  }
  DiagnosticReporter r(into.diagnostics, source, kind, name);
  auto apiVersion = document.find("apiVersion");
  if (apiVersion == document.end()) {
    r.error("apiVersion", "required field is not set (piherd.io/v1alpha1)");
  } else if (!apiVersion->is_string() || apiVersion->get<std::string>() != kApiVersion) {
    r.error("apiVersion", (apiVersion->is_string() ? quoteValue(apiVersion->get<std::string>())
                                                   : apiVersion->dump()) +
                              " is not " + std::string(kApiVersion));
  }
  if (kind == kKindCluster) {
    decodeInto(document, source, r, into.set.clusters);
  } else if (kind == kKindMachine) {
    decodeInto(document, source, r, into.set.machines);
  } else if (kind == kKindVirtualIP) {
    decodeInto(document, source, r, into.set.vips);
  } else if (!document.contains("kind")) {
    r.error("kind", "required field is not set (Cluster, Machine or VirtualIP)");
  } else {
    auto k = document.find("kind");
    r.error("kind", (k->is_string() ? quoteValue(kind) : k->dump()) +
                        " is not one of Cluster, Machine, VirtualIP");
  }
}

void parseManifestText(std::string_view text, const std::string& file, LoadResult& into) {
  std::string ext = fs::path(file).extension().string();
  size_t first = text.find_first_not_of(" \t\r\n");
  bool json =
      ext == ".json" || (ext != ".yaml" && ext != ".yml" && first != std::string_view::npos &&
                         (text[first] == '{' || text[first] == '['));
  ParsedDocuments parsed = json ? parseJsonText(text) : parseYamlText(text);
  addTextIssues(parsed, file, into);
  if (json && parsed.documents.size() == 1 && parsed.documents[0].is_array()) {
    addDocument(parsed.documents[0], SourceRef{file, 0}, into);
    return;
  }
  for (size_t i = 0; i < parsed.documents.size(); ++i) {
    addDocument(parsed.documents[i], SourceRef{file, static_cast<int>(i + 1)}, into);
  }
}

LoadResult loadManifests(const std::vector<std::string>& paths) {
  LoadResult result;
  std::set<std::string> seen;
  for (const auto& path : paths) {
    for (const auto& file : expandPath(path, result)) {
      std::error_code ec;
      std::string canonical = fs::weakly_canonical(file, ec).string();
      if (!seen.insert(ec ? file : canonical).second) continue;
      auto text = readManifestFile(file);
      if (!text) {
        addSetError(result, file, text.error());
        continue;
      }
      result.files.push_back(file);
      size_t before = result.set.clusters.size() + result.set.machines.size() +
                      result.set.vips.size() + result.diagnostics.size();
      parseManifestText(*text, file, result);
      size_t after = result.set.clusters.size() + result.set.machines.size() +
                     result.set.vips.size() + result.diagnostics.size();
      if (after == before) {
        addSetError(result, file, "holds no objects (an empty document); remove the file or "
                                  "add a Cluster, Machine or VirtualIP to it");
      }
    }
  }
  return result;
}

void defaultAndValidate(LoadResult& result) {
  applyDefaults(result.set);
  std::vector<Diagnostic> parseDiagnostics = std::move(result.diagnostics);
  result.diagnostics = parseDiagnostics;
  for (auto& d : validate(result.set)) {
    if (!shadowedByParseError(d, parseDiagnostics)) result.diagnostics.push_back(std::move(d));
  }
  auto fileRank = [&result](const std::string& file) {
    auto it = std::find(result.files.begin(), result.files.end(), file);
    if (file.empty()) return result.files.size() + 1;
    return it == result.files.end() ? result.files.size() : size_t(it - result.files.begin());
  };
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) {
                     auto ra = fileRank(a.file), rb = fileRank(b.file);
                     if (ra != rb) return ra < rb;
                     return a.document < b.document;
                   });
}

LoadResult loadValidatedManifests(const std::vector<std::string>& paths) {
  LoadResult result = loadManifests(paths);
  defaultAndValidate(result);
  return result;
}

std::string resolveManifestPath(const SourceRef& source, std::string_view path) {
  if (path.empty() || path[0] == '/' || path[0] == '~' ||
      path.find("://") != std::string_view::npos || source.file.empty()) {
    return std::string(path);
  }
  return (fs::path(source.file).parent_path() / fs::path(path)).lexically_normal().string();
}

const Machine* ManifestSet::findMachine(std::string_view name) const {
  for (const auto& m : machines) {
    if (m.metadata.name == name) return &m;
  }
  return nullptr;
}

const VirtualIP* ManifestSet::findVirtualIP(std::string_view name) const {
  for (const auto& v : vips) {
    if (v.metadata.name == name) return &v;
  }
  return nullptr;
}

const VirtualIP* ManifestSet::apiServerVip() const {
  const Cluster* c = cluster();
  if (!c) return nullptr;
  auto endpoint = parseHostPort(c->spec.controlPlaneEndpoint);
  if (!endpoint) return nullptr;
  for (const auto& v : vips) {
    if (vipHost(v) == endpoint->host) return &v;
  }
  return nullptr;
}

std::vector<const Machine*> ManifestSet::controlPlanes() const {
  std::vector<const Machine*> out;
  for (const auto& m : machines) {
    if (m.isControlPlane()) out.push_back(&m);
  }
  return out;
}

std::vector<const Machine*> ManifestSet::workers() const {
  std::vector<const Machine*> out;
  for (const auto& m : machines) {
    if (m.spec.role == kRoleWorker) out.push_back(&m);
  }
  return out;
}

}  // namespace piherd
