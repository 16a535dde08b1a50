/**
 * The dynamic resources that carry each app's lifecycle, and their providers. The providers are
 * bundled on their own (`providerBundle.ts`), each with its `handler` for the provider host.
 */
export * from "./appDecommission";
export { NocoBaseAppProvider, PROVIDER_VERSION } from "./appProvider";
export type { AppDatabase, AppInputs, AppOutputs, DesiredState } from "./appProvider";
export * from "./appRegistration";
export { AppDecommissionProvider, DECOMMISSION_PROVIDER_VERSION } from "./decommissionProvider";
export type { DecommissionInputs, DecommissionOutputs, PgLogin } from "./decommissionProvider";
export * from "./providerBundle";
export * from "./upgradeBackup";
export {
    UPGRADE_BACKUP_PROVIDER_VERSION,
    UpgradeBackupProvider,
    downgradeProblem,
    missingLocationProblem,
    versionChangeProblem,
} from "./upgradeBackupProvider";
export type { BackupTarget, UpgradeBackupInputs, UpgradeBackupOutputs, UpgradeRecord } from "./upgradeBackupProvider";
export * from "./tenantRestore";
export { RESTORE_PROVIDER_VERSION, TenantRestoreProvider } from "./restoreProvider";
export type { RestoreInputs, RestoreOutputs } from "./restoreProvider";
export * from "./externalEntry";
export {
    EXTERNAL_ENTRY_PROVIDER_VERSION,
    ExternalEntryProvider,
    unmanagedApps,
    versionMismatch,
} from "./externalEntryProvider";
export type { ExternalEntryInputs } from "./externalEntryProvider";
