/**
 * The provider behind each NocoBase app's registration with the entry app: a Pulumi dynamic
 * provider on the supervisor client.
 *
 * Pulumi's provider host runs it from a bundle of this module (components/lifecycle/providerBundle.ts), a
 * plain Node process without a TypeScript loader: everything imported here at run time is bundled
 * with it, except Node's built-ins. So nothing here imports @pulumi/pulumi except for types.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../core/defaults";
import { APP_ID } from "../core/identifiers";
import { APP_STATES, RETIRED_STATE, START_MODES, SUPERVISORS, isOneOf } from "../core/modes";
import type { AppState, StartMode, Supervisor } from "../core/modes";
import { LOCAL_ENVIRONMENT } from "../core/nocobase";
import {
    AppRecord,
    AppSpec,
    AppStatus,
    Credentials,
    DatabaseSpec,
    SupervisorClient,
    Timeouts,
    createSupervisorClient,
} from "../supervisor";
import { UNKNOWN_VALUE } from "../core/engine";
import { sameOnWire, wire } from "./wire";

/** Bump when the provider's behaviour changes: Pulumi does not notice new provider code by itself. */
export const PROVIDER_VERSION = "1";

/** A registered app runs or is stopped; a retired one has no registration left to hold a state. */
export type DesiredState = Exclude<AppState, typeof RETIRED_STATE>;
const DESIRED_STATES = APP_STATES.filter((s): s is DesiredState => s !== RETIRED_STATE);

/** Where the app's data is; always PostgreSQL here, so the dialect is the client's to add. */
export type AppDatabase = Omit<DatabaseSpec, "dialect">;

/** The provider's inputs, after `check`. */
export interface AppInputs {
    entryUrl: string;
    adapter: Supervisor;
    /** An adopted entry app's API key, or the root login of one this stack runs. */
    credentials: Credentials;
    appId: string;
    displayName: string;
    cname?: string;
    environment: string;
    startMode: StartMode;
    state: DesiredState;
    jwtSecret?: string;
    database: AppDatabase;
    upgrade: boolean;
    providerVersion: string;
}

/**
 * What lands in the state. No jwtSecret and no database password: a salted fingerprint stands in
 * for them so that `diff` (which only sees outputs) still notices a rotation. `credentials` must stay,
 * because `read` and `delete` receive nothing else; the resource marks it secret.
 */
export interface AppOutputs extends Omit<AppInputs, "jwtSecret" | "database"> {
    database: Omit<AppDatabase, "password">;
    secretsFingerprint: string;
    observedStatus: AppStatus;
    observedAt: string;
}

/** How long the provider waits for NocoBase, in ms. */
export interface Waits {
    /** For the entry app's health check, before the first call of the process to it. */
    healthy: number;
    /** For a started app to answer; includes NocoBase installing itself into a fresh database. */
    running: number;
    /** For a stopped app to report it. */
    stopped: number;
    /** The same before a restart, where a stale `running` is expected (see waitStopped). */
    restartStop: number;
    /** For an app that is starting or stopping to settle before it is commanded. */
    settled: number;
}

export const DEFAULT_WAITS: Waits = {
    healthy: 120_000,
    running: 300_000,
    stopped: 30_000,
    restartStop: 5_000,
    settled: 120_000,
};

/** For tests, which cannot wait minutes; Pulumi's provider host uses the defaults. */
export interface AppProviderOptions {
    /** Default DEFAULT_WAITS. */
    waits?: Partial<Waits>;
    /** The supervisor client's; default its DEFAULT_TIMEOUTS. */
    timeouts?: Partial<Timeouts>;
}

// Fields whose change is an in-place update; appId alone replaces.
const UPDATABLE: readonly (keyof AppOutputs)[] = [
    "entryUrl",
    "adapter",
    "credentials",
    "displayName",
    "cname",
    "environment",
    "startMode",
    "state",
    "upgrade",
    "database",
    "providerVersion",
];
const TRANSITIONAL: readonly AppStatus[] = ["preparing", "initializing", "commanding"];
const SETTLED: AppStatus[] = ["initialized", "running", "stopped"];
const STOPPED_ENOUGH: AppStatus[] = ["initialized", "stopped"];

function trimmed(v: unknown): unknown {
    return typeof v === "string" ? v.trim() : v;
}

