/**
 * Legacy Solana transactions, by hand: small enough to own, and the background must not carry a
 * Solana SDK. Wire format:
 *
 *   transaction = shortvec(n) ‖ n × 64-byte signature ‖ message
 *   message     = header(3 bytes: numRequiredSignatures, numReadonlySigned, numReadonlyUnsigned)
 *                 ‖ shortvec(k) ‖ k × 32-byte key ‖ 32-byte recent blockhash
 *                 ‖ shortvec(m) ‖ m × (programIdIndex u8 ‖ shortvec(a) ‖ a × u8 ‖ shortvec(d) ‖ d bytes)
 *
 * Keys are ordered signer+writable, signer+readonly, writable, readonly; signatures follow the
 * first `numRequiredSignatures` keys. `compileLegacyMessage` orders keys exactly as web3.js 1.x
 * `Transaction.compileMessage` does (so bytes match it, which the tests check): merge duplicate
 * metas, sort signers first, then writables, then by base58 with the same `localeCompare`
 * options, then move the fee payer to the front.
 */
import { addressToBytes, bytesToAddress } from './address';
import { decodeBase58, encodeBase58 } from './base58';
import { SolanaError } from './errors';

export interface AccountMeta {
  address: string;
  isSigner: boolean;
  isWritable: boolean;
}

export interface Instruction {
  programId: string;
  accounts: AccountMeta[];
  data: Uint8Array;
}

export interface MessageHeader {
  numRequiredSignatures: number;
  numReadonlySignedAccounts: number;
  numReadonlyUnsignedAccounts: number;
}

export interface CompiledInstruction {
  programIdIndex: number;
  accountIndexes: number[];
  data: Uint8Array;
}

export interface LegacyMessage {
  header: MessageHeader;
  accountKeys: string[];
  recentBlockhash: string;
  instructions: CompiledInstruction[];
}

export interface DecodedTransaction {
  /** One per required signer, in key order; all-zero bytes mean "not signed yet". */
  signatures: Uint8Array[];
  message: LegacyMessage;
  /** The exact bytes signers sign. */
  messageBytes: Uint8Array;
}

/** A legacy transaction is at most one packet. */
export const PACKET_DATA_SIZE = 1232;
export const SIGNATURE_BYTES = 64;

const SORT_OPTIONS: Intl.CollatorOptions = {
  localeMatcher: 'best fit',
  usage: 'sort',
  sensitivity: 'variant',
  ignorePunctuation: false,
  numeric: false,
  caseFirst: 'lower',
};

export function compileLegacyMessage(input: { feePayer: string; recentBlockhash: string; instructions: readonly Instruction[] }): LegacyMessage {
  addressToBytes(input.feePayer);
  if (decodeBlockhash(input.recentBlockhash).length !== 32) throw new SolanaError('INVALID_TRANSACTION', 'recent blockhash must be 32 bytes');
  if (input.instructions.length === 0) throw new SolanaError('INVALID_TRANSACTION', 'a transaction needs at least one instruction');

  const metas: AccountMeta[] = [];
  const programIds: string[] = [];
  for (const ix of input.instructions) {
    addressToBytes(ix.programId);
    for (const meta of ix.accounts) {
      addressToBytes(meta.address);
      metas.push({ ...meta });
    }
    if (!programIds.includes(ix.programId)) programIds.push(ix.programId);
  }
  for (const programId of programIds) metas.push({ address: programId, isSigner: false, isWritable: false });

  const unique: AccountMeta[] = [];
  for (const meta of metas) {
    const seen = unique.find((m) => m.address === meta.address);
    if (seen) {
      seen.isWritable ||= meta.isWritable;
      seen.isSigner ||= meta.isSigner;
    } else {
      unique.push(meta);
    }
  }
  unique.sort((x, y) => {
    if (x.isSigner !== y.isSigner) return x.isSigner ? -1 : 1;
    if (x.isWritable !== y.isWritable) return x.isWritable ? -1 : 1;
    return x.address.localeCompare(y.address, 'en', SORT_OPTIONS);
  });
  const payerIndex = unique.findIndex((m) => m.address === input.feePayer);
  if (payerIndex >= 0) unique.splice(payerIndex, 1);
  unique.unshift({ address: input.feePayer, isSigner: true, isWritable: true });

  const signed = unique.filter((m) => m.isSigner);
  const unsigned = unique.filter((m) => !m.isSigner);
  const accountKeys = [...signed, ...unsigned].map((m) => m.address);
  const header: MessageHeader = {
    numRequiredSignatures: signed.length,
    numReadonlySignedAccounts: signed.filter((m) => !m.isWritable).length,
    numReadonlyUnsignedAccounts: unsigned.filter((m) => !m.isWritable).length,
  };
  if (accountKeys.length > 256) throw new SolanaError('INVALID_TRANSACTION', `too many accounts (${accountKeys.length})`);
  const instructions = input.instructions.map((ix) => ({
    programIdIndex: accountKeys.indexOf(ix.programId),
    accountIndexes: ix.accounts.map((m) => accountKeys.indexOf(m.address)),
    data: ix.data,
  }));
  return { header, accountKeys, recentBlockhash: input.recentBlockhash, instructions };
}

