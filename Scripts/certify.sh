#!/bin/sh
# Exhaustive float32 certificates of the built-in kernels, one per entry and quantity, into
# Reference/certificates/ (1–2.5 minutes each on this project's 2-core VM, all 54 in 87 minutes; resumable:
# rerun to continue).
#   Scripts/certify.sh [entry ...]          default: every entry, value and derivative
# To spread one entry over machines (a CI matrix, an array job): run shards k/n anywhere, e.g.
#   activation-oracle exhaustive gelu --shard $K/16 -o gelu-$K.json     (K = 0..15)
# then: activation-oracle exhaustive merge gelu-*.json -o Reference/certificates/gelu.json
set -e
cd "$(dirname "$0")/.."
swift build -c release --product activation-oracle >/dev/null
B=.build/release/activation-oracle
entries="$*"
[ -n "$entries" ] || entries=$($B list | grep -v '^ ' | cut -d' ' -f1)
for e in $entries; do
  for d in "" "--derivative"; do
    out="Reference/certificates/$e${d:+-derivative}.json"
    $B exhaustive "$e" $d --quiet -o "$out" || echo "$e $d: beyond its bound (see $out)"
  done
done
$B docs >/dev/null   # the index lists the certificates
