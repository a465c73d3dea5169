#!/usr/bin/env node
/**
 * The one place that finds (and, on a fresh machine, installs) the browsers the project drives:
 * Chromium for `npm start`, the Playwright suites, the bench and `.ci/run`; Firefox for the
 * Firefox test. Dependency-free on purpose: `.ci/run` may call it before `npm ci`.
 *
 *   node scripts/browser.mjs ensure chromium firefox   find each, install what is missing
 *   node scripts/browser.mjs path chromium             print the path, or fail with the command to run
 *
 * Order: the env variable (CHROME_PATH / FIREFOX_PATH) → the path an earlier `ensure` recorded →
 * the names on PATH → well-known install paths → Playwright's own cache (Chromium only; its Firefox
 * is a patched build without WebDriver BiDi) → `npx playwright install chromium` → as root on
 * Debian/Ubuntu, `apt-get install` → otherwise stop with the one command to run. What `ensure`
 * installed is recorded in node_modules/.cache, so later `path` calls find it without a search.
 *
 * Everything the search touches comes in through `sys`, so the decision logic is tested in Vitest
 * (tests/scripts/browser.test.ts). Two env variables make a real machine look fresh, to prove the
 * install path without uninstalling anything: X402_BROWSER_FRESH=1 skips the well-known paths and
 * the Playwright cache; X402_BROWSER_SEARCH_PATH replaces PATH for the search. (A clean clone has
 * no recorded path: it lives in node_modules.)
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** @typedef {'chromium' | 'firefox'} BrowserKind */

export const BROWSERS = {
  chromium: {
    label: 'Chromium',
    env: 'CHROME_PATH',
    names: ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'],
    paths: {
      linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome', '/opt/google/chrome/chrome'],
      darwin: ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'],
      win32: ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe'],
    },
    playwright: {
      name: 'chromium',
      dir: /^chromium-\d+$/,
      binaries: ['chrome-linux64/chrome', 'chrome-linux/chrome', 'chrome-mac-arm64/Chromium.app/Contents/MacOS/Chromium', 'chrome-mac/Chromium.app/Contents/MacOS/Chromium', 'chrome-win64/chrome.exe', 'chrome-win/chrome.exe'],
    },
    apt: { debian: 'chromium', ubuntu: 'chromium-browser' },
  },
  firefox: {
    label: 'Firefox',
    env: 'FIREFOX_PATH',
    names: ['firefox-esr', 'firefox'],
    paths: {
      linux: ['/usr/bin/firefox-esr', '/usr/bin/firefox', '/usr/lib/firefox-esr/firefox-esr', '/snap/bin/firefox'],
      darwin: ['/Applications/Firefox.app/Contents/MacOS/firefox'],
      win32: ['C:\\Program Files\\Mozilla Firefox\\firefox.exe'],
    },
    playwright: null,
    apt: { debian: 'firefox-esr', ubuntu: 'firefox' },
  },
};

export class BrowserNotFoundError extends Error {
  /** @param {BrowserKind} kind @param {string} message @param {string} command */
  constructor(kind, message, command) {
    super(message);
    this.name = 'BrowserNotFoundError';
    this.code = 'browser_not_found';
    this.kind = kind;
    /** The one command that gets the person unstuck. */
    this.command = command;
  }
}

