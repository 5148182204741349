#!/usr/bin/env bash
# Vendor the front-end assets CONTEST Hub serves (GOV.UK Frontend, htmx, Leaflet,
# and Swagger UI for /api/docs), and axe-core for the browser tests, from the
# npm registry into the repository, at exact pinned versions.
#
#   bash scripts/vendor-assets.sh
#
# Needs: bash, npm (any recent version), tar. Runs no package scripts: it only
# fetches each package's published tarball with `npm pack` into a temporary
# directory, unpacks it and copies the built files across. Re-running it
# replaces the vendored files wholesale, so stale files from an older version
# do not linger. It never touches app/static/README.md or app/static/app/.
#
# To upgrade: change a pin below, re-run, check `git diff --stat`, and update
# app/static/README.md. govuk-frontend must stay on the version that the PyPI
# package govuk-frontend-jinja (pinned in pyproject.toml) was ported from:
# govuk-frontend-jinja 4.1.x <-> govuk-frontend 6.3.0.
set -euo pipefail

GOVUK_FRONTEND_VERSION="6.3.0"
HTMX_VERSION="2.0.11"
LEAFLET_VERSION="1.9.4"
SWAGGER_UI_DIST_VERSION="5.35.0"
AXE_CORE_VERSION="4.14.1"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
static="$repo_root/app/static"
tests_vendor="$repo_root/tests/vendor"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/vendor-assets.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# fetch NAME VERSION -> prints the directory holding the unpacked package
fetch() {
  local name="$1" version="$2" tgz dir got
  tgz="$(cd "$tmp" && npm pack --silent --ignore-scripts "${name}@${version}" | tail -n 1)"
  dir="$tmp/unpacked-$name"
  mkdir -p "$dir"
  tar -xzf "$tmp/$tgz" -C "$dir"
  got="$(node -p 'require(process.argv[1]).version' "$dir/package/package.json")"
  if [[ "$got" != "$version" ]]; then
    echo "vendor-assets: wanted $name@$version but npm gave $got" >&2
    exit 1
  fi
  echo "$dir/package"
}

need() {
  local f
  for f in "$@"; do
    [[ -e "$f" ]] || { echo "vendor-assets: missing in package: $f" >&2; exit 1; }
  done
}

echo "vendor-assets: fetching packages into $tmp" >&2
govuk="$(fetch govuk-frontend "$GOVUK_FRONTEND_VERSION")"
htmx="$(fetch htmx.org "$HTMX_VERSION")"
leaflet="$(fetch leaflet "$LEAFLET_VERSION")"
swagger="$(fetch swagger-ui-dist "$SWAGGER_UI_DIST_VERSION")"
axe="$(fetch axe-core "$AXE_CORE_VERSION")"

# --- govuk-frontend -> app/static/govuk/ --------------------------------------
src="$govuk/dist/govuk"
need "$src/govuk-frontend.min.css" "$src/govuk-frontend.min.js" "$src/assets/manifest.json" \
  "$src/assets/fonts" "$src/assets/images"
rm -rf "$static/govuk"
mkdir -p "$static/govuk"
cp "$src/govuk-frontend.min.css" "$src/govuk-frontend.min.js" "$static/govuk/"
# Source maps: both minified files end with a sourceMappingURL comment.
for map in govuk-frontend.min.css.map govuk-frontend.min.js.map; do
  if [[ -f "$src/$map" ]]; then cp "$src/$map" "$static/govuk/"; fi
done
cp -R "$src/assets" "$static/govuk/assets"
# The npm package ships no licence file (package.json says "MIT"); this is the
# LICENSE.txt from the alphagov/govuk-frontend repository.
cat > "$static/govuk/LICENCE.txt" <<'EOF'
The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.

Note: the GDS Transport font files under assets/fonts/ are not covered by this
licence. Their own notice, kept in govuk-frontend.min.css, reads: "Copyright (c)
2011 by Margaret Calvert & Henrik Kubel. All rights reserved. The font has been
customised for exclusive use on gov.uk. This cut is not commercially available."
EOF

