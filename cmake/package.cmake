# posecast as a Debian package: `cpack -G DEB` in the build folder writes
# posecast_<version>_<arch>.deb with the binary, its data and fetch-models.sh in
# /usr/share/posecast, the systemd unit, the example config (a conffile), the man page and the
# maintainer scripts that make the posecast user. docs/deploy.md.
set(POSECAST_DEPLOY ${CMAKE_CURRENT_SOURCE_DIR}/deploy)

install(PROGRAMS scripts/fetch-models.sh DESTINATION share/posecast)
# Debian 12 keeps units and /etc outside the /usr prefix.
install(FILES ${POSECAST_DEPLOY}/systemd/posecast.service DESTINATION /lib/systemd/system)
install(FILES ${POSECAST_DEPLOY}/posecast.toml DESTINATION /etc/posecast)
install(FILES ${POSECAST_DEPLOY}/debian/copyright DESTINATION share/doc/posecast)
# A native package's changelog, compressed as Debian wants it (gzip -9n).
set(changelog ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz)
add_custom_command(OUTPUT ${changelog}
  COMMAND gzip -9nc ${POSECAST_DEPLOY}/debian/changelog > ${changelog}
  DEPENDS ${POSECAST_DEPLOY}/debian/changelog VERBATIM)
add_custom_target(posecast_changelog ALL DEPENDS ${changelog})
install(FILES ${changelog} DESTINATION share/doc/posecast)

# The man page, from --help (help2man when installed); not for a cross build, whose binary
# cannot run here.
find_program(HELP2MAN help2man)
if(HELP2MAN AND NOT CMAKE_CROSSCOMPILING)
  set(man ${CMAKE_CURRENT_BINARY_DIR}/posecast.1.gz)
  add_custom_command(OUTPUT ${man}
    COMMAND ${CMAKE_COMMAND} -DPOSECAST=$<TARGET_FILE:posecast> -DHELP2MAN=${HELP2MAN}
            -DOUTPUT=${man} -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/make_man.cmake
    DEPENDS posecast cmake/make_man.cmake
    COMMENT "Writing the man page from --help" VERBATIM)
  add_custom_target(posecast_man ALL DEPENDS ${man})
  install(FILES ${man} DESTINATION share/man/man1)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME posecast)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "posecast maintainers <maintainers@posecast.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "live exercise-pose coach for a small CPU-only device")
set(CPACK_PACKAGE_DESCRIPTION
    "posecast finds the body keypoints of a person in camera frames with\n"
    "MoveNet and gives feedback on the pose held and the reps counted,\n"
    "served to a browser on the network. It runs as a systemd service\n"
    "configured in /etc/posecast/posecast.toml.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # posecast_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/posecast/posecast")
# The shared libraries' packages from dpkg-shlibdeps; besides: the user, the model fetch (its
# integrity check), and the GStreamer plugins the video outputs load at run time.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "adduser, openssl, libopenblas0-pthread, gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, gstreamer1.0-plugins-bad, gstreamer1.0-plugins-ugly, gstreamer1.0-nice")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "curl, gstreamer1.0-rtsp")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "espeak-ng, mosquitto")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${POSECAST_DEPLOY}/debian/postinst ${POSECAST_DEPLOY}/debian/prerm
    ${POSECAST_DEPLOY}/debian/postrm ${POSECAST_DEPLOY}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)  # quick to build; xz saves little on the binary
include(CPack)
