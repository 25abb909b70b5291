#!/usr/bin/env bash
# Fails when a module includes a module it may not use (README.md, "Layout").
# Link dependencies catch most violations; this catches header-only ones too.
set -euo pipefail
cd "$(dirname "$0")/../src"

declare -A allowed=(
  [common]="common"
  [model]="model common"
  [redis]="redis common"
  [parse]="parse model common"
  [store]="store model common"
  [persist]="persist store model common"
  [shared]="shared persist redis store model common"
  [expose]="expose model common"
  [config]="config model common"
  [http]="http parse expose store config model common"
  [app]="app http shared redis persist parse expose store config model common"
)

status=0
for module in "${!allowed[@]}"; do
  while IFS= read -r line; do
    file=${line%%:*}
    included=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$line")
    # Tests may use other modules to build their inputs; production code may not.
    [[ "$file" == *_test.cc ]] && continue
    if [[ " ${allowed[$module]} " != *" $included "* ]]; then
      echo "layering: $file includes \"$included/...\", which $module/ may not use"
      status=1
    fi
  done < <(grep -HE '^#include "[a-z_]+/' "$module"/*.h "$module"/*.cc 2>/dev/null || true)
done
if [[ $status -eq 0 ]]; then echo "layering ok"; fi
exit $status
