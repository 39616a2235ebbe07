#!/usr/bin/env bash
# Installs what `npm run test:vscode` needs: code-server (VS Code in a browser) and headless Chromium. Idempotent;
# the install is cached OUTSIDE the repository (not a project dependency):
#   ${VIREL_CODE_SERVER_CACHE:-$HOME/.cache/virel-code-server}/<version>/node_modules/code-server
# A finished install leaves a `.complete` marker; a rerun with the marker present returns at once.
#
# Why by hand (facts measured on Debian 12, Node 20, npm 11, as root):
# - code-server >= 4.101 needs Node 22+/24; 4.100.3 (VS Code 1.100.3) runs on Node 20.
# - its postinstall (npm install in lib/vscode and lib/vscode/extensions) fails in a global install
#   (TAR_ENTRY_ERROR) and wants --unsafe-perm as root; @vscode/ripgrep's postinstall downloads a binary from
#   GitHub (unreachable here). So: install with --ignore-scripts, then do the postinstall steps ourselves, with
#   Debian's ripgrep in place of the download and libkrb5-dev for the `kerberos` native module.
set -euo pipefail
VERSION="${VIREL_CODE_SERVER_VERSION:-4.100.3}"
CACHE="${VIREL_CODE_SERVER_CACHE:-$HOME/.cache/virel-code-server}/$VERSION"
CS="$CACHE/node_modules/code-server"
log() { printf 'ci/vscode: %s\n' "$*"; }

need_apt=()
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
for tool in make g++ python3; do command -v "$tool" >/dev/null 2>&1 || need_apt+=(build-essential python3); done
if [ "${#need_apt[@]}" -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need_apt[@]}" | sort -u) >/dev/null
fi

if [ -f "$CACHE/.complete" ] && [ -f "$CS/out/node/entry.js" ]; then
  log "code-server $VERSION cached in $CACHE"
  exit 0
fi

start=$(date +%s)
mkdir -p "$CACHE"
cd "$CACHE"
[ -f package.json ] || echo '{"name":"virel-code-server-cache","private":true}' > package.json
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
log "npm install code-server@$VERSION --ignore-scripts"
npm install --ignore-scripts --save-exact "code-server@$VERSION" >/dev/null
log "npm rebuild argon2 (code-server's password hashing, native)"
npm rebuild argon2 >/dev/null

# code-server's postinstall.sh, step by step.
cd "$CS/lib/vscode"
log "lib/vscode: npm install --omit=dev --ignore-scripts"
npm install --omit=dev --ignore-scripts >/dev/null
# @vscode/ripgrep: its postinstall downloads rg; put Debian's in its place.
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
log "lib/vscode: build the native modules (npm rebuild)"
# Rebuild everything with an install script except ripgrep (done above); node-pty prints an error from its
# postinstall but builds pty.node.
mods=$(node -e '
  const fs=require("fs"),p=require("path");const out=[];
  const walk=(d,pre)=>{for(const n of fs.readdirSync(d)){if(n.startsWith("."))continue;const f=p.join(d,n);
    if(n.startsWith("@")){walk(f,n+"/");continue}
    try{const j=JSON.parse(fs.readFileSync(p.join(f,"package.json"),"utf8"));const s=j.scripts||{};
      if((s.install||s.postinstall||fs.existsSync(p.join(f,"binding.gyp")))&&pre+n!=="@vscode/ripgrep")out.push(pre+n)}catch{}}};
  walk("node_modules","");console.log(out.join(" "))')
log "  $mods"
for m in $mods; do npm rebuild "$m" >/dev/null 2>&1 || log "  (npm rebuild $m reported an error; continuing)"; done
rm -rf node_modules.asar && ln -s node_modules node_modules.asar
(cd bin/remote-cli && rm -rf code-server && ln -s code-linux.sh code-server)
(cd bin/helpers && rm -rf browser.sh && ln -s browser-linux.sh browser.sh)
cd extensions
log "lib/vscode/extensions: npm install --omit=dev"
npm install --omit=dev --ignore-scripts >/dev/null
cd "$CS"
node out/node/entry.js --version >/dev/null
touch "$CACHE/.complete"
log "code-server $VERSION installed in $CACHE in $(( $(date +%s) - start )) s"
