import type { SchemePlugin } from '../types';
import { evmSessionRules } from './evm';
import { SESSION_SCHEME } from './facilitator';
import { sessionOn } from './flow';
import { solanaSessionRules } from './solana';
import { stellarSessionRules } from './stellar';

/** Sign once, settle many: one on-chain approve for a cap, then a bearer session id per call. */
export const sessionScheme: SchemePlugin = {
  id: SESSION_SCHEME,
  label: 'session',
  preference: 10,
  chains: { evm: sessionOn(evmSessionRules), stellar: sessionOn(stellarSessionRules), solana: sessionOn(solanaSessionRules) },
};
