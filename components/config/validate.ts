/**
 * Validation of the whole stack configuration, once, at the edge: every problem is collected and
 * reported as `<key path>: <what is wrong>`, and what comes out is a complete, typed
 * `PlatformConfig`. Nothing here throws on bad input.
 *
 * The rules that span fields run over whatever parsed, so that a bad enum in one app does not hide a
 * duplicate id in another. A rule whose inputs did not parse is skipped: their problem is reported
 * already, and a second one about the same thing would only be noise.
 */
import type {
    AppConfig,
    AppDatabase,
    EntryConfig,
    EnvironmentConfig,
    PlatformConfig,
    PostgresConfig,
    RedisConfig,
    RuntimeConfig,
} from "./types";
import { RawApp, RawEntry, RawPostgres, STACK_CONFIG_KEYS, StackConfigKey, stackConfigSchema } from "./stackSchema";
import { pgSystemNameProblem } from "../core/identifiers";
import { DEFAULTS } from "../core/defaults";
import { LOCAL_ENVIRONMENT } from "../core/nocobase";
import { dockerHostAddress, entryHostName, environmentDatabase, namePrefix, workerHostName } from "../platform/naming";
import { ENTRY_DATABASE, KUBERNETES_NAME, TENANTS_GROUP_ROLE } from "../core/identifiers";
import { INVALID, Infer, Issue, Loose, ParseContext, Secrecy } from "./schemaLanguage";
import { describe, didYouMean, unknownKey } from "./messages";

export type { Issue } from "./schemaLanguage";

export type ValidationResult = { ok: true; config: PlatformConfig } | { ok: false; issues: Issue[] };

/** The config values of one stack: top-level keys without the project prefix, values parsed from JSON. */
export interface StackConfigInput {
    values: Record<string, unknown>;
    /** Top-level keys (without prefix) that hold at least one encrypted value. */
    secretKeys: ReadonlySet<string>;
    /**
     * Key paths of the encrypted values (`apps[2].database.password`), where the stack file itself
     * was read. Without them, a value under a top-level key in `secretKeys` may or may not be
     * encrypted, and is taken as either.
     */
    encryptedPaths?: ReadonlySet<string>;
    /** The stack's name, part of the names of Kubernetes objects; their lengths are checked when it is given. */
    stack?: string;
    /** Problems of the keys themselves, found while reading them (a misspelled namespace, a key given twice). */
    issues?: Issue[];
}

/** Formats issues the way users read them: one `<path>: <message>` per line. */
export function formatIssues(issues: Issue[]): string {
    return issues.map((i) => `${i.path}: ${i.message}`).join("\n");
}

/** Whether keys of this namespace are the project's: its own, or one that looks like a misspelling of it. */
export function readsAsProject(namespace: string, project: string): boolean {
    return namespace === project || didYouMean(namespace, [project]) !== undefined;
}

/**
 * Turns the config map Pulumi hands a program (`project:key` → string, objects as JSON) into
 * `StackConfigInput`. Keys of other namespaces belong to providers and are left alone, except one
 * that looks like a misspelling of the project's: it is reported, and read as the project's key.
 */
export function stackConfigInput(
    all: Record<string, string>,
    secretFullKeys: Iterable<string>,
    project: string,
): StackConfigInput {
    const values: Record<string, unknown> = Object.create(null);
    const misspelled: Array<[string, string, string]> = [];
    for (const [fullKey, text] of Object.entries(all)) {
        const colon = fullKey.indexOf(":");
        const [namespace, key] = [fullKey.slice(0, colon), fullKey.slice(colon + 1)];
        if (namespace === project) values[key] = parseConfigText(text);
        else if (readsAsProject(namespace, project)) misspelled.push([fullKey, key, text]);
    }
    const issues: Issue[] = [];
    for (const [fullKey, key, text] of misspelled) {
        const given = Object.hasOwn(values, key);
        issues.push({
            path: fullKey,
            message: `unknown namespace (did you mean ${project}:${key}?)${given ? `; ${project}:${key} is given as well` : ""}`,
        });
        if (!given) values[key] = parseConfigText(text);
    }
    const secretKeys = new Set<string>();
    for (const fullKey of secretFullKeys) {
        const colon = fullKey.indexOf(":");
        if (readsAsProject(fullKey.slice(0, colon), project)) secretKeys.add(fullKey.slice(colon + 1));
    }
    return { values, secretKeys, issues };
}

