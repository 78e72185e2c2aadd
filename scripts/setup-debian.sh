#!/bin/sh
# Installs the Debian packages Bounce's build, demo and tests use (run as root, or with sudo).
#   clang lld llvm        the stub and its import libraries (llvm-dlltool, llvm-rc)
#   libclang-rt-14-dev    sanitizers and libFuzzer for the stub's native unit tests and fuzzer
#   gcc-mingw-w64-x86-64  the Windows test programs (probe, harness, rawchild), with a real C runtime
#   gcc-mingw-w64-i686    the 32-bit test programs (probe, rawchild) that the x86 launchers start
#   wine wine64           runs the launchers on Linux
#   wine32:i386           runs 32-bit Windows programs (the x86 stubs); needs the i386 architecture
#                         added below. A Wine prefix made before wine32 was installed has no 32-bit
#                         system DLLs: delete it (.wine-test/prefix) and the tests recreate it
#   tmux                  a real console, to deliver Ctrl-C as a person presses it
#   osslsigncode openssl  the signing test
#   unzip                 an independent zip reader for the launcher's zipapp
set -eu
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# wine32 is an i386 package: enable multiarch first (a no-op when already enabled), so that the
# one apt-get update below fetches the i386 package lists too.
if ! dpkg --print-foreign-architectures | grep -qx i386; then
  $SUDO dpkg --add-architecture i386
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
  clang lld llvm libclang-rt-14-dev \
  gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 \
  wine wine64 wine32:i386 tmux osslsigncode openssl unzip ca-certificates python3
