/**
 * Defaults and derived values, in one place and without a single check: what the configuration
 * means where the stack file is silent (the entry app's URL, the supervisor of a mode, an app's
 * environment, database and role). It runs over what parsed, so that the rules see the same values
 * the program will.
 */
import { DEFAULTS } from "../core/defaults";
import { LOCAL_ENVIRONMENT } from "../core/nocobase";
import type { PlatformMode } from "../core/modes";
import { dockerHostAddress } from "../platform/naming";
import type { Loose } from "./parse";
import type { RawStackConfig } from "./stackSchema";
import type {
    AppConfig,
    AppDatabase,
    EntryConfig,
    EnvironmentConfig,
    PlatformConfig,
    PostgresConfig,
    RedisConfig,
    RuntimeConfig,
    Supervisor,
} from "./types";

export type Raw = Loose<RawStackConfig>;
type RawOf<K extends keyof Raw> = NonNullable<Raw[K]>;
export type Runtimes = Record<string, Loose<RuntimeConfig> | undefined>;

/** The open-source manager runs every app in one process; workers need the commercial App Supervisor. */
export function defaultSupervisor(mode: PlatformMode): Supervisor {
    return mode === "shared-memory" ? "applications" : "app-supervisor";
}

/** The runtime a name refers to, when it exists and parsed. */
export function runtimeNamed(
    runtimes: Runtimes | undefined,
    name: string | undefined,
): Loose<RuntimeConfig> | undefined {
    return runtimes && name !== undefined && Object.hasOwn(runtimes, name) ? runtimes[name] : undefined;
}

export function derive(raw: Raw): Loose<PlatformConfig> {
    const mode = raw.platform?.mode;
    const runtimes = raw.runtimes && deriveRuntimes(raw.runtimes);
    const postgres = raw.postgres && derivePostgres(raw.postgres);
    const entry = raw.entry && deriveEntry(raw.entry, runtimes);
    const environments = deriveEnvironments(raw, mode, entry);
    const names = environments?.map((e) => e?.name);
    const fallback = names && (names[0] ?? LOCAL_ENVIRONMENT);
    return {
        mode,
        nocobaseVersion: raw.platform?.nocobaseVersion,
        image: raw.platform?.image ?? DEFAULTS.image,
        supervisor: raw.platform?.supervisor ?? (mode && defaultSupervisor(mode)),
        adminEmail: raw.platform?.adminEmail ?? DEFAULTS.adminEmail,
        runtimes,
        postgres,
        redis: mode === "shared-memory" ? undefined : raw.redis && deriveRedis(raw.redis),
        entry,
        environments,
        apps: raw.apps?.map((app) => app && deriveApp(app, fallback, postgres)),
        backups: raw.backups,
    };
}

/** Every runtime by name, `undefined` for one that did not parse (its name still exists for references). */
function deriveRuntimes(raw: RawOf<"runtimes">): Runtimes {
    const runtimes: Runtimes = Object.create(null);
    for (const [name, r] of Object.entries(raw)) {
        runtimes[name] =
            r &&
            (r.type === "docker"
                ? { name, type: "docker", host: r.host }
                : { name, ...r, ingressClass: r.ingressClass ?? DEFAULTS.ingressClass });
    }
    return runtimes;
}

function derivePostgres(raw: RawOf<"postgres">): Loose<PostgresConfig> {
    const tenantsDatabase = raw.tenantsDatabase ?? DEFAULTS.tenantsDatabase;
    const port = raw.port ?? DEFAULTS.postgresPort;
    if ("runtime" in raw) {
        return {
            kind: "container",
            runtime: raw.runtime,
            port,
            image: raw.image ?? DEFAULTS.postgresImage,
            tenantsDatabase,
        };
    }
    return {
        kind: "external",
        host: raw.host,
        port,
        adminUser: raw.adminUser,
        adminPassword: raw.adminPassword,
        sslMode: raw.sslMode ?? DEFAULTS.sslMode,
        tenantsDatabase,
    };
}

