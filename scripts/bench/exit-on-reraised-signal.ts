/**
 * Preloaded (`node -r`) only into a service the benchmark profiles with `--cpu-prof`.
 *
 * Nest's shutdown hook handles the first SIGTERM (graceful close), removes its listener and then
 * re-raises the signal with process.kill. With no listener left, the default action ends the
 * process without Node's exit path, so --cpu-prof never writes its profile. This listener stays:
 * it ignores the first signal (Nest is shutting down) and exits normally on the re-raised one.
 */
export {};

let signals = 0;
const onSignal = (): void => {
  signals += 1;
  if (signals >= 2) process.exit(0);
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
