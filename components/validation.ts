/**
 * Validation of the whole stack configuration, once, at the edge: every problem is collected and
 * reported as `<key path>: <what is wrong>`, and what comes out is a complete, typed
 * `PlatformConfig`. Nothing here throws on bad input.
 */
import type { AppConfig, AppDatabase, EntryConfig, EnvironmentConfig, PlatformConfig, PostgresConfig, RedisConfig, RuntimeConfig } from "./config";
import { RawApp, RawEntry, RawEnvironment, RawPostgres, RawRedis, RawRuntime, STACK_CONFIG_KEYS, StackConfigKey, stackConfigSchema } from "./configSchema";
import {
    DEFAULT_ADMIN_EMAIL,
    DEFAULT_IMAGE,
    DEFAULT_POSTGRES_IMAGE,
    DEFAULT_REDIS_IMAGE,
    DEFAULT_TENANTS_DATABASE,
    ENTRY_DATABASE,
    TENANTS_GROUP_ROLE,
    dockerHostAddress,
    environmentDatabase,
} from "./naming";
import { INVALID, Issue, ParseContext, describe } from "./schema";

export type { Issue } from "./schema";

export type ValidationResult = { ok: true; config: PlatformConfig } | { ok: false; issues: Issue[] };

/** The config values of one stack: top-level keys without the project prefix, values parsed from JSON. */
export interface StackConfigInput {
    values: Record<string, unknown>;
    /** Top-level keys (without prefix) that were stored encrypted. */
    secretKeys: ReadonlySet<string>;
}

export const LOCAL_ENVIRONMENT = "local";

/** Formats issues the way users read them: one `<path>: <message>` per line. */
export function formatIssues(issues: Issue[]): string {
    return issues.map((i) => `${i.path}: ${i.message}`).join("\n");
}

/**
 * Turns the config map Pulumi hands a program (`project:key` → string, objects as JSON) into
 * `StackConfigInput`. Keys of other namespaces belong to providers and are left alone.
 */
export function stackConfigInput(all: Record<string, string>, secretFullKeys: Iterable<string>, project: string): StackConfigInput {
    const prefix = `${project}:`;
    const values: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) continue;
        values[fullKey.slice(prefix.length)] = parseConfigText(text);
    }
    const secretKeys = new Set<string>();
    for (const key of secretFullKeys) if (key.startsWith(prefix)) secretKeys.add(key.slice(prefix.length));
    return { values, secretKeys };
}

