import type { SchemePlugin } from '../types';
import { exactOnEvm } from './evm';

/**
 * `exact`: one signature per paid call, under a budget the person sets once. Ranked last: it asks
 * the person on every call (an open session or an `upto` permit asks once).
 */
export const exactScheme: SchemePlugin = {
  id: 'exact',
  label: 'exact (a wallet signature per call)',
  preference: 30,
  signsPerCall: true,
  chains: { evm: exactOnEvm },
};
