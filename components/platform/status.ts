/**
 * The platform's aggregated status, as the `status` stack output shows it: computed from the
 * validated configuration (what is wanted) and what NocoBase reported for each app (what is).
 * Pure: no Pulumi, no I/O, and no secret ever enters it.
 */
import type { AppConfig, AppState, PlatformConfig, StartMode } from "../config/types";
import { appAdminUrl } from "./naming";
import type { BackupRecord } from "../lifecycle/appDecommission";
import type { UpgradeRecord } from "../lifecycle/upgradeBackupProvider";
import { RETIRED_STATE } from "../core/modes";

/** Where an app's observed status falls in the totals. */
export type ObservedCategory = "running" | "stopped" | "error" | "transitioning" | "unknown";

export interface AppStatus {
    displayName: string;
    environment: string;
    url: string;
    domain: string | null;
    database: { mode: AppConfig["database"]["mode"]; name: string; schema: string | null; host: string | null };
    desired: { state: AppState; startMode: StartMode };
    /** NocoBase's status of the app at the last update or refresh; null before the first one. */
    observed: string | null;
    /** True when observed agrees with desired (a stopped app may be `initialized`: registered, never started). */
    inSync: boolean | null;
    /** Decommissioned apps: the dump (null until the first `pulumi up` took it) and where dumps go. */
    backup: (BackupRecord & { location: string }) | { location: string } | null;
}

export interface EnvironmentStatus {
    /** null for `local` of an adopted entry app. */
    runtime: string | null;
    url: string;
    apps: number;
    appsWantedRunning: number;
    appsObservedRunning: number;
}

/** The NocoBase version the data is on, and the backup taken before the last upgrade. */
export interface UpgradeStatus {
    /** null before this stack's first upgrade. */
    lastBackup: {
        from: string;
        to: string;
        at: string;
        directory: string;
        dumps: { name: string; file: string; bytes: number; sha256: string }[];
        skipped: string[];
    } | null;
    /** Apps with `upgrade: false`: NocoBase leaves their data at the version it was, under the new code. */
    notUpgraded: string[];
}

export interface PlatformStatus {
    mode: PlatformConfig["mode"];
    nocobaseVersion: string;
    upgrade: UpgradeStatus;
    supervisor: PlatformConfig["supervisor"];
    entry: {
        url: string;
        /** null when adopted (`entry.external`). */
        runtime: string | null;
        domain: string | null;
        adopted: boolean;
        /**
         * Adopted only: the apps on the entry app that the stack does not name, which it leaves
         * alone; null before the engine first read them, and for an entry app this stack runs.
         */
        unmanagedApps: string[] | null;
    };
    environments: Record<string, EnvironmentStatus>;
    apps: Record<string, AppStatus>;
    totals: {
        environments: number;
        apps: number;
        wantedRunning: number;
        wantedStopped: number;
        decommissioned: number;
        byDatabaseMode: Record<AppConfig["database"]["mode"], number>;
        observed: Record<ObservedCategory, number>;
    };
}

export function observedCategory(status: string | null | undefined): ObservedCategory {
    switch (status) {
        case "running":
            return "running";
        case "stopped":
        case "initialized":
            return "stopped";
        case "error":
        case "not_found":
            return "error";
        case "preparing":
        case "initializing":
        case "commanding":
            return "transitioning";
        default:
            return "unknown";
    }
}

/** Apps with `upgrade: false` that NocoBase still runs: an upgrade leaves their data at the old version. */
export function notUpgradedApps(config: PlatformConfig): string[] {
    return config.apps.filter((a) => !a.upgrade && a.state !== RETIRED_STATE).map((a) => a.id);
}

/**
 * @param environmentUrls ENVIRONMENT_URL of each environment.
 * @param observed NocoBase's status per app id; a missing id means not observed yet.
 * @param backups the dump of each decommissioned app, once taken.
 * @param lastUpgrade the backup taken before the last upgrade, once there was one.
 * @param unmanagedApps an adopted entry app's apps that the stack does not name, once read.
 */
export function buildStatus(
    config: PlatformConfig,
    environmentUrls: Record<string, string>,
    observed: Record<string, string | undefined> = {},
    backups: Record<string, BackupRecord | undefined> = {},
    lastUpgrade: UpgradeRecord | null = null,
    unmanagedApps?: string[],
): PlatformStatus {
    const environments: Record<string, EnvironmentStatus> = {};
    for (const env of config.environments) {
        environments[env.name] = {
            runtime: env.runtime ?? null,
            url: environmentUrls[env.name] ?? config.entry.url,
            apps: 0,
            appsWantedRunning: 0,
            appsObservedRunning: 0,
        };
    }
    const totals: PlatformStatus["totals"] = {
        environments: config.environments.length,
        apps: config.apps.length,
        wantedRunning: 0,
        wantedStopped: 0,
        decommissioned: 0,
        byDatabaseMode: { database: 0, schema: 0, connection: 0 },
        observed: { running: 0, stopped: 0, error: 0, transitioning: 0, unknown: 0 },
    };
    const apps: Record<string, AppStatus> = {};
    for (const app of config.apps) {
        const seen = observed[app.id] ?? null;
        const category = observedCategory(seen);
        const env = environments[app.environment];
        env.apps++;
        if (app.state === "running") {
            env.appsWantedRunning++;
            totals.wantedRunning++;
        } else if (app.state === "stopped") {
            totals.wantedStopped++;
        } else {
            totals.decommissioned++;
        }
        if (category === "running") env.appsObservedRunning++;
        // A decommissioned app is unregistered: NocoBase has nothing to say about it.
        if (app.state !== RETIRED_STATE) totals.observed[category]++;
        totals.byDatabaseMode[app.database.mode]++;
        const db = app.database;
        apps[app.id] = {
            displayName: app.displayName,
            environment: app.environment,
            url: appAdminUrl(config.entry.url, app.id),
            domain: app.domain ?? null,
            database: {
                mode: db.mode,
                name: db.database,
                schema: db.mode === "database" ? null : (db.schema ?? null),
                host: db.mode === "connection" ? db.host : null,
            },
            desired: { state: app.state, startMode: app.startMode },
            observed: seen,
            inSync: seen === null ? null : category === app.state,
            backup: app.state === RETIRED_STATE ? { location: config.backups!.location, ...backups[app.id] } : null,
        };
    }
    return {
        mode: config.mode,
        nocobaseVersion: config.nocobaseVersion,
        upgrade: {
            lastBackup: lastUpgrade && {
                from: lastUpgrade.from,
                to: lastUpgrade.to,
                at: lastUpgrade.at,
                directory: lastUpgrade.directory,
                dumps: lastUpgrade.dumps.map((d) => ({ name: d.name, file: d.file, bytes: d.bytes, sha256: d.sha256 })),
                skipped: lastUpgrade.skipped,
            },
            notUpgraded: notUpgradedApps(config),
        },
        supervisor: config.supervisor,
        entry: {
            url: config.entry.url,
            runtime: config.entry.runtime ?? null,
            domain: config.entry.domain ?? null,
            adopted: config.entry.external !== undefined,
            unmanagedApps: (config.entry.external && unmanagedApps) ?? null,
        },
        environments,
        apps,
        totals,
    };
}
