import {
    APP_STATUSES,
    AppRecord,
    AppSpec,
    AppStatus,
    DatabaseSpec,
    NotFoundError,
    ProtocolError,
    SupervisorClient,
    SupervisorError,
    TimeoutError,
    TransientError,
    ValidationError,
} from "./client";
import { Session } from "./auth";
import { probe } from "./http";
import { PollOptions, poll } from "../core/poll";
import { POSTGRES_PORT } from "../core/defaults";

/** `options` as NocoBase stores them for an app (core `AppModelOptions`, the keys this client uses). */
export interface AppOptions {
    autoStart?: boolean;
    authManager?: { jwt?: { secret?: string } };
    dbConnType?: string;
    database?: Partial<DatabaseSpec>;
    [key: string]: unknown;
}

const CREATE_ATTEMPTS = 3;

/** What differs between the two plugins: the resource names and the record shape. */
export interface Adapter {
    list(): Promise<AppRecord[]>;
    get(id: string): Promise<AppRecord | undefined>;
    /** One create request, never retried once sent (see HttpRequest.idempotent). */
    createRecord(spec: AppSpec): Promise<void>;
    /** One update request; false when no record had that id. */
    updateRecord(id: string, spec: AppSpec): Promise<boolean>;
    destroy(id: string): Promise<boolean>;
    start(id: string): Promise<void>;
    stop(id: string): Promise<void>;
}

/**
 * What both adapters share: adopt-or-create, polling for a status, the health gate.
 */
export class AdapterClient implements SupervisorClient {
    constructor(
        private readonly session: Session,
        private readonly adapter: Adapter,
    ) {}

    list(): Promise<AppRecord[]> {
        return this.adapter.list();
    }

    get(id: string): Promise<AppRecord | undefined> {
        return this.adapter.get(id);
    }

    destroy(id: string): Promise<boolean> {
        return this.adapter.destroy(id);
    }

    start(id: string): Promise<void> {
        return this.adapter.start(id);
    }

    stop(id: string): Promise<void> {
        return this.adapter.stop(id);
    }

    async create(spec: AppSpec): Promise<AppRecord> {
        return (await this.register(spec)).record;
    }

    async register(spec: AppSpec): Promise<{ record: AppRecord; adopted: boolean }> {
        for (let attempt = 1; ; attempt++) {
            // Found on a later attempt, the app is the one an earlier attempt of ours created.
            if (await this.get(spec.id)) return { record: await this.update(spec.id, spec), adopted: attempt === 1 };
            try {
                await this.adapter.createRecord(spec);
                return { record: await this.mustGet(spec.id), adopted: false };
            } catch (err) {
                // A lost answer, or "name already exists" because an earlier attempt (ours or a
                // concurrent run's) did get through: look again, and adopt what is there.
                const ambiguous = err instanceof TransientError && err.outcomeUnknown;
                if (!(ambiguous || err instanceof ValidationError) || attempt >= CREATE_ATTEMPTS) throw err;
                if (err instanceof ValidationError && !(await this.get(spec.id))) throw err;
            }
        }
    }

    async update(id: string, spec: AppSpec): Promise<AppRecord> {
        if (!(await this.adapter.updateRecord(id, spec))) {
            throw new NotFoundError(`app "${id}" is not registered with the entry app`);
        }
        return this.mustGet(id);
    }

    async waitForStatus(id: string, wanted: AppStatus | AppStatus[], deadlineMs: number): Promise<AppRecord> {
        const want = Array.isArray(wanted) ? wanted : [wanted];
        let last: AppStatus = "not_found";
        return poll(
            async () => {
                const record = await this.get(id);
                last = record?.status ?? "not_found";
                if (record && want.includes(last)) return record;
                if (last === "error" && !want.includes("error")) {
                    throw new SupervisorError(
                        `app "${id}" is in status "error" (NocoBase's log on the entry app says why)`,
                    );
                }
                return undefined;
            },
            this.pollFor(
                deadlineMs,
                () =>
                    new TimeoutError(
                        `app "${id}" did not reach ${want.join(" or ")} within ${deadlineMs} ms; last status: ${last}`,
                        last,
                    ),
            ),
        );
    }

    async version(): Promise<string> {
        const res = await this.session.request<{ data?: { version?: unknown } }>({
            method: "GET",
            path: "app:getInfo",
            idempotent: true,
        });
        const version = res.data?.version;
        if (typeof version !== "string" || version === "")
            throw new ProtocolError("GET /api/app:getInfo: answer carries no data.version");
        return version;
    }

    async health(): Promise<boolean> {
        return (await probe(this.session.http, "__health_check")) === 200;
    }

