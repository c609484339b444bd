#!/bin/bash
# OpenCMQ compatibility run of the Tencent CMQ Java SDK (see test/sdk/README.md).
# usage: JAVA_CMQ_SDK_SRC=<SDK src/main/java> bash run.sh [--out DIR] http://127.0.0.1:PORT [variants...]
#   variants: any of POST-sha1 POST-sha256 GET-sha1 GET-sha256 (default: all four)
#   JAVA_LIB_DIR: where okhttp.jar, okio.jar, slf4j-api.jar, slf4j-simple.jar are (default /usr/share/java)
#   CMQ_SECRET_ID / CMQ_SECRET_KEY: the server's credential (default AKIDjavatest / javatestsecret)
# Compiles the SDK and SdkCompat.java into DIR (a new temporary directory when --out is not given), then runs
# each variant: DIR/<variant>.results (RESULT lines), DIR/<variant>.stderr (SDK log), DIR/<variant>-wire.log.
# Prints each variant's SUMMARY line and FAIL lines, then "N passed, M failed"; exit status 1 when any failed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=
if [ "${1:-}" = "--out" ]; then OUT=${2:?--out needs a directory}; shift 2; fi
OUT=${OUT:-$(mktemp -d -t opencmq-javasdk-XXXXXX)}
SRC=${JAVA_CMQ_SDK_SRC:?set JAVA_CMQ_SDK_SRC to the SDK src/main/java directory}
[ -f "$SRC/com/qcloud/cmq/Account.java" ] || { echo "JAVA_CMQ_SDK_SRC=$SRC has no com/qcloud/cmq/Account.java" >&2; exit 2; }
EP=${1:?usage: run.sh [--out DIR] http://127.0.0.1:PORT [variants...]}; shift
VARIANTS=${*:-"POST-sha1 POST-sha256 GET-sha1 GET-sha256"}
LIB=${JAVA_LIB_DIR:-/usr/share/java}
CP=$LIB/okhttp.jar:$LIB/okio.jar:$LIB/slf4j-api.jar
mkdir -p "$OUT/sdk-classes" "$OUT/classes"
javac -nowarn -encoding UTF-8 -d "$OUT/sdk-classes" -cp "$CP" $(find "$SRC" -name '*.java') || exit 2
javac -nowarn -encoding UTF-8 -d "$OUT/classes" -cp "$OUT/sdk-classes:$CP" "$HERE/SdkCompat.java" || exit 2
echo "SDK $SRC, output in $OUT"
passed=0 failed=0 broken=0
for v in $VARIANTS; do
  m=${v%-*}; s=${v#*-}
  java -Dorg.slf4j.simpleLogger.log.com.qcloud.cmq.HttpUtil=debug -Dorg.slf4j.simpleLogger.showDateTime=true \
    -cp "$OUT/classes:$OUT/sdk-classes:$CP:$LIB/slf4j-simple.jar" \
    SdkCompat "$EP" "${CMQ_SECRET_ID:-AKIDjavatest}" "${CMQ_SECRET_KEY:-javatestsecret}" "$m" "$s" "$OUT" \
    > "$OUT/$v.results" 2> "$OUT/$v.stderr"
  rc=$?
  grep '^RESULT|[^|]*|[^|]*|FAIL|' "$OUT/$v.results"
  if grep -q '^SUMMARY|' "$OUT/$v.results"; then
    tail -n 1 "$OUT/$v.results"
  else
    echo "$v: no SUMMARY (exit $rc), see $OUT/$v.stderr"
    broken=$((broken + 1))
  fi
  passed=$((passed + $(grep -c '^RESULT|[^|]*|[^|]*|OK|' "$OUT/$v.results")))
  failed=$((failed + $(grep -c '^RESULT|[^|]*|[^|]*|FAIL|' "$OUT/$v.results")))
done
note=; [ "$broken" -gt 0 ] && note=", $broken did not finish"
echo "$passed passed, $failed failed ($(echo $VARIANTS | wc -w) setups$note)"
[ "$failed" -eq 0 ] && [ "$broken" -eq 0 ]
