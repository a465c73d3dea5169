import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { aptFlavour, browserPath, BrowserNotFoundError, ensureBrowser, locateBrowser, systemSys, type BrowserSys } from '../../scripts/browser.mjs';

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n';
const UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n';
const FEDORA = 'NAME="Fedora Linux"\nID=fedora\n';

/** A machine made of a set of executable files and a script of what commands do. */
function machine(o: {
  files?: string[];
  env?: Record<string, string>;
  uid?: number;
  osRelease?: string | null;
  dirs?: Record<string, string[]>;
  /** What running a command does: may add files; returns the exit status. */
  onRun?: (cmd: string, args: string[], files: Set<string>) => number | null;
  dpkg?: Record<string, string[]>;
}) {
  const files = new Set(o.files ?? []);
  const written: Record<string, string> = {};
  const ran: string[] = [];
  const sys: BrowserSys = {
    env: { PATH: '/usr/local/bin:/usr/bin', ...o.env },
    platform: 'linux',
    home: '/home/p',
    uid: o.uid ?? 1000,
    cacheFile: '/repo/node_modules/.cache/browsers.json',
    isExecutable: (p) => files.has(p),
    listDir: (p) => o.dirs?.[p] ?? [],
    readFile: (p) => (p === '/etc/os-release' ? (o.osRelease === undefined ? DEBIAN : o.osRelease) : (written[p] ?? null)),
    writeFile: (p, t) => void (written[p] = t),
    run: (cmd, args) => {
      ran.push([cmd, ...args].join(' '));
      return o.onRun ? o.onRun(cmd, args, files) : 1;
    },
    capture: (cmd, args) => (cmd === 'dpkg' ? (o.dpkg?.[args[1]!] ?? []) : []),
    log: () => undefined,
  };
  return { sys, ran, written, files };
}

describe('locateBrowser', () => {
  it('takes CHROME_PATH first, and refuses one that points at nothing rather than picking another browser', () => {
    const { sys } = machine({ files: ['/opt/my/chrome', '/usr/bin/chromium'], env: { CHROME_PATH: '/opt/my/chrome' } });
    expect(locateBrowser('chromium', sys)).toEqual({ path: '/opt/my/chrome', source: 'CHROME_PATH' });
    const wrong = machine({ files: ['/usr/bin/chromium'], env: { CHROME_PATH: '/nope/chrome' } });
    expect(() => locateBrowser('chromium', wrong.sys)).toThrow(/CHROME_PATH=\/nope\/chrome/);
  });

  it('searches the names on PATH in PATH order', () => {
    const { sys } = machine({ files: ['/usr/bin/google-chrome', '/usr/local/bin/chromium-browser'] });
    expect(locateBrowser('chromium', sys)).toEqual({ path: '/usr/local/bin/chromium-browser', source: 'PATH' });
  });

  it('falls back to well-known paths, which a "fresh machine" run skips', () => {
    const m = machine({ files: ['/usr/bin/chromium'], env: { PATH: '/nowhere' } });
    expect(locateBrowser('chromium', m.sys)?.source).toBe('known path');
    m.sys.env.X402_BROWSER_FRESH = '1';
    expect(locateBrowser('chromium', m.sys)).toBeNull();
  });

  it("uses the newest revision in Playwright's cache (Chromium only)", () => {
    const cache = '/home/p/.cache/ms-playwright';
    const { sys } = machine({
      env: { PATH: '' },
      files: [`${cache}/chromium-1200/chrome-linux/chrome`, `${cache}/chromium-1255/chrome-linux64/chrome`, `${cache}/firefox-1500/firefox/firefox`],
      dirs: { [cache]: ['chromium-1200', 'chromium-1255', 'chromium_headless_shell-1255', 'firefox-1500'] },
    });
    expect(locateBrowser('chromium', sys)).toEqual({ path: `${cache}/chromium-1255/chrome-linux64/chrome`, source: 'playwright cache' });
    expect(locateBrowser('firefox', sys)).toBeNull();
  });

  it('honours PLAYWRIGHT_BROWSERS_PATH and X402_BROWSER_SEARCH_PATH', () => {
    const { sys } = machine({
      env: { PLAYWRIGHT_BROWSERS_PATH: '/pw', X402_BROWSER_SEARCH_PATH: '/only/here', PATH: '/usr/bin' },
      files: ['/usr/bin/firefox', '/only/here/firefox-esr', '/pw/chromium-9/chrome-linux/chrome'],
      dirs: { '/pw': ['chromium-9'] },
    });
    expect(locateBrowser('firefox', sys)?.path).toBe('/only/here/firefox-esr');
    expect(locateBrowser('chromium', sys)?.path).toBe('/pw/chromium-9/chrome-linux/chrome');
  });
});

