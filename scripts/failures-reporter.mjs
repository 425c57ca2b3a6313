// A node:test reporter for scripts/test.mjs: one JSON line per failed test (name, file, line, first line of the
// error), so that the run can end with the list of what failed instead of leaving it in 2,500 lines of TAP.
export default async function* failuresReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const d = event.data;
    const error = d.details?.error;
    // A suite fails because a test in it failed: that test is listed already.
    if (error?.failureType === 'subtestsFailed') continue;
    const cause = error?.cause ?? error;
    const message = String(cause?.message ?? cause ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
    yield `${JSON.stringify({ name: d.name, file: d.file, message: message.trim().slice(0, 300) })}\n`;
  }
}
