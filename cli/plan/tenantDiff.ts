/**
 * What a change of stack file does to tenants, in the stack file's own terms: apps added, removed,
 * moved to another environment, and the fields that changed, plus the platform-level changes that
 * touch every tenant (NocoBase version, mode, environments). Apps are matched by id, their identity.
 */
import { isDeepStrictEqual } from "node:util";
import type { AppConfig, PlatformConfig } from "../../components/config/types";

export interface FieldChange {
    field: string;
    from: unknown;
    to: unknown;
}

export interface TenantDiff {
    platform: FieldChange[];
    environmentsAdded: string[];
    environmentsRemoved: string[];
    appsAdded: string[];
    appsRemoved: string[];
    appsMoved: { id: string; from: string; to: string }[];
    appsChanged: { id: string; changes: FieldChange[] }[];
}

/** Fields shown per app; the environment is reported as a move, secrets never. */
type AppField = Exclude<keyof AppConfig, "id" | "environment">;

export function tenantDiff(base: PlatformConfig, next: PlatformConfig): TenantDiff {
    const platform = (["mode", "nocobaseVersion", "image", "supervisor"] as const)
        .filter((k) => base[k] !== next[k])
        .map((k) => ({ field: k, from: base[k], to: next[k] }));
    const baseEnvs = new Set(base.environments.map((e) => e.name));
    const nextEnvs = new Set(next.environments.map((e) => e.name));
    const baseApps = new Map(base.apps.map((a) => [a.id, a]));
    const nextApps = new Map(next.apps.map((a) => [a.id, a]));
    const diff: TenantDiff = {
        platform,
        environmentsAdded: [...nextEnvs].filter((e) => !baseEnvs.has(e)),
        environmentsRemoved: [...baseEnvs].filter((e) => !nextEnvs.has(e)),
        appsAdded: next.apps.filter((a) => !baseApps.has(a.id)).map((a) => a.id),
        appsRemoved: base.apps.filter((a) => !nextApps.has(a.id)).map((a) => a.id),
        appsMoved: [],
        appsChanged: [],
    };
    for (const app of next.apps) {
        const old = baseApps.get(app.id);
        if (!old) continue;
        if (old.environment !== app.environment)
            diff.appsMoved.push({ id: app.id, from: old.environment, to: app.environment });
        const changes = (Object.keys(app) as (keyof AppConfig)[])
            .filter((k): k is AppField => k !== "id" && k !== "environment")
            .filter((k) => !isDeepStrictEqual(old[k], app[k]))
            .map((k) => ({ field: k, from: describe(old[k]), to: describe(app[k]) }));
        if (changes.length > 0) diff.appsChanged.push({ id: app.id, changes });
    }
    return diff;
}

/** A database as a phrase (`schema nocobase_tenants.helpdesk`); connection passwords stay out. */
function describe(value: unknown): unknown {
    if (typeof value !== "object" || value === null || !("mode" in value)) return value;
    const db = value as AppConfig["database"];
    switch (db.mode) {
        case "database":
            return `database ${db.database} (role ${db.role})`;
        case "schema":
            return `schema ${db.database}.${db.schema} (role ${db.role})`;
        case "connection":
            return `connection ${db.user}@${db.host}:${db.port}/${db.database}${db.schema ? `.${db.schema}` : ""}`;
    }
}
