/**
 * Where an injected signer chunk leaves its entry point in the page, one property per family, so the
 * background can call it with `executeScript({ func })` and chunks of different families coexist.
 */
const SIGNER_GLOBAL_PREFIX = '__x402sessionSigner:';

export function signerGlobal(entry: string): string {
  return `${SIGNER_GLOBAL_PREFIX}${entry}`;
}

/**
 * Define it once, non-configurable, so a page script cannot swap it afterwards. The page's MAIN world
 * is still the page's: whatever the chunk reports is checked by the background, never trusted.
 */
export function installSigner(win: object, entry: string, run: (request: never) => Promise<unknown>): void {
  const key = signerGlobal(entry);
  if (Object.prototype.hasOwnProperty.call(win, key)) return;
  Object.defineProperty(win, key, { value: Object.freeze({ version: 1, run }), writable: false, configurable: false });
}
