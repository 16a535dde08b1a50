/**
 * The checks behind `npm run verify`: what a deployed platform promises, tested against the live
 * entry app and PostgreSQL server with the tenants' own credentials, read from the stack outputs.
 *
 * Isolation is proven by trying: each tenant role connects to its own storage and creates and reads
 * a table there, then tries every other storage on the same server (other tenants' databases and
 * schemas, the entry app's and the environments' databases, the tenants database when it is not a
 * schema-mode tenant). PostgreSQL refuses those by privilege (`permission denied for database`,
 * `permission denied for schema`), whatever the authentication method, so the verdict does not
 * depend on pg_hba.conf.
 */
import { randomBytes } from "node:crypto";
import { Client, ClientConfig } from "pg";
import type { DatabaseAccess } from "../../components/platform/platform";
import { HEALTH_CHECK_PATH } from "../../components/core/nocobase";
import { isPlainObject, join } from "../../components/core/keyPath";
import { PlatformStatus, observedCategory } from "../../components/platform/status";
import { RETIRED_STATE } from "../../components/core/modes";

/** The stack outputs `verify` reads (`pulumi stack output --json --show-secrets`). */
export interface PlatformOutputs {
    entryUrl: string;
    status: PlatformStatus;
    databases: DatabaseAccess;
}

export interface VerifyOptions {
    /** Where this machine reaches the platform's PostgreSQL server, when not at `databases.server`. */
    pgHost?: string;
    pgPort?: number;
    /** Bound of every connection, query and HTTP request. */
    timeoutMs?: number;
    /** Tenants checked at once; each holds at most two connections. */
    concurrency?: number;
}

export interface CheckLine {
    ok: boolean;
    text: string;
}

export interface CrossTenantCounts {
    tried: number;
    refused: number;
    unexpected: number;
    inconclusive: number;
}

export interface VerifyReport {
    lines: CheckLine[];
    passed: number;
    failed: number;
    crossTenant: CrossTenantCounts;
    /** Connections opened or attempted, own and cross-tenant. */
    connections: number;
}

/** The outputs are not what the program exports (wrong stack, or secrets not shown). */
export class OutputsError extends Error {}

/** App state that retires a tenant: its storage may be gone, so it is neither checked nor probed. */

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONCURRENCY = 4;
/** SQLSTATEs by which PostgreSQL refuses a role: no privilege, or no pg_hba.conf entry. */
const REFUSALS = new Set(["42501", "28000"]);
/** Enough to prove a table is readable without reading a whole schema. */
const READ_PROBES = 3;

/**
 * The outputs as `verify` reads them, checked for everything it reads: one of another shape (an
 * older program, another stack, hand-edited JSON) is an `OutputsError` at the key path of what is
 * wrong, never a crash halfway through the checks.
 */
export function parseOutputs(raw: unknown): PlatformOutputs {
    const top = outputObject(raw, "outputs");
    if (typeof top.entryUrl !== "string")
        throw new OutputsError("entryUrl: expected a string (is this a nocobase-platform stack?)");
    const status = outputObject(top.status, "status");
    for (const [id, app] of outputEntries(status.apps, "status.apps")) {
        const at = join("status.apps", id);
        const { desired, observed } = outputObject(app, at);
        outputString(outputObject(desired, join(at, "desired")).state, join(join(at, "desired"), "state"));
        if (observed !== null) outputString(observed, join(at, "observed"));
    }
    const databases = outputObject(top.databases, "databases");
    const server = outputObject(databases.server, "databases.server");
    outputString(server.host, "databases.server.host");
    outputNumber(server.port, "databases.server.port");
    outputString(server.sslMode, "databases.server.sslMode");
    // Null for an adopted entry app, whose database the stack does not own.
    if (databases.entry !== null)
        outputString(outputObject(databases.entry, "databases.entry").database, "databases.entry.database");
    for (const [name, env] of outputEntries(databases.environments, "databases.environments")) {
        outputString(
            outputObject(env, join("databases.environments", name)).database,
            join(join("databases.environments", name), "database"),
        );
    }
    for (const [id, tenant] of outputEntries(databases.tenants, "databases.tenants")) {
        const at = join("databases.tenants", id);
        const t = outputObject(tenant, at);
        for (const key of ["mode", "host", "database", "user", "password"]) outputString(t[key], join(at, key));
        outputNumber(t.port, join(at, "port"));
        if (t.schema !== undefined && t.schema !== null) outputString(t.schema, join(at, "schema"));
    }
    return raw as PlatformOutputs;
}

