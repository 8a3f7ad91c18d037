#!/usr/bin/env bash
# Debian packages the course needs, installed only when missing:
#   chromium        - the real browser that tests the book
#   fonts-noto-cjk  - so Chinese text renders in the browser and in figures
#   default-jre     - Java, for the COCO caption metrics (tokeniser, METEOR)
#   util-linux, iproute2 - unshare and ip: the book's offline build runs in a
#                     network namespace with only loopback
#   bubblewrap      - bwrap: the sandbox all student code runs in at grading time
#   nodejs, npm     - the course hub's proxy (configurable-http-proxy, from npm)
#   python3-venv    - the hub users' Python environment (Debian's python3)
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
/usr/bin/python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
echo "Installing Debian packages: ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_system_deps: apt-get not found; install ${need[*]} with your system's package manager" >&2
    exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null
