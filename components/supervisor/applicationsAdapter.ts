import { AppRecord, AppSpec, ProtocolError } from "./client";
import { Adapter, AppOptions, asStatus, findByName, fromOptions, listAll, toOptions } from "./adapterBase";
import { Session } from "./auth";

/** A row of `applications:list` (plugin-multi-app-manager, verified on NocoBase 2.2.15). */
interface ApplicationRow {
    name: string;
    displayName?: string | null;
    cname?: string | null;
    /** In `list` a middleware puts the live status here; in `get` it is the stored "pending". */
    status?: string;
    options?: AppOptions | null;
}

function toRecord(row: ApplicationRow): AppRecord {
    return {
        id: row.name,
        displayName: row.displayName ?? "",
        ...(row.cname ? { cname: row.cname } : {}),
        ...fromOptions(row.options),
        status: asStatus(row.status),
    };
}

/**
 * The open-source multi-app manager (`applications` resource). Its `environment` and `upgrade`
 * have no equivalent here: every app runs in the entry app's process.
 */
export class ApplicationsAdapter implements Adapter {
    constructor(private readonly session: Session) {}

    async list(): Promise<AppRecord[]> {
        return (await listAll<ApplicationRow>(this.session, "applications")).map(toRecord);
    }

    async get(id: string): Promise<AppRecord | undefined> {
        const row = await findByName<ApplicationRow>(this.session, "applications", id);
        return row && toRecord(row);
    }

    async createRecord(spec: AppSpec): Promise<void> {
        await this.session.request({
            method: "POST",
            path: "applications:create",
            body: { name: spec.id, ...this.body(spec) },
            idempotent: false,
        });
    }

    async updateRecord(id: string, spec: AppSpec): Promise<boolean> {
        // The answer is an array of the updated rows; empty when nothing had that id.
        const res = await this.session.request<{ data?: unknown }>({
            method: "POST",
            path: "applications:update",
            query: { filterByTk: id },
            body: this.body(spec),
            idempotent: true,
        });
        if (!Array.isArray(res.data))
            throw new ProtocolError("POST /api/applications:update: answer has no data array");
        return res.data.length > 0;
    }

    async destroy(id: string): Promise<boolean> {
        const res = await this.session.request<{ data?: unknown }>({
            method: "POST",
            path: "applications:destroy",
            query: { filterByTk: id },
            idempotent: true,
        });
        return Number(res.data) > 0;
    }

    async start(id: string): Promise<void> {
        await this.command("start", id);
    }

    async stop(id: string): Promise<void> {
        await this.command("stop", id);
    }

    private async command(action: "start" | "stop", id: string): Promise<void> {
        // Fire-and-forget on the server: "ok" even for an unknown id; waitForStatus tells the outcome.
        await this.session.request({
            method: "POST",
            path: `applications:${action}`,
            query: { filterByTk: id },
            idempotent: true,
        });
    }

    private body(spec: AppSpec) {
        // cname null (not absent) so that removing a custom domain clears it; options are replaced whole.
        return { displayName: spec.displayName, cname: spec.cname ?? null, options: toOptions(spec) };
    }
}