/** How `pulumi stack output` shows a secret without `--show-secrets`. */
const HIDDEN = "[secret]";

/** A value's kind, never its content: outputs hold passwords. */
function kindOf(value: unknown): string {
    if (value === undefined) return "nothing";
    return value === null ? "null" : Array.isArray(value) ? "a list" : `a ${typeof value}`;
}

function outputObject(value: unknown, path: string): Record<string, unknown> {
    if (value === HIDDEN) throw new OutputsError(`${path} is hidden: read the outputs with --show-secrets`);
    if (!isPlainObject(value)) throw new OutputsError(`${path}: expected an object, got ${kindOf(value)}`);
    return value;
}

function outputEntries(value: unknown, path: string): Array<[string, unknown]> {
    return Object.entries(outputObject(value, path));
}

function outputString(value: unknown, path: string): void {
    if (value === HIDDEN) throw new OutputsError(`${path} is hidden: read the outputs with --show-secrets`);
    if (typeof value !== "string") throw new OutputsError(`${path}: expected a string, got ${kindOf(value)}`);
}

function outputNumber(value: unknown, path: string): void {
    if (typeof value !== "number" || !Number.isFinite(value))
        throw new OutputsError(`${path}: expected a number, got ${kindOf(value)}`);
}

interface Endpoint {
    /** Storages on one server share a key; only those can be tried across tenants. */
    key: string;
    host: string;
    port: number;
}

/** Somewhere a tenant's role must not reach: a database, or a schema inside one. */
interface Storage {
    label: string;
    endpoint: Endpoint;
    database: string;
    schema?: string;
    /** Id of the tenant that owns it. */
    tenant?: string;
}

interface Tenant {
    id: string;
    access: DatabaseAccess["tenants"][string];
    endpoint: Endpoint;
    own: Storage;
    line: Line;
}

type Outcome =
    { kind: "connected"; client: Client } | { kind: "refused"; reason: string } | { kind: "error"; reason: string };

