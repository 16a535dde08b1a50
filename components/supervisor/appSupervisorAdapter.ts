import { AppRecord, AppSpec, AppStatus, ValidationError } from "./client";
import { Adapter, AppOptions, asStatus, findByName, fromOptions, listAll, toOptions } from "./adapterBase";
import { Session } from "./auth";

// UNVERIFIED. The commercial App Supervisor (@nocobase/plugin-app-supervisor) has no public source
// or API schema. This adapter is built from NocoBase's public core types (`AppModel` in
// packages/core/server/src/app-supervisor/types.ts) and from the resource names the open-source
// client calls (`apps`, `appEnvironments:list`). It is held to the same contract tests as the
// `applications` adapter, against a fake server of that shape, never against the real plugin.

/** Core `AppModel`. */
interface AppModelRow {
    name: string;
    title?: string | null;
    icon?: string | null;
    cname?: string | null;
    sort?: number;
    pinned?: boolean;
    environment?: string | null;
    environments?: string[] | null;
    /** Assumed: the live status, or per environment (core `getAppsStatuses()` returns both shapes). */
    status?: AppStatus | Record<string, AppStatus> | null;
    options?: (AppOptions & { upgrade?: boolean }) | null;
}

interface EnvironmentRow {
    name: string;
    available?: boolean;
}

function statusOf(row: AppModelRow, environment: string | undefined): AppStatus {
    const s = row.status;
    if (s === null || s === undefined || typeof s === "string") return asStatus(s ?? "stopped");
    return asStatus(environment !== undefined ? s[environment] : Object.values(s)[0]);
}

function toRecord(row: AppModelRow): AppRecord {
    const environment = row.environments?.[0] ?? row.environment ?? undefined;
    return {
        id: row.name,
        displayName: row.title ?? "",
        ...(row.cname ? { cname: row.cname } : {}),
        ...(environment ? { environment } : {}),
        ...fromOptions(row.options),
        ...(row.options?.upgrade !== undefined ? { upgrade: row.options.upgrade } : {}),
        status: statusOf(row, environment),
    };
}

/** The commercial App Supervisor (resources `apps` and `appEnvironments`). Unverified: see above. */
export class AppSupervisorAdapter implements Adapter {
    constructor(private readonly session: Session) {}

    async list(): Promise<AppRecord[]> {
        return (await listAll<AppModelRow>(this.session, "apps")).map(toRecord);
    }

    async get(id: string): Promise<AppRecord | undefined> {
        const row = await findByName<AppModelRow>(this.session, "apps", id);
        return row && toRecord(row);
    }

    async createRecord(spec: AppSpec): Promise<void> {
        await this.requireEnvironment(spec.environment);
        await this.session.request({
            method: "POST",
            path: "apps:create",
            body: { name: spec.id, ...this.body(spec) },
            idempotent: false,
        });
    }

    async updateRecord(id: string, spec: AppSpec): Promise<boolean> {
        await this.requireEnvironment(spec.environment);
        const res = await this.session.request<{ data?: unknown }>({
            method: "POST",
            path: "apps:update",
            query: { filterByTk: id },
            body: this.body(spec),
            idempotent: true,
        });
        // Core repositories answer `update` with the updated rows; accept a single object as well.
        if (Array.isArray(res.data)) return res.data.length > 0;
        return res.data !== null && typeof res.data === "object";
    }

    async destroy(id: string): Promise<boolean> {
        const res = await this.session.request<{ data?: unknown }>({
            method: "POST",
            path: "apps:destroy",
            query: { filterByTk: id },
            idempotent: true,
        });
        return Number(res.data) > 0;
    }

    async start(id: string): Promise<void> {
        await this.session.request({ method: "POST", path: "apps:start", query: { filterByTk: id }, idempotent: true });
    }

    async stop(id: string): Promise<void> {
        await this.session.request({ method: "POST", path: "apps:stop", query: { filterByTk: id }, idempotent: true });
    }

    /** Environments cannot be created over the API (workers register themselves), only checked. */
    private async requireEnvironment(name: string | undefined): Promise<void> {
        if (name === undefined) return;
        const envs = await listAll<EnvironmentRow>(this.session, "appEnvironments");
        const env = envs.find((e) => e.name === name);
        if (!env) {
            const known = envs.map((e) => e.name).join(", ") || "none";
            throw new ValidationError(`environment "${name}" is not registered with the entry app (known: ${known})`);
        }
        if (env.available === false) {
            throw new ValidationError(`environment "${name}" has sent no heartbeat for over 2 minutes`);
        }
    }

    private body(spec: AppSpec) {
        return {
            title: spec.displayName,
            cname: spec.cname ?? null,
            ...(spec.environment ? { environment: spec.environment, environments: [spec.environment] } : {}),
            options: { ...toOptions(spec), ...(spec.upgrade !== undefined ? { upgrade: spec.upgrade } : {}) },
        };
    }
}
