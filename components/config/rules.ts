/**
 * The rules that span fields, each a small named function over what parsed and what it means
 * (`derive.ts`); `RULES` is the list validation runs. A rule whose inputs did not parse is
 * skipped: their problem is reported already, and a second one about the same thing would only be
 * noise.
 */
import { ENTRY_DATABASE, KUBERNETES_NAME, TENANTS_GROUP_ROLE } from "../core/identifiers";
import { DEFAULTS } from "../core/defaults";
import { RETIRED_STATE } from "../core/modes";
import { at, join } from "../core/keyPath";
import { entryHostName, environmentDatabase, namePrefix, workerHostName } from "../platform/naming";
import { type Raw, runtimeNamed } from "./derive";
import { describe } from "./messages";
import type { Loose } from "./parse";
import type { AppDatabase, PlatformConfig, PostgresConfig, RuntimeConfig } from "./types";

export interface RuleContext {
    /** What parsed, as written. */
    raw: Raw;
    /** What parsed, with defaults and derived values. */
    config: Loose<PlatformConfig>;
    /** The top-level keys the stack file has, parsed or not. */
    given: ReadonlySet<string>;
    /** The stack's name, when known: it is part of Kubernetes object names. */
    stack?: string;
    report(path: string, message: string): void;
}

export type Rule = (ctx: RuleContext) => void;

const appAt = (i: number, ...keys: string[]) => keys.reduce(join, at("apps", i));
const environmentAt = (i: number, key: string) => join(at("environments", i), key);

/** The runtime a key path names, when it exists and parsed; reports a name that does not exist. */
function referencedRuntime(
    { config, report }: RuleContext,
    path: string,
    name: string | undefined,
    dockerOnly?: string,
): Loose<RuntimeConfig> | undefined {
    const { runtimes } = config;
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
    if (dockerOnly && runtime?.type === "kubernetes") report(path, `${dockerOnly}, got ${describe(name)} (kubernetes)`);
    return runtime;
}

const supervisorFitsMode: Rule = ({ config, report }) => {
    if (config.mode === "multi-environment" && config.supervisor === "applications")
        report(
            "platform.supervisor",
            "multi-environment mode needs app-supervisor (the open-source applications API runs every app in one process)",
        );
};

/** An adopted entry app with PostgreSQL elsewhere and no workers runs nothing: `runtimes: {}` is all it needs. */
const someRuntime: Rule = ({ config, report }) => {
    if (config.runtimes && Object.keys(config.runtimes).length === 0 && !config.entry?.external)
        report("runtimes", "define at least one runtime");
};

const postgresContainerOnDocker: Rule = (ctx) => {
    const { postgres } = ctx.config;
    if (postgres?.kind === "container")
        referencedRuntime(
            ctx,
            "postgres.runtime",
            postgres.runtime,
            "must name a docker runtime (on Kubernetes, use an external PostgreSQL: host, adminUser, adminPassword)",
        );
};

const redisByMode: Rule = ({ config, given, report }) => {
    if (config.mode === "shared-memory" && given.has("redis"))
        report("redis", "only used in multi-environment mode (the supervisor's command channel); remove it");
    if (config.mode === "multi-environment" && !given.has("redis"))
        report("redis", "required in multi-environment mode (the supervisor and workers exchange commands through it)");
};

const redisContainerOnDocker: Rule = (ctx) => {
    const { redis } = ctx.config;
    if (redis?.kind === "container")
        referencedRuntime(
            ctx,
            "redis.runtime",
            redis.runtime,
            "must name a docker runtime (on Kubernetes, use an external Redis: url)",
        );
};

const entryFitsItsRuntime: Rule = (ctx) => {
    const { raw, config, report } = ctx;
    if (!raw.entry || !config.entry) return;
    const runtime = referencedRuntime(ctx, "entry.runtime", raw.entry.runtime);
    if (runtime?.type === "docker" && config.entry.replicas! > 1)
        report("entry.replicas", `a docker runtime runs one container, got ${config.entry.replicas}`);
    if (runtime?.type === "kubernetes") {
        if (raw.entry.port !== undefined)
            report("entry.port", "only for docker runtimes (on Kubernetes the Ingress publishes the entry app)");
        if (!raw.entry.domain)
            report("entry.domain", "required when the entry app runs on kubernetes (the Ingress routes by host name)");
    }
};

const environmentsByMode: Rule = ({ raw, config, given, report }) => {
    if (config.mode === "shared-memory" && given.has("environments"))
        report(
            "environments",
            "must be absent in shared-memory mode (the only environment is local, the entry app itself)",
        );
    const none = !given.has("environments") || raw.environments?.length === 0;
    if (config.mode === "multi-environment" && none)
        report("environments", "multi-environment mode needs at least one environment");
};

/** Environments of shared-memory mode are derived, not written: only written ones are checked. */
function writtenEnvironments(config: Loose<PlatformConfig>) {
    return config.mode === "shared-memory" ? [] : (config.environments ?? []);
}

