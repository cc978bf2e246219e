# Checks of deploy/ by the real tools, as unit tests (label "unit"; hermetic and fast):
# promtool (Debian's prometheus package) on the alert rules and their tests, and
# systemd-analyze on the systemd unit. The rest (PrometheusRule, dashboard, metric names) is
# tests/unit/deploy_test.cc. Included by tests/CMakeLists.txt; not in a cross build, whose
# tests are the target's binaries.
if(CMAKE_CROSSCOMPILING)
  return()
endif()
set(_deploy ${CMAKE_SOURCE_DIR}/deploy)

find_program(PIHERD_PROMTOOL promtool)
if(PIHERD_PROMTOOL)
  add_test(NAME promtool_check_rules
           COMMAND ${PIHERD_PROMTOOL} check rules ${_deploy}/prometheus/alerts.yaml)
  add_test(NAME promtool_test_rules
           COMMAND ${PIHERD_PROMTOOL} test rules ${CMAKE_CURRENT_SOURCE_DIR}/prometheus/alerts_test.yaml)
else()
  # Not skipped in silence: the rules are untested until promtool is installed.
  add_test(NAME promtool_missing COMMAND sh -c
           "echo 'promtool not found: apt-get install prometheus (scripts/install-deps.sh)' >&2; exit 1")
endif()

find_program(PIHERD_SYSTEMD_ANALYZE systemd-analyze)
if(PIHERD_SYSTEMD_ANALYZE)
  add_test(NAME systemd_unit_verify
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/systemd/verify-unit.sh
                   ${_deploy}/systemd/piherd.service $<TARGET_FILE:piherd>)
  set_tests_properties(systemd_unit_verify PROPERTIES LABELS unit)
endif()
if(PIHERD_PROMTOOL)
  set_tests_properties(promtool_check_rules promtool_test_rules PROPERTIES LABELS unit)
else()
  set_tests_properties(promtool_missing PROPERTIES LABELS unit)
endif()
