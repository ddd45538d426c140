#!/usr/bin/env bash
# Installs the C libraries mmolre builds on, from Debian's packages (DESIGN section 1); with --tests
# also pdflatex for the LaTeX export test. Idempotent: installs only what is missing. Uses sudo when
# not run as root.
set -euo pipefail
packages=(libopenblas-dev libsqlite3-dev libhdf5-dev)
if [[ "${1:-}" == "--tests" ]]; then
  packages+=(texlive-latex-base texlive-latex-recommended)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  run=()
  [[ "$(id -u)" == 0 ]] || run=(sudo)
  "${run[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
