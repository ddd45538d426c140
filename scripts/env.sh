# Source me: puts the Swift toolchain on PATH when it is installed but not there (/opt/swift here).
if ! command -v swift >/dev/null 2>&1; then
  for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin /usr/local/swift/usr/bin; do
    if [ -x "$candidate/swift" ]; then
      export PATH="$candidate:$PATH"
      break
    fi
  done
fi
command -v swift >/dev/null 2>&1 || echo "scripts/env.sh: no swift toolchain found; install Swift 6.3 from swift.org" >&2