export async function verifyPlatform(outputs: PlatformOutputs, options: VerifyOptions = {}): Promise<VerifyReport> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const report: VerifyReport = {
        lines: [],
        passed: 0,
        failed: 0,
        crossTenant: { tried: 0, refused: 0, unexpected: 0, inconclusive: 0 },
        connections: 0,
    };
    // Tenants are checked concurrently; each writes to its own section so the report reads in order.
    const sections: CheckLine[][] = [];
    const section = (): Line => {
        const lines: CheckLine[] = [];
        sections.push(lines);
        return (ok, text) => lines.push({ ok, text });
    };

    await checkEntryHealth(outputs.entryUrl, timeoutMs, section());
    checkAppStates(outputs.status, section());

    const { databases } = outputs;
    const server = databases.server;
    const platform: Endpoint = {
        key: "platform",
        host: options.pgHost ?? server.host,
        port: options.pgPort ?? server.port,
    };
    const ssl = sslOption(server.sslMode);
    const retired = new Set(
        Object.entries(outputs.status.apps)
            .filter(([, app]) => (app.desired.state as string) === RETIRED_STATE)
            .map(([id]) => id),
    );
    const tenants: Tenant[] = [];
    for (const [id, access] of Object.entries(databases.tenants)) {
        const line = section();
        if (retired.has(id)) {
            line(true, `tenant ${id}: ${RETIRED_STATE}, its storage is not checked`);
            continue;
        }
        const endpoint =
            access.mode === "connection"
                ? { key: `${access.host}:${access.port}`, host: access.host, port: access.port }
                : platform;
        tenants.push({
            id,
            access,
            endpoint,
            own: { label: `tenant ${id}`, endpoint, database: access.database, schema: access.schema, tenant: id },
            line,
        });
    }
    const storages: Storage[] = [
        ...(databases.entry
            ? [{ label: "the entry app", endpoint: platform, database: databases.entry.database }]
            : []),
        ...Object.entries(databases.environments).map(([name, env]) => ({
            label: `environment ${name}`,
            endpoint: platform,
            database: env.database,
        })),
        ...tenants.map((t) => t.own),
    ];
    const tenantsDatabases = new Set(tenants.filter((t) => t.access.mode === "schema").map((t) => t.access.database));
    for (const database of tenantsDatabases)
        storages.push({ label: "the tenants database", endpoint: platform, database });

    const connect = async (tenant: Tenant, database: string): Promise<Outcome> => {
        report.connections++;
        const config: ClientConfig = {
            host: tenant.endpoint.host,
            port: tenant.endpoint.port,
            user: tenant.access.user,
            password: tenant.access.password,
            database,
            ssl,
            connectionTimeoutMillis: timeoutMs,
            query_timeout: timeoutMs,
            statement_timeout: timeoutMs,
            application_name: "nocobase-platform verify",
        };
        const client = new Client(config);
        // A server that drops an idle connection must not take the whole run down.
        client.on("error", () => undefined);
        try {
            await client.connect();
            return { kind: "connected", client };
        } catch (e) {
            await client.end().catch(() => undefined);
            const err = e as { code?: string; message?: string };
            return { kind: err.code && REFUSALS.has(err.code) ? "refused" : "error", reason: err.message ?? String(e) };
        }
    };

    const checkTenant = async (tenant: Tenant) => {
        const line = tenant.line;
        const opened = new Map<string, Promise<Outcome>>();
        const session = (database: string) => {
            let outcome = opened.get(database);
            if (!outcome) opened.set(database, (outcome = connect(tenant, database)));
            return outcome;
        };
        try {
            await checkOwnStorage(tenant, await connect(tenant, tenant.own.database), line);
            const targets = storages.filter(
                (s) =>
                    s.endpoint.key === tenant.endpoint.key &&
                    s.tenant !== tenant.id &&
                    !(s.schema === undefined && s.database === tenant.own.database),
            );
            const problems: string[] = [];
            for (const target of targets) {
                report.crossTenant.tried++;
                const where =
                    target.schema === undefined
                        ? `database ${target.database}`
                        : `schema ${target.schema} in ${target.database}`;
                const outcome = await session(target.database);
                let leaks: string[];
                if (outcome.kind === "refused") {
                    report.crossTenant.refused++;
                    continue;
                }
                if (outcome.kind === "error") {
                    report.crossTenant.inconclusive++;
                    problems.push(`could not tell whether ${where} (${target.label}) is refused: ${outcome.reason}`);
                    continue;
                }
                if (target.schema === undefined) {
                    leaks = ["connected"];
                } else {
                    try {
                        leaks = await probeForeignSchema(outcome.client, target.schema);
                    } catch (e) {
                        report.crossTenant.inconclusive++;
                        problems.push(
                            `could not tell whether ${where} (${target.label}) is refused: ${(e as Error).message}`,
                        );
                        continue;
                    }
                }
                if (leaks.length === 0) report.crossTenant.refused++;
                else {
                    report.crossTenant.unexpected++;
                    problems.push(`reached ${where} (${target.label}): ${leaks.join(", ")}`);
                }
            }
            if (problems.length === 0)
                line(
                    true,
                    `tenant ${tenant.id}: refused on all ${targets.length} other databases and schemas on its server`,
                );
            for (const problem of problems) line(false, `tenant ${tenant.id}: ${problem}`);
        } finally {
            for (const outcome of opened.values()) {
                const o = await outcome;
                if (o.kind === "connected") await o.client.end().catch(() => undefined);
            }
        }
    };
    await inParallel(tenants, options.concurrency ?? DEFAULT_CONCURRENCY, checkTenant);
    report.lines = sections.flat();
    report.passed = report.lines.filter((l) => l.ok).length;
    report.failed = report.lines.length - report.passed;
    return report;
}

