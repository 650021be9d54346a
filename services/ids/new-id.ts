import { randomFillSync } from "node:crypto";
import { v7 } from "uuid";

const ID_BYTES = 16;

/**
 * A source of UUIDv7s: time-ordered (ids sort by creation, as the event contract promises), then
 * random bits. The random bytes come from a pool refilled for 256 ids at a time; `v7()` alone asks
 * WebCrypto for 16 bytes per id, which cost the command API more than its three ids per command
 * are worth (≈ 2% of its CPU). `now` is the clock in epoch milliseconds (tests fix it).
 */
export const uuidV7Source = (now: () => number = Date.now): (() => string) => {
  const pool = new Uint8Array(ID_BYTES * 256);
  let used = pool.length;
  // As uuid's own `v7()` keeps them: ids made within one millisecond count up from a random start.
  let lastMs = Number.NEGATIVE_INFINITY;
  let sequence = 0;
  return () => {
    if (used === pool.length) {
      randomFillSync(pool);
      used = 0;
    }
    const random = pool.subarray(used, used + ID_BYTES);
    used += ID_BYTES;
    const ms = now();
    if (ms > lastMs) {
      // 31 random bits, so a millisecond has room to count up.
      sequence =
        (((random[6] ?? 0) & 0x7f) << 24) |
        ((random[7] ?? 0) << 16) |
        ((random[8] ?? 0) << 8) |
        (random[9] ?? 0);
      lastMs = ms;
    } else {
      sequence = (sequence + 1) | 0;
      // The counter wrapped: borrow the next millisecond rather than break the order.
      if (sequence === 0) lastMs += 1;
    }
    return v7({ random, msecs: lastMs, seq: sequence });
  };
};

/** The process's one id source (event, item, command and correlation ids). */
export const newId: () => string = uuidV7Source();