function deriveRedis(raw: RawOf<"redis">): Loose<RedisConfig> {
    if ("runtime" in raw) return { kind: "container", runtime: raw.runtime, image: raw.image ?? DEFAULTS.redisImage };
    return { kind: "external", url: raw.url };
}

function deriveEntry(raw: RawOf<"entry">, runtimes: Runtimes | undefined): Loose<EntryConfig> {
    const port = raw.port ?? DEFAULTS.entryPort;
    if ("external" in raw) {
        const url = raw.external?.url?.replace(/\/+$/, "");
        return {
            external: raw.external && { ...raw.external, url },
            replicas: DEFAULTS.replicas,
            port,
            url,
            apiUrl: url,
        };
    }
    const runtime = runtimeNamed(runtimes, raw.runtime);
    // Docker publishes plain HTTP; TLS for a domain is the job of a proxy in front of it.
    const url =
        runtime?.type === "docker"
            ? raw.domain
                ? `http://${raw.domain}`
                : `http://${dockerHostAddress(runtime.host)}:${port}`
            : raw.domain
              ? `https://${raw.domain}`
              : "";
    return {
        runtime: raw.runtime,
        domain: raw.domain,
        replicas: raw.replicas ?? DEFAULTS.replicas,
        port,
        url,
        apiUrl: raw.apiUrl ?? url,
    };
}

/**
 * Every environment, or undefined when the mode did not parse; an entry that did not parse is
 * undefined. A list that did not parse is empty, as is a list not given: the rules that need a
 * complete list check none of an empty one.
 */
function deriveEnvironments(
    raw: Raw,
    mode: PlatformMode | undefined,
    entry: Loose<EntryConfig> | undefined,
): Array<Loose<EnvironmentConfig> | undefined> | undefined {
    if (mode === "shared-memory") {
        return [
            { name: LOCAL_ENVIRONMENT, runtime: entry?.runtime, replicas: entry?.replicas, sharesEntryProcess: true },
        ];
    }
    if (mode === undefined) return undefined;
    return (raw.environments ?? []).map(
        (env) =>
            env && {
                name: env.name,
                runtime: env.runtime,
                replicas: env.replicas ?? DEFAULTS.replicas,
                url: env.url,
                sharesEntryProcess: false,
            },
    );
}

type RawApp = NonNullable<RawOf<"apps">[number]>;

function deriveApp(
    raw: RawApp,
    fallbackEnvironment: string | undefined,
    postgres: Loose<PostgresConfig> | undefined,
): Loose<AppConfig> {
    return {
        id: raw.id,
        displayName: raw.displayName,
        environment: raw.environment ?? fallbackEnvironment,
        database: raw.database && deriveDatabase(raw.id, raw.database, postgres),
        startMode: raw.startMode ?? DEFAULTS.startMode,
        state: raw.state ?? DEFAULTS.state,
        jwtSecret: raw.jwtSecret ?? DEFAULTS.jwtSecret,
        acknowledgeSharedSessions: raw.acknowledgeSharedSessions ?? DEFAULTS.acknowledgeSharedSessions,
        domain: raw.domain,
        upgrade: raw.upgrade ?? DEFAULTS.upgrade,
        dropData: raw.dropData ?? DEFAULTS.dropData,
        ...(raw.restoreFrom !== undefined ? { restoreFrom: raw.restoreFrom } : {}),
    };
}

/** An app's own database, schema and role are named after its id unless the stack file names them. */
function deriveDatabase(
    id: string | undefined,
    db: NonNullable<RawApp["database"]>,
    postgres: Loose<PostgresConfig> | undefined,
): Loose<AppDatabase> {
    switch (db.mode) {
        case "database":
            return { mode: "database", database: db.database ?? id, role: db.user ?? id };
        case "schema":
            return {
                mode: "schema",
                database: postgres?.tenantsDatabase,
                schema: db.schema ?? id,
                role: db.user ?? id,
            };
        default:
            return {
                mode: "connection",
                host: db.host,
                port: db.port ?? DEFAULTS.postgresPort,
                user: db.user,
                password: db.password,
                database: db.database,
                schema: db.schema,
            };
    }
}
