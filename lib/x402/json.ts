import { MAX_JSON_DEPTH } from './limits';

/** Keys that let a hostile object reach a prototype if it were ever merged; refused anywhere. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type SafeJsonResult =
  | { ok: true; value: unknown }
  | { ok: false; reason: 'invalid_json' | 'forbidden_key' | 'too_deep' };

/** JSON.parse that also refuses prototype-pollution keys and absurd nesting. Never throws. */
export function parseUntrustedJson(text: string): SafeJsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  const problem = inspect(value, 0);
  return problem ? { ok: false, reason: problem } : { ok: true, value };
}

function inspect(value: unknown, depth: number): 'forbidden_key' | 'too_deep' | null {
  if (typeof value !== 'object' || value === null) return null;
  if (depth > MAX_JSON_DEPTH) return 'too_deep';
  if (Array.isArray(value)) {
    for (const item of value) {
      const p = inspect(item, depth + 1);
      if (p) return p;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return 'forbidden_key';
    const p = inspect((value as Record<string, unknown>)[key], depth + 1);
    if (p) return p;
  }
  return null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
