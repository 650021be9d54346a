// Preloaded (`node --import`) into an emulator's process: the test moves that process's clock
// forward over IPC, so the emulator itself sees its iterators expire (kinesalite: 5 minutes).
let offsetMs = 0;
const realNow = Date.now;
Date.now = () => realNow() + offsetMs;
process.on("message", (message: { shiftMs?: number }) => {
  offsetMs += message.shiftMs ?? 0;
  process.send?.({ offsetMs });
});
