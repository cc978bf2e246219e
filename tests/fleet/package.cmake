# Fleet test of the package (issue 13): the amd64 .deb built by CPack installs on a fresh
# fleet host with apt-get and works there (tests/fleet/deb_install_test.sh). Included by
# tests/CMakeLists.txt after fleet.cmake, whose fixture and environment it uses.
if(NOT CMAKE_CROSSCOMPILING)
  add_test(NAME fleet_deb_install
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/deb_install_test.sh ${CMAKE_BINARY_DIR})
  set_tests_properties(fleet_deb_install PROPERTIES
    FIXTURES_REQUIRED fleet LABELS fleet TIMEOUT 300 RUN_SERIAL TRUE ENVIRONMENT "${_fleet_env}")
endif()