type Line = (ok: boolean, text: string) => void;

async function checkEntryHealth(entryUrl: string, timeoutMs: number, line: Line): Promise<void> {
    const url = `${entryUrl.replace(/\/+$/, "")}${HEALTH_CHECK_PATH}`;
    try {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
        await response.body?.cancel();
        line(
            response.status === 200,
            `entry app ${response.status === 200 ? "is healthy" : "is not healthy"}: GET ${url} answered ${response.status}`,
        );
    } catch (e) {
        const err = e as Error & { cause?: Error };
        line(false, `entry app is not reachable: GET ${url} failed: ${err.cause?.message ?? err.message}`);
    }
}

function checkAppStates(status: PlatformStatus, line: Line): void {
    for (const [id, app] of Object.entries(status.apps)) {
        const desired = app.desired.state as string;
        const observed = app.observed;
        if (desired === RETIRED_STATE) {
            // Unregistered from the entry app: NocoBase has no state to report for it.
            line(true, `app ${id}: ${RETIRED_STATE}, no state to observe`);
        } else if (observed === null) {
            line(false, `app ${id}: desired ${desired}, never observed (no update or refresh has read it)`);
        } else {
            line(observedCategory(observed) === desired, `app ${id}: desired ${desired}, observed ${observed}`);
        }
    }
}

async function checkOwnStorage(tenant: Tenant, outcome: Outcome, line: Line): Promise<void> {
    const { access } = tenant;
    const where = `${access.database}${access.schema ? ` (schema ${access.schema})` : ""}`;
    if (outcome.kind !== "connected") {
        line(
            false,
            `tenant ${tenant.id}: cannot connect to its database ${access.database} as ${access.user}: ${outcome.reason}`,
        );
        line(
            false,
            `tenant ${tenant.id}: role ${access.user} not checked for SUPERUSER, CREATEDB or CREATEROLE (no connection)`,
        );
        return;
    }
    const client = outcome.client;
    try {
        try {
            const table = `${client.escapeIdentifier(access.schema ?? "public")}.${client.escapeIdentifier(`verify_probe_${randomBytes(4).toString("hex")}`)}`;
            await client.query("BEGIN");
            await client.query(`CREATE TABLE ${table} (id integer)`);
            await client.query(`INSERT INTO ${table} VALUES (1)`);
            const read = await client.query(`SELECT id FROM ${table}`);
            if (read.rowCount !== 1) throw new Error(`read ${read.rowCount} rows back instead of 1`);
            line(true, `tenant ${tenant.id}: connects to ${where} as ${access.user}, creates and reads a table`);
        } catch (e) {
            line(
                false,
                `tenant ${tenant.id}: connects to ${where} as ${access.user} but cannot create and read a table: ${(e as Error).message}`,
            );
        } finally {
            await client.query("ROLLBACK").catch(() => undefined);
        }
        try {
            // Attributes are not inherited, but a member can SET ROLE to its group and act as it.
            const { rows } = await client.query<{
                rolname: string;
                rolsuper: boolean;
                rolcreatedb: boolean;
                rolcreaterole: boolean;
            }>(
                `SELECT rolname, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles
                  WHERE pg_has_role(current_user, oid, 'MEMBER') AND (rolsuper OR rolcreatedb OR rolcreaterole)
                  ORDER BY rolname`,
            );
            if (rows.length === 0)
                line(
                    true,
                    `tenant ${tenant.id}: role ${access.user} has no SUPERUSER, CREATEDB or CREATEROLE, itself or through a role it belongs to`,
                );
            for (const row of rows) {
                const powers = [
                    row.rolsuper && "SUPERUSER",
                    row.rolcreatedb && "CREATEDB",
                    row.rolcreaterole && "CREATEROLE",
                ]
                    .filter(Boolean)
                    .join(", ");
                const who =
                    row.rolname === access.user
                        ? `role ${access.user} has ${powers}`
                        : `role ${access.user} belongs to ${row.rolname}, which has ${powers}`;
                line(false, `tenant ${tenant.id}: ${who}`);
            }
        } catch (e) {
            line(
                false,
                `tenant ${tenant.id}: role ${access.user} not checked for SUPERUSER, CREATEDB or CREATEROLE: ${(e as Error).message}`,
            );
        }
    } finally {
        await client.end().catch(() => undefined);
    }
}

