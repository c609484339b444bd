#!/bin/bash
# OpenCMQ compatibility run of the TDMQ-CMQ Go SDK (see test/sdk/README.md).
# usage: GO_CMQ_SDK_DIR=<SDK module dir> bash run.sh [--out DIR] -url http://127.0.0.1:PORT \
#          [-noauth-url http://127.0.0.1:PORT2] [-v] [-secret-id ID -secret-key KEY]
# Copies main.go and go.mod to DIR/build (a new temporary directory when --out is not given), points the
# SDK requirement at $GO_CMQ_SDK_DIR with `go mod edit -replace`, builds offline and runs the binary.
# Exit status: the driver's (1 when a check failed).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=
if [ "${1:-}" = "--out" ]; then OUT=${2:?--out needs a directory}; shift 2; fi
OUT=${OUT:-$(mktemp -d -t opencmq-gosdk-XXXXXX)}
SDK=${GO_CMQ_SDK_DIR:?set GO_CMQ_SDK_DIR to the Go SDK module directory (with go.mod and client.go)}
[ -f "$SDK/go.mod" ] || { echo "GO_CMQ_SDK_DIR=$SDK has no go.mod" >&2; exit 2; }
SDK=$(cd "$SDK" && pwd)
mkdir -p "$OUT/build"
OUT=$(cd "$OUT" && pwd)
cp "$HERE/main.go" "$HERE/go.mod" "$OUT/build/"
cd "$OUT/build"
go mod edit -replace "github.com/TencentCloud/tencentcloud-cmq-sdk-go=$SDK"
GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off go build -o "$OUT/gosdkrun" .
echo "built $OUT/gosdkrun against $SDK"
exec "$OUT/gosdkrun" "$@"
