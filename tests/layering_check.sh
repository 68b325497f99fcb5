#!/usr/bin/env bash
# The dependency rule of docs/ARCHITECTURE.md: common/ includes neither storage/ nor gateway/;
# gateway/ never includes storage/ (the two meet only through common/ and the wire format);
# storage/ never includes gateway/. Prints every violation; exits 1 if there is one.
set -u
cd "$(dirname "$0")/.."
bad=0
check() {  # check DIR FORBIDDEN-PREFIX...
  local dir=$1; shift
  for prefix in "$@"; do
    if hits=$(grep -rnE "^#include \"${prefix}/" "$dir" --include='*.h' --include='*.cc'); then
      echo "$dir must not include $prefix/ headers:"; echo "$hits"; bad=1
    fi
  done
}
check common storage gateway tools tests
check gateway storage tools tests
check storage gateway tools tests
[ $bad -eq 0 ] && echo "layering ok"
exit $bad
