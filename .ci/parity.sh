#!/usr/bin/env bash
# Forward parity of `netrun predict` with PyTorch on the four reference networks.
# Needs python3 with torch and numpy (CI: pip install torch numpy). Builds netrun in
# release, writes each reference with Tests/Peers/reference.py (random weights, batch 2),
# runs predict, and fails unless every relative error is below 1e-4 (--compare's rule).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
reference="$root/Tests/Peers/reference.py"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
swift build -c release --package-path "$root" --product netrun >/dev/null
netrun="$(swift build -c release --package-path "$root" --show-bin-path)/netrun"
status=0
for model in alexnet googlenet fashion-alexnet fashion-googlenet; do
    python3 "$reference" --model "$model" --batch 2 --out "$work/$model" >/dev/null
    "$netrun" predict "$root/Configs/$model.yaml" --weights "$work/$model/weights.safetensors" \
        --input "$work/$model/input.npy" --output "$work/$model/netrun.npy" >/dev/null
    printf '%-18s ' "$model"
    python3 "$reference" --compare "$work/$model/output.npy" "$work/$model/netrun.npy" || status=1
done
exit $status