    async waitForHealthy(deadlineMs: number): Promise<void> {
        await poll(
            async () => ((await this.health()) ? true : undefined),
            this.pollFor(
                deadlineMs,
                () =>
                    new TimeoutError(
                        `entry app at ${this.session.http.baseUrl} not healthy within ${deadlineMs} ms (/api/__health_check)`,
                        "unhealthy",
                    ),
            ),
        );
    }

    async appHealthy(id: string): Promise<boolean> {
        return (await probe(this.session.http, `__app/${encodeURIComponent(id)}/__health_check`)) === 200;
    }

    async waitForAppHealthy(id: string, deadlineMs: number): Promise<void> {
        let status: AppStatus = "not_found";
        await poll(
            async () => {
                if (await this.appHealthy(id)) return true;
                status = (await this.get(id))?.status ?? "not_found";
                if (status === "error" || status === "not_found") {
                    throw new SupervisorError(`app "${id}" is in status "${status}" while waiting for it to run`);
                }
                return undefined;
            },
            this.pollFor(
                deadlineMs,
                () =>
                    new TimeoutError(
                        `app "${id}" did not answer its health check within ${deadlineMs} ms; last status: ${status}`,
                        status,
                    ),
            ),
        );
    }

    private pollFor(timeoutMs: number, onTimeout: () => Error): PollOptions {
        return { timeoutMs, intervalMs: this.session.http.timeouts.pollMs, onTimeout };
    }

    private async mustGet(id: string): Promise<AppRecord> {
        const record = await this.get(id);
        if (!record) throw new NotFoundError(`app "${id}" vanished right after it was written`);
        return record;
    }
}

/** The options this client writes: always present, because an app without options cannot boot after a restart. */
export function toOptions(spec: AppSpec): AppOptions {
    const { dialect, host, port, username, password, database, schema } = spec.database;
    return {
        autoStart: spec.autoStart,
        ...(spec.jwtSecret ? { authManager: { jwt: { secret: spec.jwtSecret } } } : {}),
        // new_connection: the stack created the database (or schema) and its owner role itself.
        dbConnType: "new_connection",
        database: { dialect, host, port, username, password, database, ...(schema ? { schema } : {}) },
    };
}

export function fromOptions(
    options: AppOptions | null | undefined,
): Pick<AppRecord, "autoStart" | "jwtSecret" | "database"> {
    const db = options?.database;
    const complete =
        db && typeof db.host === "string" && typeof db.database === "string" && typeof db.username === "string";
    return {
        autoStart: options?.autoStart === true,
        jwtSecret: options?.authManager?.jwt?.secret || undefined,
        database: complete
            ? {
                  dialect: "postgres",
                  host: db.host!,
                  port: Number(db.port ?? POSTGRES_PORT),
                  username: db.username!,
                  password: db.password ?? "",
                  database: db.database!,
                  ...(db.schema ? { schema: db.schema } : {}),
              }
            : undefined,
    };
}

export function asStatus(value: unknown): AppStatus {
    return APP_STATUSES.includes(value as AppStatus) ? (value as AppStatus) : "not_found";
}

const PAGE_SIZE = 100;

/** A page of a NocoBase `list` action. */
export interface Page<T> {
    data?: T[];
    meta?: { page?: number; totalPage?: number };
}

export function rowsOf<T>(page: Page<T>, what: string): T[] {
    if (!Array.isArray(page.data)) throw new ProtocolError(`${what}: answer has no data array`);
    return page.data;
}

/** Every row of a `list` action, page by page: `paginate=false` breaks `applications:list`. */
export async function listAll<T>(session: Session, resource: string): Promise<T[]> {
    const rows: T[] = [];
    for (let page = 1; ; page++) {
        const res = await session.request<Page<T>>({
            method: "GET",
            path: `${resource}:list`,
            query: { page, pageSize: PAGE_SIZE },
            idempotent: true,
        });
        rows.push(...rowsOf(res, `GET /api/${resource}:list`));
        if (page >= (res.meta?.totalPage ?? 1)) return rows;
    }
}

/** One row by name, through `list` with a filter: only `list` carries an app's live status. */
export async function findByName<T extends { name: string }>(
    session: Session,
    resource: string,
    name: string,
): Promise<T | undefined> {
    const res = await session.request<Page<T>>({
        method: "GET",
        path: `${resource}:list`,
        query: { filter: JSON.stringify({ name }), pageSize: 1 },
        idempotent: true,
    });
    return rowsOf(res, `GET /api/${resource}:list`).find((r) => r.name === name);
}
