#!/usr/bin/env bash
# Installs the browser test's npm dependencies into tests/e2e/browser/node_modules (git-ignored).
# Idempotent: nothing happens when the pinned playwright-core is already there. playwright-core
# downloads no browser; the tests drive Debian's Chromium (/usr/bin/chromium, scripts/setup.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

wanted=$(node -p "require('./package.json').dependencies['playwright-core']")
installed=$(node -p "try { require('./node_modules/playwright-core/package.json').version } catch { '' }")
if [[ $installed == "$wanted" ]]; then
  echo "browser e2e: playwright-core $installed present"
  exit 0
fi

echo "browser e2e: installing playwright-core $wanted"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi
if [[ ! -x /usr/bin/chromium ]]; then
  echo "browser e2e: warning: /usr/bin/chromium is missing (apt-get install chromium);" \
    "the browser test will be skipped" >&2
fi
