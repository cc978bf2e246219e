# bench/ (docs/BENCHMARKS.md): the pass-cost benchmark. bench/run.sh measures; this file
# builds its probe and registers a smoke test, so CI proves the bench still works without
# running the (slow, noisy) bench itself. Included by tests/CMakeLists.txt.
add_executable(piherd_bench_observe ${CMAKE_CURRENT_LIST_DIR}/observe_probe.cc)
target_link_libraries(piherd_bench_observe PRIVATE piherd_controller)

# The smoke test: the bench on the fixture's first 3 hosts as they are (no apply, one run,
# no warm pass: nothing on the hosts changes but the observation cache in /run/piherd),
# writing its report into the build tree, never docs/.
add_test(NAME bench_smoke
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/run.sh --build ${CMAKE_BINARY_DIR}
                 --inventory ${PIHERD_FLEET_RUN}/inventory.json --sizes 3 --runs 1 --no-apply
                 --warm-passes 0 --out ${CMAKE_BINARY_DIR}/bench-smoke.md)
set_tests_properties(bench_smoke PROPERTIES
  FIXTURES_REQUIRED fleet LABELS fleet TIMEOUT 300 RUN_SERIAL TRUE ENVIRONMENT "${_fleet_env}")
