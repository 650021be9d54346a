// Preloaded (`node --import`) into an emulator's process: each SIGUSR2 moves that process's
// clock CLOCK_SHIFT_MS forward, so the emulator itself sees its iterators expire (kinesalite:
// after 5 minutes).
let offsetMs = 0;
const realNow = Date.now;
Date.now = () => realNow() + offsetMs;
process.on("SIGUSR2", () => {
  offsetMs += Number(process.env.CLOCK_SHIFT_MS ?? "0");
});