function normalise(news: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...news };
    for (const k of ["entryUrl", "appId", "displayName", "cname", "environment", "jwtSecret"])
        out[k] = trimmed(news[k]);
    if (typeof out.entryUrl === "string") out.entryUrl = out.entryUrl.replace(/\/+$/, "");
    if (typeof out.cname === "string") out.cname = out.cname.toLowerCase();
    if (out.cname === "" || out.cname === null) delete out.cname;
    if (out.jwtSecret === "" || out.jwtSecret === null) delete out.jwtSecret;
    out.adapter = news.adapter ?? SUPERVISORS[0];
    out.environment = out.environment ?? LOCAL_ENVIRONMENT;
    out.startMode = news.startMode ?? DEFAULTS.startMode;
    out.state = news.state ?? DEFAULTS.state;
    out.upgrade = news.upgrade ?? DEFAULTS.upgrade;
    out.providerVersion = news.providerVersion ?? PROVIDER_VERSION;
    const db = news.database;
    if (db && typeof db === "object") {
        const d = { ...(db as Record<string, unknown>) };
        for (const k of ["host", "username", "database", "schema"]) d[k] = trimmed(d[k]);
        if (typeof d.port === "string" && d.port !== UNKNOWN_VALUE) d.port = Number(d.port);
        if (d.schema === "" || d.schema === null) delete d.schema;
        out.database = d;
    }
    return out;
}

function validate(i: Record<string, unknown>): pulumi.dynamic.CheckFailure[] {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    // The engine's placeholder is a non-empty string: only checks of a shape must let it pass.
    const known = (v: unknown) => v !== UNKNOWN_VALUE;
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    if (i.appId === undefined) fail("appId", "is required");
    else if (known(i.appId) && !(typeof i.appId === "string" && APP_ID.test(i.appId))) {
        // NocoBase accepts more, but the id becomes a database or schema name, and NocoBase does not
        // quote it everywhere (reference section 2).
        fail(
            "appId",
            `"${String(i.appId)}" must match ${APP_ID} (lower case, starts with a letter, at most 63 bytes); "main" is reserved`,
        );
    }
    if (i.appId === "main") fail("appId", '"main" is reserved by NocoBase');
    if (typeof i.displayName !== "string" || i.displayName === "") fail("displayName", "must be a non-empty string");
    if (known(i.entryUrl) && !(typeof i.entryUrl === "string" && /^https?:\/\/[^/]/.test(i.entryUrl))) {
        fail("entryUrl", `"${String(i.entryUrl)}" is not an http(s) URL`);
    }
    if (known(i.adapter) && !isOneOf(SUPERVISORS, i.adapter))
        fail("adapter", `must be one of ${SUPERVISORS.join(", ")}`);
    if (known(i.startMode) && !isOneOf(START_MODES, i.startMode))
        fail("startMode", `must be one of ${START_MODES.join(", ")}`);
    if (known(i.state) && !isOneOf(DESIRED_STATES, i.state))
        fail("state", `must be one of ${DESIRED_STATES.join(", ")}`);
    const db = i.database as Record<string, unknown> | undefined;
    if (db && typeof db === "object") {
        for (const k of ["host", "username", "password", "database"]) {
            if (typeof db[k] !== "string" || db[k] === "") fail(`database.${k}`, "must be a non-empty string");
        }
        if (known(db.port) && !(Number.isInteger(db.port) && (db.port as number) > 0 && (db.port as number) < 65536)) {
            fail("database.port", `${String(db.port)} is not a TCP port`);
        }
    } else if (known(db)) {
        fail("database", "is required");
    }
    return failures;
}

/** Changes when jwtSecret or the database password changes; not reversible, salted with the app id. */
function fingerprint(appId: string, jwtSecret: string | undefined, dbPassword: string): string {
    return createHash("sha256")
        .update(JSON.stringify(["nocobase-app", appId, jwtSecret ?? null, dbPassword]))
        .digest("hex")
        .slice(0, 32);
}

/**
 * One client per entry app, adapter and login for the whole provider process. A client signs in
 * once and keeps its token (signing in again when it dies), so a refresh of a thousand apps signs
 * in once: with a client per call, every read, create and update began with its own sign-in, and
 * NocoBase checks the password hash each time (measured under the real engine, docs/scale.md).
 */
const clients = new Map<string, SupervisorClient>();

function connect(
    p: Pick<AppInputs, "entryUrl" | "adapter" | "credentials">,
    timeouts: Partial<Timeouts> | undefined,
): SupervisorClient {
    const credentials: Credentials = process.env.NOCOBASE_API_KEY
        ? { apiKey: process.env.NOCOBASE_API_KEY }
        : p.credentials;
    const login =
        "apiKey" in credentials ? ["key", credentials.apiKey] : ["account", credentials.account, credentials.password];
    const key = createHash("sha256")
        .update(JSON.stringify([p.adapter, p.entryUrl, timeouts ?? null, ...login]))
        .digest("hex");
    let client = clients.get(key);
    if (client === undefined) {
        client = createSupervisorClient({
            adapter: p.adapter,
            baseUrl: p.entryUrl,
            auth: credentials,
            timeouts,
        });
        clients.set(key, client);
    }
    return client;
}

