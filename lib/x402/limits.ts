/** Bounds on untrusted 402 data; anything larger is refused before it is decoded. */
export const MAX_PAYMENT_REQUIRED_HEADER = 32 * 1024; // characters of base64
export const MAX_V1_BODY = 64 * 1024; // characters of JSON text
export const MAX_PAYMENT_RESPONSE_HEADER = 16 * 1024;
export const MAX_ACCEPTS = 32;
export const MAX_JSON_DEPTH = 12;
export const MAX_STRING = 4096;