function parseConfigText(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** Per key path where the stack file was read; otherwise all a top-level key says is "something in here is encrypted". */
function secrecyOf(input: StackConfigInput): (path: string) => Secrecy {
    const { encryptedPaths, secretKeys } = input;
    if (encryptedPaths) return (path) => (encryptedPaths.has(path) ? "encrypted" : "plain");
    return (path) => (secretKeys.has(path.split(/[.[]/)[0]) ? "unknown" : "plain");
}

export function validateStackConfig(input: StackConfigInput): ValidationResult {
    const issues: Issue[] = [...(input.issues ?? [])];
    const ctx: ParseContext = { issues, secrecy: secrecyOf(input) };
    for (const key of Object.keys(input.values)) {
        if (!(STACK_CONFIG_KEYS as readonly string[]).includes(key))
            issues.push({ path: key, message: unknownKey(key, STACK_CONFIG_KEYS) });
    }
    const parsed: Record<string, unknown> = {};
    for (const key of STACK_CONFIG_KEYS) {
        const { schema, required } = stackConfigSchema[key];
        const value = input.values[key];
        if (value === undefined || value === null) {
            if (required) issues.push({ path: key, message: "required" });
            continue;
        }
        const result = schema.parse(value, key, ctx);
        if (result !== INVALID) parsed[key] = result;
    }
    const given = new Set(
        Object.keys(input.values).filter((key) => input.values[key] !== undefined && input.values[key] !== null),
    );
    const config = resolve(parsed as ParsedKeys, given, input.stack, (path, message) => issues.push({ path, message }));
    if (issues.length > 0) return { ok: false, issues: firstPerPath(issues) };
    // Complete: nothing failed to parse, and every rule found its inputs.
    return { ok: true, config: config as PlatformConfig };
}

/**
 * A second problem at a key path that has one already says nothing new: a field that did not
 * parse is also "missing" to the rules that need it, a duplicate id clashes as a database and as
 * a role name.
 */
function firstPerPath(issues: Issue[]): Issue[] {
    const seen = new Set<string>();
    return issues.filter((i) => !seen.has(i.path) && seen.add(i.path));
}

/** What parsed of each top-level key. */
type ParsedKeys = { [K in StackConfigKey]?: Loose<Infer<(typeof stackConfigSchema)[K]["schema"]>> };
type Report = (path: string, message: string) => void;
type Mode = PlatformConfig["mode"] | undefined;
type Runtimes = Record<string, Loose<RuntimeConfig> | undefined>;
/** The runtime a key path refers to, when it exists and parsed; reports one that does not exist. */
type RuntimeRef = (path: string, name: string | undefined, dockerOnly?: string) => Loose<RuntimeConfig> | undefined;

/** Applies defaults and checks every rule that spans more than one field. */
function resolve(
    raw: ParsedKeys,
    given: ReadonlySet<string>,
    stack: string | undefined,
    report: Report,
): Loose<PlatformConfig> {
    const mode = raw.platform?.mode;
    const supervisor =
        raw.platform?.supervisor ?? (mode && (mode === "shared-memory" ? "applications" : "app-supervisor"));
    if (mode === "multi-environment" && supervisor === "applications") {
        report(
            "platform.supervisor",
            "multi-environment mode needs app-supervisor (the open-source applications API runs every app in one process)",
        );
    }
    const runtimes = resolveRuntimes(raw, report);
    const runtimeRef: RuntimeRef = (path, name, dockerOnly) => {
        if (!runtimes || name === undefined) return undefined;
        if (!Object.hasOwn(runtimes, name)) {
            const names = Object.keys(runtimes);
            report(
                path,
                `no runtime named ${describe(name)} (expected one of ${names.join(", ") || "none: define runtimes first"})`,
            );
            return undefined;
        }
        const runtime = runtimes[name];
        if (dockerOnly && runtime?.type === "kubernetes")
            report(path, `${dockerOnly}, got ${describe(name)} (kubernetes)`);
        return runtime;
    };

    const postgres = raw.postgres && resolvePostgres(raw.postgres, runtimeRef);
    const redis = resolveRedis(raw, given.has("redis"), mode, runtimeRef, report);
    const entry = raw.entry && resolveEntry(raw.entry, runtimeRef, report);
    const environments = resolveEnvironments(raw, given.has("environments"), mode, entry, runtimes, runtimeRef, report);
    const envNames = environments?.map((e) => e?.name);
    const places: Places = {
        // A complete list only: an environment that did not parse may be the one an app names.
        known: envNames?.every((n) => n !== undefined) ? new Set(envNames as string[]) : undefined,
        fallback: envNames && (envNames[0] ?? LOCAL_ENVIRONMENT),
    };
    const apps = raw.apps?.map((app, i) => app && resolveApp(app, `apps[${i}]`, mode, places, postgres, report));
    checkUniqueIds(raw.apps, report);
    const decommissioned = apps?.findIndex((a) => a?.state === "decommissioned") ?? -1;
    if (decommissioned >= 0 && !given.has("backups")) {
        report(
            `apps[${decommissioned}].state`,
            "decommissioned needs backups.location (where pg_dump writes the app's data before anything is dropped)",
        );
    }
    if (apps) checkUniqueNames(apps, environments, postgres, entry, report);
    if (runtimes) checkPublishedPorts(raw, runtimes, report);
    if (runtimes && stack !== undefined) checkKubernetesNames(raw, runtimes, namePrefix(stack), report);

    return {
        mode,
        nocobaseVersion: raw.platform?.nocobaseVersion,
        image: raw.platform?.image ?? DEFAULTS.image,
        supervisor,
        adminEmail: raw.platform?.adminEmail ?? DEFAULTS.adminEmail,
        runtimes,
        postgres,
        redis,
        entry,
        environments,
        apps,
        backups: raw.backups,
    };
}

/** Every runtime by name, `undefined` for one that did not parse (its name still exists for references). */
function resolveRuntimes(raw: ParsedKeys, report: Report): Runtimes | undefined {
    if (!raw.runtimes) return undefined;
    const runtimes: Runtimes = Object.create(null);
    for (const [name, r] of Object.entries(raw.runtimes)) {
        runtimes[name] =
            r &&
            (r.type === "docker"
                ? { name, type: "docker", host: r.host }
                : { name, ...r, ingressClass: r.ingressClass ?? "nginx" });
    }
    if (Object.keys(runtimes).length === 0) report("runtimes", "define at least one runtime");
    return runtimes;
}

function resolvePostgres(raw: Loose<RawPostgres>, runtimeRef: RuntimeRef): Loose<PostgresConfig> {
    const tenantsDatabase = raw.tenantsDatabase ?? DEFAULTS.tenantsDatabase;
    if ("runtime" in raw) {
        runtimeRef(
            "postgres.runtime",
            raw.runtime,
            "must name a docker runtime (on Kubernetes, use an external PostgreSQL: host, adminUser, adminPassword)",
        );
        return {
            kind: "container",
            runtime: raw.runtime,
            port: raw.port ?? 5432,
            image: raw.image ?? DEFAULTS.postgresImage,
            tenantsDatabase,
        };
    }
    return {
        kind: "external",
        host: raw.host,
        port: raw.port ?? 5432,
        adminUser: raw.adminUser,
        adminPassword: raw.adminPassword,
        sslMode: raw.sslMode ?? "require",
        tenantsDatabase,
    };
}

/** `given`: whether the stack file has the key, parsed or not (a problem with it is reported already). */
function resolveRedis(
    raw: ParsedKeys,
    given: boolean,
    mode: Mode,
    runtimeRef: RuntimeRef,
    report: Report,
): Loose<RedisConfig> | undefined {
    if (mode === "shared-memory") {
        if (given) report("redis", "only used in multi-environment mode (the supervisor's command channel); remove it");
        return undefined;
    }
    if (mode === "multi-environment" && !given)
        report("redis", "required in multi-environment mode (the supervisor and workers exchange commands through it)");
    if (!raw.redis) return undefined;
    if ("runtime" in raw.redis) {
        runtimeRef(
            "redis.runtime",
            raw.redis.runtime,
            "must name a docker runtime (on Kubernetes, use an external Redis: url)",
        );
        return { kind: "container", runtime: raw.redis.runtime, image: raw.redis.image ?? DEFAULTS.redisImage };
    }
    return { kind: "external", url: raw.redis.url };
}

function resolveEntry(raw: Loose<RawEntry>, runtimeRef: RuntimeRef, report: Report): Loose<EntryConfig> {
    const runtime = runtimeRef("entry.runtime", raw.runtime);
    const replicas = raw.replicas ?? 1;
    const port = raw.port ?? 13000;
    let url = raw.domain ? `https://${raw.domain}` : "";
    if (runtime?.type === "docker") {
        if (replicas > 1) report("entry.replicas", `a docker runtime runs one container, got ${replicas}`);
        // Docker publishes plain HTTP; TLS for a domain is the job of a proxy in front of it.
        url = raw.domain ? `http://${raw.domain}` : `http://${dockerHostAddress(runtime.host)}:${port}`;
    } else if (runtime?.type === "kubernetes") {
        if (raw.port !== undefined)
            report("entry.port", "only for docker runtimes (on Kubernetes the Ingress publishes the entry app)");
        if (!raw.domain)
            report("entry.domain", "required when the entry app runs on kubernetes (the Ingress routes by host name)");
    }
    return { runtime: raw.runtime, domain: raw.domain, replicas, port, url, apiUrl: raw.apiUrl ?? url };
}

/** Every environment, or undefined when the list did not parse; an entry that did not parse is undefined. */
function resolveEnvironments(
    raw: ParsedKeys,
    given: boolean,
    mode: Mode,
    entry: Loose<EntryConfig> | undefined,
    runtimes: Runtimes | undefined,
    runtimeRef: RuntimeRef,
    report: Report,
): Array<Loose<EnvironmentConfig> | undefined> | undefined {
    if (mode === "shared-memory") {
        if (given)
            report(
                "environments",
                "must be absent in shared-memory mode (the only environment is local, the entry app itself)",
            );
        return [
            { name: LOCAL_ENVIRONMENT, runtime: entry?.runtime, replicas: entry?.replicas, sharesEntryProcess: true },
        ];
    }
    if (mode === "multi-environment" && !given)
        report("environments", "multi-environment mode needs at least one environment");
    if (mode === undefined || (given && !raw.environments)) return undefined;
    const list = raw.environments ?? [];
    if (given && list.length === 0) report("environments", "multi-environment mode needs at least one environment");
    const seen = new Map<string, number>();
    return list.map((env, i) => {
        if (!env) return undefined;
        const path = `environments[${i}]`;
        const first = env.name === undefined ? undefined : seen.get(env.name);
        if (first !== undefined)
            report(`${path}.name`, `duplicate of environments[${first}].name ${describe(env.name)}`);
        else if (env.name !== undefined) seen.set(env.name, i);
        const runtime = runtimeRef(`${path}.runtime`, env.runtime);
        const replicas = env.replicas ?? 1;
        if (runtime?.type === "docker" && replicas > 1)
            report(`${path}.replicas`, `a docker runtime runs one container, got ${replicas}`);
        // The entry app proxies requests to the worker; across runtimes it has no internal address.
        if (
            runtime &&
            entry?.runtime !== undefined &&
            env.runtime !== entry.runtime &&
            !env.url &&
            runtimes?.[entry.runtime]
        ) {
            report(
                `${path}.url`,
                `required: the worker runs on runtime ${describe(env.runtime)} and the entry app on ${describe(entry.runtime)}, so the entry app needs its public URL`,
            );
        }
        return { name: env.name, runtime: env.runtime, replicas, url: env.url, sharesEntryProcess: false };
    });
}

function checkUniqueIds(apps: ParsedKeys["apps"], report: Report): void {
    const seen = new Map<string, number>();
    apps?.forEach((app, i) => {
        if (app?.id === undefined) return;
        const first = seen.get(app.id);
        if (first !== undefined) report(`apps[${i}].id`, `duplicate of apps[${first}].id ${describe(app.id)}`);
        else seen.set(app.id, i);
    });
}

/** The environments an app may name, when all of them are known, and the one it gets by default. */
interface Places {
    known?: ReadonlySet<string>;
    fallback?: string;
}

function resolveApp(
    raw: Loose<RawApp>,
    path: string,
    mode: Mode,
    { known, fallback }: Places,
    postgres: Loose<PostgresConfig> | undefined,
    report: Report,
): Loose<AppConfig> {
    const environment = raw.environment ?? fallback;
    if (known && known.size > 0 && environment !== undefined && !known.has(environment)) {
        report(
            `${path}.environment`,
            mode === "shared-memory"
                ? `shared-memory mode has only the local environment, got ${describe(environment)}`
                : `no environment named ${describe(environment)} (expected one of ${[...known].join(", ")})`,
        );
    }
    return {
        id: raw.id,
        displayName: raw.displayName,
        environment,
        database: raw.database && resolveAppDatabase(raw, raw.database, `${path}.database`, postgres, report),
        startMode: raw.startMode ?? "first-visit",
        state: raw.state ?? "running",
        jwtSecret: raw.jwtSecret ?? "independent",
        acknowledgeSharedSessions: resolveSharedSessions(raw, path, report),
        domain: raw.domain,
        upgrade: raw.upgrade ?? true,
        dropData: resolveDropData(raw, path, report),
    };
}

function resolveSharedSessions(raw: Loose<RawApp>, path: string, report: Report): boolean {
    if (raw.acknowledgeSharedSessions && raw.jwtSecret !== "shared")
        report(`${path}.acknowledgeSharedSessions`, "only with jwtSecret: shared");
    return raw.acknowledgeSharedSessions ?? false;
}

/** Dropping data is a second, explicit word on top of decommissioning, and only for data this stack created. */
function resolveDropData(raw: Loose<RawApp>, path: string, report: Report): boolean {
    if (raw.dropData === undefined) return false;
    if (raw.state !== "decommissioned")
        report(`${path}.dropData`, `only with state decommissioned (the app is ${raw.state ?? "running"})`);
    else if (raw.dropData && raw.database?.mode === "connection")
        report(`${path}.dropData`, "an external connection's data is not this stack's to drop");
    return raw.dropData;
}

const CONNECTION_ONLY = ["host", "port", "password"] as const;

function resolveAppDatabase(
    app: Loose<RawApp>,
    db: NonNullable<Loose<RawApp>["database"]>,
    at: string,
    postgres: Loose<PostgresConfig> | undefined,
    report: Report,
): Loose<AppDatabase> | undefined {
    if (db.mode !== "connection" && db.mode !== undefined) {
        for (const key of CONNECTION_ONLY) {
            if (db[key] !== undefined)
                report(`${at}.${key}`, `only for mode connection (mode ${db.mode} uses the platform's PostgreSQL)`);
        }
        // What this stack creates must not be a name the server reserves or has; a connection's may.
        for (const key of ["user", "database", "schema"] as const) {
            const problem = db[key] === undefined ? undefined : pgSystemNameProblem(db[key]);
            if (problem) report(`${at}.${key}`, `${problem}, got ${describe(db[key])}`);
        }
    }
    switch (db.mode) {
        case "database":
            if (db.schema !== undefined) report(`${at}.schema`, "only for modes schema and connection");
            return { mode: "database", database: db.database ?? app.id, role: db.user ?? app.id };
        case "schema":
            if (db.database !== undefined) {
                report(
                    `${at}.database`,
                    `schema mode puts every schema in postgres.tenantsDatabase (${postgres?.tenantsDatabase}); remove it`,
                );
            }
            return {
                mode: "schema",
                database: postgres?.tenantsDatabase,
                schema: db.schema ?? app.id,
                role: db.user ?? app.id,
            };
        case "connection":
            for (const key of ["host", "user", "password", "database"] as const) {
                if (db[key] === undefined) report(`${at}.${key}`, "required for mode connection");
            }
            return {
                mode: "connection",
                host: db.host,
                port: db.port ?? 5432,
                user: db.user,
                password: db.password,
                database: db.database,
                schema: db.schema,
            };
        default:
            return undefined;
    }
}

/** Claims of names in one namespace: a second claim is reported at its key path, naming the first. */
class Claims {
    readonly #owners = new Map<string, string>();
    constructor(
        private readonly what: string,
        private readonly report: Report,
    ) {}
    /** Records a name the platform itself takes. */
    own(name: string, owner: string): void {
        if (!this.#owners.has(name)) this.#owners.set(name, owner);
    }
    claim(name: string | undefined, path: string): void {
        if (name === undefined) return;
        const owner = this.#owners.get(name);
        if (owner === undefined) this.#owners.set(name, path);
        else this.report(path, `${this.what} ${describe(name)} is already used by ${owner}`);
    }
    owner(name: string): string | undefined {
        return this.#owners.get(name);
    }
}

/**
 * Database, role, schema, connection-target and domain names must be unique, or two tenants would
 * share data or a host name; and none may be one the platform itself uses. One pass with maps:
 * linear in the number of apps.
 */
function checkUniqueNames(
    apps: Array<Loose<AppConfig> | undefined>,
    environments: Array<Loose<EnvironmentConfig> | undefined> | undefined,
    postgres: Loose<PostgresConfig> | undefined,
    entry: Loose<EntryConfig> | undefined,
    report: Report,
): void {
    const databases = new Claims("database", report);
    const roles = new Claims("role", report);
    databases.own(ENTRY_DATABASE, "the entry app's database");
    roles.own(ENTRY_DATABASE, "the entry app's role");
    roles.own(TENANTS_GROUP_ROLE, "the tenants group role");
    for (const env of environments ?? []) {
        if (!env || env.sharesEntryProcess || env.name === undefined) continue;
        databases.own(environmentDatabase(env.name), `the database of environment ${env.name}`);
        roles.own(environmentDatabase(env.name), `the role of environment ${env.name}`);
    }
    if (postgres?.kind === "external") roles.claim(postgres.adminUser, "postgres.adminUser");
    if (apps.some((a) => a?.database?.mode === "schema"))
        databases.claim(postgres?.tenantsDatabase, "postgres.tenantsDatabase");
    const schemas = new Claims("schema", report);
    const targets = new Claims("connection target", report);
    const domains = new Claims("domain", report);
    if (entry?.domain) domains.own(entry.domain, "entry.domain");
    const ids = new Set<string>();
    const connections: Array<[number, Loose<AppDatabase>]> = [];
    apps.forEach((app, i) => {
        // A duplicate id is reported once, at the id, not again for each name derived from it.
        if (!app || app.id === undefined || ids.has(app.id)) return;
        ids.add(app.id);
        const at = `apps[${i}]`;
        const db = app.database;
        // An app id reused as a database name clashes as a role name too: both land at the id.
        const pathOf = (name: string | undefined, key: string) =>
            name === app.id ? `${at}.id` : `${at}.database.${key}`;
        if (db?.mode === "database") {
            databases.claim(db.database, pathOf(db.database, "database"));
            roles.claim(db.role, pathOf(db.role, "user"));
        } else if (db?.mode === "schema") {
            schemas.claim(db.schema, pathOf(db.schema, "schema"));
            roles.claim(db.role, pathOf(db.role, "user"));
        } else if (db?.mode === "connection") {
            connections.push([i, db]);
        }
        if (app.domain) domains.claim(app.domain, `${at}.domain`);
    });
    // After every owned name is known: a connection on the platform's own server must not point
    // at a database the platform manages, whichever app comes first.
    for (const [i, db] of connections) {
        if (db.mode !== "connection" || db.host === undefined || db.database === undefined) continue;
        const owner =
            postgres && onPlatformServer(db.host, db.port, postgres) ? databases.owner(db.database) : undefined;
        if (owner !== undefined)
            report(
                `apps[${i}].database.database`,
                `database ${describe(db.database)} on the platform's own server is already used by ${owner}`,
            );
        // Without a schema NocoBase uses public: the same place as a connection that names it.
        else targets.claim(`${db.host}:${db.port}/${db.database}/${db.schema ?? "public"}`, `apps[${i}].database`);
    }
}

/** Whether a connection's host and port reach the platform's PostgreSQL, as this stack configures it. */
function onPlatformServer(host: string, port: number | undefined, postgres: Loose<PostgresConfig>): boolean {
    if (postgres.kind === "external") return host === postgres.host && port === postgres.port;
    return ["localhost", "127.0.0.1"].includes(host) && port === postgres.port;
}

/** Ports published on one Docker host (runtimes with the same `host` are one engine) must differ. */
function checkPublishedPorts(raw: ParsedKeys, runtimes: Runtimes, report: Report): void {
    const published = new Map<string, string>();
    const publish = (runtimeName: string | undefined, port: number | undefined, path: string, given: boolean) => {
        const runtime = runtimeName === undefined ? undefined : runtimes[runtimeName];
        if (runtime?.type !== "docker" || port === undefined) return;
        const key = `${runtime.host ?? "local"}:${port}`;
        const owner = published.get(key);
        if (owner === undefined) published.set(key, path);
        // Reported where the port was written: a default clashes only with a port someone chose.
        else
            report(
                given ? path : owner,
                `port ${port} is published on the same Docker host by ${given ? owner : path} too`,
            );
    };
    publish(
        raw.entry?.runtime,
        raw.entry?.port ?? (raw.entry ? 13000 : undefined),
        "entry.port",
        raw.entry?.port !== undefined,
    );
    if (raw.postgres && "runtime" in raw.postgres) {
        publish(raw.postgres.runtime, raw.postgres.port ?? 5432, "postgres.port", raw.postgres.port !== undefined);
    }
}

/**
 * On Kubernetes, a workload's name is a Deployment's, a Service's and a label's: a DNS label of at
 * most 63 characters. It is made of the stack name (normalised, see `platform/naming.ts`) and the
 * environment name, so a long or odd one is refused where it is written.
 */
function checkKubernetesNames(raw: ParsedKeys, runtimes: Runtimes, prefix: string, report: Report): void {
    const check = (
        runtimeName: string | undefined,
        name: (runtimeType: RuntimeConfig["type"]) => string,
        path: string,
        what: string,
    ) => {
        const runtime = runtimeName === undefined ? undefined : runtimes[runtimeName];
        if (runtime?.type !== "kubernetes") return;
        const objectName = name(runtime.type);
        if (objectName.length > 63) {
            report(
                path,
                `${what} names Kubernetes objects ${JSON.stringify(objectName)}, ${objectName.length} characters; Kubernetes allows at most 63`,
            );
        } else if (!KUBERNETES_NAME.test(objectName)) {
            report(
                path,
                `${what} names Kubernetes objects ${JSON.stringify(objectName)}, which must end in a letter or digit`,
            );
        }
    };
    check(
        raw.entry?.runtime,
        (r) => entryHostName(r, prefix),
        "entry.runtime",
        `with this stack's name, the entry app`,
    );
    raw.environments?.forEach((env, i) => {
        if (env?.name !== undefined)
            check(
                env.runtime,
                (r) => workerHostName(r, prefix, env.name!),
                `environments[${i}].name`,
                "this environment",
            );
    });
}
