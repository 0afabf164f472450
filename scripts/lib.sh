# Shared by the scripts: paths and small helpers. Source it, do not run it.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The cargo target dir lives outside the checkout so fresh clones (and CI) reuse earlier builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/callcoach-target}"
export CALLCOACH_MODELS="${CALLCOACH_MODELS:-$ROOT/models/weights}"
export CALLCOACH_FIXTURES="${CALLCOACH_FIXTURES:-$ROOT/fixtures}"
CALLCOACH_BIN="$CARGO_TARGET_DIR/release/callcoach"
# Tools built from crates.io for tests (the S3 server), kept outside the checkout like the target dir.
TOOLS_DIR="${CALLCOACH_TOOLS_DIR:-$HOME/.cache/callcoach-tools}"
S3S_FS_VERSION="0.14.1"
export CALLCOACH_S3S_FS="${CALLCOACH_S3S_FS:-$TOOLS_DIR/bin/s3s-fs}"
S3S_FS_BIN="$CALLCOACH_S3S_FS"
export DEBIAN_FRONTEND=noninteractive

say() { printf '%s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
