// The OpenAPI v3 schemas of the CRDs, derived from the same field tables the parser uses
// (field_schema.h). crds/*.yaml are checked in; tests/unit/crd_schema_test.cc proves that
// their schemas and these agree field by field (type, enum, bounds, required), so neither
// can drift from the other. When a field changes, update crds/ to match (the test prints the
// schema expected here).
#pragma once

#include <string_view>
#include <vector>

#include "api/field_schema.h"
#include "api/json.h"

namespace piherd {

// The schema of one field (with its nested fields).
Json openApiSchema(const FieldSchema& field);
// An object schema with these properties (and `required` from their options).
Json openApiObjectSchema(const std::vector<FieldSchema>& fields, std::string_view description);

// The whole openAPIV3Schema of a kind (Cluster, Machine, VirtualIP): apiVersion, kind,
// metadata (left to the API server), spec and status. Empty JSON for an unknown kind.
Json crdOpenApiSchema(std::string_view kind);

// The field table of a kind's top level (apiVersion, kind, metadata, spec, status); empty for
// an unknown kind.
std::vector<FieldSchema> kindFields(std::string_view kind);

}  // namespace piherd
