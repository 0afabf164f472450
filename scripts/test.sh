#!/usr/bin/env bash
# Set up (idempotently), generate the fixtures, then run every test of the workspace against the real
# model and real media. This is the README's test command and what CI runs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"
# The multilingual model for workers/tests/language.rs (says "already installed" when it is).
"$CALLCOACH_BIN" models install base >&2
"$ROOT/scripts/fixtures.sh"
say "test: cargo test --release --workspace"
cargo test --release --locked --workspace "$@"