const uniqueEnvironmentNames: Rule = ({ config, report }) => {
    const seen = new Map<string, number>();
    writtenEnvironments(config).forEach((env, i) => {
        if (env?.name === undefined) return;
        const first = seen.get(env.name);
        if (first !== undefined)
            report(environmentAt(i, "name"), `duplicate of ${environmentAt(first, "name")} ${describe(env.name)}`);
        else seen.set(env.name, i);
    });
};

const environmentsFitTheirRuntimes: Rule = (ctx) => {
    const { config, report } = ctx;
    const entryRuntime = config.entry?.runtime;
    writtenEnvironments(config).forEach((env, i) => {
        if (!env) return;
        const runtime = referencedRuntime(ctx, environmentAt(i, "runtime"), env.runtime);
        if (runtime?.type === "docker" && env.replicas! > 1)
            report(environmentAt(i, "replicas"), `a docker runtime runs one container, got ${env.replicas}`);
        // An adopted supervisor runs outside every runtime of this stack: only a URL reaches a worker.
        if (config.entry?.external && !env.url) {
            report(
                environmentAt(i, "url"),
                "required: the entry app is adopted (entry.external), so it reaches this worker only at its public URL",
            );
            return;
        }
        // The entry app proxies requests to the worker; across runtimes it has no internal address.
        const apart = entryRuntime !== undefined && env.runtime !== entryRuntime;
        if (runtime && apart && !env.url && runtimeNamed(config.runtimes, entryRuntime))
            report(
                environmentAt(i, "url"),
                `required: the worker runs on runtime ${describe(env.runtime)} and the entry app on ${describe(entryRuntime)}, so the entry app needs its public URL`,
            );
    });
};

const appsInKnownEnvironments: Rule = ({ config, report }) => {
    const names = config.environments?.map((e) => e?.name);
    // A complete list only: an environment that did not parse may be the one an app names.
    if (!names || names.length === 0 || names.some((n) => n === undefined)) return;
    const known = new Set(names as string[]);
    config.apps?.forEach((app, i) => {
        if (app?.environment === undefined || known.has(app.environment)) return;
        report(
            appAt(i, "environment"),
            config.mode === "shared-memory"
                ? `shared-memory mode has only the local environment, got ${describe(app.environment)}`
                : `no environment named ${describe(app.environment)} (expected one of ${[...known].join(", ")})`,
        );
    });
};

const sharedSessionsNeedSharedSecret: Rule = ({ raw, report }) => {
    raw.apps?.forEach((app, i) => {
        if (app?.acknowledgeSharedSessions && app.jwtSecret !== "shared")
            report(appAt(i, "acknowledgeSharedSessions"), "only with jwtSecret: shared");
    });
};

/** Dropping data is a second, explicit word on top of decommissioning, and only for data this stack created. */
/** A restore fills storage this stack creates, once, before the app exists: nothing else can take it. */
const restoreIntoOwnStorage: Rule = ({ raw, report }) => {
    raw.apps?.forEach((app, i) => {
        if (app?.restoreFrom === undefined) return;
        if (app.database?.mode === "connection")
            report(appAt(i, "restoreFrom"), "only for storage this stack creates (database or schema mode)");
        else if (app.state === RETIRED_STATE) report(appAt(i, "restoreFrom"), `not with state ${RETIRED_STATE}`);
    });
};

const dropDataNeedsDecommissioned: Rule = ({ raw, report }) => {
    raw.apps?.forEach((app, i) => {
        if (app?.dropData === undefined) return;
        if (app.state !== RETIRED_STATE)
            report(
                appAt(i, "dropData"),
                `only with state ${RETIRED_STATE} (the app is ${app.state ?? DEFAULTS.state})`,
            );
        else if (app.dropData && app.database?.mode === "connection")
            report(appAt(i, "dropData"), "an external connection's data is not this stack's to drop");
    });
};

const schemaModeUsesTenantsDatabase: Rule = ({ raw, config, report }) => {
    raw.apps?.forEach((app, i) => {
        if (app?.database?.mode === "schema" && app.database.database !== undefined)
            report(
                appAt(i, "database", "database"),
                `schema mode puts every schema in postgres.tenantsDatabase (${config.postgres?.tenantsDatabase}); remove it`,
            );
    });
};

const uniqueAppIds: Rule = ({ raw, report }) => {
    const seen = new Map<string, number>();
    raw.apps?.forEach((app, i) => {
        if (app?.id === undefined) return;
        const first = seen.get(app.id);
        if (first !== undefined) report(appAt(i, "id"), `duplicate of ${appAt(first, "id")} ${describe(app.id)}`);
        else seen.set(app.id, i);
    });
};

const decommissionedNeedsBackups: Rule = ({ config, given, report }) => {
    const decommissioned = config.apps?.findIndex((a) => a?.state === RETIRED_STATE) ?? -1;
    if (decommissioned >= 0 && !given.has("backups"))
        report(
            appAt(decommissioned, "state"),
            "decommissioned needs backups.location (where pg_dump writes the app's data before anything is dropped)",
        );
};