/**
 * Entry apps this provider process has seen healthy. The health check gates the first call to an
 * entry app, not every call: a refresh of a thousand apps then reads one list row per app.
 */
const healthyEntries = new Set<string>();

async function ensureHealthy(client: SupervisorClient, entryUrl: string, waits: Waits): Promise<void> {
    if (healthyEntries.has(entryUrl)) return;
    await client.waitForHealthy(waits.healthy);
    healthyEntries.add(entryUrl);
}

function toSpec(i: AppInputs): AppSpec {
    return {
        id: i.appId,
        displayName: i.displayName,
        ...(i.cname ? { cname: i.cname } : {}),
        environment: i.environment,
        autoStart: i.startMode === "with-main",
        ...(i.jwtSecret ? { jwtSecret: i.jwtSecret } : {}),
        database: { dialect: "postgres", ...i.database },
        upgrade: i.upgrade,
    };
}

function toOutputs(i: AppInputs, record: AppRecord): AppOutputs {
    const { password, ...database } = i.database;
    return {
        entryUrl: i.entryUrl,
        adapter: i.adapter,
        credentials: i.credentials,
        appId: i.appId,
        displayName: i.displayName,
        ...(i.cname ? { cname: i.cname } : {}),
        environment: i.environment,
        startMode: i.startMode,
        state: i.state,
        database,
        upgrade: i.upgrade,
        providerVersion: i.providerVersion,
        secretsFingerprint: fingerprint(i.appId, i.jwtSecret, password),
        observedStatus: record.status,
        observedAt: new Date().toISOString(),
    };
}

/** Brings the running state in line with `state`; `restart` applies options a running app has cached. */
async function converge(
    client: SupervisorClient,
    i: AppInputs,
    record: AppRecord,
    restart: boolean,
    waits: Waits,
): Promise<AppRecord> {
    let r = record;
    if (TRANSITIONAL.includes(r.status)) r = await client.waitForStatus(i.appId, SETTLED, waits.settled);
    if (i.state === "running") {
        if (restart && r.status === "running") {
            // The legacy adapter drops the app instance on stop, so the next start reads the new options.
            await client.stop(i.appId);
            r = await waitStopped(client, i.appId, true, waits);
        }
        if (r.status !== "running" || !(await client.appHealthy(i.appId))) {
            await client.start(i.appId);
            await client.waitForAppHealthy(i.appId, waits.running);
            r = await client.waitForStatus(i.appId, "running", waits.settled);
        }
    } else if (!STOPPED_ENOUGH.includes(r.status)) {
        await client.stop(i.appId);
        r = await waitStopped(client, i.appId, false, waits);
    }
    return r;
}

/**
 * NocoBase 2.2.15 drops the app instance on stop but, once the app has been started on a database it
 * was already installed in, keeps reporting `running` (observed; a request to the app then starts it
 * again). Before a restart that stale status is harmless: start boots a fresh instance either way.
 */
async function waitStopped(
    client: SupervisorClient,
    appId: string,
    restarting: boolean,
    waits: Waits,
): Promise<AppRecord> {
    try {
        return await client.waitForStatus(appId, STOPPED_ENOUGH, restarting ? waits.restartStop : waits.stopped);
    } catch (err) {
        const stale = (err as { lastStatus?: string }).lastStatus === "running";
        if (restarting && stale) return { ...(await client.get(appId))!, status: "stopped" };
        if (stale) {
            throw new Error(
                `${(err as Error).message}. NocoBase 2.2.15 can keep reporting "running" for an app it has stopped; the next request to the app starts it again`,
            );
        }
        throw err;
    }
}

/** Carries what was already done into the state when a later step fails (Pulumi's partial failure). */
function partialFailure(err: unknown, i: AppInputs & { __provider?: string }, outs: AppOutputs): Error {
    const e = err instanceof Error ? err : new Error(String(err));
    return Object.assign(e, {
        id: i.appId,
        properties: wire({ ...outs, __provider: i.__provider }),
        reasons: [e.message],
    });
}

export class NocoBaseAppProvider implements pulumi.dynamic.ResourceProvider<AppInputs, AppOutputs> {
    private readonly waits: Waits;
    private readonly timeouts?: Partial<Timeouts>;

    constructor(options: AppProviderOptions = {}) {
        this.waits = { ...DEFAULT_WAITS, ...options.waits };
        this.timeouts = options.timeouts;
    }

