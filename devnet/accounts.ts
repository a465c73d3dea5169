/**
 * Dev accounts: the well-known hardhat mnemonic, so keys are public and identical everywhere.
 * Role by index: #0 deployer, #1 facilitator (spender, pays gas), #2 recipient (payTo), #3.. users.
 */
import { bytesToHex, type Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';

export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

export interface Account {
  address: `0x${string}`;
  privateKey: Hex;
}

export interface DevAccounts {
  deployer: Account;
  facilitator: Account;
  recipient: Account;
  users: Account[];
}

const cache = new Map<number, Account>();

export function devAccount(index: number): Account {
  const hit = cache.get(index);
  if (hit) return hit;
  const hd = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
  const key = hd.getHdKey().privateKey;
  if (!key) throw new Error(`cannot derive dev key #${index}`);
  const account = { address: hd.address, privateKey: bytesToHex(key) };
  cache.set(index, account);
  return account;
}

export function devAccounts(userCount: number): DevAccounts {
  return {
    deployer: devAccount(0),
    facilitator: devAccount(1),
    recipient: devAccount(2),
    users: Array.from({ length: userCount }, (_, i) => devAccount(3 + i)),
  };
}

/**
 * Mnemonic indices of the `exact` and `upto` facilitators' keys: far above the users (#3..) so
 * no user count collides with them. The stack funds them with ETH for gas.
 */
export const EXACT_FACILITATOR_INDEX = 100;
export const UPTO_FACILITATOR_INDEX = 101;
