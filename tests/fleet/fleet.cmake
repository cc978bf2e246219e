# Fleet tests (label "fleet"): they run against real hosts booted by tests/fleet/fleet
# (docs/fleet.md) and need root. The CTest fixture "fleet" boots the hosts before the first
# test that requires it (fleet_up) and tears everything down after the last one, pass or
# fail (fleet_down). Included by tests/CMakeLists.txt.

# PIHERD_FLEET_INSTANCE (0..9, default from the environment, else 0) picks an independent
# fleet (docs/fleet.md): several build directories can run their fleet tests at once.
if(DEFINED ENV{PIHERD_FLEET_INSTANCE})
  set(_fleet_instance_default "$ENV{PIHERD_FLEET_INSTANCE}")
else()
  set(_fleet_instance_default 0)
endif()
set(PIHERD_FLEET_INSTANCE "${_fleet_instance_default}" CACHE STRING
    "Which test fleet instance (0..9) the fleet tests boot and use")
if(NOT PIHERD_FLEET_INSTANCE MATCHES "^[0-9]$")
  message(FATAL_ERROR "PIHERD_FLEET_INSTANCE must be 0..9, not '${PIHERD_FLEET_INSTANCE}'")
endif()
if(PIHERD_FLEET_INSTANCE STREQUAL "0")
  set(_fleet_run_default "/var/tmp/piherd-fleet/run")
else()
  set(_fleet_run_default "/var/tmp/piherd-fleet/run${PIHERD_FLEET_INSTANCE}")
endif()
set(PIHERD_FLEET_RUN "${_fleet_run_default}" CACHE PATH
    "Run directory of the test fleet (inventory, keys, host disks)")
# Eighteen: the suites keep to hosts of their own where one would disturb another, whatever
# order ctest runs them in (it orders by the last run's cost): facets h1-h4 (h1 fresh),
# controller h4-h5 (h4 fresh), untidy hosts h5, VIP h6-h8, bootstrap h9-h14 (a cluster of 3
# control planes and 3 workers), certificates the last four (h15-h18), the .deb install the
# last (h18), the control-plane stand-ins h1-h4 (undone at both ends).
set(PIHERD_FLEET_HOSTS 18 CACHE STRING "How many hosts the fleet tests boot")

set(_fleet_cmd ${CMAKE_CURRENT_LIST_DIR}/fleet)
set(_fleet_inventory ${PIHERD_FLEET_RUN}/inventory.json)
set(_fleet_env "PIHERD_FLEET_INSTANCE=${PIHERD_FLEET_INSTANCE}" "PIHERD_FLEET_RUN=${PIHERD_FLEET_RUN}"
               "PIHERD_FLEET_INVENTORY=${_fleet_inventory}")

# The first run builds the base image (debootstrap, about a minute) and the apt repository;
# later runs boot from the caches in seconds.
add_test(NAME fleet_up COMMAND ${_fleet_cmd} up ${PIHERD_FLEET_HOSTS})
set_tests_properties(fleet_up PROPERTIES
  FIXTURES_SETUP fleet LABELS fleet TIMEOUT 900 RUN_SERIAL TRUE ENVIRONMENT "${_fleet_env}")

add_test(NAME fleet_down COMMAND ${_fleet_cmd} down)
set_tests_properties(fleet_down PROPERTIES
  FIXTURES_CLEANUP fleet LABELS fleet TIMEOUT 120 RUN_SERIAL TRUE ENVIRONMENT "${_fleet_env}")

# The fleet checks itself: identity of each host, ssh as root and as piherd with sudo, and
# every fault tool (stop/start, cut/restore, netem, rekey) against the real hosts.
add_test(NAME fleet_selftest COMMAND ${CMAKE_CURRENT_LIST_DIR}/lib/selftest.sh)
set_tests_properties(fleet_selftest PROPERTIES
  FIXTURES_REQUIRED fleet LABELS fleet TIMEOUT 300 RUN_SERIAL TRUE ENVIRONMENT "${_fleet_env}")

# The Kubernetes stand-ins (kubeadm, kubelet, kube-apiserver) on 3 control planes and a worker
# with a real etcd, judged by the real kubectl (docs/test-packages.md). Needs 4 hosts; undoes
# what it did to them at exit.
# It also runs piherd's own Kubernetes client against that cluster (PIHERD_KUBE_CHECK).
set(_controlplane_env ${_fleet_env})
if(TARGET piherd_kube_fleet_check)
  list(APPEND _controlplane_env "PIHERD_KUBE_CHECK=$<TARGET_FILE:piherd_kube_fleet_check>")
endif()
add_test(NAME fleet_controlplane COMMAND ${CMAKE_CURRENT_LIST_DIR}/controlplane_test.sh)
set_tests_properties(fleet_controlplane PROPERTIES
  FIXTURES_REQUIRED fleet LABELS fleet TIMEOUT 900 RUN_SERIAL TRUE ENVIRONMENT "${_controlplane_env}")

if(TARGET piherd_fleet_tests)
  gtest_discover_tests(piherd_fleet_tests
    TEST_FILTER "-BootstrapFleetTest.*"
    TEST_LIST piherd_fleet_tests_other
    DISCOVERY_TIMEOUT 60
    PROPERTIES
      LABELS fleet
      FIXTURES_REQUIRED fleet
      ENVIRONMENT "${_fleet_env}"
      RUN_SERIAL TRUE)
  # The bootstrap suite (h9-h14) leaves its cluster running between its tests, which share
  # it; once the last of them is done, fleet_bootstrap_down resets those hosts, so their
  # etcd and API stand-ins do not load the machine under the other suites' timed tests.
  gtest_discover_tests(piherd_fleet_tests
    TEST_FILTER "BootstrapFleetTest.*"
    TEST_LIST piherd_fleet_tests_bootstrap
    DISCOVERY_TIMEOUT 60
    PROPERTIES
      LABELS fleet
      FIXTURES_REQUIRED bootstrap_cluster
      ENVIRONMENT "${_fleet_env}"
      RUN_SERIAL TRUE)
  # (A list of two fixtures does not survive gtest_discover_tests' PROPERTIES, so the chain is:
  # fleet_up -> fleet_bootstrap_up -> the suite -> fleet_bootstrap_down -> fleet_down; the
  # two bootstrap steps require the fleet fixture, which keeps the fleet up around the suite.)
  add_test(NAME fleet_bootstrap_up COMMAND true)
  set_tests_properties(fleet_bootstrap_up PROPERTIES
    FIXTURES_SETUP bootstrap_cluster FIXTURES_REQUIRED fleet LABELS fleet RUN_SERIAL TRUE)
  add_test(NAME fleet_bootstrap_down COMMAND ${CMAKE_CURRENT_LIST_DIR}/bootstrap_down.sh)
  set_tests_properties(fleet_bootstrap_down PROPERTIES
    FIXTURES_CLEANUP bootstrap_cluster FIXTURES_REQUIRED fleet LABELS fleet TIMEOUT 120
    RUN_SERIAL TRUE ENVIRONMENT "${_fleet_env}")
endif()
