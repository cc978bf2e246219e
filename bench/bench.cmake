# bench/ (docs/BENCHMARKS.md): the pass-cost benchmark. bench/run.sh measures; this file
# builds its probe and registers a smoke test, so CI proves the bench still works without
# running the (slow, noisy) bench itself. Included by tests/CMakeLists.txt.
add_executable(piherd_bench_observe ${CMAKE_CURRENT_LIST_DIR}/observe_probe.cc)
target_link_libraries(piherd_bench_observe PRIVATE piherd_controller)
