import type { KeyObject } from 'node:crypto';

export function es256Checker(): {
  keyOf: (x: string, y: string) => KeyObject | null;
  check: (x: string, y: string, input: string, signature: Uint8Array) => boolean;
};
