// A problem found in manifests, and the helpers that word it. Every diagnostic names where it
// is (file, object kind/name, field path) so that a user can fix it without guessing:
//   cluster.yaml: Machine/master01: spec.address: "192.168.3.300" is not an IPv4 address
// Parsing and validation both report through DiagnosticReporter and collect every problem;
// none stops at the first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace piherd {

enum class Severity { kError, kWarning };

struct Diagnostic {
  std::string file;       // the manifest file; "" for problems of the set as a whole
  std::string kind;       // Cluster | Machine | VirtualIP as written; "" when unknown
  std::string name;       // metadata.name; "" when missing
  int document = 0;       // 1-based document number in the file; 0 when not applicable
  std::string fieldPath;  // e.g. "spec.ssh.port"; "" for the object or file as a whole
  std::string message;    // never carries secret material
  Severity severity = Severity::kError;

  bool operator==(const Diagnostic&) const = default;
};

// One line: "file: Kind/name: field.path: message", parts that are empty left out; a
// warning's message starts with "warning: ".
std::string formatDiagnostic(const Diagnostic& d);
bool hasErrors(const std::vector<Diagnostic>& diagnostics);
size_t countErrors(const std::vector<Diagnostic>& diagnostics);

// Where an object was read from. Not part of the object's serialized form.
struct SourceRef {
  std::string file;
  int document = 0;  // 1-based, counting every document of the file

  bool operator==(const SourceRef&) const = default;
};

// Reports problems about one object (or one document) into a shared list.
class DiagnosticReporter {
 public:
  DiagnosticReporter(std::vector<Diagnostic>& out, SourceRef source, std::string kind,
                     std::string name);

  void error(std::string fieldPath, std::string message);
  void warning(std::string fieldPath, std::string message);
  void setName(std::string name) { name_ = std::move(name); }

 private:
  void add(std::string fieldPath, std::string message, Severity severity);

  std::vector<Diagnostic>& out_;
  SourceRef source_;
  std::string kind_;
  std::string name_;
};

// A value quoted for a diagnostic: JSON-style escapes (so the message stays one line),
// long values shortened, and anything that looks like key material replaced by a notice.
std::string quoteValue(std::string_view value);

// The shortest decimal text that reads back as the same double ("1", "0.2", "40.95").
std::string formatNumber(double value);

// Joins a field path: joinPath("spec", "ssh") == "spec.ssh"; joinPath("", "spec") == "spec".
std::string joinPath(std::string_view parent, std::string_view field);

}  // namespace piherd