/** The real machine. Tests pass their own. */
export function systemSys() {
  const env = process.env;
  return {
    env,
    platform: process.platform,
    home: homedir(),
    uid: typeof process.getuid === 'function' ? process.getuid() : -1,
    cacheFile: env.X402_BROWSER_CACHE || resolve(dirname(fileURLToPath(import.meta.url)), '../node_modules/.cache/x402-session-wallet/browsers.json'),
    isExecutable(p) {
      try {
        accessSync(p, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    listDir(p) {
      try {
        return readdirSync(p);
      } catch {
        return [];
      }
    },
    readFile(p) {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return null;
      }
    },
    writeFile(p, text) {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    },
    /** Runs a command with inherited output; returns its exit status (null: could not start / timed out). */
    run(cmd, args, opts = {}) {
      const r = spawnSync(cmd, args, { stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'], encoding: 'utf8', timeout: opts.timeoutMs ?? 600_000, env: { ...env, ...(opts.env ?? {}) } });
      // A quiet step that fails shows its last words, not pages of retries.
      if (opts.quiet && r.status !== 0) for (const line of `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').filter((l) => /error|fail/i.test(l) && !/^\s+at /.test(l)).slice(0, 2)) console.error(`  ${line.trim()}`);
      return r.error ? null : r.status;
    },
    /** Lines of a command's stdout, or [] when it fails. */
    capture(cmd, args) {
      const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 });
      return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
    },
    log(line) {
      console.error(line);
    },
  };
}

/** @returns {boolean} */
function fresh(sys) {
  return sys.env.X402_BROWSER_FRESH === '1';
}

function searchPath(sys) {
  return sys.env.X402_BROWSER_SEARCH_PATH ?? sys.env.PATH ?? '';
}

function readCache(sys) {
  try {
    const parsed = JSON.parse(sys.readFile(sys.cacheFile) ?? '{}');
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

function remember(sys, kind, path) {
  const cache = { ...readCache(sys), [kind]: path };
  try {
    sys.writeFile(sys.cacheFile, `${JSON.stringify(cache, null, 2)}\n`);
  } catch {
    // Only a shortcut for the next call; the search finds it again without it.
  }
}

/** Newest first: a cache may hold several revisions after upgrades. */
function playwrightCandidates(spec, sys, { evenWhenFresh = false } = {}) {
  if (!spec.playwright || (fresh(sys) && !evenWhenFresh)) return [];
  const roots = sys.env.PLAYWRIGHT_BROWSERS_PATH && sys.env.PLAYWRIGHT_BROWSERS_PATH !== '0'
    ? [sys.env.PLAYWRIGHT_BROWSERS_PATH]
    : sys.platform === 'darwin'
      ? [join(sys.home, 'Library/Caches/ms-playwright')]
      : sys.platform === 'win32'
        ? [join(sys.env.LOCALAPPDATA ?? join(sys.home, 'AppData/Local'), 'ms-playwright')]
        : [join(sys.env.XDG_CACHE_HOME ?? join(sys.home, '.cache'), 'ms-playwright')];
  const out = [];
  for (const root of roots) {
    const dirs = sys.listDir(root).filter((d) => spec.playwright.dir.test(d));
    dirs.sort((a, b) => Number(b.split('-')[1]) - Number(a.split('-')[1]));
    for (const d of dirs) for (const bin of spec.playwright.binaries) out.push(join(root, d, bin));
  }
  return out;
}

/**
 * Where the browser is, without installing anything. Throws when the env variable names a file that
 * is not there (a wrong setting is reported, not silently replaced by another browser).
 *
 * @param {BrowserKind} kind
 * @returns {{ path: string, source: string } | null}
 */
export function locateBrowser(kind, sys = systemSys()) {
  const spec = BROWSERS[kind];
  if (!spec) throw new Error(`unknown browser ${kind}`);
  const fromEnv = sys.env[spec.env];
  if (fromEnv) {
    if (!sys.isExecutable(fromEnv)) throw new BrowserNotFoundError(kind, `${spec.env}=${fromEnv}, but there is no executable there.`, `unset ${spec.env}`);
    return { path: fromEnv, source: spec.env };
  }
  const recorded = readCache(sys)[kind];
  if (typeof recorded === 'string' && sys.isExecutable(recorded)) return { path: recorded, source: 'recorded' };
  const ext = sys.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of searchPath(sys).split(sys.platform === 'win32' ? ';' : delimiter).filter(Boolean)) {
    for (const name of spec.names) for (const e of ext) {
      const p = join(dir, name + e);
      if (sys.isExecutable(p)) return { path: p, source: 'PATH' };
    }
  }
  if (!fresh(sys)) for (const p of spec.paths[sys.platform] ?? []) if (sys.isExecutable(p)) return { path: p, source: 'known path' };
  for (const p of playwrightCandidates(spec, sys)) if (sys.isExecutable(p)) return { path: p, source: 'playwright cache' };
  return null;
}

/** 'debian' | 'ubuntu' | null, from /etc/os-release (ID, then ID_LIKE). */
export function aptFlavour(osRelease) {
  if (!osRelease) return null;
  const field = (k) => (new RegExp(`^${k}=(.*)$`, 'm').exec(osRelease)?.[1] ?? '').replace(/^["']|["']$/g, '').toLowerCase();
  const ids = [field('ID'), ...field('ID_LIKE').split(/\s+/)];
  if (ids.includes('ubuntu')) return 'ubuntu';
  if (ids.includes('debian')) return 'debian';
  return null;
}

/** The one command to run when nothing could be done automatically. */
export function installHint(kind, sys) {
  const spec = BROWSERS[kind];
  const flavour = sys.platform === 'linux' ? aptFlavour(sys.readFile('/etc/os-release')) : null;
  if (flavour) return `${sys.uid === 0 ? '' : 'sudo '}apt-get install -y ${spec.apt[flavour]}`;
  if (spec.playwright) return `npx playwright install ${spec.playwright.name}   (or set ${spec.env} to a ${spec.label} binary)`;
  return `install ${spec.label} and set ${spec.env} to its binary`;
}

/**
 * The binary a Debian package installed, by dpkg's own list (found even when PATH hides it), in
 * the order of our names: Debian's /usr/bin/firefox is a wrapper that looks firefox-esr up on PATH.
 */
function aptInstalledBinary(pkg, kind, sys) {
  const bins = sys.capture('dpkg', ['-L', pkg]).filter((line) => /\/bin\/[^/]+$/.test(line));
  for (const name of BROWSERS[kind].names) {
    const hit = bins.find((line) => line.split('/').pop() === name && sys.isExecutable(line));
    if (hit) return hit;
  }
  return null;
}

/**
 * Find the browser or install it; returns its path. Throws BrowserNotFoundError with the one
 * command to run when it cannot.
 *
 * @param {BrowserKind} kind
 * @returns {{ path: string, source: string, steps: string[] }}
 */
export function ensureBrowser(kind, sys = systemSys()) {
  const spec = BROWSERS[kind];
  const steps = [];
  const found = locateBrowser(kind, sys);
  if (found) return { ...found, steps };
  const done = (path, source) => {
    remember(sys, kind, path);
    return { path, source, steps };
  };

  if (spec.playwright) {
    steps.push(`npx playwright install ${spec.playwright.name}`);
    sys.log(`browser: no ${spec.label} found; trying: npx playwright install ${spec.playwright.name}`);
    const status = sys.run('npx', ['--no-install', 'playwright', 'install', spec.playwright.name], { timeoutMs: 300_000, quiet: true });
    if (status === 0) {
      const after = playwrightCandidates(spec, sys, { evenWhenFresh: true }).find((p) => sys.isExecutable(p));
      if (after) return done(after, 'playwright install');
    }
    sys.log(`browser: npx playwright install ${spec.playwright.name} did not give a browser (exit ${status ?? 'none'}).`);
  }

  const flavour = sys.platform === 'linux' ? aptFlavour(sys.readFile('/etc/os-release')) : null;
  if (flavour && sys.uid === 0) {
    const pkg = spec.apt[flavour];
    steps.push(`apt-get install -y --no-upgrade ${pkg}`);
    sys.log(`browser: installing ${pkg} with apt-get (root on ${flavour})`);
    const aptEnv = { env: { DEBIAN_FRONTEND: 'noninteractive' } };
    // A fresh image has empty package lists; an up-to-date machine pays a few seconds.
    sys.run('apt-get', ['update', '-qq'], aptEnv);
    // --no-upgrade: never move a browser that is already installed and used by others.
    const status = sys.run('apt-get', ['install', '-y', '-qq', '--no-upgrade', pkg], aptEnv);
    if (status === 0) {
      const bin = aptInstalledBinary(pkg, kind, sys) ?? locateBrowser(kind, sys)?.path;
      if (bin) return done(bin, `apt-get install ${pkg}`);
    }
    sys.log(`browser: apt-get install ${pkg} did not give a browser (exit ${status ?? 'none'}).`);
  }

  const command = installHint(kind, sys);
  throw new BrowserNotFoundError(kind, `${spec.label} not found (looked at ${spec.env}, ${spec.names.join('/')} on PATH${spec.playwright ? ", Playwright's cache" : ''}). Run:\n\n    ${command}\n`, command);
}

/** For the test harnesses: the recorded or found path, or an error that says what to run. */
export function browserPath(kind, sys = systemSys()) {
  const found = locateBrowser(kind, sys);
  if (found) return found.path;
  throw new BrowserNotFoundError(kind, `${BROWSERS[kind].label} not found. Run \`node scripts/browser.mjs ensure ${kind}\` (npm test and npm start do), or: ${installHint(kind, sys)}`, installHint(kind, sys));
}

function main(argv) {
  const [cmd, ...kinds] = argv;
  const list = kinds.length ? kinds : ['chromium'];
  if ((cmd !== 'ensure' && cmd !== 'path') || list.some((k) => !(k in BROWSERS))) {
    console.error('usage: node scripts/browser.mjs ensure|path chromium|firefox ...');
    return 2;
  }
  for (const kind of list) {
    try {
      if (cmd === 'path') console.log(browserPath(kind));
      else {
        const r = ensureBrowser(kind);
        console.log(`browser: ${kind.padEnd(8)} ${r.path}  (${r.source})`);
      }
    } catch (e) {
      console.error(`browser: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    }
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main(process.argv.slice(2)));
