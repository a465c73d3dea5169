import { PageRouter } from '../../lib/background/router';
import { WalletService, type WalletServiceDeps } from '../../lib/background/service';
import { RpcCode, WalletError } from '../../lib/errors';
import { freshDb } from './db';

/** A service with an in-memory store; approvals and the wallet refuse unless a test supplies them. */
export function testService(over: Partial<WalletServiceDeps> = {}) {
  const db = freshDb(`svc-${Math.random()}`);
  const notified: string[] = [];
  const service = new WalletService({
    db,
    tokenInfo: async () => ({ symbol: 'USDC', decimals: 6, verified: false }),
    approvals: { request: async () => Promise.reject(new WalletError(RpcCode.UserRejected, 'user_rejected', 'no')) },
    signer: { sign: async () => Promise.reject(new Error('no wallet in this test')) },
    notify: (s) => notified.push(s.id),
    promptOn402: async () => false,
    ...over,
  });
  const router = new PageRouter(service.pageHandlers);
  return { db, service, router, notified };
}
