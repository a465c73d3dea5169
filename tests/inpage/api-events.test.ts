import { describe, expect, it } from 'vitest';
import { createPageApi } from '../../lib/inpage/api';
import type { Channel } from '../../lib/inpage/channel';
import { captureNatives } from '../../lib/inpage/natives';

/** window.x402session's events (issue 15 adds `budgetAlert`, pushed by the background like `sessionChanged`). */
describe('window.x402session events', () => {
  const setup = () => {
    const requests: string[] = [];
    const channel: Channel = { connected: true, request: async (method) => (requests.push(method), JSON.stringify({ result: [] })), onEvent: () => undefined };
    const n = captureNatives(globalThis as typeof globalThis);
    return { ...createPageApi(n, channel, fetch), requests };
  };

  it('delivers a budgetAlert push to its handlers as a plain copy; the first listener opens the push line once', async () => {
    const { api, emit, requests } = setup();
    const got: unknown[] = [];
    api.on('budgetAlert', (a) => got.push(a));
    api.on('sessionChanged', () => undefined);
    expect(requests).toEqual(['getSessions']);
    const alert = { kind: 'cap_80', session: { id: 's1', cap: '100', spent: '80' } };
    emit('budgetAlert', alert);
    expect(got).toEqual([alert]);
    expect(got[0]).not.toBe(alert);
  });

  it('ignores event names that are not its own, whatever a push says (no prototype lookups)', () => {
    const { emit } = setup();
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'nope']) expect(() => emit(name as never, {})).not.toThrow();
  });
});
