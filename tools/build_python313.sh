#!/bin/sh
# Build CPython 3.13 from Debian trixie's python3.13 source package, once, into
# /opt/python3.13 (PREFIX). Used by `make test-py313`; a second run finds the build and
# exits at once. The build runs under `nice -n 19` so a shared machine is not starved.
set -eu
PREFIX=${PREFIX:-/opt/python3.13}
SRC=${SRC:-/opt/python3.13-src}
if [ -x "$PREFIX/bin/python3.13" ]; then
    echo "python3.13 already built in $PREFIX"
    exit 0
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
LIST=/etc/apt/sources.list.d/kettle-trixie-src.sources
if [ ! -f "$LIST" ]; then
    printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' 'Suites: trixie' \
        'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
        | $SUDO tee "$LIST" >/dev/null
fi
# Other apt users may hold the lists lock for a while: wait for it.
tries=0
until $SUDO apt-get update -qq; do
    tries=$((tries + 1)); [ "$tries" -lt 30 ] || exit 1; sleep 10
done
$SUDO mkdir -p "$SRC"
$SUDO chown "$(id -u)" "$SRC"
cd "$SRC"
ls python3.13_*.orig.tar.* >/dev/null 2>&1 || apt-get source --download-only python3.13
ORIG=$(ls python3.13_*.orig.tar.* | head -n 1)
rm -rf build && mkdir build
tar -xf "$ORIG" -C build --strip-components=1
cd build
nice -n 19 ./configure --prefix="$PREFIX" --quiet
nice -n 19 make -s -j2
$SUDO nice -n 19 make -s altinstall
"$PREFIX/bin/python3.13" -c 'import ssl, sqlite3, zlib, ctypes, bz2, lzma; print("built", __import__("sys").version)'