export function serializeMessage(message: LegacyMessage): Uint8Array {
  const out = new ByteWriter();
  out.byte(message.header.numRequiredSignatures);
  out.byte(message.header.numReadonlySignedAccounts);
  out.byte(message.header.numReadonlyUnsignedAccounts);
  out.shortVec(message.accountKeys.length);
  for (const key of message.accountKeys) out.bytes(addressToBytes(key));
  out.bytes(decodeBlockhash(message.recentBlockhash));
  out.shortVec(message.instructions.length);
  for (const ix of message.instructions) {
    out.byte(ix.programIdIndex);
    out.shortVec(ix.accountIndexes.length);
    for (const index of ix.accountIndexes) out.byte(index);
    out.shortVec(ix.data.length);
    out.bytes(ix.data);
  }
  return out.finish();
}

/** Wire bytes with a slot per required signer; `null` leaves the slot zeroed (unsigned). */
export function serializeTransaction(messageBytes: Uint8Array, signatures: readonly (Uint8Array | null)[]): Uint8Array {
  const out = new ByteWriter();
  out.shortVec(signatures.length);
  for (const sig of signatures) {
    if (sig && sig.length !== SIGNATURE_BYTES) throw new SolanaError('INVALID_TRANSACTION', `a signature is 64 bytes, got ${sig.length}`);
    out.bytes(sig ?? new Uint8Array(SIGNATURE_BYTES));
  }
  out.bytes(messageBytes);
  const bytes = out.finish();
  if (bytes.length > PACKET_DATA_SIZE) throw new SolanaError('INVALID_TRANSACTION', `transaction is ${bytes.length} bytes, over the ${PACKET_DATA_SIZE}-byte limit`);
  return bytes;
}

export function decodeLegacyMessage(bytes: Uint8Array): LegacyMessage {
  const r = new ByteReader(bytes);
  const first = r.byte();
  // Versioned messages set the top bit of the first byte; this module speaks legacy only.
  if (first & 0x80) throw new SolanaError('INVALID_TRANSACTION', `versioned (v${first & 0x7f}) message, expected legacy`);
  const header: MessageHeader = { numRequiredSignatures: first, numReadonlySignedAccounts: r.byte(), numReadonlyUnsignedAccounts: r.byte() };
  const keyCount = r.shortVec();
  const accountKeys: string[] = [];
  for (let i = 0; i < keyCount; i++) accountKeys.push(bytesToAddress(r.take(32)));
  const recentBlockhash = encodeBase58(r.take(32));
  const ixCount = r.shortVec();
  const instructions: CompiledInstruction[] = [];
  for (let i = 0; i < ixCount; i++) {
    const programIdIndex = r.byte();
    const accountIndexes = Array.from(r.take(r.shortVec()));
    const data = r.take(r.shortVec()).slice();
    instructions.push({ programIdIndex, accountIndexes, data });
  }
  if (!r.done()) throw new SolanaError('INVALID_TRANSACTION', `${bytes.length - r.offset} trailing bytes after the message`);
  const { numRequiredSignatures: sigs, numReadonlySignedAccounts: roSigned, numReadonlyUnsignedAccounts: roUnsigned } = header;
  if (sigs === 0 || sigs > keyCount || roSigned >= sigs || roUnsigned > keyCount - sigs) {
    throw new SolanaError('INVALID_TRANSACTION', `inconsistent message header ${sigs}/${roSigned}/${roUnsigned} for ${keyCount} keys`);
  }
  for (const ix of instructions) {
    if (ix.programIdIndex >= keyCount || ix.accountIndexes.some((i) => i >= keyCount)) {
      throw new SolanaError('INVALID_TRANSACTION', 'an instruction points past the account keys');
    }
  }
  return { header, accountKeys, recentBlockhash, instructions };
}