/**
 * What a role connected to a database holding another tenant's schema can do there. Privilege
 * functions answer for USAGE and CREATE; reading and creating are then tried for real.
 */
async function probeForeignSchema(client: Client, schema: string): Promise<string[]> {
    const found = await client.query<{ oid: number; usage: boolean; create: boolean }>(
        `SELECT oid, has_schema_privilege(oid, 'USAGE') AS usage, has_schema_privilege(oid, 'CREATE') AS create FROM pg_namespace WHERE nspname = $1`,
        [schema],
    );
    if (found.rowCount === 0) throw new Error(`schema ${schema} does not exist`);
    const { oid, usage, create } = found.rows[0];
    const leaks: string[] = [];
    if (usage) leaks.push("has USAGE on the schema");
    if (create) leaks.push("has CREATE on the schema");
    const readable = await client.query<{ relname: string }>(
        `SELECT relname FROM pg_class WHERE relnamespace = $1 AND relkind IN ('r', 'p', 'v', 'm', 'f') AND has_table_privilege(oid, 'SELECT') ORDER BY relname LIMIT ${READ_PROBES}`,
        [oid],
    );
    const ident = (name: string) => client.escapeIdentifier(name);
    for (const { relname } of readable.rows) {
        try {
            await client.query(`SELECT 1 FROM ${ident(schema)}.${ident(relname)} LIMIT 1`);
            leaks.push(`read table ${schema}.${relname}`);
        } catch (e) {
            if ((e as { code?: string }).code !== "42501") throw e;
        }
    }
    try {
        await client.query("BEGIN");
        await client.query(
            `CREATE TABLE ${ident(schema)}.${ident(`verify_probe_${randomBytes(4).toString("hex")}`)} (id integer)`,
        );
        leaks.push("created a table in it");
    } catch (e) {
        if ((e as { code?: string }).code !== "42501") throw e;
    } finally {
        await client.query("ROLLBACK").catch(() => undefined);
    }
    return leaks;
}

/** node-postgres has no sslmode: the same four levels as the stack's `postgres.sslMode`. */
export function sslOption(mode: string): ClientConfig["ssl"] {
    switch (mode) {
        case "disable":
            return false;
        case "require":
            return { rejectUnauthorized: false };
        case "verify-ca":
            return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
        default:
            return { rejectUnauthorized: true };
    }
}

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < items.length) await work(items[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function formatReport(report: VerifyReport): string {
    const c = report.crossTenant;
    return [
        ...report.lines.map((l) => `${l.ok ? "ok  " : "FAIL"}  ${l.text}`),
        "",
        `checks: ${report.passed + report.failed}, passed ${report.passed}, failed ${report.failed}`,
        `cross-tenant attempts: ${c.tried} tried, ${c.refused} refused as expected, ${c.unexpected} unexpected successes, ${c.inconclusive} inconclusive (${report.connections} connections)`,
    ].join("\n");
}