    private async connected(p: Pick<AppInputs, "entryUrl" | "adapter" | "credentials">): Promise<SupervisorClient> {
        const client = connect(p, this.timeouts);
        await ensureHealthy(client, p.entryUrl, this.waits);
        return client;
    }

    async check(_olds: AppInputs, news: AppInputs): Promise<pulumi.dynamic.CheckResult<AppInputs>> {
        const inputs = normalise(news as unknown as Record<string, unknown>);
        return { inputs: wire(inputs) as unknown as AppInputs, failures: validate(inputs) };
    }

    /** Pure: no HTTP. A no-change `pulumi up` costs NocoBase nothing. */
    async diff(_id: string, olds: AppOutputs, news: AppInputs): Promise<pulumi.dynamic.DiffResult> {
        const replaces = olds.appId === news.appId ? [] : ["appId"];
        const fresh = news.database && typeof news.database === "object" ? news.database : undefined;
        const changed = UPDATABLE.filter((k) => {
            if (k === "database" && fresh) {
                const { password, ...rest } = fresh;
                return !sameOnWire(olds.database, rest);
            }
            return !sameOnWire(olds[k], (news as unknown as Record<string, unknown>)[k]);
        });
        // A password or JWT secret the preview does not know yet fingerprints unlike any stored one.
        const secretsChanged =
            !fresh || olds.secretsFingerprint !== fingerprint(news.appId, news.jwtSecret, fresh.password);
        return {
            changes: replaces.length > 0 || changed.length > 0 || secretsChanged,
            replaces,
            deleteBeforeReplace: false,
        };
    }

    async create(inputs: AppInputs): Promise<pulumi.dynamic.CreateResult<AppOutputs>> {
        const client = await this.connected(inputs);
        // Adopts an app that already has this id (an earlier run that lost its state, a manual one,
        // one on an adopted entry app). If it runs, it booted with options of its own: restart it on ours.
        const { record: registered, adopted } = await client.register(toSpec(inputs));
        try {
            const record = await converge(client, inputs, registered, adopted, this.waits);
            return { id: inputs.appId, outs: wire(toOutputs(inputs, record)) };
        } catch (err) {
            throw partialFailure(err, inputs, toOutputs(inputs, registered));
        }
    }

    async update(id: string, olds: AppOutputs, news: AppInputs): Promise<pulumi.dynamic.UpdateResult<AppOutputs>> {
        const client = await this.connected(news);
        const { password, ...database } = news.database;
        // A running app keeps the options it booted with; a new secret or database needs a restart.
        const restart =
            olds.secretsFingerprint !== fingerprint(news.appId, news.jwtSecret, password) ||
            !sameOnWire(olds.database, database);
        const updated = await client.update(id, toSpec(news));
        try {
            const record = await converge(client, news, updated, restart, this.waits);
            return { outs: wire(toOutputs(news, record)) };
        } catch (err) {
            throw partialFailure(err, news, toOutputs(news, updated));
        }
    }

    /** Unregisters the app. Its database or schema, and its files, stay. */
    async delete(id: string, props: AppOutputs): Promise<void> {
        const client = await this.connected(props);
        await client.destroy(id);
    }

    /** The live record: what `pulumi refresh` compares with the state. `{}` when the app is gone. */
    async read(id: string, props?: AppOutputs): Promise<pulumi.dynamic.ReadResult<AppOutputs>> {
        // `pulumi import` and `get` call read without state, so there are no credentials to use.
        if (!props?.entryUrl)
            throw new Error(`nocobase:App "${id}": read needs the stored state (import is not supported)`);
        const client = await this.connected(props);
        const live = await client.get(id);
        if (!live) return {};
        const {
            password,
            dialect: _dialect,
            ...database
        } = live.database ?? { ...props.database, dialect: "postgres", password: "" };
        const state: DesiredState =
            live.status === "running" ? "running" : TRANSITIONAL.includes(live.status) ? props.state : "stopped";
        return {
            id,
            props: wire({
                ...props,
                displayName: live.displayName,
                ...(live.cname ? { cname: live.cname } : { cname: undefined }),
                ...(live.environment ? { environment: live.environment } : {}),
                startMode: live.autoStart ? "with-main" : "first-visit",
                state,
                database,
                secretsFingerprint: fingerprint(id, live.jwtSecret, password),
                observedStatus: live.status,
                observedAt: new Date().toISOString(),
            }),
        };
    }
}

/** What the provider host calls, once per process for every app it serves. */
export function handler(): NocoBaseAppProvider {
    return new NocoBaseAppProvider();
}