function parseConfigText(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

export function validateStackConfig(input: StackConfigInput): ValidationResult {
    const issues: Issue[] = [];
    const ctx: ParseContext = { issues, isSecretKey: (key) => input.secretKeys.has(key) };
    const known = new Set<string>(STACK_CONFIG_KEYS);
    for (const key of Object.keys(input.values)) {
        if (!known.has(key)) issues.push({ path: key, message: `unknown key (expected one of ${STACK_CONFIG_KEYS.join(", ")})` });
    }
    const parsed: Partial<Record<StackConfigKey, unknown>> = {};
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
    // Cross-field rules need every key to have parsed; a shape error already says what to fix.
    if (issues.length > 0) return { ok: false, issues };
    const config = resolve(parsed as ParsedKeys, issues);
    return issues.length > 0 ? { ok: false, issues } : { ok: true, config };
}

interface ParsedKeys {
    platform: { mode: PlatformConfig["mode"]; nocobaseVersion: string; image?: string; supervisor?: PlatformConfig["supervisor"]; adminEmail?: string };
    runtimes: Record<string, RawRuntime>;
    postgres: RawPostgres;
    redis?: RawRedis;
    entry: RawEntry;
    environments?: RawEnvironment[];
    apps: RawApp[];
    backups?: { location: string };
}

/** Applies defaults and checks every rule that spans more than one field. */
function resolve(raw: ParsedKeys, issues: Issue[]): PlatformConfig {
    const report = (path: string, message: string) => issues.push({ path, message });
    const mode = raw.platform.mode;
    const supervisor = raw.platform.supervisor ?? (mode === "shared-memory" ? "applications" : "app-supervisor");
    if (mode === "multi-environment" && supervisor === "applications") {
        report("platform.supervisor", "multi-environment mode needs app-supervisor (the open-source applications API runs every app in one process)");
    }

    const runtimes: Record<string, RuntimeConfig> = Object.create(null);
    for (const [name, r] of Object.entries(raw.runtimes)) {
        runtimes[name] =
            r.type === "docker" ? { name, type: "docker", host: r.host } : { name, ...r, type: "kubernetes", ingressClass: r.ingressClass ?? "nginx" };
    }
    if (Object.keys(runtimes).length === 0) report("runtimes", "define at least one runtime");
    const runtimeRef = (path: string, name: string, dockerOnly?: string): RuntimeConfig | undefined => {
        const runtime = runtimes[name];
        if (!runtime) report(path, `no runtime named ${describe(name)} (expected one of ${Object.keys(runtimes).join(", ") || "none: define runtimes first"})`);
        else if (dockerOnly && runtime.type !== "docker") report(path, `${dockerOnly}, got ${describe(name)} (kubernetes)`);
        return runtime;
    };

    const postgres = resolvePostgres(raw.postgres, runtimeRef);
    const redis = resolveRedis(raw, mode, runtimeRef, report);
    const entry = resolveEntry(raw.entry, runtimeRef, report);
    const environments = resolveEnvironments(raw, mode, entry, runtimes, runtimeRef, report);
    const apps = resolveApps(raw.apps, mode, environments, postgres, report);
    const decommissioned = apps.findIndex((a) => a.state === "decommissioned");
    if (decommissioned >= 0 && !raw.backups) {
        report(`apps[${decommissioned}].state`, "decommissioned needs backups.location (where pg_dump writes the app's data before anything is dropped)");
    }
    checkUniqueNames(apps, environments, postgres, entry, report);

    return {
        mode,
        nocobaseVersion: raw.platform.nocobaseVersion,
        image: raw.platform.image ?? DEFAULT_IMAGE,
        supervisor,
        adminEmail: raw.platform.adminEmail ?? DEFAULT_ADMIN_EMAIL,
        runtimes,
        postgres,
        redis,
        entry,
        environments,
        apps,
        backups: raw.backups,
    };
}

type RuntimeRef = (path: string, name: string, dockerOnly?: string) => RuntimeConfig | undefined;
type Report = (path: string, message: string) => void;

function resolvePostgres(raw: RawPostgres, runtimeRef: RuntimeRef): PostgresConfig {
    const tenantsDatabase = raw.tenantsDatabase ?? DEFAULT_TENANTS_DATABASE;
    if ("runtime" in raw) {
        runtimeRef("postgres.runtime", raw.runtime, "must name a docker runtime (on Kubernetes, use an external PostgreSQL: host, adminUser, adminPassword)");
        return { kind: "container", runtime: raw.runtime, port: raw.port ?? 5432, image: raw.image ?? DEFAULT_POSTGRES_IMAGE, tenantsDatabase };
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

function resolveRedis(raw: ParsedKeys, mode: PlatformConfig["mode"], runtimeRef: RuntimeRef, report: Report): RedisConfig | undefined {
    if (mode === "shared-memory") {
        if (raw.redis) report("redis", "only used in multi-environment mode (the supervisor's command channel); remove it");
        return undefined;
    }
    if (!raw.redis) {
        report("redis", "required in multi-environment mode (the supervisor and workers exchange commands through it)");
        return undefined;
    }
    if ("runtime" in raw.redis) {
        runtimeRef("redis.runtime", raw.redis.runtime, "must name a docker runtime (on Kubernetes, use an external Redis: url)");
        return { kind: "container", runtime: raw.redis.runtime, image: raw.redis.image ?? DEFAULT_REDIS_IMAGE };
    }
    if (raw.redis.url.known && !/^rediss?:\/\/\S+$/.test(raw.redis.url.reveal())) report("redis.url", "must be a redis:// or rediss:// URL");
    return { kind: "external", url: raw.redis.url };
}

function resolveEntry(raw: RawEntry, runtimeRef: RuntimeRef, report: Report): EntryConfig {
    const runtime = runtimeRef("entry.runtime", raw.runtime);
    const replicas = raw.replicas ?? 1;
    const port = raw.port ?? 13000;
    let url = raw.domain ? `https://${raw.domain}` : "";
    if (runtime?.type === "docker") {
        if (replicas > 1) report("entry.replicas", `a docker runtime runs one container, got ${replicas}`);
        // Docker publishes plain HTTP; TLS for a domain is the job of a proxy in front of it.
        url = raw.domain ? `http://${raw.domain}` : `http://${dockerHostAddress(runtime.host)}:${port}`;
    } else if (runtime?.type === "kubernetes") {
        if (raw.port !== undefined) report("entry.port", "only for docker runtimes (on Kubernetes the Ingress publishes the entry app)");
        if (!raw.domain) report("entry.domain", "required when the entry app runs on kubernetes (the Ingress routes by host name)");
    }
    return { runtime: raw.runtime, domain: raw.domain, replicas, port, url, apiUrl: raw.apiUrl ?? url };
}

function resolveEnvironments(
    raw: ParsedKeys,
    mode: PlatformConfig["mode"],
    entry: EntryConfig,
    runtimes: Record<string, RuntimeConfig>,
    runtimeRef: RuntimeRef,
    report: Report,
): EnvironmentConfig[] {
    if (mode === "shared-memory") {
        if (raw.environments) report("environments", "must be absent in shared-memory mode (the only environment is local, the entry app itself)");
        return [{ name: LOCAL_ENVIRONMENT, runtime: entry.runtime, replicas: entry.replicas, sharesEntryProcess: true }];
    }
    const list = raw.environments ?? [];
    if (list.length === 0) report("environments", "multi-environment mode needs at least one environment");
    const seen = new Map<string, number>();
    return list.map((env, i) => {
        const path = `environments[${i}]`;
        const first = seen.get(env.name);
        if (first !== undefined) report(`${path}.name`, `duplicate of environments[${first}].name ${describe(env.name)}`);
        else seen.set(env.name, i);
        const runtime = runtimeRef(`${path}.runtime`, env.runtime);
        const replicas = env.replicas ?? 1;
        if (runtime?.type === "docker" && replicas > 1) report(`${path}.replicas`, `a docker runtime runs one container, got ${replicas}`);
        // The entry app proxies requests to the worker; across runtimes it has no internal address.
        if (runtime && env.runtime !== entry.runtime && !env.url && runtimes[entry.runtime]) {
            report(
                `${path}.url`,
                `required: the worker runs on runtime ${describe(env.runtime)} and the entry app on ${describe(entry.runtime)}, so the entry app needs its public URL`,
            );
        }
        return { name: env.name, runtime: env.runtime, replicas, url: env.url, sharesEntryProcess: false };
    });
}

function resolveApps(
    rawApps: RawApp[],
    mode: PlatformConfig["mode"],
    environments: EnvironmentConfig[],
    postgres: PostgresConfig,
    report: Report,
): AppConfig[] {
    // A set, not a list: every app is checked against it (up to 100 environments times 5000 apps).
    const known = new Set(environments.map((e) => e.name));
    const envNames = [...known];
    const defaultEnvironment = envNames[0] ?? LOCAL_ENVIRONMENT;
    const seenIds = new Map<string, number>();
    return rawApps.map((raw, i) => {
        const path = `apps[${i}]`;
        const first = seenIds.get(raw.id);
        if (first !== undefined) report(`${path}.id`, `duplicate of apps[${first}].id ${describe(raw.id)}`);
        else seenIds.set(raw.id, i);
        const environment = raw.environment ?? defaultEnvironment;
        // With no environment at all, that one problem is already reported.
        if (known.size > 0 && !known.has(environment)) {
            report(
                `${path}.environment`,
                mode === "shared-memory"
                    ? `shared-memory mode has only the local environment, got ${describe(environment)}`
                    : `no environment named ${describe(environment)} (expected one of ${envNames.join(", ")})`,
            );
        }
        return {
            id: raw.id,
            displayName: raw.displayName,
            environment,
            database: resolveAppDatabase(raw, path, postgres, report),
            startMode: raw.startMode ?? "first-visit",
            state: raw.state ?? "running",
            jwtSecret: raw.jwtSecret ?? "independent",
            acknowledgeSharedSessions: resolveSharedSessions(raw, path, report),
            domain: raw.domain,
            upgrade: raw.upgrade ?? true,
            dropData: resolveDropData(raw, path, report),
        };
    });
}

function resolveSharedSessions(raw: RawApp, path: string, report: Report): boolean {
    if (raw.acknowledgeSharedSessions && raw.jwtSecret !== "shared") report(`${path}.acknowledgeSharedSessions`, "only with jwtSecret: shared");
    return raw.acknowledgeSharedSessions ?? false;
}

/** Dropping data is a second, explicit word on top of decommissioning, and only for data this stack created. */
function resolveDropData(raw: RawApp, path: string, report: Report): boolean {
    if (raw.dropData === undefined) return false;
    if (raw.state !== "decommissioned") report(`${path}.dropData`, `only with state decommissioned (the app is ${raw.state ?? "running"})`);
    else if (raw.dropData && raw.database.mode === "connection") report(`${path}.dropData`, "an external connection's data is not this stack's to drop");
    return raw.dropData;
}

const CONNECTION_ONLY = ["host", "port", "password"] as const;

function resolveAppDatabase(raw: RawApp, path: string, postgres: PostgresConfig, report: Report): AppDatabase {
    const db = raw.database;
    const at = `${path}.database`;
    if (db.mode !== "connection") {
        for (const key of CONNECTION_ONLY) {
            if (db[key] !== undefined) report(`${at}.${key}`, `only for mode connection (mode ${db.mode} uses the platform's PostgreSQL)`);
        }
    }
    switch (db.mode) {
        case "database":
            if (db.schema !== undefined) report(`${at}.schema`, "only for modes schema and connection");
            return { mode: "database", database: db.database ?? raw.id, role: db.user ?? raw.id };
        case "schema":
            if (db.database !== undefined) {
                report(`${at}.database`, `schema mode puts every schema in postgres.tenantsDatabase (${postgres.tenantsDatabase}); remove it`);
            }
            return { mode: "schema", database: postgres.tenantsDatabase, schema: db.schema ?? raw.id, role: db.user ?? raw.id };
        case "connection":
            for (const key of ["host", "user", "password", "database"] as const) {
                if (db[key] === undefined) report(`${at}.${key}`, "required for mode connection");
            }
            return {
                mode: "connection",
                host: db.host ?? "",
                port: db.port ?? 5432,
                user: db.user ?? "",
                password: db.password!,
                database: db.database ?? "",
                schema: db.schema,
            };
    }
}

/**
 * Database, role, schema, connection-target and domain names must be unique, or two tenants would
 * share data or a host name. One pass with maps: linear in the number of apps.
 */
function checkUniqueNames(apps: AppConfig[], environments: EnvironmentConfig[], postgres: PostgresConfig, entry: EntryConfig, report: Report): void {
    const databases = new Map<string, string>([[ENTRY_DATABASE, "the entry app's database"]]);
    const roles = new Map<string, string>([
        [ENTRY_DATABASE, "the entry app's role"],
        [TENANTS_GROUP_ROLE, "the tenants group role"],
    ]);
    if (postgres.kind === "external") roles.set(postgres.adminUser, "postgres.adminUser");
    const hasSchemaApps = apps.some((a) => a.database.mode === "schema");
    if (hasSchemaApps) databases.set(postgres.tenantsDatabase, "postgres.tenantsDatabase");
    for (const env of environments) {
        if (env.sharesEntryProcess) continue;
        databases.set(environmentDatabase(env.name), `the database of environment ${env.name}`);
        roles.set(environmentDatabase(env.name), `the role of environment ${env.name}`);
    }
    const schemas = new Map<string, string>();
    const targets = new Map<string, string>();
    const domains = new Map<string, string>();
    if (entry.domain) domains.set(entry.domain, "entry.domain");
    // One clash per key is enough: an app id reused as a database name clashes as a role name too.
    const clashed = new Set<string>();
    const claim = (names: Map<string, string>, name: string, path: string, what: string) => {
        const owner = names.get(name);
        if (owner === undefined) names.set(name, path);
        else if (!clashed.has(path)) {
            clashed.add(path);
            report(path, `${what} ${describe(name)} is already used by ${owner}`);
        }
    };
    const ids = new Set<string>();
    apps.forEach((app, i) => {
        // A duplicate id is reported once, at the id, not again for each name derived from it.
        if (ids.has(app.id)) return;
        ids.add(app.id);
        const at = `apps[${i}]`;
        const db = app.database;
        if (db.mode === "database") {
            claim(databases, db.database, db.database === app.id ? `${at}.id` : `${at}.database.database`, "database");
            claim(roles, db.role, db.role === app.id ? `${at}.id` : `${at}.database.user`, "role");
        } else if (db.mode === "schema") {
            claim(schemas, db.schema, db.schema === app.id ? `${at}.id` : `${at}.database.schema`, "schema");
            claim(roles, db.role, db.role === app.id ? `${at}.id` : `${at}.database.user`, "role");
        } else {
            claim(targets, `${db.host}:${db.port}/${db.database}/${db.schema ?? ""}`, `${at}.database`, "connection target");
        }
        if (app.domain) claim(domains, app.domain, `${at}.domain`, "domain");
    });
}
