#!/bin/sh
# Installs the Debian packages Bounce's build, demo and tests use (run as root, or with sudo).
#   clang lld llvm        the stub and its import libraries (llvm-dlltool, llvm-rc)
#   libclang-rt-14-dev    sanitizers and libFuzzer for the stub's native unit tests and fuzzer
#   gcc-mingw-w64-x86-64  the Windows test programs (probe, harness), with a real C runtime
#   wine wine64           runs the launchers on Linux
#   tmux                  a real console, to deliver Ctrl-C as a person presses it
#   osslsigncode openssl  the signing test
#   unzip                 an independent zip reader for the launcher's zipapp
set -eu
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
  clang lld llvm libclang-rt-14-dev \
  gcc-mingw-w64-x86-64 \
  wine wine64 tmux osslsigncode openssl unzip ca-certificates python3
