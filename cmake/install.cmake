# `cmake --install` and CPack (`cpack -G DEB` in a build directory; docs/building.md).
# Installs piherd in bin/ and, under share/piherd/, what exists of the systemd unit, the
# CRDs, the alert rules, the Grafana dashboard and the examples. The .deb's Depends come
# from dpkg-shlibdeps on the built binary, never from a hand-kept list; a cross build
# (scripts/build-arm64.sh) points dpkg-shlibdeps at the arm64 sysroot's libraries and
# package database.
include(GNUInstallDirs)

install(TARGETS piherd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set(_share ${CMAKE_INSTALL_DATADIR}/piherd)
foreach(_pair "deploy/systemd:systemd" "crds:crds" "deploy/prometheus:prometheus"
              "deploy/grafana:grafana" "examples:examples")
  string(REPLACE ":" ";" _pair "${_pair}")
  list(GET _pair 0 _from)
  list(GET _pair 1 _to)
  if(IS_DIRECTORY ${CMAKE_SOURCE_DIR}/${_from})
    install(DIRECTORY ${CMAKE_SOURCE_DIR}/${_from}/ DESTINATION ${_share}/${_to})
  endif()
endforeach()

set(CPACK_PACKAGE_NAME piherd)
set(CPACK_PACKAGE_VENDOR "piherd")
set(CPACK_PACKAGE_CONTACT "piherd maintainers <piherd@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "builds a bare-metal Kubernetes HA cluster over SSH and keeps it converged")
set(CPACK_PACKAGE_DESCRIPTION
    "piherd reaches every host over SSH (no agent), brings it to the declared state\n(kernel, containerd, kubeadm packages, certificates, keepalived VIP, kubeadm\ninit/join) and keeps correcting drift. It exports Prometheus metrics; alert rules,\na Grafana dashboard and a systemd unit are in /usr/share/piherd.")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
if(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
      ${CMAKE_SYSROOT}/usr/lib/aarch64-linux-gnu ${CMAKE_SYSROOT}/lib/aarch64-linux-gnu)
  # Read by cpack at packaging time (CPackConfig.cmake), for dpkg-shlibdeps.
  set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_BINARY_DIR}/piherd-cpack-cross.cmake)
  file(WRITE ${CPACK_PROJECT_CONFIG_FILE}
       "set(ENV{DEB_HOST_ARCH} arm64)\nset(ENV{DPKG_ADMINDIR} \"${CMAKE_SYSROOT}/var/lib/piherd-dpkg\")\n")
endif()
include(CPack)
