import { randomFillSync } from "node:crypto";
import { v7 } from "uuid";

const ID_BYTES = 16;
const pool = new Uint8Array(ID_BYTES * 256);
let used = pool.length;

/**
 * A new UUIDv7: time-ordered (index-friendly as a key), 74 random bits. The random bytes come
 * from a pool refilled for 256 ids at a time; `v7()` alone asks WebCrypto for 16 bytes per id,
 * which cost the command API more than its three ids per command are worth (≈ 2% of its CPU).
 * Ids made within one millisecond are unique but not ordered among themselves (`v7()` keeps a
 * counter for that); nothing relies on it: the journal orders by sequence number.
 */
export const newId = (): string => {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const random = pool.subarray(used, used + ID_BYTES);
  used += ID_BYTES;
  return v7({ random });
};
