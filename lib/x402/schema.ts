import { z } from 'zod';
import { MAX_ACCEPTS, MAX_STRING } from './limits';

/**
 * Schemas for what servers send. They validate; they never rebuild: the raw object of the chosen
 * `accepts` entry is what we echo back, so unknown keys are allowed through (`loose`).
 */
const text = (max = MAX_STRING) => z.string().max(max);
const id = z.string().min(1).max(128);
const atomic = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, 'amount must be a non-negative integer in decimal');
const seconds = z.int().min(0).max(10 * 365 * 24 * 3600);
const jsonObject = z.record(z.string(), z.unknown());

export const ResourceInfoSchema = z
  .object({
    url: text(),
    description: text().optional(),
    mimeType: text(256).optional(),
    serviceName: text(256).optional(),
    tags: z.array(text(64)).max(32).optional(),
    iconUrl: text().optional(),
  })
  .loose();

export const PaymentRequirementsV2Schema = z
  .object({
    scheme: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    network: id,
    amount: atomic,
    asset: id,
    payTo: id,
    maxTimeoutSeconds: seconds,
    extra: jsonObject.optional(),
  })
  .loose();

export const PaymentRequirementsV1Schema = z
  .object({
    scheme: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    network: id,
    maxAmountRequired: atomic,
    asset: id,
    payTo: id,
    resource: text().optional(),
    description: text().optional(),
    mimeType: text(256).optional(),
    outputSchema: z.unknown().optional(),
    maxTimeoutSeconds: seconds.optional(),
    extra: jsonObject.optional(),
  })
  .loose();

export const PaymentRequiredV2Schema = z
  .object({
    x402Version: z.literal(2),
    error: text(1024).optional(),
    resource: ResourceInfoSchema.optional(),
    accepts: z.array(z.unknown()).min(1).max(MAX_ACCEPTS),
    extensions: jsonObject.optional(),
  })
  .loose();

export const PaymentRequiredV1Schema = z
  .object({
    x402Version: z.literal(1),
    error: text(1024).optional(),
    accepts: z.array(z.unknown()).min(1).max(MAX_ACCEPTS),
  })
  .loose();

export const SettleResponseSchema = z
  .object({
    success: z.boolean(),
    errorReason: text(256).optional(),
    errorMessage: text(1024).optional(),
    payer: text(128).optional(),
    transaction: text(256).optional(),
    network: text(64).optional(),
    amount: atomic.optional(),
    extensions: jsonObject.optional(),
  })
  .loose();

export type SettleResponse = z.infer<typeof SettleResponseSchema>;
export type ResourceInfo = z.infer<typeof ResourceInfoSchema>;
