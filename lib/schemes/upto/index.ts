import type { SchemePlugin } from '../types';
import { uptoOnEvm } from './evm';

/**
 * daydreams `upto`: one ERC-2612 permit for a cap, reused on every call. One approval, like
 * `session` (ranked just after it: its permit is a bearer secret worth the whole cap, where a
 * session id only pays its bound recipient), and before `exact` (a signature per call).
 * Coinbase's `upto` (Permit2, a signature per request) is refused with its own reason.
 */
export const uptoScheme: SchemePlugin = {
  id: 'upto',
  label: 'upto (one permit for the cap)',
  preference: 20,
  chains: { evm: uptoOnEvm },
};
