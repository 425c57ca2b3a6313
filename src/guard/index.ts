// The guard stage between a change and a render: removal limits with hold and release, declared validation,
// records, quarantine, rollback with generations in the state directory. See docs/guard.md.

export { GuardStage } from './stage.js';
export { ResourceGuard, type GuardState, type HeldChange } from './guard.js';
export { parseGuardSpec, type GuardSpec } from './spec.js';
export { requestRelease, takeReleaseMarkers, writePidFile, removePidFile, ReleaseError } from './release.js';
