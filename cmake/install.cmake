# What `cmake --install` puts where (GNUInstallDirs, relative to the prefix),
# and the .deb CPack builds from it (`tools/package.sh`). The installed tree
# is relocatable: duban finds its share and plugin directories relative to
# its own binary (engine/runtime/layout.h).
set(DUBAN_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/tools/packaging)

install(TARGETS duban RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS duban_plugin_email duban_plugin_webhook duban_plugin_log
                duban_plugin_dingtalk duban_plugin_wecom
        LIBRARY DESTINATION ${DUBAN_INSTALL_PLUGINDIR})
# The shipped workflows: the annual cycle, holiday calendars, notice
# templates, and the 2021 Taishan roster and replay as a worked example.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/workflows DESTINATION ${DUBAN_INSTALL_SHAREDIR})
install(FILES ${PROJECT_SOURCE_DIR}/duban.example.toml DESTINATION ${DUBAN_INSTALL_SHAREDIR})
# The web pages `duban serve --listen` answers outside /api/ (runtime::WebDir).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/engine/http/web/ DESTINATION ${DUBAN_INSTALL_SHAREDIR}/web)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/duban.example.toml
              ${DUBAN_PACKAGING_DIR}/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian wants the changelog compressed, reproducibly (gzip -n).
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/changelog.gz
  COMMAND gzip -9n -c ${DUBAN_PACKAGING_DIR}/changelog > ${PROJECT_BINARY_DIR}/changelog.gz
  DEPENDS ${DUBAN_PACKAGING_DIR}/changelog VERBATIM)
add_custom_target(duban_changelog ALL DEPENDS ${PROJECT_BINARY_DIR}/changelog.gz)
install(FILES ${PROJECT_BINARY_DIR}/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The system's configuration (a conffile in the .deb): /etc/duban under the
# prefix /usr, else <prefix>/etc/duban (engine/runtime/layout.cpp agrees).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(DUBAN_INSTALL_CONFDIR /etc/duban)
else()
  set(DUBAN_INSTALL_CONFDIR ${CMAKE_INSTALL_SYSCONFDIR}/duban)
endif()
install(FILES ${DUBAN_PACKAGING_DIR}/duban.toml DESTINATION ${DUBAN_INSTALL_CONFDIR})
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/duban.1.gz
  COMMAND gzip -9n -c ${DUBAN_PACKAGING_DIR}/duban.1 > ${PROJECT_BINARY_DIR}/duban.1.gz
  DEPENDS ${DUBAN_PACKAGING_DIR}/duban.1 VERBATIM)
add_custom_target(duban_manpage ALL DEPENDS ${PROJECT_BINARY_DIR}/duban.1.gz)
install(FILES ${PROJECT_BINARY_DIR}/duban.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${DUBAN_PACKAGING_DIR}/duban.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME duban)
install(FILES ${DUBAN_PACKAGING_DIR}/duban.service DESTINATION lib/systemd/system)

# ---- the .deb -------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME duban)
set(CPACK_PACKAGE_VENDOR "duban developers")
set(CPACK_PACKAGE_CONTACT "duban developers <duban@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "follows assigned government work to completion (督办)")
set(CPACK_PACKAGE_DESCRIPTION
    "duban runs a county office's yearly assessment campaign: every member\n"
    "unit moves through the annual cycle as a state machine, with deadlines\n"
    "on the Chinese working-day calendar, escalations, supervisors'\n"
    "approvals, e-mail notices and a tamper-evident event log in an\n"
    "embedded SQLite database.")
set(CPACK_PACKAGE_FILE_NAME "duban_${PROJECT_VERSION}_amd64")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/duban")
# Dependencies come from the shared libraries (dpkg-shlibdeps), plus what
# the maintainer scripts and the time-zone rules need.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, debconf (>= 0.5) | debconf-2.0, tzdata")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${DUBAN_PACKAGING_DIR}/debian/conffiles
    ${DUBAN_PACKAGING_DIR}/debian/templates
    ${DUBAN_PACKAGING_DIR}/debian/config
    ${DUBAN_PACKAGING_DIR}/debian/postinst
    ${DUBAN_PACKAGING_DIR}/debian/prerm
    ${DUBAN_PACKAGING_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