/** Claims of names in one namespace: a second claim is reported at its key path, naming the first. */
class Claims {
    readonly #owners = new Map<string, string>();
    constructor(
        private readonly what: string,
        private readonly report: RuleContext["report"],
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
const uniqueNames: Rule = ({ config, report }) => {
    const { apps, environments, postgres, entry } = config;
    if (!apps) return;
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
        const db = app.database;
        // An app id reused as a database name clashes as a role name too: both land at the id.
        const pathOf = (name: string | undefined, key: string) =>
            name === app.id ? appAt(i, "id") : appAt(i, "database", key);
        if (db?.mode === "database") {
            databases.claim(db.database, pathOf(db.database, "database"));
            roles.claim(db.role, pathOf(db.role, "user"));
        } else if (db?.mode === "schema") {
            schemas.claim(db.schema, pathOf(db.schema, "schema"));
            roles.claim(db.role, pathOf(db.role, "user"));
        } else if (db?.mode === "connection") {
            connections.push([i, db]);
        }
        if (app.domain) domains.claim(app.domain, appAt(i, "domain"));
    });
    // After every owned name is known: a connection on the platform's own server must not point
    // at a database the platform manages, whichever app comes first.
    for (const [i, db] of connections) {
        if (db.mode !== "connection" || db.host === undefined || db.database === undefined) continue;
        const owner =
            postgres && onPlatformServer(db.host, db.port, postgres) ? databases.owner(db.database) : undefined;
        if (owner !== undefined)
            report(
                appAt(i, "database", "database"),
                `database ${describe(db.database)} on the platform's own server is already used by ${owner}`,
            );
        // Without a schema NocoBase uses public: the same place as a connection that names it.
        else targets.claim(`${db.host}:${db.port}/${db.database}/${db.schema ?? "public"}`, appAt(i, "database"));
    }
};

/** Whether a connection's host and port reach the platform's PostgreSQL, as this stack configures it. */
function onPlatformServer(host: string, port: number | undefined, postgres: Loose<PostgresConfig>): boolean {
    if (postgres.kind === "external") return host === postgres.host && port === postgres.port;
    return ["localhost", "127.0.0.1"].includes(host) && port === postgres.port;
}

/** Ports published on one Docker host (runtimes with the same `host` are one engine) must differ. */
const distinctPublishedPorts: Rule = ({ raw, config, report }) => {
    const { runtimes } = config;
    if (!runtimes) return;
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
    if (raw.entry) publish(raw.entry.runtime, config.entry?.port, "entry.port", raw.entry.port !== undefined);
    if (raw.postgres && "runtime" in raw.postgres && config.postgres?.kind === "container")
        publish(raw.postgres.runtime, config.postgres.port, "postgres.port", raw.postgres.port !== undefined);
};

/**
 * On Kubernetes, a workload's name is a Deployment's, a Service's and a label's: a DNS label of at
 * most 63 characters. It is made of the stack name (normalised, see `platform/naming.ts`) and the
 * environment name, so a long or odd one is refused where it is written.
 */
const kubernetesNamesFit: Rule = ({ raw, config, stack, report }) => {
    const { runtimes } = config;
    if (!runtimes || stack === undefined) return;
    const prefix = namePrefix(stack);
    const check = (
        runtimeName: string | undefined,
        name: (runtimeType: RuntimeConfig["type"]) => string,
        path: string,
        what: string,
    ) => {
        const runtime = runtimeName === undefined ? undefined : runtimes[runtimeName];
        if (runtime?.type !== "kubernetes") return;
        const objectName = name(runtime.type);
        if (objectName.length > 63)
            report(
                path,
                `${what} names Kubernetes objects ${JSON.stringify(objectName)}, ${objectName.length} characters; Kubernetes allows at most 63`,
            );
        else if (!KUBERNETES_NAME.test(objectName))
            report(
                path,
                `${what} names Kubernetes objects ${JSON.stringify(objectName)}, which must end in a letter or digit`,
            );
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
                environmentAt(i, "name"),
                "this environment",
            );
    });
};

/** In the order their problems are reported: at one key path, the first one found is the one kept. */
export const RULES: readonly Rule[] = [
    supervisorFitsMode,
    someRuntime,
    postgresContainerOnDocker,
    redisByMode,
    redisContainerOnDocker,
    entryFitsItsRuntime,
    environmentsByMode,
    uniqueEnvironmentNames,
    environmentsFitTheirRuntimes,
    appsInKnownEnvironments,
    sharedSessionsNeedSharedSecret,
    dropDataNeedsDecommissioned,
    restoreIntoOwnStorage,
    schemaModeUsesTenantsDatabase,
    uniqueAppIds,
    decommissionedNeedsBackups,
    uniqueNames,
    distinctPublishedPorts,
    kubernetesNamesFit,
];
