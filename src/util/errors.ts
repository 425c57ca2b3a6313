// The message of anything thrown, for a log line (an Error's message, else its string form): written once here.
// Backends describe network failures with their causes instead (backends/util.ts describeError).

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