describe('ensureBrowser', () => {
  it('finds an installed browser without running anything', () => {
    const m = machine({ files: ['/usr/bin/chromium'] });
    expect(ensureBrowser('chromium', m.sys).path).toBe('/usr/bin/chromium');
    expect(m.ran).toEqual([]);
  });

  it('tries `playwright install chromium` first and uses what it installed', () => {
    const m = machine({
      env: { PATH: '' },
      onRun: (cmd, args, files) => {
        if (cmd === 'npx' && args.join(' ') === '--no-install playwright install chromium') {
          files.add('/home/p/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome');
          return 0;
        }
        return 1;
      },
      dirs: { '/home/p/.cache/ms-playwright': ['chromium-1255'] },
    });
    const r = ensureBrowser('chromium', m.sys);
    expect(r).toMatchObject({ path: '/home/p/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome', source: 'playwright install' });
    expect(m.ran).toEqual(['npx --no-install playwright install chromium']);
  });

  it('as root on Debian, when Playwright cannot download, apt-installs chromium without upgrading, finds it by dpkg, and records it', () => {
    const m = machine({
      uid: 0,
      env: { PATH: '/nowhere', X402_BROWSER_FRESH: '1' },
      onRun: (cmd, args, files) => {
        if (cmd === 'apt-get' && args[0] === 'install') files.add('/usr/bin/chromium');
        return cmd === 'apt-get' ? 0 : 1;
      },
      dpkg: { chromium: ['/usr/share/doc/chromium', '/usr/bin/chromium', '/usr/lib/chromium/chromium'] },
    });
    const r = ensureBrowser('chromium', m.sys);
    expect(r).toMatchObject({ path: '/usr/bin/chromium', source: 'apt-get install chromium' });
    expect(m.ran).toEqual(['npx --no-install playwright install chromium', 'apt-get update -qq', 'apt-get install -y -qq --no-upgrade chromium']);
    // The fresh-machine search still cannot see /usr/bin; the recorded path is what later calls use.
    expect(JSON.parse(m.written[m.sys.cacheFile]!)).toEqual({ chromium: '/usr/bin/chromium' });
    expect(browserPath('chromium', m.sys)).toBe('/usr/bin/chromium');
  });

  it('installs Firefox with apt only (no Playwright step): firefox-esr on Debian, firefox on Ubuntu', () => {
    for (const [osRelease, pkg] of [[DEBIAN, 'firefox-esr'], [UBUNTU, 'firefox']] as const) {
      const m = machine({
        uid: 0,
        osRelease,
        env: { PATH: '/nowhere' },
        onRun: (cmd, args, files) => (cmd === 'apt-get' && args[0] === 'install' ? (files.add('/usr/bin/firefox'), 0) : 0),
        dpkg: { [pkg]: ['/usr/bin/firefox'] },
      });
      expect(ensureBrowser('firefox', m.sys).path).toBe('/usr/bin/firefox');
      expect(m.ran).toEqual(['apt-get update -qq', `apt-get install -y -qq --no-upgrade ${pkg}`]);
    }
  });

  it("prefers Debian's real firefox-esr over its /usr/bin/firefox wrapper (which needs firefox-esr on PATH)", () => {
    const m = machine({
      uid: 0,
      env: { PATH: '/nowhere' },
      onRun: (cmd, args, files) => (cmd === 'apt-get' && args[0] === 'install' ? (files.add('/usr/bin/firefox'), files.add('/usr/bin/firefox-esr'), 0) : 0),
      dpkg: { 'firefox-esr': ['/usr/bin/firefox', '/usr/bin/firefox-esr', '/usr/lib/firefox-esr/firefox-esr'] },
    });
    expect(ensureBrowser('firefox', m.sys).path).toBe('/usr/bin/firefox-esr');
  });

  it('not root: installs nothing with apt and stops with the one command to run', () => {
    const m = machine({ uid: 1000, env: { PATH: '' } });
    const err = (() => {
      try {
        ensureBrowser('chromium', m.sys);
      } catch (e) {
        return e as BrowserNotFoundError;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(BrowserNotFoundError);
    expect(err!.code).toBe('browser_not_found');
    expect(err!.command).toBe('sudo apt-get install -y chromium');
    expect(err!.message).toContain('sudo apt-get install -y chromium');
    expect(m.ran).toEqual(['npx --no-install playwright install chromium']);
  });

  it('root on a non-Debian system: no apt, the hint is Playwright or CHROME_PATH', () => {
    const m = machine({ uid: 0, osRelease: FEDORA, env: { PATH: '' } });
    expect(() => ensureBrowser('chromium', m.sys)).toThrow(/npx playwright install chromium/);
    expect(m.ran.some((c) => c.startsWith('apt-get'))).toBe(false);
  });

  it('apt succeeding without a binary is still a failure, not a made-up path', () => {
    const m = machine({ uid: 0, env: { PATH: '' }, onRun: (cmd) => (cmd === 'apt-get' ? 0 : 1) });
    expect(() => ensureBrowser('chromium', m.sys)).toThrow(BrowserNotFoundError);
  });
});

describe('aptFlavour', () => {
  it('reads ID and ID_LIKE', () => {
    expect(aptFlavour(DEBIAN)).toBe('debian');
    expect(aptFlavour(UBUNTU)).toBe('ubuntu');
    expect(aptFlavour('ID=linuxmint\nID_LIKE="ubuntu debian"\n')).toBe('ubuntu');
    expect(aptFlavour('ID=raspbian\nID_LIKE=debian\n')).toBe('debian');
    expect(aptFlavour(FEDORA)).toBeNull();
    expect(aptFlavour(null)).toBeNull();
  });
});

describe('on this machine', () => {
  it('finds a Chromium and a Firefox that run', () => {
    for (const kind of ['chromium', 'firefox'] as const) {
      const found = locateBrowser(kind, systemSys());
      expect(found, kind).not.toBeNull();
      const v = spawnSync(found!.path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
      expect(v.stdout, kind).toMatch(kind === 'chromium' ? /Chromium|Chrome/ : /Firefox/);
    }
  });

  it('the CLI, on a machine made to look fresh with nothing on PATH, exits 1 with the command to run', () => {
    const r = spawnSync(process.execPath, ['scripts/browser.mjs', 'path', 'chromium'], {
      encoding: 'utf8',
      env: { ...process.env, CHROME_PATH: '', X402_BROWSER_FRESH: '1', X402_BROWSER_SEARCH_PATH: '/nonexistent', X402_BROWSER_CACHE: '/nonexistent/browsers.json' },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Chromium not found.*apt-get install -y chromium/s);
  });
});
