// Children a bench started (dev/child-process.ts) are killed when this process exits; make
// Ctrl-C and SIGTERM exit through process.exit, so no JVM or service outlives an interrupted
// benchmark. Imported for this effect by every entry point that starts children.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));