# Every url() in the compiled CSS must resolve to a vendored file once
# app/static/govuk/assets is served at /assets (see app/static/README.md).
css_urls="$(grep -o 'url([^)]*)' "$static/govuk/govuk-frontend.min.css" | sed -e 's/^url(//' -e 's/)$//' -e 's/^["'\'']//' -e 's/["'\'']$//' | sort -u)"
while IFS= read -r u; do
  [[ -z "$u" ]] && continue
  case "$u" in
    /assets/*) need "$static/govuk/assets/${u#/assets/}" ;;
    *) echo "vendor-assets: govuk CSS references an unexpected URL: $u (update app/static/README.md)" >&2; exit 1 ;;
  esac
done <<< "$css_urls"

# --- htmx -> app/static/htmx/ --------------------------------------------------
need "$htmx/dist/htmx.min.js" "$htmx/LICENSE"
rm -rf "$static/htmx"
mkdir -p "$static/htmx"
cp "$htmx/dist/htmx.min.js" "$static/htmx/htmx.min.js"
cp "$htmx/LICENSE" "$static/htmx/LICENCE.txt"

# --- leaflet -> app/static/leaflet/ --------------------------------------------
need "$leaflet/dist/leaflet.js" "$leaflet/dist/leaflet.css" "$leaflet/dist/images" "$leaflet/LICENSE"
rm -rf "$static/leaflet"
mkdir -p "$static/leaflet/images"
cp "$leaflet/dist/leaflet.js" "$leaflet/dist/leaflet.css" "$static/leaflet/"
# leaflet.js ends with a sourceMappingURL comment.
if [[ -f "$leaflet/dist/leaflet.js.map" ]]; then cp "$leaflet/dist/leaflet.js.map" "$static/leaflet/"; fi
cp "$leaflet/dist/images/"* "$static/leaflet/images/"
cp "$leaflet/LICENSE" "$static/leaflet/LICENCE.txt"

# --- swagger-ui-dist -> app/static/swagger/ -----------------------------------
# Only the classic UMD bundle (defines window.SwaggerUIBundle) and its CSS; our
# own app/static/app/api-docs.html + swagger-init.js replace the package's
# index.html / swagger-initializer.js. Apache-2.0: LICENSE and NOTICE go along,
# plus the bundle's third-party notices.
need "$swagger/swagger-ui-bundle.js" "$swagger/swagger-ui.css" "$swagger/LICENSE" "$swagger/NOTICE"
rm -rf "$static/swagger"
mkdir -p "$static/swagger"
cp "$swagger/swagger-ui-bundle.js" "$swagger/swagger-ui.css" "$static/swagger/"
# swagger-ui.css ends with a sourceMappingURL comment (the bundle has none).
if [[ -f "$swagger/swagger-ui.css.map" ]]; then cp "$swagger/swagger-ui.css.map" "$static/swagger/"; fi
cp "$swagger/LICENSE" "$static/swagger/LICENCE.txt"
cp "$swagger/NOTICE" "$static/swagger/NOTICE.txt"
if [[ -f "$swagger/swagger-ui-bundle.js.LICENSE.txt" ]]; then
  cp "$swagger/swagger-ui-bundle.js.LICENSE.txt" "$static/swagger/LICENCE-3RD-PARTY.txt"
fi
# The CSS must not load anything from elsewhere: only data: URIs are allowed.
if grep -o 'url([^)]*)' "$static/swagger/swagger-ui.css" | grep -v -E '^url\(["'\'']?data:' | grep -q .; then
  echo "vendor-assets: swagger-ui.css references a non-data: URL (update app/static/README.md)" >&2
  exit 1
fi

# --- axe-core -> tests/vendor/ -------------------------------------------------
need "$axe/axe.min.js" "$axe/LICENSE"
mkdir -p "$tests_vendor"
rm -f "$tests_vendor/axe.min.js" "$tests_vendor"/axe-core.LICENCE*.txt
cp "$axe/axe.min.js" "$tests_vendor/axe.min.js"
cp "$axe/LICENSE" "$tests_vendor/axe-core.LICENCE.txt"
if [[ -f "$axe/LICENSE-3RD-PARTY.txt" ]]; then
  cp "$axe/LICENSE-3RD-PARTY.txt" "$tests_vendor/axe-core.LICENCE-3RD-PARTY.txt"
fi

# --- record versions -----------------------------------------------------------
cat > "$static/VERSIONS.txt" <<EOF
# Written by scripts/vendor-assets.sh; do not edit by hand.
govuk-frontend@$GOVUK_FRONTEND_VERSION -> app/static/govuk/
htmx.org@$HTMX_VERSION -> app/static/htmx/
leaflet@$LEAFLET_VERSION -> app/static/leaflet/
swagger-ui-dist@$SWAGGER_UI_DIST_VERSION -> app/static/swagger/
axe-core@$AXE_CORE_VERSION -> tests/vendor/axe.min.js
EOF

echo "vendor-assets: done" >&2
du -sh "$static/govuk" "$static/htmx" "$static/leaflet" "$static/swagger" "$tests_vendor/axe.min.js" >&2
