/** Where the platform's dumps go inside `backups.location`, named the same by the providers, the plan and the docs. */

/** A moment as a file name can hold it (no `:` or `.`): 2026-01-01T00-00-00-000Z. */
export function fileTimestamp(at: Date): string {
    return at.toISOString().replace(/[:.]/g, "-");
}

/** The directory, under `<location>/<stack>/`, of the dumps taken before NocoBase goes from `from` to `to`. */
export function upgradeBackupDirectory(from: string, to: string, stamp: string): string {
    return `upgrade-${from}-${to}-${stamp}`;
}

/** The manifest each upgrade backup directory holds: what was dumped, with sizes and SHA-256s. */
export const UPGRADE_MANIFEST = "manifest.json";
