# libFuzzer targets (option PIHERD_FUZZ, clang only; docs/fuzzing.md). The whole build is
# instrumented for coverage and checked by AddressSanitizer (with leak detection) and
# UndefinedBehaviorSanitizer, every UB report fatal. scripts/fuzz.sh builds these in their
# own build directory and runs each for a fixed budget.
#   fuzz_manifest     api/: manifest text -> parse, default, validate, diagnostics
#   fuzz_facts        reconcilers/: a host's observation answer -> HostFacts::parse
#   fuzz_known_hosts  platform/: known_hosts text and host key lines
#   fuzz_kubeconfig   kube/: kubeconfig text -> contexts, clusters, users, refusals
set(piherd_fuzz_targets manifest:piherd_api facts:piherd_reconcilers known_hosts:piherd_platform
    kubeconfig:piherd_kube)
add_custom_target(piherd_fuzz_targets)
foreach(entry ${piherd_fuzz_targets})
  string(REPLACE ":" ";" parts ${entry})
  list(GET parts 0 name)
  list(GET parts 1 library)
  add_executable(fuzz_${name} ${CMAKE_CURRENT_LIST_DIR}/${name}_fuzzer.cc)
  target_link_libraries(fuzz_${name} PRIVATE ${library})
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  add_dependencies(piherd_fuzz_targets fuzz_${name})
endforeach()
