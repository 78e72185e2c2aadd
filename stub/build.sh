#!/bin/sh
# Builds the six launcher stubs into stub/bin/ with Debian's clang, lld and llvm-dlltool.
#
#   sh stub/build.sh            build stub/bin/{x64,x86,arm64}-{console,gui}.exe
#   sh stub/build.sh --check    build into a temporary folder and fail unless the bytes equal
#                               the committed stub/bin/ (CI runs this)
#   OUT=dir CFLAGS_EXTRA=-D... sh stub/build.sh x64-console
#                               one variant elsewhere (the tests' negative controls)
#
# Reproducible: no timestamps (/Brepro), no debug info, no paths of this machine in the output.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src="$here/src"
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
variants=${*:-"x64-console x64-gui x86-console x86-gui arm64-console arm64-gui"}
out=${OUT:-"$here/bin"}
if [ $check = 1 ]; then out=$(mktemp -d); fi
obj=$(mktemp -d)
trap 'rm -rf "$obj"; [ $check = 1 ] && rm -rf "$out"; true' EXIT
mkdir -p "$out"

triple() {
  case $1 in
    x64) echo x86_64-pc-windows-msvc ;;
    x86) echo i686-pc-windows-msvc ;;
    arm64) echo aarch64-pc-windows-msvc ;;
  esac
}
machine() {
  case $1 in x64) echo i386:x86-64 ;; x86) echo i386 ;; arm64) echo arm64 ;; esac
}

# Import libraries from our .def files; x86 keeps the stdcall @N decoration in the symbol
# (-k strips it from the imported name), the others drop it.
import_lib() { # arch name
  def="$obj/$2-$1.def"
  if [ "$1" = x86 ]; then cp "$src/$2.def" "$def"; else sed 's/@[0-9]*$//' "$src/$2.def" > "$def"; fi
  llvm-dlltool -m "$(machine "$1")" -d "$def" -l "$obj/$2-$1.lib" -k
}

# llvm-rc reads any argument that starts with "/" as an option, so an input path under, say,
# /ci/... or /data/... fails with "Exactly one input file should be provided" (CI's clone
# lived at such a path): the input goes by a relative name from its own folder.
(cd "$src" && llvm-rc /nologo /fo "$obj/stub.res" stub.rc)

common_c="launcher.c diag.c payload.c cmdline.c fdblock.c wbuf.c mem.c"
for v in $variants; do
  arch=${v%-*}; ui=${v#*-}
  import_lib "$arch" kernel32
  # kernel32 only: the GUI variant loads user32 at run time (ui_gui.c says why).
  libs="$obj/kernel32-$arch.lib"
  objs=""
  for c in $common_c "ui_$ui.c"; do
    o="$obj/$v-${c%.c}.o"
    # -fno-builtin keeps clang from turning loops into calls we would have to provide;
    # no stack probes (no __chkstk without a CRT): the stub keeps its frames small.
    # -flto: the linker optimises the stub as one unit (about 500 bytes smaller per stub).
    clang --target="$(triple "$arch")" -std=c11 -Oz -flto -ffreestanding -fno-jump-tables -fno-builtin \
      -fno-stack-protector -fno-asynchronous-unwind-tables -fno-ident -mno-stack-arg-probe \
      -Wall -Wextra -Werror ${CFLAGS_EXTRA:-} -c "$src/$c" -o "$o"
    objs="$objs $o"
  done
  subsystem=console; [ "$ui" = gui ] && subsystem=windows
  extra=""; [ "$arch" = x64 ] && extra="/highentropyva"
  # One section for code, constants and imports, one for resources, and .reloc where the
  # architecture needs it: each section costs at least 512 bytes of file.
  # /merge:.data=.text: the stub has no writable globals, and lld 14 sizes the PE headers
  # for every section it might emit, so an empty .data alone would push them from 512 to
  # 1,024 bytes. A writable global added by mistake would make .text writable: the check
  # below refuses that.
  lld-link /nologo /nodefaultlib /entry:bounce_entry /subsystem:$subsystem /machine:"$arch" \
    /Brepro /opt:ref /opt:icf /dynamicbase /nxcompat $extra /merge:.rdata=.text /merge:.data=.text \
    /manifest:no /out:"$out/$v.exe" $objs "$obj/stub.res" $libs
  # No writable section at all: with .data merged into .text, a writable global would make
  # the code writable too.
  if llvm-readobj --sections "$out/$v.exe" | grep -q IMAGE_SCN_MEM_WRITE; then
    echo "$out/$v.exe: a section is writable (a global variable in stub/src?); the stub must have none" >&2
    exit 1
  fi
done

if [ $check = 1 ]; then
  status=0
  for v in $variants; do
    if cmp -s "$out/$v.exe" "$here/bin/$v.exe"; then echo "stub/bin/$v.exe: rebuilt byte-identical"
    else echo "stub/bin/$v.exe: DIFFERS from a fresh build of stub/src (run: npm run stubs)"; status=1; fi
  done
  exit $status
fi
for v in $variants; do echo "$out/$v.exe: $(wc -c < "$out/$v.exe") bytes"; done
