import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { WalletDb } from '../../lib/sessions/db';
import type { SessionRecord } from '../../lib/sessions/types';
import { ASSET, PAY_TO, SPENDER } from './x402';

/** A fresh, isolated in-memory IndexedDB per test (stands in for the worker's IndexedDB). */
export function freshDb(name = 'test'): WalletDb {
  return new WalletDb(name, { indexedDB: new IDBFactory(), IDBKeyRange });
}

let counter = 0;
export function sessionRecord(over: Partial<SessionRecord> = {}): SessionRecord {
  counter++;
  const now = Date.now();
  return {
    id: `pub-${counter}`,
    grant: { sessionId: `secret-${counter}-${Math.random().toString(36).slice(2)}` },
    origin: 'http://dapp.test',
    family: 'evm',
    network: 'eip155:31337',
    scheme: 'session',
    asset: ASSET,
    symbol: 'USDC',
    decimals: 6,
    recipient: PAY_TO,
    spender: SPENDER,
    user: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
    facilitatorUrl: 'http://127.0.0.1:4020',
    cap: '1000000',
    spent: '0',
    reserved: '0',
    perCallMax: null,
    expiresAt: Math.floor(now / 1000) + 3600,
    status: 'active',
    approvalTx: '0x' + 'ab'.repeat(32),
    createdAt: now - 1000 + counter,
    updatedAt: now,
    ...over,
  };
}

/** The bearer id of a `session` grant (what the facilitator knows the session by). */
export function secretOf(s: Pick<SessionRecord, 'grant'>): string {
  return s.grant.sessionId as string;
}