export function decodeTransaction(bytes: Uint8Array): DecodedTransaction {
  if (bytes.length > PACKET_DATA_SIZE) throw new SolanaError('INVALID_TRANSACTION', `transaction is ${bytes.length} bytes, over ${PACKET_DATA_SIZE}`);
  const r = new ByteReader(bytes);
  const count = r.shortVec();
  const signatures: Uint8Array[] = [];
  for (let i = 0; i < count; i++) signatures.push(r.take(SIGNATURE_BYTES).slice());
  const messageBytes = bytes.slice(r.offset);
  const message = decodeLegacyMessage(messageBytes);
  if (count !== message.header.numRequiredSignatures) {
    throw new SolanaError('INVALID_TRANSACTION', `${count} signature slots for ${message.header.numRequiredSignatures} required signers`);
  }
  return { signatures, message, messageBytes };
}

/** Whether key `index` of the message is writable, from the header counts. */
export function isWritableIndex(message: LegacyMessage, index: number): boolean {
  const { numRequiredSignatures: s, numReadonlySignedAccounts: rs, numReadonlyUnsignedAccounts: ru } = message.header;
  if (index < s) return index < s - rs;
  return index < message.accountKeys.length - ru;
}

export function isSignerIndex(message: LegacyMessage, index: number): boolean {
  return index < message.header.numRequiredSignatures;
}

function decodeBlockhash(blockhash: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = decodeBase58(blockhash);
  } catch {
    throw new SolanaError('INVALID_TRANSACTION', `recent blockhash is not base58: ${blockhash}`);
  }
  if (bytes.length !== 32) throw new SolanaError('INVALID_TRANSACTION', `recent blockhash must be 32 bytes, got ${bytes.length}`);
  return bytes;
}

class ByteWriter {
  private readonly chunks: number[] = [];
  byte(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 255) throw new SolanaError('INVALID_TRANSACTION', `byte out of range: ${value}`);
    this.chunks.push(value);
  }
  bytes(values: Uint8Array): void {
    for (const v of values) this.chunks.push(v);
  }
  /** compact-u16: 7 bits a byte, high bit = more follows. */
  shortVec(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new SolanaError('INVALID_TRANSACTION', `length out of range: ${value}`);
    let v = value;
    for (;;) {
      const low = v & 0x7f;
      v >>= 7;
      if (v === 0) {
        this.chunks.push(low);
        return;
      }
      this.chunks.push(low | 0x80);
    }
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

class ByteReader {
  offset = 0;
  constructor(private readonly data: Uint8Array) {}
  byte(): number {
    if (this.offset >= this.data.length) throw new SolanaError('INVALID_TRANSACTION', 'transaction ends early');
    return this.data[this.offset++]!;
  }
  take(n: number): Uint8Array {
    if (this.offset + n > this.data.length) throw new SolanaError('INVALID_TRANSACTION', 'transaction ends early');
    const out = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  shortVec(): number {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const b = this.byte();
      if (i === 2 && b > 0x03) throw new SolanaError('INVALID_TRANSACTION', 'length encoding overflows u16');
      value |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) {
        // Reject non-minimal encodings (a trailing zero continuation), as the runtime does.
        if (i > 0 && b === 0) throw new SolanaError('INVALID_TRANSACTION', 'non-canonical length encoding');
        return value;
      }
    }
    throw new SolanaError('INVALID_TRANSACTION', 'length encoding too long');
  }
  done(): boolean {
    return this.offset === this.data.length;
  }
}
