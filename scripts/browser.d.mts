// Types for scripts/browser.mjs (kept as plain JS so .ci/run can call it before `npm ci`).
export type BrowserKind = 'chromium' | 'firefox';

export interface BrowserSys {
  env: Record<string, string | undefined>;
  platform: string;
  home: string;
  uid: number;
  cacheFile: string;
  isExecutable(path: string): boolean;
  listDir(path: string): string[];
  readFile(path: string): string | null;
  writeFile(path: string, text: string): void;
  run(cmd: string, args: string[], opts?: { timeoutMs?: number; env?: Record<string, string>; quiet?: boolean }): number | null;
  capture(cmd: string, args: string[]): string[];
  log(line: string): void;
}

export interface BrowserSpec {
  label: string;
  env: string;
  names: string[];
  paths: Record<string, string[]>;
  playwright: { name: string; dir: RegExp; binaries: string[] } | null;
  apt: { debian: string; ubuntu: string };
}

export const BROWSERS: Record<BrowserKind, BrowserSpec>;

export class BrowserNotFoundError extends Error {
  readonly code: 'browser_not_found';
  readonly kind: BrowserKind;
  readonly command: string;
}

export function systemSys(): BrowserSys;
export function locateBrowser(kind: BrowserKind, sys?: BrowserSys): { path: string; source: string } | null;
export function aptFlavour(osRelease: string | null): 'debian' | 'ubuntu' | null;
export function installHint(kind: BrowserKind, sys: BrowserSys): string;
export function ensureBrowser(kind: BrowserKind, sys?: BrowserSys): { path: string; source: string; steps: string[] };
export function browserPath(kind: BrowserKind, sys?: BrowserSys): string;
