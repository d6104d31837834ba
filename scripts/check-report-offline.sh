#!/usr/bin/env bash
# Open a lacuna report.html in headless Chromium with the network disabled, take a screenshot,
# and list any request the page made (compared with a blank page, so Chromium's own background
# traffic is not counted). Needs Debian's `chromium` package and python3.
# usage: scripts/check-report-offline.sh out/report.html [screenshot.png]
set -euo pipefail
REPORT=$(realpath "$1"); SHOT=${2:-report-screenshot.png}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
FLAGS=(--headless=new --no-sandbox --disable-gpu --disable-background-networking
  --disable-component-update --disable-sync --no-first-run --disable-default-apps
  --disable-extensions --proxy-server=127.0.0.1:9 --window-size=1200,2600)
echo '<html><body>blank</body></html>' > "$TMP/blank.html"
chromium "${FLAGS[@]}" --screenshot="$TMP/blank.png" --log-net-log="$TMP/blank.json" "file://$TMP/blank.html" >/dev/null 2>&1
chromium "${FLAGS[@]}" --screenshot="$SHOT" --log-net-log="$TMP/report.json" "file://$REPORT" >/dev/null 2>&1
python3 - "$TMP/blank.json" "$TMP/report.json" <<'PY'
import json, re, sys
def urls(path):
    out = set()
    for e in json.load(open(path))["events"]:
        u = e.get("params", {}).get("url")
        # Chromium's own services (sign-in, time, dictionaries, check-in) call these hosts at
        # random moments even for a blank page; a report has no reason to.
        host = re.sub(r"^[a-z]+://([^/:]+).*", r"\1", u or "")
        if re.search(r"(google\.com|gvt1\.com|googleapis\.com)$", host):
            continue
        if u and not u.startswith(("file:", "data:")):
            out.add(re.sub(r"\?.*", "", u))
    return out
extra = sorted(urls(sys.argv[2]) - urls(sys.argv[1]))
print("requests made by the report:", extra or "none")
sys.exit(1 if extra else 0)
PY
echo "screenshot: $SHOT"
