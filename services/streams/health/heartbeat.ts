/** The worker loop beats once per iteration (idle polls included): silence means it is stuck. */
export interface Heartbeat {
  beat(): void;
  lastBeatAt(): Date;
}

export const createHeartbeat = (clock: () => Date = () => new Date()): Heartbeat => {
  let last = clock();
  return {
    beat: () => {
      last = clock();
    },
    lastBeatAt: () => last,
  };
};

export type Health =
  | { readonly healthy: true; readonly lastProgressAt: Date; readonly silentForMs: number }
  | { readonly healthy: false; readonly lastProgressAt: Date; readonly silentForMs: number };

/** Pure: healthy while the last beat is at most `maxSilenceMs` old. */
export const healthOf = (lastBeatAt: Date, now: Date, maxSilenceMs: number): Health => {
  const silentForMs = Math.max(0, now.getTime() - lastBeatAt.getTime());
  return { healthy: silentForMs <= maxSilenceMs, lastProgressAt: lastBeatAt, silentForMs };
};
