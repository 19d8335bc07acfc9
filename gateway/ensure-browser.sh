#!/usr/bin/env bash
# The console's browser tests (ConsoleBrowserTest, ConsoleSsoTest) drive Debian's headless
# Chromium through its chromedriver, both found on the PATH (support/Browser). The gateway's build
# runs this before its tests (gateway/pom.xml, profile browser-for-tests), so that `./mvnw verify`
# passes on a fresh machine: when either is missing, it installs Debian's chromium and
# chromium-driver where the build may (apt-get, as root or with password-less sudo), and otherwise
# fails saying what to install.
set -euo pipefail

found() { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }
found && exit 0 # the usual case: nothing to install, no apt, no network

packages="chromium chromium-driver"
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  sudo=none
fi
if [ "$sudo" != none ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-browser: installing Debian's $packages for the console's browser tests"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
  found && exit 0
  echo "ensure-browser: $packages installed, yet chromium or chromedriver is not on the PATH ($PATH)" >&2
  exit 1
fi

cat >&2 <<TXT
ensure-browser: the console's browser tests need Chromium and its chromedriver on the PATH, and this
build may not install them (it does so with apt-get, as root or with password-less sudo).
Install Debian's packages $packages:

    sudo apt-get install $packages

(elsewhere: a Chromium and its matching chromedriver, both on the PATH), or build with -DskipTests.
TXT
exit 1
