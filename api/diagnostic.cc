#include "api/diagnostic.h"

#include <charconv>
#include <cstdio>

#include "api/secret_detection.h"

namespace piherd {

std::string formatDiagnostic(const Diagnostic& d) {
  std::string line;
  // Names, kinds and paths come from the manifest as written: a part with control bytes
  // (an escape sequence for the terminal, a newline faking a second diagnostic) is shown
  // quoted and escaped, so a diagnostic is always one line of plain text.
  auto append = [&line](std::string_view part) {
    if (part.empty()) return;
    if (!line.empty()) line += ": ";
    bool plain = true;
    for (char c : part) plain = plain && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
    line += plain ? std::string(part) : quoteValue(part);
  };
  append(d.file);
  if (!d.kind.empty()) {
    if (!d.name.empty()) {
      append(d.kind + "/" + d.name);
    } else if (d.document > 0) {
      append(d.kind + " (document " + std::to_string(d.document) + ", no metadata.name)");
    } else {
      append(d.kind + " (no metadata.name)");
    }
  } else if (d.document > 0 && !d.file.empty()) {
    append("document " + std::to_string(d.document));
  }
  append(d.fieldPath);
  append(d.severity == Severity::kWarning ? "warning: " + d.message : d.message);
  return line;
}

size_t countErrors(const std::vector<Diagnostic>& diagnostics) {
  size_t n = 0;
  for (const auto& d : diagnostics) n += d.severity == Severity::kError ? 1 : 0;
  return n;
}

bool hasErrors(const std::vector<Diagnostic>& diagnostics) {
  return countErrors(diagnostics) > 0;
}

DiagnosticReporter::DiagnosticReporter(std::vector<Diagnostic>& out, SourceRef source,
                                       std::string kind, std::string name)
    : out_(out), source_(std::move(source)), kind_(std::move(kind)), name_(std::move(name)) {}

void DiagnosticReporter::error(std::string fieldPath, std::string message) {
  add(std::move(fieldPath), std::move(message), Severity::kError);
}

void DiagnosticReporter::warning(std::string fieldPath, std::string message) {
  add(std::move(fieldPath), std::move(message), Severity::kWarning);
}

void DiagnosticReporter::add(std::string fieldPath, std::string message, Severity severity) {
  out_.push_back(Diagnostic{source_.file, kind_, name_, source_.document, std::move(fieldPath),
                            std::move(message), severity});
}

std::string quoteValue(std::string_view value) {
  if (looksLikePrivateKey(value)) return "(a value that looks like a private key; not shown)";
  constexpr size_t kMaxShown = 80;
  std::string out = "\"";
  size_t shown = 0;
  for (char c : value) {
    if (++shown > kMaxShown) {
      out += "...";
      break;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string formatNumber(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return std::to_string(value);
  return std::string(buf, end);
}

std::string joinPath(std::string_view parent, std::string_view field) {
  if (parent.empty()) return std::string(field);
  return std::string(parent) + "." + std::string(field);
}

}  // namespace piherd
